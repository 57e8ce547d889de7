import Foundation

/// A small self-contained SVG chart: two axes with ticks and a grid, line or step series, bars,
/// vertical markers, dashed reference lines and a legend to the right of the plot area (so it
/// never covers the data). It writes plain SVG 1.1 with no scripts, fonts or links, and every
/// text escaped.
///
/// Elements carry classes (`curve`, `bar`, `threshold`, `reference`) and `data-series` names so
/// a report can be checked without rendering it.
package struct SVGPlot: SVGFigure {
    /// How a series joins its points.
    package enum Join: Sendable { case straight, steps }

    package struct Series: Sendable {
        package var name: String
        package var color: String
        package var points: [CurvePoint]
        package var join: Join
        package var dashed: Bool
        /// Extra classes of the path, e.g. `roc`.
        package var classes: String
    }

    package struct Bar: Sendable {
        package var lower: Double, upper: Double, height: Double
        package var color: String
        package var classes: String
    }

    package struct Marker: Sendable {
        package var x: Double
        package var label: String
        package var color: String
        package var classes: String
    }

    package struct LegendEntry: Sendable {
        package enum Swatch: Sendable { case line, dashed, box, none }
        package var label: String
        package var color: String
        package var swatch: Swatch
    }

    package var title: String
    package var x: PlotAxis
    package var y: PlotAxis
    package var width: Double
    package var height: Double
    /// Room for the legend right of the plot area; 0 draws no legend.
    package var legendWidth: Double
    package private(set) var series: [Series] = []
    package private(set) var bars: [Bar] = []
    package private(set) var markers: [Marker] = []
    package private(set) var references: [[CurvePoint]] = []
    package private(set) var legend: [LegendEntry] = []

    package init(title: String, x: PlotAxis, y: PlotAxis, width: Double = 470, height: Double = 300, legendWidth: Double = 150) {
        self.title = title
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.legendWidth = legendWidth
    }

    /// Adds a curve with a legend entry `name`.
    package mutating func addSeries(_ name: String, points: [CurvePoint], color: String, join: Join = .straight,
                                   dashed: Bool = false, classes: String = "") {
        series.append(Series(name: name, color: color, points: points, join: join, dashed: dashed, classes: classes))
        legend.append(LegendEntry(label: name, color: color, swatch: dashed ? .dashed : .line))
    }

    /// Adds bars from `lower` to `upper` on the x axis, `height` tall; one legend entry `name`.
    package mutating func addBars(_ name: String, _ spans: [(lower: Double, upper: Double, height: Double)],
                                 color: String, classes: String = "") {
        bars += spans.map { Bar(lower: $0.lower, upper: $0.upper, height: $0.height, color: color, classes: classes) }
        legend.append(LegendEntry(label: name, color: color, swatch: .box))
    }

    /// Adds a vertical marker at `x` (a threshold), labelled in the legend, with an optional
    /// second legend line `detail`.
    package mutating func addMarker(at x: Double, label: String, detail: String? = nil, color: String, classes: String = "") {
        markers.append(Marker(x: x, label: label, color: color, classes: classes))
        legend.append(LegendEntry(label: label, color: color, swatch: .dashed))
        if let detail { legend.append(LegendEntry(label: detail, color: color, swatch: .none)) }
    }

    /// Adds a thin grey dashed line with no legend entry (the chance diagonal, a baseline).
    package mutating func addReference(_ points: [CurvePoint]) { references.append(points) }

    // Layout of the plot area inside the picture.
    private var left: Double { 58 }
    private var top: Double { 30 }
    private var bottom: Double { 44 }
    private var right: Double { legendWidth > 0 ? legendWidth + 14 : 16 }
    private var legendRow: Double { 16 }
    /// The picture's height: at least `height`, taller when the legend needs it.
    private var pictureHeight: Double { max(height, top + Double(legend.count) * legendRow + 12) }
    private var plotWidth: Double { max(width - left - right, 40) }
    private var plotHeight: Double { pictureHeight - top - bottom }

    private func px(_ v: Double) -> Double { left + min(max(x.share(v), -0.02), 1.02) * plotWidth }
    private func py(_ v: Double) -> Double { top + plotHeight - min(max(y.share(v), -0.02), 1.02) * plotHeight }

    /// The chart as one `<svg>` element.
    package func render() -> String {
        let c = Markup.coordinate
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(c(width))\" height=\"\(c(pictureHeight))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(pictureHeight))\" role=\"img\" aria-label=\"\(Markup.escape(title))\" "
            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        s += "<title>\(Markup.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(pictureHeight))\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"\(c(left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">\(Markup.escape(title))</text>\n"
        s += axes()
        s += "<g class=\"data\">\n"
        for b in bars {
            let x0 = px(b.lower), x1 = px(b.upper), y0 = py(max(y.lower, 0)), y1 = py(b.height)
            guard b.height > 0 else { continue }
            s += "<rect class=\"bar \(Markup.escape(b.classes))\" x=\"\(c(x0))\" y=\"\(c(min(y0, y1)))\" width=\"\(c(max(x1 - x0, 0.5)))\" "
                + "height=\"\(c(abs(y0 - y1)))\" fill=\"\(b.color)\" fill-opacity=\"0.55\" stroke=\"\(b.color)\" stroke-width=\"0.6\"/>\n"
        }
        for r in references where r.count > 1 {
            s += "<path class=\"reference\" d=\"\(pathData(r, join: .straight))\" fill=\"none\" stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n"
        }
        for line in series where !line.points.isEmpty {
            s += "<path class=\"curve \(Markup.escape(line.classes))\" data-series=\"\(Markup.escape(line.name))\" d=\"\(pathData(line.points, join: line.join))\" "
                + "fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\""
                + (line.dashed ? " stroke-dasharray=\"6 3\"" : "") + "/>\n"
        }
        for m in markers {
            let xm = px(m.x)
            s += "<line class=\"threshold \(Markup.escape(m.classes))\" x1=\"\(c(xm))\" y1=\"\(c(top))\" x2=\"\(c(xm))\" y2=\"\(c(top + plotHeight))\" "
                + "stroke=\"\(m.color)\" stroke-width=\"1.8\" stroke-dasharray=\"5 3\"/>\n"
        }
        s += "</g>\n"
        s += legendMarkup()
        s += "</svg>"
        return s
    }

    /// Frame, grid, ticks and axis labels.
    private func axes() -> String {
        let c = Markup.coordinate
        let x0 = left, x1 = left + plotWidth, y0 = top, y1 = top + plotHeight
        var s = "<g class=\"axes\" font-size=\"10.5\" fill=\"#444\">\n"
        for t in x.ticks() {
            let p = px(t)
            s += "<line x1=\"\(c(p))\" y1=\"\(c(y0))\" x2=\"\(c(p))\" y2=\"\(c(y1))\" stroke=\"#e6e6e6\"/>"
            s += "<line x1=\"\(c(p))\" y1=\"\(c(y1))\" x2=\"\(c(p))\" y2=\"\(c(y1 + 4))\" stroke=\"#666\"/>"
            s += "<text x=\"\(c(p))\" y=\"\(c(y1 + 15))\" text-anchor=\"middle\">\(Markup.escape(Markup.compact(t)))</text>\n"
        }
        for t in y.ticks() {
            let p = py(t)
            s += "<line x1=\"\(c(x0))\" y1=\"\(c(p))\" x2=\"\(c(x1))\" y2=\"\(c(p))\" stroke=\"#e6e6e6\"/>"
            s += "<line x1=\"\(c(x0 - 4))\" y1=\"\(c(p))\" x2=\"\(c(x0))\" y2=\"\(c(p))\" stroke=\"#666\"/>"
            s += "<text x=\"\(c(x0 - 7))\" y=\"\(c(p + 3.5))\" text-anchor=\"end\">\(Markup.escape(Markup.compact(t)))</text>\n"
        }
        s += "<rect x=\"\(c(x0))\" y=\"\(c(y0))\" width=\"\(c(plotWidth))\" height=\"\(c(plotHeight))\" fill=\"none\" stroke=\"#666\"/>\n"
        s += "<text x=\"\(c(x0 + plotWidth / 2))\" y=\"\(c(y1 + 34))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222\">\(Markup.escape(x.label))</text>\n"
        let ym = y0 + plotHeight / 2
        s += "<text x=\"14\" y=\"\(c(ym))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222\" transform=\"rotate(-90 14 \(c(ym)))\">\(Markup.escape(y.label))</text>\n"
        return s + "</g>\n"
    }

    /// The legend, one row per entry, right of the plot area.
    private func legendMarkup() -> String {
        guard legendWidth > 0, !legend.isEmpty else { return "" }
        let c = Markup.coordinate
        let x0 = left + plotWidth + 14
        let maxCharacters = max(Int((legendWidth - 28) / 6.2), 4)
        var s = "<g class=\"legend\" font-size=\"11\" fill=\"#222\">\n"
        for (i, e) in legend.enumerated() {
            let yc = top + 8 + Double(i) * legendRow
            switch e.swatch {
            case .box:
                s += "<rect x=\"\(c(x0))\" y=\"\(c(yc - 5))\" width=\"18\" height=\"10\" fill=\"\(e.color)\" fill-opacity=\"0.55\" stroke=\"\(e.color)\"/>"
            case .line, .dashed:
                s += "<line x1=\"\(c(x0))\" y1=\"\(c(yc))\" x2=\"\(c(x0 + 18))\" y2=\"\(c(yc))\" stroke=\"\(e.color)\" stroke-width=\"2.2\""
                    + (e.swatch == .dashed ? " stroke-dasharray=\"5 3\"" : "") + "/>"
            case .none: break
            }
            let label = e.label.count > maxCharacters ? String(e.label.prefix(maxCharacters - 1)) + "…" : e.label
            s += "<text x=\"\(c(x0 + 24))\" y=\"\(c(yc + 4))\">\(Markup.escape(label))</text>\n"
        }
        return s + "</g>\n"
    }

    /// Path data in pixels: steps turned into corners, then points closer than half a pixel to
    /// the last one kept and the middles of straight runs dropped, so a curve of a million
    /// thresholds stays a few hundred commands long.
    private func pathData(_ points: [CurvePoint], join: Join) -> String {
        var corners: [(Double, Double)] = []
        for (i, p) in points.enumerated() {
            if join == .steps, i > 0 { corners.append((px(points[i - 1].x), py(p.y))) }
            corners.append((px(p.x), py(p.y)))
        }
        var kept: [(Double, Double)] = []
        for (i, p) in corners.enumerated() {
            if let last = kept.last, i < corners.count - 1, abs(p.0 - last.0) < 0.5, abs(p.1 - last.1) < 0.5 { continue }
            if kept.count >= 2 {
                let a = kept[kept.count - 2], b = kept[kept.count - 1]
                // b lies on the straight line from a to p: drop it.
                let cross = (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0)
                let dot = (b.0 - a.0) * (p.0 - b.0) + (b.1 - a.1) * (p.1 - b.1)
                let span = max(((p.0 - a.0) * (p.0 - a.0) + (p.1 - a.1) * (p.1 - a.1)).squareRoot(), 1e-9)
                if abs(cross) / span < 0.2, dot >= 0 { kept.removeLast() }
            }
            kept.append(p)
        }
        let c = Markup.coordinate
        return kept.enumerated().map { i, p in (i == 0 ? "M" : "L") + c(p.0) + " " + c(p.1) }.joined(separator: " ")
    }
}

/// A chart that renders itself as one `<svg>` element (a report lays several out in a row).
package protocol SVGFigure: Sendable {
    func render() -> String
}

/// Colours for series that stay apart on screen and in print (Tableau 10, then four more).
package enum PlotPalette {
    package static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                                "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"]
    /// The `i`th colour; past the palette the colours repeat, dashed (see `dashed(_:)`).
    package static func color(_ i: Int) -> String { colors[i % colors.count] }
    /// Whether the `i`th series is drawn dashed to tell it from an earlier one of the same colour.
    package static func dashed(_ i: Int) -> Bool { (i / colors.count) % 2 == 1 }
    /// Normal rows in histograms.
    package static let normal = "#1f77b4"
    /// Anomalous rows in histograms.
    package static let anomalous = "#d62728"
    /// Threshold markers.
    package static let threshold = "#222222"
}
