import AnomalyKit
import AnomalyTransfer
import AnomalyMath
import AnomalyNN
import Foundation

/// The meta experiment behind `anomalykit meta`: on a held-out target task with a few support
/// rows, does meta-training on the other tasks beat the simpler choices?
/// - `scratch`: the detector trained on the support rows only;
/// - `finetuned`: plain pretraining on all task rows pooled, then the same adaptation as `meta`
///   (the inner loop's learning rate and epochs) on the support rows;
/// - `meta`: meta-trained on the tasks (`MetaLearning`), adapted on the support rows; for
///   `metric`, the learned distance (`MetricMetaLearning`) to the K normal support rows;
/// - `knn_shots`: kNN with k = 1 on the K normal support rows.
/// The split and the shots are the transfer experiment's (`FewShotSplit`).
public struct MetaExperiment: Sendable {
    public var learning: MetaLearning
    public var metric = MetricMetaLearning()
    public var shots: Int
    public var anomalyShots = 0
    public var querySize = 32
    public var seed: UInt64 = 42

    public static let modeNames = ["scratch", "finetuned", "meta", "knn_shots"]

    public init(method: MetaMethod, shots: Int) {
        learning = MetaLearning(method: method)
        self.shots = shots
    }

    public struct Outcome: Sendable {
        public var modes: [(name: String, result: ModeResult?, reason: String?)]
        public var testRows: Int
        public var testAnomalies: Int
    }

    /// Runs every mode. - Throws: on mismatched features, tasks too small for episodes, too few
    /// target rows for the shots.
    public func run<D: NeuralDetector>(_ detector: D, tasks: [MetaTask], target: DomainData, targetName: String) throws -> Outcome {
        for t in tasks where t.data.x.cols != target.x.cols {
            throw AnomalyError.shape("has \(t.data.x.cols) features but the target \(targetName) has \(target.x.cols)", field: t.name)
        }
        var learning = self.learning
        learning.seed = seed
        var sampler = try EpisodeSampler(tasks: tasks, shots: shots, anomalyShots: anomalyShots, querySize: querySize, seed: seed)
        let few = try FewShotSplit(target: target, targetName: targetName, shots: shots, anomalyShots: anomalyShots, seed: seed)
        let support = few.shots
        let supportLabels = D.labelUse == .unsupervised ? nil : support.labels
        var recorder = ModeRecorder()
        func evaluate(_ fitted: D.Fitted, seconds: Double) throws -> ModeResult {
            ModeResult(labels: few.testY, scores: try fitted.scores(few.testX), fitSeconds: seconds)
        }
        recorder.attempt("scratch") {
            let (m, t) = try Stopwatch.measure { try detector.fit(support.x, labels: supportLabels) }
            return try evaluate(m, seconds: t)
        }
        recorder.attempt("finetuned") {
            let (m, t) = try Stopwatch.measure { () throws -> D.Fitted in
                let pretrained = try TransferLearning.pretrain(detector, sources: DomainData.pooled(tasks.map(\.data)))
                return try TransferLearning.fineTune(detector, pretrained, on: support, tuning: learning.innerTuning)
            }
            return try evaluate(m, seconds: t)
        }
        recorder.attempt("meta") {
            if learning.method == .metric {
                let normals = target.x.rows(at: few.normalShots)
                let (result, t) = try Stopwatch.measure { try metric.train(sampler: &sampler) }
                let scores = try result.model.scores(few.testX, support: normals)
                let note = "\(result.directionCount) directions × \(result.scale), ridge \(result.model.ridge); episode AUC \(String(format: "%.3f", result.episodeAUC)) (span only \(String(format: "%.3f", result.spanOnlyEpisodeAUC)))"
                return ModeResult(labels: few.testY, scores: scores, fitSeconds: t, note: note)
            }
            let ((m, frame), t) = try Stopwatch.measure { () throws -> (D.Fitted, DomainFrame?) in
                let (meta, rates) = try learning.train(detector, sampler: &sampler)
                return try learning.adapt(detector, meta, support: support, rates: rates)
            }
            return ModeResult(labels: few.testY, scores: try m.scores(frame.map { $0.apply(few.testX) } ?? few.testX), fitSeconds: t)
        }
        recorder.attempt("knn_shots") {
            try TransferExperiment.knnShots(target.x.rows(at: few.normalShots), testX: few.testX, testY: few.testY)
        }
        return Outcome(modes: recorder.modes, testRows: few.testX.rows, testAnomalies: few.testY.filter { $0 == 1 }.count)
    }

    /// Runs the experiment for a detector given as an existential (the CLI's case).
    public func run(anyDetector detector: any Detector, tasks: [MetaTask], target: DomainData, targetName: String) throws -> Outcome {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "meta-learning needs a neural detector (\(DetectorRegistry.neuralNames.joined(separator: ", "))), got '\(type(of: detector).descriptor.name)'")
        }
        return try run(neural, tasks: tasks, target: target, targetName: targetName)
    }
}

extension MetaLearning {
    /// Meta-trains a detector given as an existential (the CLI's case).
    public func train(anyDetector detector: any Detector,
                      sampler: inout EpisodeSampler) throws -> (fitted: any FittedDetector, rates: ParameterSet?) {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "meta-learning needs a neural detector (\(DetectorRegistry.neuralNames.joined(separator: ", "))), got '\(type(of: detector).descriptor.name)'")
        }
        return try trainOpened(neural, &sampler)
    }

    private func trainOpened<D: NeuralDetector>(_ d: D, _ sampler: inout EpisodeSampler) throws -> (fitted: any FittedDetector, rates: ParameterSet?) {
        let (fitted, rates) = try train(d, sampler: &sampler)
        return (fitted, rates)
    }
}
