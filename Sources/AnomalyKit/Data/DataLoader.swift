import AnomalyMath
import Foundation

/// The one entry point for reading data files, by extension:
/// - `.csv`, `.tsv`, `.txt` (and any other extension): CSV, see `CSVReader` for every rule;
/// - `.npy`: a 1-D (one feature) or 2-D numeric array; labels from a separate file (`labelsPath`);
/// - `.npz`: arrays `X` (features, required) and `y` (labels, optional) as in ADBench.
///
/// Missing values (NaN) are errors naming the file, row and column unless `allowMissing` (for
/// imputation); infinity, and finite values beyond `Float`'s range, are always errors. For `.npy`
/// and `.npz` files the error's `line` is the 1-based row and `column` the 1-based feature.
public enum DataLoader {
    /// Reads a dataset. `labelColumn`, `drop`, `delimiter`, `schema`, `maxCategories` and `categorical` apply to CSV
    /// only (naming them for a `.npy`/`.npz` file is an error, except `labelColumn` for `.npz`, which
    /// names the label array instead of `y`). `labelsPath` (a `.npy`, see `loadLabels`) gives or
    /// replaces the labels of any file; its length must match the rows.
    /// - Complexity: O(file size + rows × features)
    public static func load(path: String, labelColumn: String? = nil, drop: [String] = [],
                            delimiter: Character? = nil, schema: TableSchema? = nil,
                            allowMissing: Bool = false, labelsPath: String? = nil,
                            maxCategories: Int = 256, categorical: [String] = [],
                            rawColumns: [String] = []) throws -> Dataset {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        var dataset: Dataset
        if !rawColumns.isEmpty && TextReader.isPlainText(path) {
            // One text per line and nothing else: the text is the only (raw) column.
            guard rawColumns.count == 1 else {
                throw AnomalyError.parameter("text column", "a plain-text file holds one text column, not \(rawColumns.count)")
            }
            if labelColumn != nil || !drop.isEmpty || !categorical.isEmpty {
                throw AnomalyError.parameter("labelColumn", "a plain-text file has no columns to label, drop or declare (\(path))")
            }
            let texts = try TextReader.lines(of: try NumPy.readFile(path), file: path)
            dataset = Dataset(x: Matrix(rows: texts.count, cols: 0), texts: [rawColumns[0]: texts])
            return try finished(dataset, path: path, labelsPath: labelsPath, allowNoFeatures: true)
        }
        switch ext {
        case "npy", "npz":
            if !drop.isEmpty { throw AnomalyError.parameter("drop", "dropping columns applies to CSV files, not .\(ext) (\(path))") }
            if delimiter != nil { throw AnomalyError.parameter("delimiter", "a delimiter applies to CSV files, not .\(ext) (\(path))") }
            if !categorical.isEmpty {
                throw AnomalyError.parameter("categorical", "declaring categorical columns applies to CSV files, not .\(ext) (\(path))")
            }
            if let schema, !schema.columns.isEmpty {
                // A model trained on CSV scores CSV: the feature encoding would not be reproduced.
                throw AnomalyError.shape("the model was trained on a CSV file with named columns (\(schema.columns.map(\.name).prefix(5).joined(separator: ", "))…); score a CSV file with the same columns, not a .\(ext) file", field: path)
            }
            if ext == "npy" {
                if labelColumn != nil {
                    throw AnomalyError.parameter("labelColumn", "a .npy file has no named columns; give labels as a separate .npy file (\(path))")
                }
                let array = try NumPy.read(path: path)
                dataset = Dataset(x: array.matrix())
            } else {
                let labelName = labelColumn ?? "y"
                let arrays = try NumPy.readArchive(path: path, names: ["X", labelName])
                guard let x = arrays["X"] else {
                    throw AnomalyError.data("the archive has no array 'X' (features)", file: path, field: "X")
                }
                var labels: [Int]?
                if let y = arrays[labelName] {
                    labels = try labelValues(y, file: path, field: labelName)
                    guard labels?.count == x.rows else {
                        throw AnomalyError.shape("'\(labelName)' has \(labels?.count ?? 0) labels but 'X' has \(x.rows) rows (\(path))", field: labelName)
                    }
                } else if labelColumn != nil {
                    throw AnomalyError.data("the archive has no array '\(labelName)' (labels)", file: path, field: labelName)
                }
                dataset = Dataset(x: x.matrix(), labels: labels)
            }
            try checkFinite(dataset.x, file: path, allowMissing: allowMissing)
        default:
            let options = CSVOptions(delimiter: delimiter, labelColumn: labelColumn, drop: drop + rawColumns, schema: schema,
                                     allowMissing: allowMissing, maxCategories: maxCategories, categorical: categorical)
            // The text columns first: a missing one is named as the text column it is, not as a
            // column to drop.
            let cells = rawColumns.isEmpty ? []
                : try CSVReader.columnTexts(rawColumns, path: path, delimiter: delimiter, validatingUTF8: true)
            dataset = try CSVReader.read(path: path, options: options)
            for (k, name) in rawColumns.enumerated() { dataset.texts[name] = cells.map { $0[k] } }
        }
        if !rawColumns.isEmpty, ext == "npy" || ext == "npz" {
            throw AnomalyError.parameter("text column", "a .\(ext) file holds numbers only; read text from a CSV or plain-text file (\(path))")
        }
        return try finished(dataset, path: path, labelsPath: labelsPath, allowNoFeatures: !rawColumns.isEmpty)
    }

    /// Attaches the labels file and checks that rows (and, unless raw columns stand in for them,
    /// feature columns) are there.
    private static func finished(_ loaded: Dataset, path: String, labelsPath: String?, allowNoFeatures: Bool) throws -> Dataset {
        var dataset = loaded
        if let labelsPath {
            let labels = try loadLabels(path: labelsPath)
            guard labels.count == dataset.rowCount else {
                throw AnomalyError.shape("\(labelsPath) has \(labels.count) labels but \(path) has \(dataset.rowCount) rows", field: labelsPath)
            }
            dataset.labels = labels
        }
        guard dataset.rowCount > 0 else { throw AnomalyError.data("no data rows", file: path) }
        guard dataset.featureCount > 0 || allowNoFeatures else { throw AnomalyError.data("no feature columns", file: path) }
        return dataset
    }

    /// Reads labels from a `.npy` file: 1-D (or n × 1) of integers, bools or floats, each 0 or 1.
    /// Anything else is an error naming the file and the 1-based position (as `line`).
    /// - Complexity: O(n)
    public static func loadLabels(path: String) throws -> [Int] {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard ext == "npy" else {
            throw AnomalyError.data("labels must be a .npy file (a 1-D array of 0/1)", file: path)
        }
        return try labelValues(try NumPy.read(path: path), file: path, field: "labels")
    }

    /// Checks that an array holds one label per row, each 0 or 1.
    static func labelValues(_ a: NumPyArray, file: String, field: String) throws -> [Int] {
        guard a.shape.count == 1 || a.cols == 1 else {
            throw AnomalyError.data("labels must be a 1-D array, got shape \(NumPy.shapeText(a.shape))", file: file, field: field)
        }
        let values = a.doubles()
        var out = [Int](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            guard v == 0 || v == 1 else {
                throw AnomalyError.data("label must be 0 or 1, got \(v.isFinite && v == v.rounded() ? String(Int(v)) : String(v)) at position \(i + 1)",
                                        file: file, line: i + 1, field: field)
            }
            out[i] = Int(v)
        }
        return out
    }

    /// Reports the first NaN (unless allowed), infinity or out-of-range value of a matrix read from a file.
    static func checkFinite(_ x: Matrix, file: String, allowMissing: Bool) throws {
        guard let i = x.values.firstIndex(where: { $0.isInfinite || (!allowMissing && $0.isNaN) }) else { return }
        let (r, c) = (i / x.cols, i % x.cols)
        let v = x.values[i]
        let what = v.isNaN ? "missing value (NaN)"
                           : "infinity (or a value beyond 32-bit float range) is not allowed in the data"
        throw AnomalyError.data("\(what) at row \(r + 1), feature \(c + 1)", file: file, line: r + 1, column: c + 1,
                                field: "x\(c)", hint: v.isNaN ? .impute : nil)
    }
}
