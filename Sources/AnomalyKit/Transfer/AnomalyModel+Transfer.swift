import AnomalyMath
import Foundation

extension AnomalyModel {
    /// Pretrains a neural detector on pooled source domains and wraps it as a model file.
    public static func pretrain(_ detector: any Detector, sources: DomainData, contamination: Double = 0.1,
                                featureNames: [String]? = nil, schema: TableSchema? = nil) throws -> AnomalyModel {
        try pretrain(detector, sources: sources, contamination: contamination, featureNames: featureNames, schema: schema,
                     reading: .direct)
    }

    /// Pretrains on the sources each read relative to `shots` of their own normal rows (3 seeded
    /// draws each; `RelativeFrame.pooled`): the model waits for a target's normal rows, given
    /// by `fineTunedRelative`.
    public static func pretrainRelative(_ detector: any Detector, sources: [DomainData], shots: Int, seed: UInt64 = 0,
                                        contamination: Double = 0.1, featureNames: [String]? = nil) throws -> AnomalyModel {
        guard let first = sources.first else { throw AnomalyError.shape("pretraining needs at least one source") }
        guard (RelativeFrame.minimumShots + 1...1000).contains(shots) else {
            throw AnomalyError.parameter("--shots", "must be in [\(RelativeFrame.minimumShots + 1), 1000], got \(shots)")
        }
        let pooled = try RelativeFrame.pooled(sources, count: shots, seed: seed)
        return try pretrain(detector, sources: pooled, contamination: contamination,
                            featureNames: featureNames ?? (0..<first.x.cols).map { "x\($0)" }, schema: nil, reading: .relative(nil))
    }

    private static func pretrain(_ detector: any Detector, sources: DomainData, contamination: Double, featureNames: [String]?,
                                 schema: TableSchema?, reading: RowReading) throws -> AnomalyModel {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "pretraining needs a neural detector (autoencoder, vae, deepsvdd, devnet, classifier), got '\(type(of: detector).descriptor.name)'")
        }
        try ContaminationThreshold.contaminationSpec.validate(.double(contamination))
        let fitted = try pretrainOpened(neural, sources)
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, schema: schema, featureNames: featureNames, threshold: threshold,
                            trainingRows: sources.x.rows, reading: reading)
    }

    private static func pretrainOpened<D: NeuralDetector>(_ d: D, _ sources: DomainData) throws -> any FittedDetector {
        try TransferLearning.pretrain(d, sources: sources)
    }

    /// This model fine-tuned on target rows (its preprocessing, schema and contamination kept).
    public func fineTuned(on target: DomainData, tuning: FineTuning) throws -> AnomalyModel {
        guard let neural = detector as? any FittedNeuralDetector else {
            throw AnomalyError.model("fine-tuning needs a neural model (autoencoder, vae, deepsvdd, devnet, classifier); this one is '\(detectorName)'",
                                     field: "detector")
        }
        guard target.x.cols == featureCount else {
            throw AnomalyError.shape("the target data has \(target.x.cols) features, the model takes \(featureCount)")
        }
        if case .relative = reading {
            throw AnomalyError.model("this model reads rows relative to a target's normal rows (pretrained with --domain-norm relative): fine-tune it with --domain-norm relative",
                                     field: "relative_frame")
        }
        let x = preprocessor.isIdentity ? target.x : try preprocessor.transform(target.x)
        let fitted = try Self.fineTuneOpened(neural, DomainData(x: x, labels: target.labels), tuning)
        let threshold = try ContaminationThreshold(contamination: self.threshold.contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, preprocessor: preprocessor, schema: schema, featureNames: featureNames,
                            threshold: threshold, trainingRows: target.x.rows)
    }

    /// This relative-frame model fine-tuned on a target: `shots` of its normal rows (label 0;
    /// every row when unlabelled), drawn with the tuning's seed, become the frame; the model
    /// is fine-tuned on them read leave-one-out and on the other rows read against them, and
    /// scores new rows against them. A pending or an already fitted frame is replaced.
    public func fineTunedRelative(on target: DomainData, shots: Int, tuning: FineTuning) throws -> AnomalyModel {
        guard case .relative = reading else {
            throw AnomalyError.model("this model reads rows directly; --domain-norm relative needs a model pretrained with --domain-norm relative",
                                     field: "relative_frame")
        }
        guard let neural = detector as? any FittedNeuralDetector else {
            throw AnomalyError.model("fine-tuning needs a neural model; this one is '\(detectorName)'", field: "detector")
        }
        guard target.x.cols == featureCount else {
            throw AnomalyError.shape("the target data has \(target.x.cols) features, the model takes \(featureCount)")
        }
        let x = preprocessor.isIdentity ? target.x : try preprocessor.transform(target.x)
        try x.requireFinite()
        let labels = target.labels ?? [Int](repeating: 0, count: x.rows)
        let normalCount = labels.filter { $0 == 0 }.count
        guard shots > RelativeFrame.minimumShots, shots <= normalCount else {
            throw AnomalyError.parameter("--shots", "the relative frame takes \(RelativeFrame.minimumShots + 1)…\(normalCount) normal rows of the target (it has \(normalCount)), got \(shots)")
        }
        var rng = SeededGenerator(seed: tuning.seed &+ 0x5e1a)
        let draw = try RelativeFrame.drawn(from: x, labels: labels, count: shots, rng: &rng)
        let fitted = try Self.fineTuneOpened(neural, DomainData.pooled([draw.shots, draw.others]), tuning)
        let threshold = try ContaminationThreshold(contamination: self.threshold.contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, preprocessor: preprocessor, schema: schema, featureNames: featureNames,
                            threshold: threshold, trainingRows: target.x.rows, reading: .relative(draw.frame))
    }

    private static func fineTuneOpened<F: FittedNeuralDetector>(_ f: F, _ target: DomainData, _ tuning: FineTuning) throws -> any FittedDetector {
        let rows = TransferLearning.trainingRows(for: f.settings, target)
        let start = F.Settings.Fitted(settings: f.settings, model: f.model, trainingScores: f.trainingScores)
        return try TransferLearning.fineTune(f.settings, start, on: rows, tuning: tuning)
    }
}

extension TransferExperiment {
    /// Runs the experiment for a detector given as an existential (the CLI's case).
    public func run(anyDetector detector: any Detector, sources: [DomainData], sourceNames: [String], target: DomainData,
                    targetName: String) throws -> Outcome {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "transfer needs a neural detector (autoencoder, vae, deepsvdd, devnet, classifier), got '\(type(of: detector).descriptor.name)'")
        }
        return try run(neural, sources: sources, sourceNames: sourceNames, target: target, targetName: targetName)
    }
}

extension AnomalyModel {
    /// A few-shot (`span`) model fitted on a task's normal support rows, keeping its learned
    /// directions, preprocessing, schema and contamination; the threshold comes from the
    /// support rows' leave-one-out scores.
    public func refitted(onSupport support: Matrix) throws -> AnomalyModel {
        guard let span = detector as? FittedSpan else {
            throw AnomalyError.parameter("support", "only few-shot models (span, meta-train --method metric) take a support set; this one is '\(detectorName)'")
        }
        guard support.cols == featureCount else {
            throw AnomalyError.shape("the support rows have \(support.cols) features, the model takes \(featureCount)")
        }
        let x = preprocessor.isIdentity ? support : try preprocessor.transform(support)
        let fitted = try span.refitted(on: x)
        let threshold = try ContaminationThreshold(contamination: self.threshold.contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, preprocessor: preprocessor, schema: schema, featureNames: featureNames,
                            threshold: threshold, trainingRows: support.rows)
    }
}
