import Foundation

/// A report as one self-contained HTML file: headings, paragraphs, tables, settings and inline
/// SVG figures, styled by an embedded stylesheet. It references nothing outside itself (no
/// scripts, fonts, images or links), so it opens offline and can be mailed or archived as is.
/// Every text it is given is escaped when rendered.
public struct HTMLReport: Sendable {
    /// One piece of the page, in order.
    package enum Block: Sendable {
        case heading(String, level: Int)
        case paragraph(String)
        /// A table; cells that read as numbers are right-aligned.
        case table(header: [String], rows: [[String]])
        /// Name–value pairs: the data and settings a result came from.
        case settings([Setting])
        /// A row of charts that wraps on narrow screens.
        case figures([any SVGFigure])
        /// A one-line key under figures (colours, markers).
        case note(String)
    }

    /// One line of a settings block.
    public struct Setting: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var title: String
    /// When the report was made (shown in its footer and settings).
    public var generated: Date
    package private(set) var blocks: [Block] = []

    public init(title: String, generated: Date = Date()) {
        self.title = title
        self.generated = generated
    }

    package mutating func add(_ block: Block) { blocks.append(block) }
    public mutating func heading(_ text: String, level: Int = 2) { add(.heading(text, level: min(max(level, 2), 4))) }
    public mutating func paragraph(_ text: String) { add(.paragraph(text)) }
    public mutating func table(_ header: [String], _ rows: [[String]]) { add(.table(header: header, rows: rows)) }
    public mutating func settings(_ items: [Setting]) { add(.settings(items)) }
    package mutating func figures(_ plots: [any SVGFigure]) { if !plots.isEmpty { add(.figures(plots)) } }
    public mutating func note(_ text: String) { add(.note(text)) }

    /// The date as the report prints it: ISO 8601 in UTC, to the second.
    public var generatedText: String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: generated)
    }

    /// The whole page.
    public func render() -> String {
        var s = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="AnomalyKit \(Markup.escape(AnomalyKitInfo.version))">
        <title>\(Markup.escape(title))</title>
        <style>\(Self.stylesheet)</style>
        </head>
        <body>
        <main>
        <h1>\(Markup.escape(title))</h1>

        """
        for block in blocks { s += Self.render(block) + "\n" }
        s += "<footer>Written by AnomalyKit \(Markup.escape(AnomalyKitInfo.version)) on \(Markup.escape(generatedText)). "
            + "This file is self-contained: no scripts, fonts or links.</footer>\n</main>\n</body>\n</html>\n"
        return s
    }

    private static func render(_ block: Block) -> String {
        switch block {
        case .heading(let text, let level):
            return "<h\(level)>\(Markup.escape(text))</h\(level)>"
        case .paragraph(let text):
            return "<p>\(Markup.escape(text))</p>"
        case .note(let text):
            return "<p class=\"note\">\(Markup.escape(text))</p>"
        case .table(let header, let rows):
            var s = "<div class=\"scroll\"><table>\n<thead><tr>" + header.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for row in rows {
                s += "<tr>" + row.map { cell in
                    "<td\(looksNumeric(cell) ? " class=\"num\"" : cell.count > 48 ? " class=\"wrap\"" : "")>\(Markup.escape(cell))</td>"
                }.joined() + "</tr>\n"
            }
            return s + "</tbody></table></div>"
        case .settings(let items):
            return "<dl class=\"settings\">\n" + items.map {
                "<dt>\(Markup.escape($0.name))</dt><dd>\(Markup.escape($0.value))</dd>"
            }.joined(separator: "\n") + "\n</dl>"
        case .figures(let plots):
            return "<div class=\"figures\">\n" + plots.map { "<figure>\($0.render())</figure>" }.joined(separator: "\n") + "\n</div>"
        }
    }

    /// Whether a table cell holds a number (or the "—" of a missing one).
    static func looksNumeric(_ cell: String) -> Bool {
        let t = cell.trimmingCharacters(in: .whitespaces)
        return t == "—" || (!t.isEmpty && Double(t.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "+", with: "")) != nil)
    }

    private static let stylesheet = """

    body { margin: 0; background: #f6f6f4; color: #222; font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; }
    main { max-width: 1280px; margin: 0 auto; padding: 20px 28px 40px; background: #fff; }
    h1 { font-size: 22px; margin: 4px 0 12px; }
    h2 { font-size: 18px; margin: 28px 0 8px; padding-top: 12px; border-top: 1px solid #ddd; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    h4 { font-size: 14px; margin: 14px 0 4px; }
    p { margin: 6px 0; max-width: 980px; }
    p.note { color: #555; font-size: 12.5px; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
    th, td { padding: 3px 10px; border-bottom: 1px solid #e4e4e4; text-align: left; white-space: nowrap; }
    th { background: #f0f0ee; font-weight: bold; }
    td.wrap { white-space: normal; min-width: 320px; max-width: 900px; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    dl.settings { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0 12px; font-size: 13px; }
    dl.settings dt { color: #555; }
    dl.settings dd { margin: 0; word-break: break-word; }
    .figures { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-start; }
    figure { margin: 0; }
    svg.plot { display: block; max-width: 100%; height: auto; }
    footer { margin-top: 28px; padding-top: 8px; border-top: 1px solid #ddd; color: #666; font-size: 12px; }

    """
}
