import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// Fine-tuning knobs shared by `finetune` and `transfer`.
struct FineTuneOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Comma-separated parameter-name prefixes to keep fixed (e.g. encoder).", valueName: "prefix,…"), transform: commaList)
    var freeze: [String]?
    @Flag(name: .customLong("new-head"), help: "Re-initialise the output head before fine-tuning.") var newHead = false
    @Option(name: .long, help: "Fine-tuning learning rate, in (0, 10] (default: a tenth of the detector's).") var lr: Double?
    @Option(name: .long, help: "Fine-tuning epochs, 1…100000 (default: the detector's).") var epochs: Int?
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
        t.seed = seed
        return t
    }
}
