import AnomalyKit
import AnomalyMath
import Foundation

extension AnomalyModel {
    /// Pretrains a neural detector on pooled source domains and wraps it as a model.
    public static func pretrain(_ detector: any Detector, sources: DomainData, contamination: Double = 0.1,
                                featureNames: [String]? = nil, schema: TableSchema? = nil,
                                pipeline: Pipeline = Pipeline()) throws -> AnomalyModel {
        let (fitted, threshold) = try pretrained(detector, on: try pipeline.transform(sources), contamination: contamination)
        return AnomalyModel(detector: fitted, pipeline: pipeline, schema: schema, featureNames: featureNames,
                            threshold: threshold, trainingRows: sources.x.rows)
    }

    /// Pretrains on the sources each read relative to `shots` of their own normal rows (3 seeded
    /// draws each; `RelativeFrame.pooled`): the model waits for a target's normal rows, which
    /// `PendingModel.fineTunedRelative` gives it.
    public static func pretrainRelative(_ detector: any Detector, sources: [DomainData], shots: Int, seed: UInt64 = 0,
                                        contamination: Double = 0.1, featureNames: [String]? = nil) throws -> PendingModel {
        guard let first = sources.first else { throw AnomalyError.shape("pretraining needs at least one source") }
        try RelativeFrame.checkShotCount(shots)
        let pooled = try RelativeFrame.pooled(sources, count: shots, seed: seed)
        let (fitted, threshold) = try pretrained(detector, on: pooled, contamination: contamination)
        return PendingModel(awaiting: .relativeFrame, detector: fitted,
                            featureNames: featureNames ?? (0..<first.x.cols).map { "x\($0)" }, threshold: threshold,
                            trainingRows: pooled.x.rows)
    }

    private static func pretrained(_ detector: any Detector, on sources: DomainData,
                                   contamination: Double) throws -> (any FittedDetector, ContaminationThreshold) {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "pretraining needs a neural detector (\(DetectorRegistry.neuralNames.joined(separator: ", "))), got '\(type(of: detector).descriptor.name)'")
        }
        try ContaminationThreshold.contaminationSpec.validate(.double(contamination))
        let fitted = try pretrainOpened(neural, sources)
        return (fitted, try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores))
    }

    private static func pretrainOpened<D: NeuralDetector>(_ d: D, _ sources: DomainData) throws -> any FittedDetector {
        try TransferLearning.pretrain(d, sources: sources)
    }

    /// This model fine-tuned on target rows (its steps, schema and contamination kept). With
    /// `domainNorm`, a `DomainFrame` of the target's normal rows (all rows when unlabelled) is
    /// appended to the pipeline first, and the network is fine-tuned on rows read in it — for a
    /// model pretrained on per-domain normalised sources.
    /// With `augmentation`, the network is fine-tuned on the target's rows with the added ones
    /// (read in the same frame), and the threshold comes from the real rows' scores.
    public func fineTuned(on target: DomainData, tuning: FineTuning, domainNorm: DomainNorm? = nil,
                          augmentation: (any TrainingAugmentation)? = nil) throws -> AnomalyModel {
        guard target.x.cols == featureCount else {
            throw AnomalyError.shape("the target data has \(target.x.cols) features, the model takes \(featureCount)")
        }
        let (pipeline, rows) = try targetRows(target, domainNorm: domainNorm, seed: tuning.seed)
        let fitted: any FittedDetector
        if let augmentation {
            let (x, labels) = try augmentation.augment(rows.x, labels: rows.labels)
            fitted = try Self.fineTune(detector, on: DomainData(x: x, labels: labels), tuning: tuning)
                .replacingTrainingScores(forRows: rows.x)
        } else {
            fitted = try Self.fineTune(detector, on: rows, tuning: tuning)
        }
        let threshold = try ContaminationThreshold(contamination: self.threshold.contamination, trainingScores: fitted.trainingScores)
        return replacingDetector(fitted, threshold: threshold, trainingRows: target.x.rows, pipeline: pipeline)
    }

    /// The target's rows as the detector will see them after fine-tuning: through the model's
    /// steps, then — with `domainNorm` — read in a frame of the target's normal rows (all rows when
    /// unlabelled), which is appended to the returned pipeline.
    package func targetRows(_ target: DomainData, domainNorm: DomainNorm?, seed: UInt64) throws -> (Pipeline, DomainData) {
        let rows = try pipeline.transform(target)
        guard let domainNorm else { return (pipeline, rows) }
        var rng = SeededGenerator(seed: seed)
        let frame = DomainFrame(rows, norm: domainNorm, rng: &rng)
        return (pipeline.appending(frame), frame.apply(rows))
    }

    static func fineTune(_ detector: any FittedDetector, on rows: DomainData, tuning: FineTuning) throws -> any FittedDetector {
        guard let neural = detector as? any FittedNeuralDetector else {
            throw AnomalyError.model("fine-tuning needs a neural model (\(DetectorRegistry.neuralNames.joined(separator: ", "))); this one is '\(detector.detectorName)'",
                                     field: "detector")
        }
        return try fineTuneOpened(neural, rows, tuning)
    }

    private static func fineTuneOpened<F: FittedNeuralDetector>(_ f: F, _ target: DomainData, _ tuning: FineTuning) throws -> any FittedDetector {
        let rows = TransferLearning.trainingRows(for: f.settings, target)
        let start = F.Settings.Fitted(settings: f.settings, model: f.model, trainingScores: f.trainingScores)
        return try TransferLearning.fineTune(f.settings, start, on: rows, tuning: tuning)
    }
}

extension PendingModel {
    /// This relative-frame model fine-tuned on a target: `shots` of its normal rows (label 0;
    /// every row when unlabelled), drawn with the tuning's seed, become the frame — the pipeline
    /// step the model was waiting for; the network is fine-tuned on them read leave-one-out and
    /// on the other rows read against them.
    public func fineTunedRelative(on target: DomainData, shots: Int, tuning: FineTuning) throws -> AnomalyModel {
        guard awaiting == .relativeFrame else {
            throw AnomalyError.model("this model waits for \(awaiting.rawValue), not a relative frame", field: "awaiting")
        }
        return try AnomalyModel.fineTunedRelative(detector: detector, pipeline: pipeline, threshold: threshold, target: target,
                                                  shots: shots, tuning: tuning) { step, fitted, threshold in
            completed(with: step, detector: fitted, threshold: threshold, trainingRows: target.x.rows)
        }
    }
}

extension AnomalyModel {
    /// This relative-frame model fine-tuned again on another target: its frame is replaced by
    /// one drawn from the new target's normal rows.
    public func fineTunedRelative(on target: DomainData, shots: Int, tuning: FineTuning) throws -> AnomalyModel {
        guard let last = pipeline.steps.last, last is RelativeFrame else {
            throw AnomalyError.model("this model reads rows directly; fine-tuning in the relative frame needs a model pretrained in it",
                                     field: "steps")
        }
        let before = Pipeline(Array(pipeline.steps.dropLast()))
        return try Self.fineTunedRelative(detector: detector, pipeline: before, threshold: threshold, target: target,
                                          shots: shots, tuning: tuning) { step, fitted, threshold in
            replacingDetector(fitted, threshold: threshold, trainingRows: target.x.rows, pipeline: before.appending(step))
        }
    }

    fileprivate static func fineTunedRelative(
        detector: any FittedDetector, pipeline: Pipeline, threshold: ContaminationThreshold, target: DomainData, shots: Int,
        tuning: FineTuning, complete: (RelativeFrame, any FittedDetector, ContaminationThreshold) -> AnomalyModel
    ) throws -> AnomalyModel {
        let inputs = pipeline.steps.first?.inputCount ?? target.x.cols
        guard target.x.cols == inputs else {
            throw AnomalyError.shape("the target data has \(target.x.cols) features, the model takes \(inputs)")
        }
        let x = try pipeline.transform(target.x)
        try x.requireFinite()
        let labels = target.labels ?? [Int](repeating: 0, count: x.rows)
        let normalCount = labels.filter { $0 == 0 }.count
        try RelativeFrame.checkShotCount(shots, normals: normalCount)
        var rng = SeededGenerator(seed: tuning.seed &+ 0x5e1a)
        let draw = try RelativeFrame.drawn(from: x, labels: labels, count: shots, rng: &rng)
        let fitted = try fineTune(detector, on: DomainData.pooled([draw.shots, draw.others]), tuning: tuning)
        let tuned = try ContaminationThreshold(contamination: threshold.contamination, trainingScores: fitted.trainingScores)
        return complete(draw.frame, fitted, tuned)
    }
}

extension Pipeline {
    /// `data`'s rows through the pipeline, labels kept.
    public func transform(_ data: DomainData) throws -> DomainData {
        steps.isEmpty ? data : DomainData(x: try transform(data.x), labels: data.labels)
    }
}

extension RelativeFrame {
    /// Checks a shot count: more than the minimum, and at most `normals` when known.
    static func checkShotCount(_ shots: Int, normals: Int? = nil) throws {
        let upper = normals ?? 1000
        guard shots > minimumShots, shots <= upper else {
            let have = normals.map { " (the target has \($0) normal rows)" } ?? ""
            throw AnomalyError(.parameter, "the relative frame takes \(minimumShots + 1)…\(upper) normal rows\(have), got \(shots)",
                               field: "shots", hint: .chooseShots((minimumShots + 1)...max(minimumShots + 1, upper)))
        }
    }
}
