import AnomalyMath
import Foundation

/// The outcome of fitting one detector on a training set and scoring a labelled test set.
public struct EvaluationResult: Sendable {
    public let detector: String
    public let parameters: ParameterValues
    public let contamination: Double
    public let trainRows: Int
    public let testRows: Int
    public let featureCount: Int
    public let report: EvaluationReport
    /// Test scores in test-row order.
    public let testScores: [Double]
    /// Test labels in test-row order (1 = anomaly).
    public let testLabels: [Int]
    /// The decision threshold (from the contamination on the training scores): test rows
    /// scoring above it are flagged. Kept so a report can mark it on the score histograms.
    public let threshold: Double
    public let model: AnomalyModel
}

/// The evaluation protocol of DESIGN.md: fit on the training rows (unlabelled), score the test
/// rows, and measure ranking quality, quality at the contamination threshold and time.
public enum Evaluation {
    /// The protocol's split of a labelled dataset: stratified by label with the seed; the
    /// training part keeps its labels (for the detectors that use them), features, schema and
    /// input step.
    public static func split(_ data: Dataset, labels y: [Int], testFraction: Double = 0.3, seed: UInt64) throws
        -> (train: Dataset, testX: Matrix, testY: [Int]) {
        let split = try StratifiedSplit.split(labels: y, testFraction: testFraction, seed: seed)
        var train = Dataset(x: data.x.rows(at: split.train), labels: split.train.map { y[$0] },
                            featureNames: data.featureNames, schema: data.schema)
        train.inputStep = data.inputStep
        return (train, data.x.rows(at: split.test), split.test.map { y[$0] })
    }

    /// Fits `detector` on `train`, scores `test` and compares with `testLabels` (1 = anomaly).
    public static func run(_ detector: any Detector, train: Dataset, test: Matrix, testLabels: [Int],
                           contamination: Double = 0.1, imputation: Preprocessor.Imputation = .none,
                           scaling: Preprocessor.Scaling = .none,
                           augmentation: (any TrainingAugmentation)? = nil) throws -> EvaluationResult {
        guard test.rows == testLabels.count else {
            throw AnomalyError.shape("the test data has \(test.rows) rows but \(testLabels.count) labels")
        }
        guard test.cols == train.featureCount else {
            throw AnomalyError.shape("the test data has \(test.cols) features, the training data \(train.featureCount)")
        }
        if let bad = testLabels.first(where: { $0 != 0 && $0 != 1 }) {
            throw AnomalyError.data("test labels must be 0 (normal) or 1 (anomaly), found \(bad)")
        }
        let clock = ContinuousClock()
        var model: AnomalyModel?
        let fitTime = try clock.measure {
            model = try AnomalyModel.fit(detector, on: train, contamination: contamination,
                                         imputation: imputation, scaling: scaling, augmentation: augmentation)
        }
        guard let model else { throw AnomalyError(.numeric, "fitting produced no model") }
        var scores: [Double] = []
        let scoreTime = try clock.measure { scores = try model.scores(test) }
        let report = EvaluationReport(labels: testLabels, scores: scores, predicted: model.labels(forScores: scores),
                                      fitSeconds: fitTime.seconds, scoreSeconds: scoreTime.seconds)
        return EvaluationResult(detector: model.detectorName, parameters: model.parameters, contamination: contamination,
                                trainRows: train.rowCount, testRows: test.rows, featureCount: test.cols,
                                report: report, testScores: scores, testLabels: testLabels,
                                threshold: model.threshold.value, model: model)
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    package var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
