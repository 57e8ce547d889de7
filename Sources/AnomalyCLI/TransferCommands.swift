import AnomalyKit
import ArgumentParser
import Foundation

/// Loads labelled domains for transfer: features must agree across files.
func loadDomains(_ paths: [String], _ input: InputOptions) throws -> [(path: String, data: DomainData, names: [String])] {
    try paths.map { path in
        let ds = try loadDataset(path, input, allowMissing: false)
        try ds.x.requireFinite(path)
        return (path, DomainData(x: ds.x, labels: ds.labels), ds.featureNames)
    }
}

/// Fine-tuning knobs shared by `finetune` and `transfer`.
struct FineTuneOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Comma-separated parameter-name prefixes to keep fixed (e.g. encoder).", valueName: "prefix,…"), transform: commaList)
    var freeze: [String]?
    @Flag(name: .customLong("new-head"), help: "Re-initialise the output head before fine-tuning.") var newHead = false
    @Option(name: .long, help: "Fine-tuning learning rate, in (0, 10] (default: a tenth of the detector's).") var lr: Double?
    @Option(name: .long, help: "Fine-tuning epochs, 1…100000 (default: the detector's).") var epochs: Int?
    @Option(name: .customLong("domain-norm"), help: "Move the model into the target's normal frame first (center, standardize), or read the target against --shots of its normal rows (relative). Use the --domain-norm the model was pretrained with.")
    var domainNorm: FrameChoice?

    /// `--domain-norm relative`: handled by the relative frame, not a `DomainNorm`.
    var relative: Bool { domainNorm == .relative }

    func validate() throws {
        if let lr, !(lr > 0 && lr <= 10 && lr.isFinite) { throw ValidationError("--lr must be in (0, 10], got \(lr)") }
        if let epochs, !(1...100_000).contains(epochs) { throw ValidationError("--epochs must be in [1, 100000], got \(epochs)") }
    }

    func tuning(seed: UInt64) -> FineTuning {
        var t = FineTuning()
        if let freeze { t.freeze = freeze }
        t.newHead = newHead
        if let lr { t.learningRate = lr }
        if let epochs { t.epochs = epochs }
        t.domainNorm = domainNorm?.domainNorm
        t.seed = seed
        return t
    }
}

/// `anomalykit pretrain`: a neural detector trained on source domains, saved for fine-tuning.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain a neural detector on one or more source datasets.",
        discussion: "Unsupervised detectors train on the sources' normal rows when labels are known; devnet and classifier on all rows with their labels.")

    @Option(name: .long, help: ArgumentHelp("Comma-separated source files (same features).", valueName: "file,…"), transform: commaList)
    var source: [String]
    @OptionGroup var detectorChoice: DetectorChoice
    @OptionGroup var input: InputOptions
    @OptionGroup var modelOutput: ModelOutput
    @Option(name: .customLong("domain-norm"), help: "Put each source in its own normal frame before pooling (center, standardize), or read each source as distances to --shots of its normal rows (relative). Fine-tune with the same --domain-norm.")
    var domainNorm: FrameChoice?
    @Option(name: .long, help: "With --domain-norm relative: normal rows per frame (as many as the target will give), 4…1000 (default 10).") var shots: Int?
    @Option(name: .long, help: "With --domain-norm relative: seed for drawing the sources' frames (default 0).") var seed: UInt64?
    @Flag(help: "Print a JSON summary.") var json = false
    // Accepted by `fit`, but pretraining pools raw source rows: refused here rather than ignored.
    @Option(name: .long, help: .hidden) var preprocess: Preprocessor.Scaling?
    @Option(name: .long, help: .hidden) var impute: Preprocessor.Imputation?

    func validate() throws {
        _ = try modelOutput.required()
        if preprocess != nil || impute != nil {
            throw ValidationError("pretrain does not take --preprocess or --impute: the neural detectors standardise their input themselves (--param preprocessing=true, their default), per source with --domain-norm standardize; sources must have no missing values")
        }
        if domainNorm != .relative {
            if shots != nil { throw ValidationError("--shots applies with --domain-norm relative only") }
            if seed != nil { throw ValidationError("--seed applies with --domain-norm relative only (drawing the sources' frames)") }
        }
    }

    func run() throws {
        let model = try modelOutput.required()
        let (detector, contamination) = try detectorChoice.resolve()
        let shots = self.shots ?? 10, seed = self.seed ?? 0
        let domains = try loadDomains(source, input)
        for d in domains.dropFirst() where d.data.x.cols != domains[0].data.x.cols {
            throw AnomalyError.shape("has \(d.data.x.cols) features but \(domains[0].path) has \(domains[0].data.x.cols)", field: d.path)
        }
        let (m, seconds) = try Stopwatch.measure { () throws -> AnomalyModel in
            if domainNorm == .relative {
                return try AnomalyModel.pretrainRelative(detector, sources: domains.map(\.data), shots: shots, seed: seed,
                                                         contamination: contamination, featureNames: domains[0].names)
            }
            let pooled = domainNorm?.domainNorm.map { DomainFrame.pooled(domains.map(\.data), norm: $0, count: nil, seed: 0) }
                ?? DomainData.pooled(domains.map(\.data))
            return try AnomalyModel.pretrain(detector, sources: pooled, contamination: contamination, featureNames: domains[0].names)
        }
        try m.save(to: model)
        let summary: [String: Any] = ["detector": m.detectorName, "sources": domains.map(\.path), "rows": m.trainingRows,
                                      "features": m.featureCount, "fit_seconds": seconds, "model": model, "domain_norm": domainNorm?.rawValue as Any]
        if json { output(try jsonString(summary)) } else {
            output("pretrained \(m.detectorName) on \(domains.count) source file(s), \(m.trainingRows) rows × \(m.featureCount) features in \(fmt(seconds, 2)) s → \(model)")
        }
    }
}

/// `anomalykit finetune --model base.safetensors --train TARGET … --out tuned.safetensors`
/// (the older `--model BASE … --model TUNED` still works).
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained neural model on target data.",
        discussion: "finetune --model BASE --train TARGET --out TUNED. (The older form, --model given twice — the pretrained model, then the output — still works.)")

    @Option(name: .long, help: "The pretrained model (pretrain or meta-train).") var model: [String] = []
    @Option(name: .long, help: ArgumentHelp("Where to write the fine-tuned model (.safetensors); written atomically.", valueName: "file"))
    var out: String?
    @Option(name: .long, help: "Target training data (.csv, .npy or .npz).") var train: String
    @OptionGroup var tune: FineTuneOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Seed for the new head and shuffling.") var seed: UInt64 = 0
    @Option(name: .long, help: "With --domain-norm relative: how many of the target's normal rows the model reads rows against (default 10).") var shots: Int?
    @Flag(help: "Print a JSON summary.") var json = false

    /// The pretrained model and where the fine-tuned one goes.
    var paths: (base: String, out: String) {
        get throws {
            switch (model.count, out) {
            case (1, let out?): return (model[0], out)
            case (2, nil): return (model[0], model[1])
            case (2, _?): throw ValidationError("--model is given twice (the older form: pretrained model, then output) and --out too; give --model BASE --out TUNED")
            case (0, _): throw ValidationError("Missing expected argument '--model <model>' (the pretrained model)")
            case (1, nil): throw ValidationError("Missing expected argument '--out <file>' (where to write the fine-tuned model)")
            default: throw ValidationError("--model is given \(model.count) times; give --model BASE --out TUNED")
            }
        }
    }

    func validate() throws {
        _ = try paths
        if shots != nil && !tune.relative { throw ValidationError("--shots applies with --domain-norm relative only") }
    }

    func run() throws {
        let (basePath, outPath) = try paths
        let shots = self.shots ?? 10
        let tuning = tune.tuning(seed: seed)
        let base = try AnomalyModel.load(from: basePath)
        let ds = try loadDataset(train, input, schema: base.schema, allowMissing: false)
        try ds.x.requireFinite(train)
        let target = DomainData(x: ds.x, labels: ds.labels)
        let (tuned, seconds) = try Stopwatch.measure {
            tune.relative ? try base.fineTunedRelative(on: target, shots: shots, tuning: tuning) : try base.fineTuned(on: target, tuning: tuning)
        }
        try tuned.save(to: outPath)
        let summary: [String: Any] = ["detector": tuned.detectorName, "base": basePath, "model": outPath,
                                      "rows": ds.rowCount, "fit_seconds": seconds, "frozen": tuning.freeze, "new_head": tuning.newHead]
        if json { output(try jsonString(summary)) } else {
            output("fine-tuned \(tuned.detectorName) on \(ds.rowCount) rows of \(train) in \(fmt(seconds, 2)) s → \(outPath)")
        }
    }
}

/// `anomalykit transfer`: the transfer experiment (see `TransferExperiment`).
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Does transfer help on this target? scratch, source-only, fine-tuned, adapted, interpolated and kNN on the shots.")

    @Option(name: .long, help: ArgumentHelp("Comma-separated source files.", valueName: "file,…"), transform: commaList)
    var source: [String]
    @Option(name: .long, help: "Target file (labelled: split 70/30, shots from the training part).") var target: String
    @Option(name: .long, help: "Normal target rows available for training (K).") var shots: Int
    @Option(name: .customLong("anomaly-shots"), help: "Labelled target anomalies available (A).") var anomalyShots: Int = 0
    @Option(name: .long, help: "Neural detector.") var detector: String = "autoencoder"
    @Option(name: .customLong("param"), help: ArgumentHelp("A detector parameter as name=value (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(name: .long, help: "Domain adaptation for the 'adapted' mode: none (mixed training), coral, mmd, dann, center (per-domain centring), standardize (per-domain centring and scaling), relative (every domain read as distances to its own normal rows).") var adapt: Adaptation = .coral
    @Option(name: .long, help: "Interpolation weight α of the source weights (default: chosen on held-out shots).") var alpha: Double?
    @Option(name: .customLong("target-weight"), help: "Weight of target rows in mixed/joint training.") var targetWeight: Double = 1
    @OptionGroup var tune: FineTuneOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Seed of the split, the shots and training.") var seed: UInt64 = 42
    @Flag(help: "Print exactly one JSON object.") var json = false

    func validate() throws {
        if let alpha, !(0...1).contains(alpha) { throw ValidationError("--alpha must be in [0, 1], got \(alpha)") }
        guard targetWeight >= 0, targetWeight.isFinite else { throw ValidationError("--target-weight must be ≥ 0, got \(targetWeight)") }
        if tune.domainNorm != nil {
            throw ValidationError("--domain-norm: in the transfer experiment, per-domain normalisation is '--adapt center', '--adapt standardize' or '--adapt relative'")
        }
    }

    func run() throws {
        let adaptation = adapt
        try refuseContamination(params, command: "transfer")
        let resolved = try resolveDetector(detector, params: params)
        let sourcePaths = source
        let targetURL = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath()
        for s in sourcePaths where URL(fileURLWithPath: s).standardizedFileURL.resolvingSymlinksInPath() == targetURL {
            throw AnomalyError.parameter("--source", "\(s) is the target itself; sources must differ from the target")
        }
        let sources = try loadDomains(sourcePaths, input)
        let targetData = try loadDomains([target], input)[0]
        let tuning = tune.tuning(seed: seed)
        var experiment = TransferExperiment(shots: shots)
        experiment.anomalyShots = anomalyShots
        experiment.adaptation = adaptation
        experiment.seed = seed
        experiment.freeze = tuning.freeze
        experiment.newHead = tuning.newHead
        experiment.fineTuneLearningRate = tuning.learningRate
        experiment.fineTuneEpochs = tuning.epochs
        experiment.alpha = alpha
        experiment.targetWeight = targetWeight
        let outcome = try experiment.run(anyDetector: resolved.detector, sources: sources.map(\.data),
                                         sourceNames: sources.map(\.path), target: targetData.data, targetName: target)
        if json {
            var object: [String: Any] = [
                "detector": detector, "target": target, "sources": sourcePaths, "shots": shots, "anomaly_shots": anomalyShots,
                "adapt": adaptation.rawValue, "seed": seed, "n_test": outcome.testRows, "n_test_anomalies": outcome.testAnomalies,
                "source_rows": outcome.sourceRows, "alpha": outcome.alpha as Any,
            ]
            for (name, result, reason) in outcome.modes { object[name] = modeJSON(result, reason) }
            output(try jsonString(object))
        } else {
            output("transfer: \(detector), \(sourcePaths.count) source file(s) (\(outcome.sourceRows) rows) → \(target)")
            output("K = \(shots) normal shots, A = \(anomalyShots) anomaly shots, adaptation \(adaptation.rawValue), seed \(seed); test \(outcome.testRows) rows (\(outcome.testAnomalies) anomalies)")
            output(modeTable(outcome.modes))
        }
    }
}
