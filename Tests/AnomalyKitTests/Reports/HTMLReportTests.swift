import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// The HTML reports: the charts are there (one ROC and one PR path per detector, histogram bars,
/// the threshold), text is escaped, nothing outside the file is referenced, and bad report
/// paths are refused before any work.
@Suite struct ReportTests {
    /// Two detectors evaluated on one seeded split of generated data.
    static func results() throws -> [EvaluationResult] {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 120, d: 3, outliers: 12, seed: 3)
        let (train, testX, testY) = try Evaluation.split(Dataset(x: x, labels: y), labels: y, seed: 7)
        return try ["knn", "iforest"].map { name in
            try Evaluation.run(DetectorRegistry.make(name, assignments: [:]), train: train, test: testX, testLabels: testY)
        }
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func anEvaluationPageHoldsItsCurvesHistogramThresholdAndSettings() throws {
        let r = try Self.results()[0]
        let html = HTMLReport.evaluation(r, data: [.init("data", "train.csv")], generated: Date(timeIntervalSince1970: 0)).render()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(count("class=\"curve roc\"", in: html) == 1)
        #expect(count("class=\"curve pr\"", in: html) == 1)
        #expect(count("class=\"threshold", in: html) == 1)
        #expect(count("class=\"bar normal\"", in: html) > 3)
        #expect(count("class=\"bar anomalous\"", in: html) >= 1)
        #expect(html.contains("<td>knn</td><td class=\"num\">\(Markup.number(r.report.rocAUC))</td>"))
        for setting in ["train.csv", "AnomalyKit version", "1970-01-01T00:00:00Z", "threshold", "contamination"] {
            #expect(html.contains(setting), "missing \(setting)")
        }
    }

    @Test func aBenchmarkPageHasOneROCAndOnePRPathPerDetectorPerDataset() throws {
        let results = try Self.results()
        let datasets = ["first", "second"].map { ReportDataset(name: $0, rows: 132, features: 3, results: results) }
        let html = HTMLReport.benchmark(datasets, settings: [.init("seed", "42")]).render()
        #expect(count("class=\"curve roc\"", in: html) == 4)
        #expect(count("class=\"curve pr\"", in: html) == 4)
        #expect(count("data-series=\"knn ", in: html) == 4)
        #expect(count("class=\"threshold", in: html) == 4)
        #expect(html.contains("<h2>first: 132 rows × 3 features</h2>"))
    }

    @Test func thePageReferencesNothingOutsideItself() throws {
        let html = HTMLReport.evaluation(try Self.results()[0], data: []).render()
        for banned in ["<script", "<link", "<img", "<iframe", "@import", "url(", "href=", "src="] {
            #expect(!html.contains(banned), "found \(banned)")
        }
        // The only URL is the SVG namespace, which is a name, not a fetch.
        let urls = html.components(separatedBy: "http").count - 1
        #expect(urls == count("xmlns=\"http://www.w3.org/2000/svg\"", in: html))
    }

    @Test func everyTextIsEscaped() throws {
        let evil = "<script>alert('x')</script> & \"quotes\""
        var page = HTMLReport(title: evil)
        page.paragraph(evil)
        page.table([evil], [[evil]])
        page.settings([.init(evil, evil)])
        var plot = SVGPlot(title: evil, x: .unit(evil), y: .unit(evil))
        plot.addSeries(evil, points: [CurvePoint(x: 0, y: 0), CurvePoint(x: 1, y: 1)], color: "#000")
        page.figures([plot, SVGBarChart(title: evil, axis: .unit(evil), rows: [.init(name: evil, value: 0.5, color: "#000")])])
        let html = page.render()
        #expect(!html.contains("<script"))
        #expect(!html.contains("\"quotes\""))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(Markup.escape("a\u{0}b") == "a\u{FFFD}b")
    }

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

    @Test func axisTicksAreRoundNumbers() {
        let unit = PlotAxis.unit("").ticks()
        #expect(unit.count == 6 && unit.first == 0 && unit.last == 1 && abs(unit[3] - 0.6) < 1e-12)
        #expect(PlotAxis(label: "", lower: 3, upper: 97).ticks() == [20, 40, 60, 80])
        #expect(PlotAxis(label: "", lower: 5, upper: 5).ticks().isEmpty == false)
    }

    @Test func reportPathsAreCheckedBeforeAnyWork() throws {
        let dir = TestSupport.temporaryDirectory()
        #expect(try ReportFile.check(dir + "/r.html") == .html)
        #expect(try ReportFile.check(dir + "/r.md") == .markdown)
        let missing = dir + "/no/such/folder/r.html"
        let folderError = #expect(throws: AnomalyError.self) { try ReportFile.check(missing) }
        #expect(folderError?.description.contains(missing) == true)
        #expect(folderError?.description.contains("does not exist") == true)
        let extError = #expect(throws: AnomalyError.self) { try ReportFile.check(dir + "/r.txt", allowed: [.html]) }
        #expect(extError?.message.contains(".html") == true)
        #expect(extError?.kind == .parameter)
        #expect(throws: AnomalyError.self) { try ReportFile.check(dir, allowed: [.html]) }
    }

    @Test func recalibratedDomainsAreSeededDisjointAndStratified() throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 100, d: 4, outliers: 20, seed: 5)
        let make = { try Recalibration().domains(x: x, labels: y, shares: [1, 1, 2], names: ["a", "b", "c"], seed: 9) }
        let first = try make(), again = try make()
        #expect(first.map(\.x) == again.map(\.x))
        #expect(first.map(\.x.rows) == [30, 30, 60])
        #expect(first.map { $0.labels.reduce(0, +) } == [5, 5, 10])
        #expect(first[0].x != x.rows(at: Array(0..<30)))
        #expect(throws: AnomalyError.self) { try Recalibration().domains(x: x, labels: y, shares: [1, 0], names: ["a", "b"], seed: 1) }
    }
}
