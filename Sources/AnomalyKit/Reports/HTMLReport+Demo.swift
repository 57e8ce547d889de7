import Foundation

/// One approach in a side-by-side comparison (the demo's few-shot table): what it is in one
/// line, and how well it ranked the test rows — or why it could not run.
package struct ComparisonRow: Sendable {
    package var name: String
    package var explanation: String
    package var rocAUC: Double
    package var averagePrecision: Double
    package var fitSeconds: Double
    /// A detail of the run, or the reason it failed (then the metrics are NaN).
    package var note: String

    package init(name: String, explanation: String, rocAUC: Double, averagePrecision: Double, fitSeconds: Double,
                note: String = "") {
        self.name = name
        self.explanation = explanation
        self.rocAUC = rocAUC
        self.averagePrecision = averagePrecision
        self.fitSeconds = fitSeconds
        self.note = note
    }
}

extension HTMLReport {
    /// The demo's report: the few-shot comparison on a new domain (a chart and the table, with
    /// the scenario it was measured on), then the leaderboard of detectors on the bundled
    /// datasets with every dataset's curves and histograms.
    package static func demo(story: String, scenario: [Setting], comparison: [ComparisonRow], conclusion: String? = nil,
                            leaderboard: [ReportDataset], settings: [Setting], generated: Date = Date()) -> HTMLReport {
        var page = HTMLReport(title: "AnomalyKit demo", generated: generated)
        page.paragraph(story)
        page.heading("1. A new domain with only a few normal rows")
        page.settings(scenario)
        let bars = comparison.enumerated().map { i, row in SVGBarChart.Row(name: row.name, value: row.rocAUC, color: PlotPalette.color(i)) }
        page.figures([SVGBarChart(title: "ROC-AUC on the new domain's test rows", axis: .unit("ROC-AUC"), rows: bars, reference: 0.5)])
        page.note("Dashed grey: 0.5, a detector that ranks at random; \"—\": the approach could not run (see its note).")
        page.table(["approach", "what it is", "ROC-AUC", "AP", "fit s", "note"], comparison.map {
            [$0.name, $0.explanation, Markup.number($0.rocAUC), Markup.number($0.averagePrecision), Markup.number($0.fitSeconds, digits: 2), $0.note]
        })
        if let conclusion { page.paragraph(conclusion) }
        page.heading("2. Leaderboard of detectors on the bundled datasets (mean over datasets)")
        let detectors = orderedDetectors(leaderboard)
        page.addSummary(leaderboard, detectors: detectors)
        page.heading("Data and settings")
        page.settings(settings + page.versionSettings)
        page.table(["dataset", "file", "rows", "features"], leaderboard.map { [$0.name, $0.file ?? "", "\($0.rows)", "\($0.features)"] })
        for ds in leaderboard {
            page.heading("\(ds.name): \(ds.rows) rows × \(ds.features) features")
            page.addDetectorComparison(ds.results, failures: ds.failures)
        }
        return page
    }
}
