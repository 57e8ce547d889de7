/// A horizontal bar chart of one value per named row on a fixed axis (the demo's comparison of
/// approaches by ROC-AUC): names left of the bars, so long names never collide, each value at
/// its bar's end, and an optional dashed reference (0.5: ranking at random).
package struct SVGBarChart: SVGFigure {
    package struct Row: Sendable {
        package var name: String
        /// NaN draws no bar and prints "—" (an approach that could not run).
        package var value: Double
        package var color: String
        package init(name: String, value: Double, color: String) {
            self.name = name
            self.value = value
            self.color = color
        }
    }

    package var title: String
    package var axis: PlotAxis
    package var rows: [Row]
    package var reference: Double?
    package var width: Double

    package init(title: String, axis: PlotAxis, rows: [Row], reference: Double? = nil, width: Double = 560) {
        self.title = title
        self.axis = axis
        self.rows = rows
        self.reference = reference
        self.width = width
    }

    package func render() -> String {
        let c = Markup.coordinate
        let longest = rows.map(\.name.count).max() ?? 4
        let left = min(Double(longest) * 6.6 + 16, width * 0.45), right = 48.0, top = 30.0, rowHeight = 26.0
        let plotWidth = width - left - right, plotHeight = Double(max(rows.count, 1)) * rowHeight
        let height = top + plotHeight + 44
        func px(_ v: Double) -> Double { left + min(max(axis.share(v), 0), 1) * plotWidth }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot bars\" width=\"\(c(width))\" height=\"\(c(height))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\" aria-label=\"\(Markup.escape(title))\" "
            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n<title>\(Markup.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"\(c(left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">\(Markup.escape(title))</text>\n"
        s += "<g class=\"axes\" font-size=\"10.5\" fill=\"#444\">\n"
        for t in axis.ticks() {
            let p = px(t)
            s += "<line x1=\"\(c(p))\" y1=\"\(c(top))\" x2=\"\(c(p))\" y2=\"\(c(top + plotHeight))\" stroke=\"#e6e6e6\"/>"
            s += "<text x=\"\(c(p))\" y=\"\(c(top + plotHeight + 15))\" text-anchor=\"middle\">\(Markup.escape(Markup.compact(t)))</text>\n"
        }
        s += "<line x1=\"\(c(left))\" y1=\"\(c(top))\" x2=\"\(c(left))\" y2=\"\(c(top + plotHeight))\" stroke=\"#666\"/>\n"
        s += "<text x=\"\(c(left + plotWidth / 2))\" y=\"\(c(top + plotHeight + 34))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222\">\(Markup.escape(axis.label))</text>\n</g>\n"
        if let reference, reference.isFinite {
            let p = px(reference)
            s += "<line class=\"reference\" x1=\"\(c(p))\" y1=\"\(c(top - 4))\" x2=\"\(c(p))\" y2=\"\(c(top + plotHeight))\" stroke=\"#777\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n"
        }
        s += "<g class=\"data\" font-size=\"11.5\" fill=\"#222\">\n"
        for (i, row) in rows.enumerated() {
            let yc = top + (Double(i) + 0.5) * rowHeight
            s += "<text x=\"\(c(left - 8))\" y=\"\(c(yc + 4))\" text-anchor=\"end\">\(Markup.escape(row.name))</text>"
            if row.value.isFinite {
                let x1 = px(row.value)
                s += "<rect class=\"bar\" data-series=\"\(Markup.escape(row.name))\" x=\"\(c(left))\" y=\"\(c(yc - 8))\" width=\"\(c(max(x1 - left, 0.5)))\" height=\"16\" "
                    + "fill=\"\(row.color)\" fill-opacity=\"0.75\" stroke=\"\(row.color)\"/>"
                s += "<text x=\"\(c(x1 + 5))\" y=\"\(c(yc + 4))\">\(Markup.escape(Markup.number(row.value)))</text>\n"
            } else {
                s += "<text x=\"\(c(left + 5))\" y=\"\(c(yc + 4))\" fill=\"#777\">—</text>\n"
            }
        }
        return s + "</g>\n</svg>"
    }
}
