import AnomalyKit
import ArgumentParser
import Foundation

extension AnomalyOversampling.Method: ExpressibleByArgument {}

/// `--synthetic-anomalies` (outlier exposure) and `--augment` (oversampling the labelled
/// anomalies): rows added to the training rows of the detectors that learn from labels.
struct AugmentationOptions: ParsableArguments {
    @Option(name: .customLong("synthetic-anomalies"), help: ArgumentHelp("Outlier exposure for devnet and classifier: train against anomalies of these types (local, global, dependency, clustered) generated from the training rows; no labels needed.", valueName: "type,…"), transform: commaList)
    var syntheticAnomalies: [String] = []

    @Option(name: .customLong("synthetic-ratio"), help: ArgumentHelp("Generated anomalies per training row, split across the types (default 0.2).", valueName: "ratio"))
    var syntheticRatio: Double?

    @Option(name: .long, help: "Oversample the labelled anomalies (label 1) of the training rows, for devnet and classifier: smote, mixup or jitter.")
    var augment: AnomalyOversampling.Method?

    @Option(name: .customLong("augment-factor"), help: ArgumentHelp("New rows per labelled anomaly with --augment (default 5).", valueName: "F"))
    var augmentFactor: Double?

    @Option(name: .customLong("augment-seed"), help: "Seed of the generated and augmented rows.")
    var augmentSeed: UInt64 = 42

    func validate() throws {
        _ = try types()
        if syntheticRatio != nil && syntheticAnomalies.isEmpty { throw ValidationError("--synthetic-ratio sets how many anomalies --synthetic-anomalies generates; give --synthetic-anomalies too") }
        if augmentFactor != nil && augment == nil { throw ValidationError("--augment-factor sets how many rows --augment adds; give --augment too") }
        if let r = syntheticRatio, !(r > 0 && r <= 10) { throw ValidationError("--synthetic-ratio: generated anomalies per training row must be in (0, 10], got \(r)") }
        if let f = augmentFactor, !(f > 0 && f <= 100) { throw ValidationError("--augment-factor: new rows per labelled anomaly must be in (0, 100], got \(f)") }
    }

    var isEmpty: Bool { syntheticAnomalies.isEmpty && augment == nil }

    func types() throws -> [SyntheticAnomalyType] {
        try syntheticAnomalies.map { name in
            guard let t = SyntheticAnomalyType(rawValue: name) else {
                throw ValidationError("--synthetic-anomalies: unknown type '\(name)' (local, global, dependency, clustered)")
            }
            return t
        }
    }

    /// The augmentation for `detector`, nil when none is asked for.
    /// - Throws: `.parameter` when one is asked for and `detector` ignores labels.
    func resolve(for detector: any Detector) throws -> (any TrainingAugmentation)? {
        guard !isEmpty else { return nil }
        let type = type(of: detector)
        guard type.labelUse != .unsupervised else {
            let flag = augment != nil ? "--augment" : "--synthetic-anomalies"
            throw AnomalyError.parameter(flag, "\(type.descriptor.name) is unsupervised and ignores labels; \(flag) trains the detectors that learn from labels (devnet, classifier)")
        }
        return try resolved()
    }

    /// The augmentation for a model's detector, by its name (fine-tuning a saved model).
    func resolve(forDetectorNamed name: String) throws -> (any TrainingAugmentation)? {
        guard !isEmpty else { return nil }
        return try resolve(for: DetectorRegistry.make(name))
    }

    /// The augmentation asked for, whatever the detector (nil when none).
    func resolved() throws -> (any TrainingAugmentation)? {
        var steps: [any TrainingAugmentation] = []
        if let augment {
            steps.append(try AnomalyOversampling(method: augment, factor: augmentFactor ?? 5, seed: augmentSeed))
        }
        let types = try types()
        if !types.isEmpty {
            steps.append(try OutlierExposure(types: types, ratio: syntheticRatio ?? 0.2, seed: augmentSeed))
        }
        return steps.count == 1 ? steps[0] : steps.isEmpty ? nil : AugmentationSequence(steps)
    }
}
