import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
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

/// `--domain-norm TEXT`: center or standardize (or none, when `allowNone`), nil for none.
func parseDomainNorm(_ text: String?, allowNone: Bool = false) throws -> DomainNorm? {
    guard let text, !(allowNone && text == "none") else { return nil }
    guard let norm = DomainNorm(rawValue: text) else {
        throw AnomalyError.parameter("--domain-norm", "expected center\(allowNone ? ", standardize or none" : " or standardize"); got '\(text)'")
    }
    return norm
}

func splitList(_ text: String, option: String) throws -> [String] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !parts.isEmpty else { throw AnomalyError.parameter(option, "expected a comma-separated list, got '\(text)'") }
    return parts
}

/// Fine-tuning knobs shared by `finetune` and `transfer`.
struct FineTuneOptions: ParsableArguments {
    @Option(name: .long, help: "Comma-separated parameter-name prefixes to keep fixed (e.g. encoder).") var freeze: String?
    @Flag(name: .customLong("new-head"), help: "Re-initialise the output head before fine-tuning.") var newHead = false
    @Option(name: .long, help: "Fine-tuning learning rate, in (0, 10] (default: a tenth of the detector's).") var lr: Double?
    @Option(name: .long, help: "Fine-tuning epochs, 1…100000 (default: the detector's).") var epochs: Int?
    @Option(name: .customLong("domain-norm"), help: "Move the model into the target's normal frame first: center or standardize; or relative (read the target against --shots of its normal rows). Use the --domain-norm the model was pretrained with.")
    var domainNorm: String?

    /// `--domain-norm relative`: handled by the relative frame, not a `DomainNorm`.
    var relative: Bool { domainNorm == "relative" }

    /// `--domain-norm center|standardize`: the target's normal frame appended before fine-tuning.
    var frame: DomainNorm? { get throws { relative ? nil : try parseDomainNorm(domainNorm) } }

    func tuning(seed: UInt64) throws -> FineTuning {
        var t = FineTuning()
        if let freeze { t.freeze = try splitList(freeze, option: "--freeze") }
        t.newHead = newHead
        if let lr {
            guard lr > 0, lr <= 10, lr.isFinite else { throw AnomalyError.parameter("--lr", "must be in (0, 10], got \(lr)") }
            t.learningRate = lr
        }
        if let epochs {
            guard (1...100_000).contains(epochs) else { throw AnomalyError.parameter("--epochs", "must be in [1, 100000], got \(epochs)") }
            t.epochs = epochs
        }
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

    @Option(name: .long, help: "Comma-separated source files (same features).") var source: String
    @OptionGroup var detectorOptions: DetectorOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Where to write the model (.safetensors).") var model: String
    @Option(name: .customLong("domain-norm"), help: "Put each source in its own normal frame before pooling: center or standardize; or relative (each source read as distances to --shots of its normal rows). Fine-tune with the same --domain-norm.")
    var domainNorm: String?
    @Option(name: .long, help: "With --domain-norm relative: normal rows per frame (as many as the target will give), 4…1000.") var shots: Int = 10
    @Option(name: .long, help: "With --domain-norm relative: seed for drawing the sources' frames.") var seed: UInt64 = 0
    @Flag(help: "Print a JSON summary.") var json = false

    func run() throws {
        let (detector, contamination, _, _) = try detectorOptions.resolve()
        let domains = try loadDomains(try splitList(source, option: "--source"), input)
        for d in domains.dropFirst() where d.data.x.cols != domains[0].data.x.cols {
            throw AnomalyError.shape("has \(d.data.x.cols) features but \(domains[0].path) has \(domains[0].data.x.cols)", field: d.path)
        }
        let (m, seconds) = try Stopwatch.measure { () throws -> LoadedModel in
            if domainNorm == "relative" {
                return .pending(try AnomalyModel.pretrainRelative(detector, sources: domains.map(\.data), shots: shots, seed: seed,
                                                                  contamination: contamination, featureNames: domains[0].names))
            }
            let pooled = try parseDomainNorm(domainNorm).map { DomainFrame.pooled(domains.map(\.data), norm: $0, count: nil, seed: 0) }
                ?? DomainData.pooled(domains.map(\.data))
            return .ready(try AnomalyModel.pretrain(detector, sources: pooled, contamination: contamination, featureNames: domains[0].names))
        }
        let (name, rows, features): (String, Int, Int)
        switch m {
        case .ready(let m): try m.save(to: model); (name, rows, features) = (m.detectorName, m.trainingRows, m.featureCount)
        case .pending(let m): try m.save(to: model); (name, rows, features) = (m.detectorName, m.trainingRows, m.featureCount)
        }
        let summary: [String: Any] = ["detector": name, "sources": domains.map(\.path), "rows": rows,
                                      "features": features, "fit_seconds": seconds, "model": model, "domain_norm": domainNorm as Any]
        if json { output(try jsonString(summary)) } else {
            output("pretrained \(name) on \(domains.count) source file(s), \(rows) rows × \(features) features in \(fmt(seconds, 2)) s → \(model)")
        }
    }
}

/// `anomalykit finetune --model base.safetensors --train TARGET … --model tuned.safetensors`.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained neural model on target data.",
        discussion: "Give --model twice: first the pretrained model, then where to write the fine-tuned one.")

    @Option(name: .long, help: "The pretrained model, then the output model (give it twice).") var model: [String] = []
    @Option(name: .long, help: "Target training data (.csv, .npy or .npz).") var train: String
    @OptionGroup var tune: FineTuneOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Seed for the new head and shuffling.") var seed: UInt64 = 0
    @Option(name: .long, help: "With --domain-norm relative: how many of the target's normal rows the model reads rows against.") var shots: Int = 10
    @Flag(help: "Print a JSON summary.") var json = false

    func run() throws {
        guard model.count == 2 else {
            throw AnomalyError.parameter("--model", "give --model twice: the pretrained model, then the output (got \(model.count))")
        }
        let tuning = try tune.tuning(seed: seed)
        let base = try ModelFile.load(from: model[0])
        let schema: TableSchema?
        switch base {
        case .ready(let m): schema = m.schema
        case .pending(let m): schema = m.schema
        }
        let ds = try DataLoader.load(path: train, labelColumn: input.labelColumn, drop: input.dropList,
                                     delimiter: try input.delimiterCharacter, schema: schema, allowMissing: false)
        try ds.x.requireFinite(train)
        let target = DomainData(x: ds.x, labels: ds.labels)
        let (tuned, seconds) = try Stopwatch.measure { () throws -> AnomalyModel in
            switch base {
            case .pending(let p):
                guard p.awaiting == .relativeFrame, tune.relative else {
                    throw AnomalyError.model(p.reason + (p.awaiting == .relativeFrame ? " (--domain-norm relative)" : " (score --support FILE)"),
                                             file: model[0], field: "awaiting")
                }
                return try p.fineTunedRelative(on: target, shots: shots, tuning: tuning)
            case .ready(let m):
                if tune.relative { return try m.fineTunedRelative(on: target, shots: shots, tuning: tuning) }
                if let rates = try MetaSGD.rates(of: m) {
                    return try MetaSGD.adapted(m, rates: rates, on: target, tuning: tuning, domainNorm: try tune.frame)
                }
                return try m.fineTuned(on: target, tuning: tuning, domainNorm: try tune.frame)
            }
        }
        try tuned.save(to: model[1])
        let summary: [String: Any] = ["detector": tuned.detectorName, "base": model[0], "model": model[1],
                                      "rows": ds.rowCount, "fit_seconds": seconds, "frozen": tuning.freeze, "new_head": tuning.newHead]
        if json { output(try jsonString(summary)) } else {
            output("fine-tuned \(tuned.detectorName) on \(ds.rowCount) rows of \(train) in \(fmt(seconds, 2)) s → \(model[1])")
        }
    }
}

/// `anomalykit transfer`: the transfer experiment (see `TransferExperiment`).
struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Does transfer help on this target? scratch, source-only, fine-tuned, adapted, interpolated and kNN on the shots.")

    @Option(name: .long, help: "Comma-separated source files.") var source: String
    @Option(name: .long, help: "Target file (labelled: split 70/30, shots from the training part).") var target: String
    @Option(name: .long, help: "Normal target rows available for training (K).") var shots: Int
    @Option(name: .customLong("anomaly-shots"), help: "Labelled target anomalies available (A).") var anomalyShots: Int = 0
    @Option(name: .long, help: "Neural detector.") var detector: String = "autoencoder"
    @Option(name: .customLong("param"), help: ArgumentHelp("A detector parameter as name=value (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(name: .long, help: "Domain adaptation for the 'adapted' mode: none (mixed training), coral, mmd, dann, center (per-domain centring), standardize (per-domain centring and scaling), relative (every domain read as distances to its own normal rows).") var adapt: String = "coral"
    @Option(name: .long, help: "Interpolation weight α of the source weights (default: chosen on held-out shots).") var alpha: Double?
    @Option(name: .customLong("target-weight"), help: "Weight of target rows in mixed/joint training.") var targetWeight: Double = 1
    @OptionGroup var tune: FineTuneOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Seed of the split, the shots and training.") var seed: UInt64 = 42
    @Flag(help: "Print exactly one JSON object.") var json = false

    func run() throws {
        guard let adaptation = Adaptation(rawValue: adapt) else {
            throw AnomalyError.parameter("--adapt", "expected one of \(Adaptation.allCases.map(\.rawValue).joined(separator: ", ")); got '\(adapt)'")
        }
        if let alpha, !(0...1).contains(alpha) { throw AnomalyError.parameter("--alpha", "must be in [0, 1], got \(alpha)") }
        guard targetWeight >= 0, targetWeight.isFinite else {
            throw AnomalyError.parameter("--target-weight", "must be ≥ 0, got \(targetWeight)")
        }
        let resolved = try resolveDetector(detector, params: params)
        let sourcePaths = try splitList(source, option: "--source")
        let targetURL = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath()
        for s in sourcePaths where URL(fileURLWithPath: s).standardizedFileURL.resolvingSymlinksInPath() == targetURL {
            throw AnomalyError.parameter("--source", "\(s) is the target itself; sources must differ from the target")
        }
        let sources = try loadDomains(sourcePaths, input)
        let targetData = try loadDomains([target], input)[0]
        let tuning = try tune.tuning(seed: seed)
        if tune.domainNorm != nil {
            throw AnomalyError.parameter("--domain-norm", "in the transfer experiment, per-domain normalisation is '--adapt center', '--adapt standardize' or '--adapt relative'")
        }
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
