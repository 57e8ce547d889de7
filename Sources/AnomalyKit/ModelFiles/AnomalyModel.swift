import AnomalyMath
import Foundation

/// A fitted detector with everything needed to score new data: its input schema, preprocessing,
/// threshold and a summary of its training scores. Saved as one `.safetensors` file.
public struct AnomalyModel: Sendable {
    /// The current model-file format; files of another version are refused with a clear message.
    public static let formatVersion = 1

    public let detector: any FittedDetector
    public let preprocessor: Preprocessor
    /// CSV encoding learned at fit time (nil for numeric matrices).
    public let schema: TableSchema?
    public let featureNames: [String]
    public let threshold: ContaminationThreshold
    public let trainingSummary: ScoreSummary
    public let trainingRows: Int
    /// How raw rows reach the detector (after preprocessing).
    public let reading: RowReading

    public var detectorName: String { detector.detectorName }
    public var parameters: ParameterValues { detector.settingsParameters }
    public var featureCount: Int { featureNames.count }

    public init(detector: any FittedDetector, preprocessor: Preprocessor = .identity, schema: TableSchema? = nil,
                featureNames: [String]? = nil, threshold: ContaminationThreshold, trainingRows: Int, reading: RowReading = .direct) {
        self.detector = detector
        self.reading = reading
        self.preprocessor = preprocessor
        self.schema = schema
        self.featureNames = featureNames ?? (0..<detector.featureCount).map { "x\($0)" }
        self.threshold = threshold
        self.trainingSummary = ScoreSummary(detector.trainingScores)
        self.trainingRows = trainingRows
    }

    /// Fits `detector` on `data` after fitting `preprocessor` settings on it.
    /// - Parameters:
    ///   - contamination: share of anomalies expected in training data, in (0, 0.5].
    public static func fit(_ detector: any Detector, on data: Dataset, contamination: Double = 0.1,
                           imputation: Preprocessor.Imputation = .none, scaling: Preprocessor.Scaling = .none) throws -> AnomalyModel {
        try ContaminationThreshold.contaminationSpec.validate(.double(contamination))
        let pre = try Preprocessor.fit(data.x, imputation: imputation, scaling: scaling)
        // Every detector checks finiteness itself; the identity transform would only scan again.
        let x = pre.isIdentity ? data.x : try pre.transform(data.x)
        let fitted = type(of: detector).labelUse == .unsupervised ? try detector.fit(x) : try detector.fit(x, labels: data.labels)
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, preprocessor: pre, schema: data.schema, featureNames: data.featureNames,
                            threshold: threshold, trainingRows: data.rowCount)
    }

    /// Scores of raw rows (before preprocessing): higher = more anomalous.
    public func scores(_ x: Matrix) throws -> [Double] {
        guard x.cols == featureCount else {
            throw AnomalyError.shape("data has \(x.cols) feature columns, the model was trained on \(featureCount)")
        }
        let prepared = preprocessor.isIdentity ? x : try preprocessor.transform(x)
        switch reading {
        case .direct:
            return try detector.scores(prepared)
        case .relative(nil):
            throw AnomalyError.model("this model reads rows relative to a target's normal rows and has none yet (pretrained with --domain-norm relative): fine-tune it on the target with 'finetune --domain-norm relative' first",
                                     field: "relative_frame")
        case .relative(let frame?):
            try prepared.requireFinite()
            return try detector.scores(frame.apply(prepared))
        }
    }

    /// 1 = anomaly, 0 = normal, by the contamination threshold.
    public func labels(forScores scores: [Double]) -> [Int] { threshold.labels(for: scores) }

    /// Outlier probabilities in [0, 1].
    public func probabilities(forScores scores: [Double], method: ProbabilityMethod = .linear) -> [Double] {
        trainingSummary.probabilities(scores, method: method)
    }
}

/// How a model's raw rows (after preprocessing) reach its detector.
public enum RowReading: Sendable {
    /// As they are.
    case direct
    /// As distances to a target's normal rows (`RelativeFrame`; `--domain-norm relative`); nil
    /// for a model pretrained on sources and not yet fine-tuned on a target.
    case relative(RelativeFrame?)

    /// The number of inputs the detector takes for rows of `features` columns.
    func detectorInputs(features: Int) -> Int {
        if case .relative = self { return RelativeFrame.measures.count }
        return features
    }
}

extension FittedDetector {
    /// The settings' parameters, reachable through an existential.
    public var settingsParameters: ParameterValues { settings.parameters }
    /// The detector's CLI name, reachable through an existential.
    public var detectorName: String { Settings.descriptor.name }
}
