import Foundation

/// Turns a log line into its template: the variable parts — UUIDs, timestamps and dates, IP
/// addresses, paths, hexadecimal values, identifiers and numbers — are replaced by placeholders
/// (`<uuid>`, `<time>`, `<ip>`, `<path>`, `<hex>`, `<id>`, `<num>`), so lines that differ only in
/// those parts share one template and are embedded once.
///
/// The patterns run in that order (a UUID is not split into hex and numbers, a timestamp not into
/// numbers). An identifier is a token of letters, digits and `_ . : -` with a letter and two or
/// more groups of digits (a node `R02-M1-N0-C:J12-U11`, a host `node-12.rack3`); a token with one
/// group of digits inside a word (`ext4`, `sda1`, `J12`) is kept: it names a kind of thing rather
/// than one of many. A free-standing number, or one after a dot (`core.25568`), is `<num>`.
public struct LogTemplate: Sendable {
    /// The placeholders, in the order their patterns run.
    public static let placeholders = ["<uuid>", "<time>", "<ip>", "<path>", "<hex>", "<id>", "<num>"]

    private let patterns: [(NSRegularExpression, String)]

    public init() {
        let sources: [(String, String)] = [
            (#"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"#, "<uuid>"),
            // 2005-06-03-15.42.50.675872, 2005-06-03T15:42:50Z, 2005.06.03, 15:42:50.123
            (#"\b\d{4}[-./]\d{2}[-./]\d{2}(?:[-T ]\d{2}[:.]\d{2}[:.]\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"#, "<time>"),
            (#"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"#, "<time>"),
            (#"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"#, "<ip>"),
            (#"(?<![\w/])(?:/[\w.\-]+){2,}/?"#, "<path>"),
            (#"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"#, "<hex>"),
            (#"(?<![\w.:\-])(?=[\w.:\-]*[A-Za-z])(?=[\w.:\-]*?\d+[A-Za-z_.:\-]+\d)[\w.:\-]+"#, "<id>"),
            (#"(?<!\w)[-+]?\d+(?:\.\d+)?(?![\w.])"#, "<num>"),
        ]
        // The patterns are constants: compiling them cannot fail.
        patterns = sources.map { (try! NSRegularExpression(pattern: $0.0), $0.1) }
    }

    /// The template of `line`. - Complexity: O(line length) per pattern.
    public func template(of line: String) -> String {
        var text = line
        for (regex, placeholder) in patterns {
            let range = NSRange(text.startIndex..., in: text)
            text = regex.stringByReplacingMatches(in: text, range: range, withTemplate: placeholder)
        }
        return text
    }
}
