import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// The HTML reports (Reports/HTMLReport*.swift): the charts are there (one ROC and one PR path per
/// detector, histogram bars, the threshold), text is escaped, nothing outside the file is referenced.
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
}
