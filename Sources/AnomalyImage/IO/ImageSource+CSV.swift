import AnomalyKit
import Foundation

extension ImageSource {
    /// The images listed in column `imageColumn` of the CSV file at `csv` (read with AnomalyKit's
    /// CSV rules), in file order. Relative paths are relative to the CSV file's folder; absolute
    /// paths are used as written. With `labelColumn`, labels are read with `CSVReader`'s words:
    /// `1`, `true`, `yes`, `anomaly`, `anomalous`, `outlier` → 1; `0`, `false`, `no`, `normal`,
    /// `inlier` → 0 (any case).
    /// - Throws: `AnomalyError` (`.data`) naming the CSV file and: an unknown column (listing the
    ///   header), or the line of an empty path, a file that does not exist (naming it) or a label
    ///   that is not one of the words above. Line numbers count the header as line 1 and one line
    ///   per row.
    /// - Complexity: O(file size)
    public static func csv(_ csv: URL, imageColumn: String, labelColumn: String? = nil) throws -> ImageSource {
        let file = csv.path
        let columns = [imageColumn] + (labelColumn.map { [$0] } ?? [])
        let rows = try CSVReader.columnTexts(columns, path: file, validatingUTF8: true)
        guard !rows.isEmpty else {
            throw AnomalyError.data("the file has a header but no rows of images", file: file, line: 2)
        }
        let base = csv.standardizedFileURL.deletingLastPathComponent()
        var urls: [URL] = [], labels: [Int] = []
        for (index, row) in rows.enumerated() {
            let line = index + 2
            let written = row[0]
            guard !written.isEmpty else {
                throw AnomalyError.data("empty image path", file: file, line: line, field: imageColumn)
            }
            let url = written.hasPrefix("/") ? URL(fileURLWithPath: written) : base.appendingPathComponent(written)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw AnomalyError.data("no such image file '\(written)' (looked for \(url.path))", file: file, line: line,
                                        field: imageColumn)
            }
            urls.append(url)
            if let labelColumn {
                guard let label = Self.label(row[1]) else {
                    throw AnomalyError.data("expected a label 0 or 1 (normal or anomaly), got \"\(row[1].prefix(60))\"",
                                            file: file, line: line, field: labelColumn)
                }
                labels.append(label)
            }
        }
        return ImageSource(paths: rows.map { $0[0] }, urls: urls, labels: labelColumn == nil ? nil : labels,
                           skippedFiles: 0)
    }

    /// CSVReader's label words (its parser keeps them private).
    private static func label(_ text: String) -> Int? {
        switch text.lowercased() {
        case "1", "1.0", "true", "yes", "anomaly", "anomalous", "outlier": return 1
        case "0", "0.0", "false", "no", "normal", "inlier": return 0
        default: return nil
        }
    }
}
