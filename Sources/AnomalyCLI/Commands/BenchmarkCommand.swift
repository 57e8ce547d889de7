import AnomalyImage
import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// One (dataset, detector) run of a benchmark.
struct BenchmarkRun {
    let dataset: String
    let detector: String
    let result: EvaluationResult?
    let error: String?
}

/// Runs detectors over labelled datasets with the evaluation protocol; shared by benchmark and demo.
struct BenchmarkRunner {
    let detectors: [String]
    let assignments: [String]
    let seed: UInt64
    let quiet: Bool
    /// When set, each dataset's rows are replaced by synthetic normals and anomalies of this type
    /// made from its normal rows (the same counts), as ADBench's anomaly-type study does.
    var anomalyType: SyntheticAnomalyType? = nil
    /// ADBench's robustness settings: anomalies duplicated to this many copies, a share of irrelevant
    /// noise features, a share of the training labels flipped.
    var duplicateAnomalies = 1
    var noiseFeatures = 0.0
    var labelNoise = 0.0
    /// ADBench's semi-supervised setting: only this share of the training anomalies keep their
    /// label (at least one), the others read as unlabelled (0). Nil keeps every label.
    var labelledAnomalies: Double? = nil
    /// Rows added to the training rows of the detectors that learn from labels (devnet,
    /// classifier); the unsupervised detectors of the same run fit as usual.
    var augmentation: (any TrainingAugmentation)? = nil
    /// Outlier exposure with no labels: the training labels are all hidden (0), so devnet and
    /// classifier learn from the generated anomalies alone.
    var hidesTrainingLabels = false

    /// Every `.npz` (`.csv` when a label column is given, `.log` when a label pattern is) in
    /// `folder`, sorted by name.
    /// The datasets in `folder`: `.npz` files, `.csv` with a label column, `.log` with a label
    /// pattern, and with `imageFolders` each sub-folder (a category laid out as MVTec AD lays one out).
    static func datasetFiles(in folder: String, csvLabelColumn: String?, logLabelPattern: String? = nil,
                             imageFolders: Bool = false) throws -> [String] {
        var isDir: ObjCBool = false
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw AnomalyError.data("no such folder", file: folder)
        }
        let names = try fm.contentsOfDirectory(atPath: folder).filter { name in
            var sub: ObjCBool = false
            let isFolder = !name.hasPrefix(".") && fm.fileExists(atPath: (folder as NSString).appendingPathComponent(name), isDirectory: &sub) && sub.boolValue
            return name.hasSuffix(".npz") || (csvLabelColumn != nil && name.hasSuffix(".csv")) || (logLabelPattern != nil && name.hasSuffix(".log"))
                || (imageFolders && isFolder)
        }.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
        guard !names.isEmpty else {
            throw AnomalyError.data("holds no .npz datasets (or .csv with --label-column, .log with --label-regex, image folders with an image --encoder)", file: folder)
        }
        return names.map { (folder as NSString).appendingPathComponent($0) }
    }

    func run(files: [String], input: InputOptions?, onRun: (BenchmarkRun) -> Void = { _ in }) throws -> [BenchmarkRun] {
        var runs: [BenchmarkRun] = []
        let total = files.count * detectors.count
        var done = 0
        for file in files {
            let name = datasetStem(file)
            var ds = try input.map { try loadDataset(file, $0, allowMissing: false) } ?? DataLoader.load(path: file)
            guard var y = ds.labels else { throw AnomalyError.data("has no labels (array 'y', --label-column or --label-regex)", file: file) }
            if let anomalyType {
                let normal = y.indices.filter { y[$0] == 0 }
                do {
                    let generated = try SyntheticAnomalies(type: anomalyType, seed: seed)
                        .generate(fromNormal: ds.x.rows(at: normal), normals: normal.count, anomalies: y.count - normal.count)
                    ds = Dataset(x: generated.x, labels: generated.labels, featureNames: ds.featureNames)
                    y = generated.labels
                } catch let e as AnomalyError {
                    throw e.inFile(file)
                }
            }
            var rng = SeededGenerator(seed: seed ^ 0x5EED_AD)
            if duplicateAnomalies > 1 {
                let dup = try DatasetCorruption.duplicatingAnomalies(ds.x, labels: y, times: duplicateAnomalies, rng: &rng)
                ds = Dataset(x: dup.x, labels: dup.labels, featureNames: ds.featureNames)
                y = dup.labels
            }
            if noiseFeatures > 0 {
                ds = Dataset(x: try DatasetCorruption.addingIrrelevantFeatures(ds.x, ratio: noiseFeatures, rng: &rng).x, labels: y)
            }
            // Labels reach only the detectors that use them (devnet, classifier); the others fit unlabelled.
            var (train, testX, testY) = try Evaluation.split(ds, labels: y, seed: seed)
            if labelNoise > 0, let trainLabels = train.labels {
                train = Dataset(x: train.x, labels: try DatasetCorruption.flippingLabels(trainLabels, ratio: labelNoise, rng: &rng),
                                featureNames: train.featureNames, schema: train.schema)
            }
            if let share = labelledAnomalies, let trainLabels = train.labels {
                train.labels = try DatasetCorruption.keepingLabelledAnomalies(trainLabels, share: share, rng: &rng)
            } else if hidesTrainingLabels, let trainLabels = train.labels {
                train.labels = [Int](repeating: 0, count: trainLabels.count)
            }
            for det in detectors {
                done += 1
                var run: BenchmarkRun
                do {
                    let (d, c, imp, sc) = try resolveDetector(det, params: assignments)
                    let usesLabels = type(of: d).labelUse != .unsupervised
                    let r = try Evaluation.run(d, train: train, test: testX, testLabels: testY, contamination: c,
                                               imputation: imp, scaling: sc, augmentation: usesLabels ? augmentation : nil)
                    run = BenchmarkRun(dataset: name, detector: det, result: r, error: nil)
                    if !quiet {
                        note("[\(done)/\(total)] \(det) on \(name) (\(ds.rowCount)×\(ds.featureCount)): ROC-AUC \(fmt(r.report.rocAUC)), AP \(fmt(r.report.averagePrecision)), fit \(fmt(r.report.fitSeconds, 3)) s, score \(fmt(r.report.scoreSeconds, 3)) s")
                    }
                } catch {
                    run = BenchmarkRun(dataset: name, detector: det, result: nil, error: "\(error)")
                    if !quiet { note("[\(done)/\(total)] \(det) on \(name): failed: \(error)") }
                }
                runs.append(run)
                onRun(run)
            }
        }
        return runs
    }
}

/// `anomalykit benchmark`: every detector on every dataset in a folder.
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Run detectors on every .npz (or labelled .csv) in a folder: ROC-AUC, AP and times.")

    @Option(name: .long, help: "Folder of datasets (.npz with X and y; .csv with --label-column; .log with --label-regex; with an image --encoder, each sub-folder of images, labelled by its good/ and other sub-folders).") var datasets: String
    @Option(name: .long, help: ArgumentHelp("Comma-separated detectors (default: all unsupervised ones; devnet and classifier train on the training labels).", valueName: "name,…"), transform: commaList)
    var detectors: [String]?
    @Option(name: .customLong("param"), help: ArgumentHelp("name=value for every detector (e.g. contamination=0.1).", valueName: "name=value"))
    var params: [String] = []
    @OptionGroup var threshold: ContaminationOption
    @Option(name: .long, help: "Seed of the stratified 70/30 splits.") var seed: UInt64 = 42
    @Option(name: .customLong("anomaly-type"), help: "Replace each dataset's rows with synthetic normals and anomalies of this type (local, global, dependency, clustered) made from its normal rows, as `generate` does (same counts, --seed): which detector suits which kind of anomaly.")
    var anomalyType: SyntheticAnomalyType?
    @Option(name: .customLong("duplicate-anomalies"), help: "ADBench's robustness setting: each dataset's anomalies duplicated to this many copies (1-6 in ADBench) before the split.")
    var duplicateAnomalies: Int = 1
    @Option(name: .customLong("noise-features"), help: "ADBench's robustness setting: irrelevant uniform-noise features added until they are this share of the columns (0-0.5 in ADBench).")
    var noiseFeatures: Double = 0
    @Option(name: .customLong("labelled-anomalies"), help: ArgumentHelp("ADBench's semi-supervised setting: only this share of the training anomalies keep their label for devnet and classifier (at least one; e.g. 0.01, 0.05); the others read as unlabelled.", valueName: "share"))
    var labelledAnomalies: Double?
    @OptionGroup var augmentation: AugmentationOptions
    @Option(name: .customLong("label-noise"), help: "ADBench's robustness setting: this share of the training labels flipped (they reach devnet and classifier only).")
    var labelNoise: Double = 0
    @Option(name: .long, help: ArgumentHelp("Write a report here: .html (one self-contained page with each dataset's ROC and precision–recall curves, score histograms and metrics) or .md (Markdown tables).", valueName: "FILE"))
    var report: String?
    @Option(name: .long, help: ArgumentHelp("Also write each dataset's test scores here: DIR/<dataset>.csv with the label and one column per detector.", valueName: "DIR"))
    var scores: String?
    @OptionGroup var input: InputOptions
    @Flag(help: "Print the runs as one JSON object.") var json = false
    @Flag(help: "No progress lines on stderr.") var quiet = false

    func run() throws {
        let reportFormat = try checkReport(report, allowed: [.html, .markdown])
        let names = try detectors.map { list in
            try list.map { name in
                _ = try DetectorRegistry.type(named: name)
                return name
            }
        } ?? DetectorRegistry.unsupervisedNames
        let files = try BenchmarkRunner.datasetFiles(in: datasets, csvLabelColumn: input.labelColumn, logLabelPattern: input.labelRegex,
                                                     imageFolders: input.encoder.map(ImageEncoder.recognizes) ?? false)
        var params = self.params
        if let c = threshold.contamination {
            if try parseAssignments(params)["contamination"] != nil {
                throw AnomalyError.parameter("--contamination", "given both as --contamination and as --param contamination=; give one")
            }
            params.append("contamination=\(c)")
        }
        var runner = BenchmarkRunner(detectors: names, assignments: params, seed: seed, quiet: quiet)
        runner.anomalyType = anomalyType
        runner.duplicateAnomalies = duplicateAnomalies
        runner.noiseFeatures = noiseFeatures
        runner.labelNoise = labelNoise
        runner.labelledAnomalies = labelledAnomalies
        runner.augmentation = try augmentation.resolved()
        runner.hidesTrainingLabels = !augmentation.syntheticAnomalies.isEmpty && labelledAnomalies == nil
        let runs = try runner.run(files: files, input: input)
        if let scores {
            try FileManager.default.createDirectory(atPath: scores, withIntermediateDirectories: true)
            // The runner goes dataset by dataset, each with every detector in order.
            for start in stride(from: 0, to: runs.count, by: names.count) {
                let dataset = Array(runs[start..<(start + names.count)])
                try writeTestScores(dataset, to: (scores as NSString).appendingPathComponent(dataset[0].dataset + ".csv"))
            }
        }
        if let report, reportFormat == .html {
            let settings: [HTMLReport.Setting] = [
                .init("datasets folder", datasets), .init("split", "stratified by label, 70/30 train/test, seed \(seed)"),
                .init("training", "unlabelled (devnet and classifier, when listed, on the training split's labels)"),
                .init("parameters given", params.isEmpty ? "none (defaults)" : params.joined(separator: " ")),
            ]
            try writeReport(HTMLReport.benchmark(reportDatasets(runs, files: files), settings: settings), to: report)
        } else if let report {
            try writeAtomically(Data(markdownReport(runs, detectors: names).utf8), to: report)
        }
        if json {
            output(try jsonString(["seed": seed, "runs": runs.map { r -> [String: Any] in
                var o: [String: Any] = ["dataset": r.dataset, "detector": r.detector]
                if let res = r.result { o.merge(res.jsonObject) { a, _ in a } }
                if let e = r.error { o["error"] = e }
                return o
            }]))
        } else {
            output(textTable(runs))
            output("")
            output(summaryTable(runs, detectors: names))
        }
    }

    /// One dataset's test scores as CSV: `label` then one column per detector (empty where it failed).
    func writeTestScores(_ runs: [BenchmarkRun], to path: String) throws {
        guard let labels = runs.lazy.compactMap(\.result).first?.testLabels else { return }
        var text = "label," + runs.map(\.detector).joined(separator: ",") + "\n"
        for i in labels.indices {
            text += "\(labels[i])," + runs.map { $0.result.map { "\($0.testScores[i])" } ?? "" }.joined(separator: ",") + "\n"
        }
        try writeAtomically(Data(text.utf8), to: path)
    }

    func textTable(_ runs: [BenchmarkRun]) -> String {
        renderTable(["dataset", "detector", "ROC-AUC", "AP", "fit s", "score s"], runs.map { r in
            guard let res = r.result else { return [r.dataset, r.detector, "failed", "", "", ""] }
            return [r.dataset, r.detector, fmt(res.report.rocAUC), fmt(res.report.averagePrecision),
                    fmt(res.report.fitSeconds, 3), fmt(res.report.scoreSeconds, 3)]
        })
    }

    func markdownReport(_ runs: [BenchmarkRun], detectors: [String]) -> String {
        var s = "# AnomalyKit benchmark\n\nSeed \(seed), stratified 70/30 split per dataset; detectors fitted on the training split unlabelled (devnet and classifier, when listed, on its labels).\n\n"
        s += "## Summary\n\n" + markdown(summaryRows(runs, detectors: detectors), header: ["detector", "datasets", "mean ROC-AUC", "mean AP", "total fit s", "total score s"])
        s += "\n## Runs\n\n| dataset | detector | ROC-AUC | AP | fit s | score s |\n|---|---|---|---|---|---|\n"
        for r in runs {
            if let res = r.result {
                s += "| \(r.dataset) | \(r.detector) | \(fmt(res.report.rocAUC)) | \(fmt(res.report.averagePrecision)) | \(fmt(res.report.fitSeconds, 3)) | \(fmt(res.report.scoreSeconds, 3)) |\n"
            } else {
                s += "| \(r.dataset) | \(r.detector) | failed: \(r.error ?? "") | | | |\n"
            }
        }
        return s
    }

    func markdown(_ rows: [[String]], header: [String]) -> String {
        "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
            + rows.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n") + "\n"
    }

    func summaryRows(_ runs: [BenchmarkRun], detectors: [String]) -> [[String]] {
        detectors.map { d in
            let ok = runs.filter { $0.detector == d }.compactMap(\.result)
            let auc = ok.map(\.report.rocAUC).filter { !$0.isNaN }
            let ap = ok.map(\.report.averagePrecision).filter { !$0.isNaN }
            return [d, "\(ok.count)", fmt(auc.reduce(0, +) / Double(max(auc.count, 1))),
                    fmt(ap.reduce(0, +) / Double(max(ap.count, 1))),
                    fmt(ok.map(\.report.fitSeconds).reduce(0, +), 2), fmt(ok.map(\.report.scoreSeconds).reduce(0, +), 2)]
        }
    }

    func summaryTable(_ runs: [BenchmarkRun], detectors: [String]) -> String {
        renderTable(["detector", "datasets", "mean ROC-AUC", "mean AP", "total fit s", "total score s"], summaryRows(runs, detectors: detectors))
    }
}
