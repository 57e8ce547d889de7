import Foundation

/// Reads raw texts for an encoder: a plain-text file (`.txt`, `.log`: one text per line), a
/// JSON-lines file (`.jsonl`: one JSON string per line) or a column of a CSV/TSV file. Every text must be valid UTF-8 (an error names the line); an empty
/// text is kept (it is a text, embedded like any other).
public enum TextReader {
    /// Whether `path` is read as one text per line rather than as a table.
    public static func isPlainText(_ path: String) -> Bool {
        ["txt", "log", "text"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// The texts of `path`: its lines for a plain-text file (`column` must be nil), or the cells of
    /// `column` for a CSV file (required). Lines end with LF or CRLF; a final line end adds no text.
    /// - Throws: `AnomalyError` (`.data`) naming the file and the line of invalid UTF-8, a missing
    ///   column (listing the columns) or an empty file.
    /// - Complexity: O(file size)
    public static func read(path: String, column: String?, delimiter: Character? = nil) throws -> [String] {
        if isJSONLines(path) {
            if let column {
                throw AnomalyError.parameter("text column", "a .jsonl file holds one JSON string per line and has no columns (got '\(column)')")
            }
            return try jsonStrings(of: try NumPy.readFile(path), file: path)
        }
        if isPlainText(path) {
            if let column {
                throw AnomalyError.parameter("text column", "a plain-text file holds one text per line and has no columns (got '\(column)')")
            }
            return try lines(of: try NumPy.readFile(path), file: path)
        }
        guard let column else {
            throw AnomalyError.parameter("text column", "name the CSV column that holds the text")
        }
        return try CSVReader.columnTexts([column], path: path, delimiter: delimiter, validatingUTF8: true).map { $0[0] }
    }

    /// Whether `path` is read as JSON lines: one JSON string per line.
    public static func isJSONLines(_ path: String) -> Bool {
        URL(fileURLWithPath: path).pathExtension.lowercased() == "jsonl"
    }

    /// The JSON strings of `data`, one per line. - Throws: a data error naming the line that is
    /// not a JSON string. - Complexity: O(bytes)
    package static func jsonStrings(of data: Data, file: String) throws -> [String] {
        try lines(of: data, file: file).enumerated().map { index, line in
            guard let text = (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) as? String else {
                throw AnomalyError.data("expected a JSON string (a text) on each line", file: file, line: index + 1)
            }
            return text
        }
    }

    /// The lines of `data`, each checked to be UTF-8. - Complexity: O(bytes)
    package static func lines(of data: Data, file: String) throws -> [String] {
        let bytes = [UInt8](data)
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        var texts: [String] = []
        var lineNumber = 1
        var i = start
        while i < bytes.count {
            var end = i
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var stop = end
            if stop > i && bytes[stop - 1] == 0x0D { stop -= 1 }
            let text: String? = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[i..<stop]), as: UTF8.self) }
            guard let text else {
                throw AnomalyError.data("the line is not valid UTF-8", file: file, line: lineNumber)
            }
            texts.append(text)
            lineNumber += 1
            i = end + 1
        }
        guard !texts.isEmpty else { throw AnomalyError.data("empty file: no text to read", file: file) }
        return texts
    }
}
