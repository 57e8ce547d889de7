import AnomalyKit
import AnomalyText
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

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
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Seed for the new head and shuffling.") var seed: UInt64 = 0
    @Option(name: .customLong("domain-norm"), help: "Move the model into the target's normal frame first (center, standardize), or read the target against --shots of its normal rows (relative). Use the --domain-norm the model was pretrained with.")
    var domainNorm: FrameChoice?

    /// `--domain-norm relative`: handled by the relative frame, not a `DomainNorm`.
    var relative: Bool { domainNorm == .relative }

    /// `--domain-norm center|standardize`: the target's normal frame, appended to the model's
    /// pipeline before fine-tuning.
    var frame: DomainNorm? { domainNorm?.domainNorm }

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

    /// `--augment`/`--synthetic-anomalies` reach the plain fine-tuning of a devnet or classifier only.
    func refuseAugmentation(_ what: String) throws {
        guard augmentation.isEmpty else {
            throw AnomalyError.parameter(augmentation.augment != nil ? "--augment" : "--synthetic-anomalies",
                                         "adds training rows to a plain fine-tuning of devnet or classifier; \(what) is fine-tuned another way")
        }
    }

    func validate() throws {
        _ = try paths
        if shots != nil && !relative { throw ValidationError("--shots applies with --domain-norm relative only") }
    }

    func run() throws {
        let (basePath, outPath) = try paths
        let shots = self.shots ?? 10
        let tuning = tune.tuning(seed: seed)
        let (inputStep, base) = try ModelFile.load(from: basePath, steps: .anomalyKitCLI).splittingInputStep()
        // A model reading text: the target's text goes through the model's own encoder.
        let ds = try inputStep.map { try loadDataset(train, input, through: $0, schema: base.schema, encodedNames: base.featureNames,
                                                     allowMissing: false) }
            ?? loadDataset(train, input, schema: base.schema, allowMissing: false)
        try ds.x.requireFinite(train)
        let target = DomainData(x: ds.x, labels: ds.labels)
        let (tuned, seconds) = try Stopwatch.measure { () throws -> AnomalyModel in
            switch base {
            case .pending(let p):
                // Pretrained in the relative frame: the target's frame is what it waits for.
                guard p.awaiting == .relativeFrame, relative else {
                    throw AnomalyError(.model, p.reason, file: basePath, field: "awaiting", hint: p.hint)
                }
                try refuseAugmentation("a model pretrained in the relative frame")
                return try p.fineTunedRelative(on: target, shots: shots, tuning: tuning)
            case .ready(let m):
                if relative {
                    try refuseAugmentation("--domain-norm relative")
                    return try m.fineTunedRelative(on: target, shots: shots, tuning: tuning)
                }
                // A Meta-SGD model adapts with its learned per-parameter rates.
                if let rates = try MetaSGD.rates(of: m) {
                    try refuseAugmentation("a Meta-SGD model")
                    return try MetaSGD.adapted(m, rates: rates, on: target, tuning: tuning, domainNorm: frame)
                }
                return try m.fineTuned(on: target, tuning: tuning, domainNorm: frame,
                                       augmentation: try augmentation.resolve(forDetectorNamed: m.detectorName))
            }
        }
        try (inputStep.map { tuned.prepending(inputStep: $0, inputNames: Array(base.featureNames.prefix($0.inputCount))) } ?? tuned)
            .save(to: outPath)
        let summary: [String: Any] = ["detector": tuned.detectorName, "base": basePath, "model": outPath,
                                      "rows": ds.rowCount, "fit_seconds": seconds, "frozen": tuning.freeze, "new_head": tuning.newHead]
        if json { output(try jsonString(summary)) } else {
            output("fine-tuned \(tuned.detectorName) on \(ds.rowCount) rows of \(train) in \(fmt(seconds, 2)) s → \(outPath)")
        }
    }
}
