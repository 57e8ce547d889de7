import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// The score histograms of Reports/ScoreHistogram.swift and their figures.
@Suite struct ScoreHistogramTests {
    @Test func histogramsShareBinsAndCountEveryRow() {
        let scores = [0.0, 1, 2, 3, 4, 5, 6, 7, 8, 10]
        let labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
        let h = ScoreHistogram(scores: scores, labels: labels, bins: 5, threshold: 6.5)
        #expect(h.edges == [0, 2, 4, 6, 8, 10])
        #expect(h.normal == [2, 2, 2, 1, 0])
        #expect(h.anomalous == [0, 0, 0, 1, 2])
        #expect(h.holds(6.5))
        #expect(h.shares(of: h.anomalous) == [0, 0, 0, 1.0 / 3, 2.0 / 3])
    }

    @Test func aLongTailIsCutIntoTheLastBin() {
        // 99 scores in [0, 1) and one at 1e9: the range stops at the bulk, the outlier joins the last bin.
        let scores = (0..<99).map { Double($0) / 100 } + [1e9]
        let labels = [Int](repeating: 0, count: 99) + [1]
        let h = ScoreHistogram(scores: scores, labels: labels, bins: 10, threshold: 5e8)
        #expect(h.edges.last! < 1)
        #expect(h.aboveRange >= 1)
        #expect(h.anomalous.last == 1)
        #expect(!h.holds(5e8))
        let svg = EvaluationFigures.histogram(ScoredRun(name: "x", scores: scores, labels: labels, threshold: 5e8)).render()
        #expect(svg.contains(">threshold 5e+08</text>") && svg.contains(">(off the axis)</text>"))
    }

    @Test func extremeScoresDrawWithoutTrapping() {
        let run = ScoredRun(name: "x", scores: [-1e308, 1e308, 0, .infinity], labels: [0, 1, 0, 1], threshold: .nan)
        let svg = EvaluationFigures.histogram(run).render()
        #expect(svg.hasPrefix("<svg") && !svg.contains("nan\""))
        #expect(PlotAxis(label: "", lower: -1e308, upper: 1e308).ticks().count <= 50)
        #expect(EvaluationFigures.roc([run]).render().contains("class=\"curve roc\""))
    }
}
