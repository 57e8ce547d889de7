import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit select-train`: a selector from benchmark results and the datasets' meta-features.
struct SelectTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select-train",
        abstract: "Train a detector selector from `benchmark --json` results and the benchmarked datasets.",
        discussion: "Prints the leave-one-dataset-out evaluation: the selected detector's mean ROC-AUC against the best single detector, the per-dataset oracle and the average detector.")

    @Option(name: .long, help: ArgumentHelp("Results of `anomalykit benchmark --json`; several files (e.g. one per split seed), comma-separated, are averaged.", valueName: "file,…"), transform: commaList)
    var benchmark: [String]
    @Option(name: .long, help: "The folder of the benchmarked datasets (.npz).") var datasets: String
    @OptionGroup var modelOutput: ModelOutput
    @Option(name: .long, help: "Nearest training datasets per prediction.") var neighbors: Int = 10
    @Option(name: .long, help: "Weight of the corpus mean against the neighbours, in [0, 1].") var shrinkage: Double = 0.5
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        _ = try modelOutput.required()
        guard neighbors >= 1 else { throw ValidationError("--neighbors must be ≥ 1, got \(neighbors)") }
        guard (0...1).contains(shrinkage) else { throw ValidationError("--shrinkage must be in [0, 1], got \(shrinkage)") }
    }

    func run() throws {
        let model = try modelOutput.required()
        let results = try BenchmarkResults(paths: benchmark)
        let files = try BenchmarkRunner.datasetFiles(in: datasets, csvLabelColumn: nil)
        var names: [String] = [], features: [[Double]] = [], performance: [[Double?]] = []
        for file in files {
            let stem = datasetStem(file)
            guard let row = results.auc[stem] else { continue }
            let ds = try DataLoader.load(path: file)
            features.append(try metaFeatures(ds.x, file: file))
            names.append(stem)
            performance.append(results.detectors.map { row[$0] })
        }
        guard !names.isEmpty else {
            throw AnomalyError.data("holds none of the datasets named in \(benchmark.joined(separator: ", "))", file: datasets)
        }
        var selector = try DetectorSelector(detectors: results.detectors, datasets: names, metaFeatures: features, performance: performance)
        selector.neighbors = neighbors
        selector.shrinkage = shrinkage
        try selector.save(to: model)
        let e = selector.leaveOneOut()
        if json {
            output(try jsonString(["model": model, "datasets": names, "detectors": results.detectors,
                                  "loo_selected_roc_auc": e.selectedAUC, "best_single_detector": e.bestSingle.detector,
                                  "best_single_roc_auc": e.bestSingle.auc, "oracle_roc_auc": e.oracleAUC,
                                  "average_detector_roc_auc": e.averageDetectorAUC, "loo_chosen": e.chosen]))
        } else {
            output("selector over \(results.detectors.count) detectors from \(names.count) datasets → \(model)")
            output("leave-one-dataset-out mean ROC-AUC: selected \(fmt(e.selectedAUC)), best single (\(e.bestSingle.detector)) \(fmt(e.bestSingle.auc)), oracle \(fmt(e.oracleAUC)), average detector \(fmt(e.averageDetectorAUC))")
        }
    }
}

/// ROC-AUC by dataset and detector from `benchmark --json`: the mean over the files that hold
/// the pair (one file per split seed makes the selector's training signal less noisy).
struct BenchmarkResults {
    var detectors: [String] = []
    var auc: [String: [String: Double]] = [:]

    init(paths: [String]) throws {
        var sums: [String: [String: (total: Double, count: Int)]] = [:]
        for path in paths {
            let one = try BenchmarkResults(path: path)
            for d in one.detectors where !detectors.contains(d) { detectors.append(d) }
            for (dataset, row) in one.auc {
                for (detector, v) in row {
                    let old = sums[dataset, default: [:]][detector] ?? (0, 0)
                    sums[dataset, default: [:]][detector] = (old.total + v, old.count + 1)
                }
            }
        }
        auc = sums.mapValues { $0.mapValues { $0.total / Double($0.count) } }
    }

    init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw AnomalyError(.io, "cannot read the benchmark results", file: path) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let runs = object["runs"] as? [[String: Any]] else {
            throw AnomalyError.data("is not `anomalykit benchmark --json` output (no 'runs' list)", file: path)
        }
        for (i, run) in runs.enumerated() {
            guard let dataset = run["dataset"] as? String, let detector = run["detector"] as? String else {
                throw AnomalyError.data("run \(i) lacks 'dataset' or 'detector'", file: path)
            }
            guard DetectorRegistry.names.contains(detector) else { throw AnomalyError.data("run \(i) names an unknown detector '\(detector)'", file: path) }
            if !detectors.contains(detector) { detectors.append(detector) }
            if let v = run["roc_auc"] as? Double, v.isFinite { auc[dataset, default: [:]][detector] = v }
        }
        guard !detectors.isEmpty else { throw AnomalyError.data("holds no runs", file: path) }
    }
}
