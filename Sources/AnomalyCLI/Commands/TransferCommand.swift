import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

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
    /// Refused with a pointer to `--adapt`, and hidden from the help: `finetune`'s flag of that
    /// name is what users carry over.
    @Option(name: .customLong("domain-norm"), help: .hidden) var domainNorm: FrameChoice?
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Seed of the split, the shots and training.") var seed: UInt64 = 42
    @Flag(help: "Print exactly one JSON object.") var json = false

    func validate() throws {
        if let alpha, !(0...1).contains(alpha) { throw ValidationError("--alpha must be in [0, 1], got \(alpha)") }
        guard targetWeight >= 0, targetWeight.isFinite else { throw ValidationError("--target-weight must be ≥ 0, got \(targetWeight)") }
        if domainNorm != nil {
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
