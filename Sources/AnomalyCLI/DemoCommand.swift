import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit demo`: the main job on the datasets bundled in the repository.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run every detector on the bundled datasets: a leaderboard and what the best one found.")

    @Option(name: .long, help: "Folder of bundled datasets (default: Data/ of the repository).") var data: String?
    @Option(name: .long, help: "Seed of the splits.") var seed: UInt64 = 42
    @Flag(help: "No progress lines on stderr.") var quiet = false

    func run() throws {
        let folder = try data ?? Self.findBundledData()
        let files = try BenchmarkRunner.datasetFiles(in: folder, csvLabelColumn: nil)
        output("AnomalyKit \(AnomalyKitInfo.version) demo: \(DetectorRegistry.unsupervisedNames.count) detectors on \(files.count) bundled ADBench datasets")
        output("(stratified 70/30 split, seed \(seed); each detector fits on the training split without labels, as ADBench does)\n")
        let runner = BenchmarkRunner(detectors: DetectorRegistry.unsupervisedNames, assignments: [], seed: seed, quiet: quiet)
        let runs = try runner.run(files: files, input: nil)
        // Leaderboard: mean ROC-AUC over datasets, then mean AP.
        let board = DetectorRegistry.unsupervisedNames.map { d -> (String, Double, Double, Double, Int) in
            let ok = runs.filter { $0.detector == d }.compactMap(\.result)
            let n = Double(max(ok.count, 1))
            return (d, ok.map(\.report.rocAUC).reduce(0, +) / n, ok.map(\.report.averagePrecision).reduce(0, +) / n,
                    ok.map { $0.report.fitSeconds + $0.report.scoreSeconds }.reduce(0, +), ok.count)
        }.sorted { $0.1 > $1.1 }
        output("Leaderboard (mean over datasets)")
        output(renderTable(["rank", "detector", "ROC-AUC", "AP", "seconds", "datasets"], board.enumerated().map { i, b in
            ["\(i + 1)", b.0, fmt(b.1), fmt(b.2), fmt(b.3, 3), "\(b.4)"]
        }))
        output("\nWhat the best detector per dataset found on the test split")
        let datasets = Array(Set(runs.map(\.dataset))).sorted { $0.localizedStandardCompare($1) == .orderedAscending }
        var rows: [[String]] = []
        for ds in datasets {
            guard let best = runs.filter({ $0.dataset == ds }).compactMap(\.result).max(by: { $0.report.rocAUC < $1.report.rocAUC }) else { continue }
            let predicted = best.model.labels(forScores: best.testScores)
            let counts = ConfusionCounts(labels: best.testLabels, predicted: predicted)
            let anomalies = best.testLabels.reduce(0, +)
            rows.append([ds, best.detector, fmt(best.report.rocAUC),
                         "\(counts.truePositives + counts.falsePositives) of \(best.testRows)",
                         "\(counts.truePositives) of \(anomalies)", fmt(counts.precision, 2), fmt(counts.recall, 2)])
        }
        output(renderTable(["dataset", "best", "ROC-AUC", "flagged", "anomalies caught", "precision", "recall"], rows))
    }

    /// `Data/` in the current folder or next to the repository holding the executable.
    static func findBundledData() throws -> String {
        var candidates = [FileManager.default.currentDirectoryPath + "/Data"]
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            candidates.append(url.appendingPathComponent("Data").path)
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/42_WBC.npz") }) else {
            throw AnomalyError.data("cannot find the bundled datasets (Data/); run from the repository or pass --data DIR")
        }
        return found
    }
}
