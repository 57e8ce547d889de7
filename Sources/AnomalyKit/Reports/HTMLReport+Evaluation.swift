import Foundation

/// A detector that could not be measured on a dataset, and why (shown in the report).
public struct ReportFailure: Sendable, Equatable {
    public var detector: String
    public var reason: String
    public init(detector: String, reason: String) {
        self.detector = detector
        self.reason = reason
    }
}

/// One dataset of a benchmark as its report shows it: where it came from and every detector's
/// evaluation on its test split.
public struct ReportDataset: Sendable {
    public var name: String
    public var file: String?
    public var rows: Int
    public var features: Int
    public var results: [EvaluationResult]
    public var failures: [ReportFailure]

    public init(name: String, file: String? = nil, rows: Int, features: Int, results: [EvaluationResult],
                failures: [ReportFailure] = []) {
        self.name = name
        self.file = file
        self.rows = rows
        self.features = features
        self.results = results
        self.failures = failures
    }
}

extension HTMLReport {
    /// The metrics table's header (`metricRow` gives a row).
    public static let metricColumns = ["detector", "ROC-AUC", "AP", "precision", "recall", "F1", "accuracy", "best F1",
                                       "precision@n", "fit s", "score s", "rows/s"]

    /// A row of the metrics table: ranking metrics, metrics at the threshold, and timings.
    public static func metricRow(_ r: EvaluationResult, name: String? = nil) -> [String] {
        let m = r.report
        return [name ?? r.detector, Markup.number(m.rocAUC), Markup.number(m.averagePrecision), Markup.number(m.precision),
                Markup.number(m.recall), Markup.number(m.f1), Markup.number(m.accuracy), Markup.number(m.bestF1),
                Markup.number(m.precisionAtN), Markup.number(m.fitSeconds), Markup.number(m.scoreSeconds),
                Markup.number(m.rowsPerSecond, digits: 0)]
    }

    /// Adds the charts and the metrics of detectors evaluated on one test split: ROC and
    /// precision–recall curves overlaid (one line per detector), a score histogram per
    /// detector (thumbnails when there are several), the metrics table, and failures if any.
    public mutating func addDetectorComparison(_ results: [EvaluationResult], failures: [ReportFailure] = []) {
        let runs = results.map { ScoredRun($0) }
        if let first = results.first {
            let anomalies = first.testLabels.reduce(0, +)
            note("Test split: \(first.testRows) rows, \(anomalies) anomalous. Curves: one line per detector, "
                 + "its ROC-AUC or average precision in the legend; dashed grey: a detector that ranks at random.")
        }
        figures(runs.isEmpty ? [] : [EvaluationFigures.roc(runs), EvaluationFigures.precisionRecall(runs)])
        if runs.count == 1 {
            figures([EvaluationFigures.histogram(runs[0])])
        } else if !runs.isEmpty {
            note("Score histograms, each as a share of its class: blue normal test rows, red anomalous ones; "
                 + "the dashed line is the detector's threshold (rows above it are flagged).")
            figures(runs.map { EvaluationFigures.histogram($0, title: $0.name, small: true) })
        }
        if !results.isEmpty { table(Self.metricColumns, results.map { Self.metricRow($0) }) }
        if !failures.isEmpty {
            table(["detector", "failed because"], failures.map { [$0.detector, $0.reason] })
        }
    }

    /// The settings every evaluation shares: the detector, its parameters and threshold, the
    /// rows and features, and the version and date.
    static func resultSettings(_ r: EvaluationResult) -> [Setting] {
        [Setting("detector", r.detector), Setting("parameters", r.parameters.summary.isEmpty ? "defaults" : r.parameters.summary),
         Setting("contamination", Markup.compact(r.contamination)), Setting("threshold", "\(r.threshold)"),
         Setting("training rows", "\(r.trainRows)"),
         Setting("test rows", "\(r.testRows) (\(r.testLabels.reduce(0, +)) anomalous)"), Setting("features", "\(r.featureCount)")]
    }

    /// The report of `anomalykit evaluate`: one detector on one test split. `data` says where
    /// the rows came from (files, split, seed, preprocessing); the rest comes from the result.
    public static func evaluation(_ result: EvaluationResult, data: [Setting], generated: Date = Date()) -> HTMLReport {
        var page = HTMLReport(title: "AnomalyKit evaluation: \(result.detector)", generated: generated)
        page.paragraph("\(result.detector) fitted on \(result.trainRows) training rows and scored on \(result.testRows) "
                       + "labelled test rows: ROC-AUC \(Markup.number(result.report.rocAUC)), average precision "
                       + "\(Markup.number(result.report.averagePrecision)).")
        page.heading("Curves, scores and metrics")
        page.addDetectorComparison([result])
        page.heading("Data and settings")
        page.settings(data + resultSettings(result) + page.versionSettings)
        return page
    }

    /// The report of `anomalykit benchmark`: a summary over datasets, then a section per dataset
    /// with every detector's curves, histograms and metrics. `settings` says how the runs were
    /// made (folder, seed, split, parameters).
    public static func benchmark(_ datasets: [ReportDataset], settings: [Setting], generated: Date = Date()) -> HTMLReport {
        var page = HTMLReport(title: "AnomalyKit benchmark", generated: generated)
        let detectors = orderedDetectors(datasets)
        page.paragraph("\(detectors.count) detector(s) on \(datasets.count) dataset(s). Each dataset has its own section "
                       + "below with every detector's ROC and precision–recall curves, score histograms and metrics.")
        page.heading("Summary (mean over datasets)")
        page.addSummary(datasets, detectors: detectors)
        page.heading("Data and settings")
        page.settings(settings + page.versionSettings)
        page.table(["dataset", "file", "rows", "features"], datasets.map { [$0.name, $0.file ?? "", "\($0.rows)", "\($0.features)"] })
        let parameterRows = detectors.compactMap { d -> [String]? in
            guard let r = datasets.lazy.flatMap(\.results).first(where: { $0.detector == d }) else { return nil }
            return [d, r.parameters.summary.isEmpty ? "defaults" : r.parameters.summary, Markup.compact(r.contamination)]
        }
        page.table(["detector", "parameters", "contamination"], parameterRows)
        for ds in datasets {
            page.heading("\(ds.name): \(ds.rows) rows × \(ds.features) features")
            page.addDetectorComparison(ds.results, failures: ds.failures)
        }
        return page
    }

    /// A table of each detector's mean ROC-AUC and AP over the datasets it ran on, best first.
    public mutating func addSummary(_ datasets: [ReportDataset], detectors: [String]) {
        let rows = detectors.map { d -> (cells: [String], auc: Double) in
            let ok = datasets.compactMap { ds in ds.results.first { $0.detector == d } }
            let auc = Self.mean(ok.map(\.report.rocAUC)), ap = Self.mean(ok.map(\.report.averagePrecision))
            return ([d, "\(ok.count)", Markup.number(auc), Markup.number(ap),
                     Markup.number(ok.map(\.report.fitSeconds).reduce(0, +), digits: 2),
                     Markup.number(ok.map(\.report.scoreSeconds).reduce(0, +), digits: 2)], auc.isNaN ? -1 : auc)
        }.sorted { $0.auc > $1.auc }
        table(["detector", "datasets", "mean ROC-AUC", "mean AP", "total fit s", "total score s"], rows.map { $0.cells })
    }

    /// The AnomalyKit version and the report's date, as settings.
    public var versionSettings: [Setting] {
        [Setting("AnomalyKit version", AnomalyKitInfo.version), Setting("date (UTC)", generatedText)]
    }

    /// Detector names in the order they first appear.
    static func orderedDetectors(_ datasets: [ReportDataset]) -> [String] {
        var seen: [String] = []
        for ds in datasets {
            for name in ds.results.map(\.detector) + ds.failures.map(\.detector) where !seen.contains(name) { seen.append(name) }
        }
        return seen
    }

    /// The mean of the finite values (NaN when there are none).
    static func mean(_ values: [Double]) -> Double {
        let v = values.filter(\.isFinite)
        return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
    }
}
