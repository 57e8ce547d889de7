import Foundation

/// Escaping and number formatting shared by the HTML and SVG writers: every piece of text that
/// reaches a report (dataset and file names, parameters, error messages) goes through `escape`.
package enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe in element content and
    /// in quoted attribute values of HTML and SVG. Control characters other than tab and
    /// newline, which XML forbids, become U+FFFD.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A metric for a table: fixed `digits` decimals, "—" for NaN.
    package static func number(_ v: Double, digits: Int = 3) -> String {
        guard v.isFinite else { return v.isNaN ? "—" : (v > 0 ? "∞" : "−∞") }
        return String(format: "%.\(digits)f", v)
    }

    /// A short label for an axis tick or a threshold: up to 3 significant digits, scientific
    /// notation for very large or small magnitudes.
    package static func compact(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        if v == 0 { return "0" }
        let m = abs(v)
        if m >= 1e5 || m < 1e-3 { return String(format: "%.2g", v) }
        var s = String(format: m >= 100 ? "%.0f" : (m >= 10 ? "%.1f" : (m >= 1 ? "%.2f" : "%.3f")), v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A coordinate in an SVG attribute: one decimal, no trailing ".0".
    static func coordinate(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }
}
