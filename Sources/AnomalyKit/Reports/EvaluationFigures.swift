/// One detector's test scores as a report draws them: the scores, the true labels (1 = anomaly)
/// and the decision threshold (rows scoring above it are flagged).
package struct ScoredRun: Sendable {
    package var name: String
    package var scores: [Double]
    package var labels: [Int]
    package var threshold: Double?

    package init(name: String, scores: [Double], labels: [Int], threshold: Double? = nil) {
        precondition(scores.count == labels.count, "one label per score")
        self.name = name
        self.scores = scores
        self.labels = labels
        self.threshold = threshold
    }

    /// The run of an evaluation, named after its detector unless `name` is given.
    package init(_ result: EvaluationResult, name: String? = nil) {
        self.init(name: name ?? result.detector, scores: result.testScores, labels: result.testLabels, threshold: result.threshold)
    }
}

/// The charts of a report: ROC and precision–recall curves with one line per detector, and
/// score histograms of normal against anomalous rows with the threshold marked.
package enum EvaluationFigures {
    /// ROC curves of `runs` overlaid, each labelled with its ROC-AUC, over the chance diagonal.
    package static func roc(_ runs: [ScoredRun], title: String = "ROC curve") -> SVGPlot {
        var plot = SVGPlot(title: title, x: .unit("false positive rate"), y: .unit("true positive rate"))
        plot.addReference([CurvePoint(x: 0, y: 0), CurvePoint(x: 1, y: 1)])
        for (i, run) in runs.enumerated() {
            let curve = ROCCurve(labels: run.labels, scores: run.scores)
            plot.addSeries("\(run.name) \(Markup.number(curve.area))", points: curve.points,
                           color: PlotPalette.color(i), dashed: PlotPalette.dashed(i), classes: "roc")
        }
        return plot
    }

    /// Precision–recall curves of `runs` overlaid (steps, as average precision reads them), each
    /// labelled with its average precision, over the chance level (the share of anomalies).
    package static func precisionRecall(_ runs: [ScoredRun], title: String = "Precision–recall curve") -> SVGPlot {
        var plot = SVGPlot(title: title, x: .unit("recall"), y: .unit("precision"))
        if let first = runs.first {
            let base = PrecisionRecallCurve(labels: first.labels, scores: first.scores).baseline
            if base.isFinite { plot.addReference([CurvePoint(x: 0, y: base), CurvePoint(x: 1, y: base)]) }
        }
        for (i, run) in runs.enumerated() {
            let curve = PrecisionRecallCurve(labels: run.labels, scores: run.scores)
            plot.addSeries("\(run.name) \(Markup.number(curve.averagePrecision))", points: curve.points,
                           color: PlotPalette.color(i), join: .steps, dashed: PlotPalette.dashed(i), classes: "pr")
        }
        return plot
    }

    /// The scores of normal and of anomalous rows as two overlaid histograms (each as a share of
    /// its class, so a handful of anomalies stays visible next to many normal rows), with the
    /// threshold as a dashed line. `small` draws a thumbnail without a legend, for grids of
    /// detectors (the page then says what the colours mean).
    package static func histogram(_ run: ScoredRun, title: String? = nil, small: Bool = false) -> SVGPlot {
        let h = ScoreHistogram(scores: run.scores, labels: run.labels, bins: small ? 24 : 36, threshold: run.threshold)
        let normal = h.shares(of: h.normal), anomalous = h.shares(of: h.anomalous)
        let top = max(normal.max() ?? 0, anomalous.max() ?? 0)
        var plot = SVGPlot(title: title ?? "Scores of \(run.name)",
                           x: PlotAxis(label: h.aboveRange > 0 ? "score (last bar: ≥ \(Markup.compact(h.edges[h.edges.count - 2])))" : "score",
                                       lower: h.edges[0], upper: h.edges[h.edges.count - 1]),
                           y: PlotAxis(label: "share of class", lower: 0, upper: top > 0 ? top * 1.08 : 1),
                           width: small ? 290 : 470, height: small ? 190 : 300, legendWidth: small ? 0 : 150)
        func spans(_ v: [Double]) -> [(lower: Double, upper: Double, height: Double)] {
            v.indices.map { (h.edges[$0], h.edges[$0 + 1], v[$0]) }
        }
        let anomalies = h.anomalous.reduce(0, +), normals = h.normal.reduce(0, +)
        plot.addBars("normal (\(normals))", spans(normal), color: PlotPalette.normal, classes: "normal")
        plot.addBars("anomalous (\(anomalies))", spans(anomalous), color: PlotPalette.anomalous, classes: "anomalous")
        if let t = run.threshold, t.isFinite {
            // A threshold within a hair of zero (iforest's, by construction) reads as 0, not 4e-17.
            let shown = abs(t) < (h.edges[h.edges.count - 1] - h.edges[0]) * 1e-9 ? 0 : t
            let inside = h.holds(t)
            let edge = t < h.edges[0] ? h.edges[0] : h.edges[h.edges.count - 1]
            plot.addMarker(at: inside ? t : edge, label: "threshold \(Markup.compact(shown))", detail: inside ? nil : "(off the axis)",
                           color: PlotPalette.threshold)
        }
        return plot
    }
}
