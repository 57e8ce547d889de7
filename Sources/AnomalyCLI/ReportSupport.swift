import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import Foundation

/// Glue between the commands' runs and the library's HTML reports: the commands check the
/// `--report` path first (`checkReport`), then hand their results over and write the page.

/// Checks a `--report` path before any work: its extension is one of `allowed` and its folder
/// exists. Returns nil when no report was asked for.
func checkReport(_ path: String?, allowed: [ReportFormat]) throws -> ReportFormat? {
    guard let path else { return nil }
    do { return try ReportFile.check(path, allowed: allowed) } catch var e as AnomalyError {
        if e.kind == .parameter { e.field = "--report" }
        throw e
    }
}

/// Writes a rendered page and says where it went (on stderr, so stdout keeps the table or JSON).
func writeReport(_ page: HTMLReport, to path: String) throws {
    try ReportFile.write(page.render(), to: path)
    note("report written to \(path)")
}

/// A benchmark's runs grouped by dataset, in run order, as the report shows them.
func reportDatasets(_ runs: [BenchmarkRun], files: [String]) -> [ReportDataset] {
    var order: [String] = []
    var grouped: [String: [BenchmarkRun]] = [:]
    for r in runs {
        if grouped[r.dataset] == nil { order.append(r.dataset) }
        grouped[r.dataset, default: []].append(r)
    }
    let fileOf = Dictionary(files.map { (datasetStem($0), $0) }, uniquingKeysWith: { a, _ in a })
    return order.map { name in
        let group = grouped[name] ?? []
        let results = group.compactMap(\.result)
        let first = results.first
        return ReportDataset(name: name, file: fileOf[name], rows: first.map { $0.trainRows + $0.testRows } ?? 0,
                             features: first?.featureCount ?? 0, results: results,
                             failures: group.compactMap { r in r.error.map { ReportFailure(detector: r.detector, reason: $0) } })
    }
}
