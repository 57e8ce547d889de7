import AnomalyMath
import Foundation

extension AnomalyModel {
    /// Pretrains a neural detector on pooled source domains and wraps it as a model file.
    public static func pretrain(_ detector: any Detector, sources: DomainData, contamination: Double = 0.1,
                                featureNames: [String]? = nil, schema: TableSchema? = nil) throws -> AnomalyModel {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "pretraining needs a neural detector (autoencoder, vae, deepsvdd, devnet, classifier), got '\(type(of: detector).descriptor.name)'")
        }
        try ContaminationThreshold.contaminationSpec.validate(.double(contamination))
        let fitted = try pretrainOpened(neural, sources)
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, schema: schema, featureNames: featureNames, threshold: threshold,
                            trainingRows: sources.x.rows)
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
        let x = preprocessor.isIdentity ? target.x : try preprocessor.transform(target.x)
        let fitted = try Self.fineTuneOpened(neural, DomainData(x: x, labels: target.labels), tuning)
        let threshold = try ContaminationThreshold(contamination: self.threshold.contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, preprocessor: preprocessor, schema: schema, featureNames: featureNames,
                            threshold: threshold, trainingRows: target.x.rows)
    }

    private static func fineTuneOpened<F: FittedNeuralDetector>(_ f: F, _ target: DomainData, _ tuning: FineTuning) throws -> any FittedDetector {
        let rows = TransferLearning.trainingRows(for: f.settings, target)
        return try TransferLearning.fineTune(f.settings, f, on: rows, tuning: tuning)
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
