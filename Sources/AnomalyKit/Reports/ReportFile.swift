import Foundation

/// The kinds of report file, told apart by the path's extension.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// One self-contained HTML page with inline SVG charts (`.html`, `.htm`).
    case html
    /// Markdown tables (`.md`, `.markdown`).
    case markdown

    /// The extensions each format is recognised by.
    public var extensions: [String] { self == .html ? ["html", "htm"] : ["md", "markdown"] }
}

/// Where a report goes: checked before any work starts (so a bad path fails at once and
/// nothing is written), then written atomically.
public enum ReportFile {
    /// The format of `path`, after checking that it has one of the `allowed` formats'
    /// extensions, that its folder exists and is writable, and that it is not a folder itself.
    /// - Throws: `AnomalyError` naming the path and what is wrong.
    public static func check(_ path: String, allowed: [ReportFormat] = ReportFormat.allCases) throws -> ReportFormat {
        guard !path.isEmpty else { throw AnomalyError(.parameter, "the report path is empty") }
        let ext = (path as NSString).pathExtension.lowercased()
        guard let format = allowed.first(where: { $0.extensions.contains(ext) }) else {
            let known = allowed.flatMap(\.extensions).map { "." + $0 }.joined(separator: ", ")
            throw AnomalyError(.parameter, "a report must be a \(known) file, not '\(ext.isEmpty ? "(no extension)" : "." + ext)'", file: path)
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw AnomalyError(.io, "cannot write the report: this is a folder", file: path)
        }
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        guard fm.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AnomalyError(.io, "cannot write the report: the folder '\(dir)' does not exist", file: path)
        }
        guard fm.isWritableFile(atPath: dir) else {
            throw AnomalyError(.io, "cannot write the report: the folder '\(dir)' is not writable", file: path)
        }
        return format
    }

    /// Writes `text` to `path` atomically (a temporary file in the same folder, then a rename).
    public static func write(_ text: String, to path: String) throws {
        try writeAtomically(Data(text.utf8), to: path)
    }
}
