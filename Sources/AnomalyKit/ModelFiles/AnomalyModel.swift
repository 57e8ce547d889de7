import AnomalyMath
import Foundation

/// A fitted pipeline, ready to score: the input columns (and the CSV encoding learned at fit
/// time), the fitted steps, the fitted detector and its threshold. Saved as one `.safetensors`
/// file (format version 2; version-1 files load too).
///
/// ```swift
/// let model = try AnomalyModel.fit(IsolationForest(), on: data, contamination: 0.05, scaling: .standard)
/// let scores = try model.scores(data.x)            // higher = more anomalous
/// ```
public struct AnomalyModel: Sendable {
    /// The model-file format this AnomalyKit writes; it reads this one and every earlier one.
    public static let formatVersion = 2

    var record: ModelRecord

    init(record: ModelRecord) {
        precondition(record.awaiting == nil, "a model waiting for a target's rows is a PendingModel")
        self.record = record
    }

    /// A model from its parts. - Precondition: the steps chain from `featureNames.count` columns
    /// to the detector's feature count.
    public init(detector: any FittedDetector, pipeline: Pipeline = Pipeline(), schema: TableSchema? = nil,
                featureNames: [String]? = nil, threshold: ContaminationThreshold, trainingRows: Int,
                attachments: [String: Tensor] = [:]) {
        let inputs = featureNames?.count ?? pipeline.steps.first?.inputCount ?? detector.featureCount
        self.init(record: ModelRecord(featureNames: featureNames ?? (0..<inputs).map { "x\($0)" }, schema: schema,
                                      pipeline: pipeline, awaiting: nil, detector: detector, threshold: threshold,
                                      trainingRows: trainingRows, attachments: attachments))
    }

    /// A model whose only steps are `preprocessor`'s imputation and scaling.
    public init(detector: any FittedDetector, preprocessor: Preprocessor, schema: TableSchema? = nil,
                featureNames: [String]? = nil, threshold: ContaminationThreshold, trainingRows: Int) {
        self.init(detector: detector, pipeline: Pipeline(preprocessor.steps), schema: schema, featureNames: featureNames,
                  threshold: threshold, trainingRows: trainingRows)
    }

    public var detector: any FittedDetector { record.detector }
    public var pipeline: Pipeline { record.pipeline }
    /// CSV encoding learned at fit time (nil for numeric matrices).
    public var schema: TableSchema? { record.schema }
    public var featureNames: [String] { record.featureNames }
    public var featureCount: Int { record.featureNames.count }
    public var threshold: ContaminationThreshold { record.threshold }
    public var trainingSummary: ScoreSummary { record.trainingSummary }
    public var trainingRows: Int { record.trainingRows }
    /// Arrays a higher layer keeps with the model (e.g. Meta-SGD's learned rates), by name.
    public var attachments: [String: Tensor] { record.attachments }
    public var detectorName: String { detector.detectorName }
    public var parameters: ParameterValues { detector.settingsParameters }
    /// The imputation and scaling steps as one value (`.identity` when there are none).
    public var preprocessor: Preprocessor { record.pipeline.preprocessor }
    /// Whether missing values (empty CSV cells, NaN) are imputed rather than refused.
    public var imputesMissingValues: Bool { pipeline.first(Imputer.self) != nil }

    /// Fits `detector` on `data` after fitting the imputation and scaling on it.
    /// - Parameters:
    ///   - contamination: share of anomalies expected in training data, in (0, 0.5].
    ///   - augmentation: rows added to the detector's training rows (devnet, classifier); the
    ///     threshold still comes from the real rows' scores.
    public static func fit(_ detector: any Detector, on data: Dataset, contamination: Double = 0.1,
                           imputation: Preprocessor.Imputation = .none, scaling: Preprocessor.Scaling = .none,
                           augmentation: (any TrainingAugmentation)? = nil) throws -> AnomalyModel {
        try ContaminationThreshold.contaminationSpec.validate(.double(contamination))
        let pre = try Preprocessor.fit(data.x, imputation: imputation, scaling: scaling)
        let pipeline = Pipeline(pre.steps)
        // Every detector checks finiteness itself; an empty pipeline would only scan again.
        let x = try pipeline.transform(data.x)
        let fitted = try augmentation.map { try $0.fitAugmented(detector, on: x, labels: data.labels) }
            ?? (type(of: detector).labelUse == .unsupervised ? try detector.fit(x) : try detector.fit(x, labels: data.labels))
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        return AnomalyModel(detector: fitted, pipeline: pipeline, schema: data.schema, featureNames: data.featureNames,
                            threshold: threshold, trainingRows: data.rowCount)
    }

    /// Scores of raw rows (before the pipeline): higher = more anomalous.
    public func scores(_ x: Matrix) throws -> [Double] {
        guard x.cols == featureCount else {
            throw AnomalyError.shape("data has \(x.cols) feature columns, the model was trained on \(featureCount)")
        }
        return try detector.scores(pipeline.transform(x))
    }

    /// Scores of raw rows whose text columns the model's input step encodes (an encoder step
    /// first in the pipeline); numeric rows alone work as with `scores(_:)`.
    /// - Throws: a shape error when the numeric columns or the text columns do not fit the model.
    public func scores(rows: PipelineRows) throws -> [Double] {
        guard rows.x.cols == featureCount else {
            throw AnomalyError.shape("data has \(rows.x.cols) feature columns, the model was trained on \(featureCount)")
        }
        return try detector.scores(pipeline.transform(rows: rows).x)
    }

    /// The raw text columns the model reads (those of its input step; none for numeric models).
    public var rawColumns: [String] { pipeline.rawColumns }

    /// The same model reading raw rows through `step` first: its inputs become `inputNames`
    /// (the numeric columns beside the raw ones), and `step`'s output is what the model took.
    /// Used to keep the encoder with a model fitted, pretrained or fine-tuned on encoded rows.
    public func prepending(inputStep step: any InputStep, inputNames: [String]) -> AnomalyModel {
        AnomalyModel(record: record.prepending(inputStep: step, inputNames: inputNames))
    }

    /// The model without its input step, reading the rows that step gives (for fine-tuning on
    /// rows encoded once), with that step; nil step for a model without one.
    public func splittingInputStep() -> (step: (any InputStep)?, model: AnomalyModel) {
        guard let (step, r) = record.splittingInputStep() else { return (nil, self) }
        return (step, AnomalyModel(record: r))
    }

    /// 1 = anomaly, 0 = normal, by the contamination threshold.
    public func labels(forScores scores: [Double]) -> [Int] { threshold.labels(for: scores) }

    /// Outlier probabilities in [0, 1].
    public func probabilities(forScores scores: [Double], method: ProbabilityMethod = .linear) -> [Double] {
        trainingSummary.probabilities(scores, method: method)
    }

    /// The same input, steps and attachments with another fitted detector and threshold (after
    /// fine-tuning, interpolation or a refit on support rows).
    public func replacingDetector(_ detector: any FittedDetector, threshold: ContaminationThreshold,
                                  trainingRows: Int, pipeline: Pipeline? = nil) -> AnomalyModel {
        AnomalyModel(record: record.replacing(detector, threshold: threshold, trainingRows: trainingRows,
                                              pipeline: pipeline ?? record.pipeline))
    }

    /// The same model with `attachments` (replacing any of the same names).
    public func attaching(_ attachments: [String: Tensor]) -> AnomalyModel {
        var r = record
        r.attachments.merge(attachments) { $1 }
        return AnomalyModel(record: r)
    }
}

/// A model file that cannot score yet: it waits for rows of the domain it will score, and says
/// which. Fine-tuning (`awaiting == .relativeFrame`) or support rows (`.supportRows`) turn it into
/// an `AnomalyModel`.
public struct PendingModel: Sendable {
    /// What a pending model waits for.
    public enum Awaiting: String, Sendable, Codable {
        /// Pretrained on sources read in the relative frame: a target's normal rows become its
        /// frame when it is fine-tuned on them.
        case relativeFrame = "relative_frame"
        /// A few-shot (`span`) model with learned directions: a task's normal support rows.
        case supportRows = "support_rows"
    }

    var record: ModelRecord

    init(record: ModelRecord) {
        precondition(record.awaiting != nil, "a pending model waits for something")
        self.record = record
    }

    /// A model whose detector takes rows after `pipeline` and a step of `awaiting` still to fit.
    public init(awaiting: Awaiting, detector: any FittedDetector, pipeline: Pipeline = Pipeline(),
                featureNames: [String], schema: TableSchema? = nil, threshold: ContaminationThreshold, trainingRows: Int) {
        self.init(record: ModelRecord(featureNames: featureNames, schema: schema, pipeline: pipeline, awaiting: awaiting,
                                      detector: detector, threshold: threshold, trainingRows: trainingRows, attachments: [:]))
    }

    public var awaiting: Awaiting { record.awaiting! }
    public var detector: any FittedDetector { record.detector }
    /// The steps fitted so far (before the awaited one).
    public var pipeline: Pipeline { record.pipeline }
    public var schema: TableSchema? { record.schema }
    public var featureNames: [String] { record.featureNames }
    public var featureCount: Int { record.featureNames.count }
    public var threshold: ContaminationThreshold { record.threshold }
    public var trainingRows: Int { record.trainingRows }
    public var detectorName: String { detector.detectorName }

    /// What the user can do about it.
    public var hint: AnomalyError.Hint {
        switch awaiting {
        case .relativeFrame: .fineTuneInRelativeFrame
        case .supportRows: .giveSupportRows
        }
    }

    /// Why this model cannot score, for an error message.
    public var reason: String {
        switch awaiting {
        case .relativeFrame:
            "this \(detectorName) model was pretrained in the relative frame and has no target frame yet: it cannot score"
        case .supportRows:
            "this few-shot \(detectorName) model has learned directions but no support rows yet: it cannot score"
        }
    }

    /// The model completed with `step` (the fitted awaited step) and a detector trained behind it.
    public func completed(with step: any PipelineStep, detector: any FittedDetector, threshold: ContaminationThreshold,
                          trainingRows: Int) -> AnomalyModel {
        AnomalyModel(record: record.replacing(detector, threshold: threshold, trainingRows: trainingRows,
                                              pipeline: record.pipeline.appending(step)))
    }

    /// The same pending model reading raw rows through `step` first (see
    /// `AnomalyModel.prepending(inputStep:inputNames:)`).
    public func prepending(inputStep step: any InputStep, inputNames: [String]) -> PendingModel {
        PendingModel(record: record.prepending(inputStep: step, inputNames: inputNames))
    }

    /// The pending model without its input step, and that step (nil when it has none).
    public func splittingInputStep() -> (step: (any InputStep)?, model: PendingModel) {
        guard let (step, r) = record.splittingInputStep() else { return (nil, self) }
        return (step, PendingModel(record: r))
    }

    /// The model completed by a detector that needs no further step (span fitted on support rows).
    public func completed(detector: any FittedDetector, threshold: ContaminationThreshold, trainingRows: Int) -> AnomalyModel {
        AnomalyModel(record: record.replacing(detector, threshold: threshold, trainingRows: trainingRows,
                                              pipeline: record.pipeline))
    }
}

/// Everything a model file holds, ready or pending.
struct ModelRecord: Sendable {
    /// The record reading raw rows through `step` first; its inputs become `inputNames`.
    func prepending(inputStep step: any InputStep, inputNames: [String]) -> ModelRecord {
        var r = self
        r.pipeline = pipeline.prepending(step)
        r.featureNames = inputNames
        return r
    }

    /// The input step and the record without it (reading the step's output columns, named
    /// `column[i]` after the numeric inputs); nil when the pipeline has no input step.
    func splittingInputStep() -> (any InputStep, ModelRecord)? {
        guard let step = pipeline.inputStep else { return nil }
        var r = self
        r.pipeline = pipeline.droppingInputStep
        let stem = step.rawColumns.first ?? "encoded"
        r.featureNames = featureNames + (0..<max(0, step.outputCount - featureNames.count)).map { "\(stem)[\($0)]" }
        return (step, r)
    }

    /// The same input and attachments with another detector behind `pipeline`: a ready record.
    func replacing(_ detector: any FittedDetector, threshold: ContaminationThreshold, trainingRows: Int,
                   pipeline: Pipeline) -> ModelRecord {
        ModelRecord(featureNames: featureNames, schema: schema, pipeline: pipeline, awaiting: nil, detector: detector,
                    threshold: threshold, trainingRows: trainingRows, attachments: attachments)
    }

    var featureNames: [String]
    var schema: TableSchema?
    var pipeline: Pipeline
    var awaiting: PendingModel.Awaiting?
    var detector: any FittedDetector
    var threshold: ContaminationThreshold
    var trainingSummary: ScoreSummary
    var trainingRows: Int
    var attachments: [String: Tensor]

    init(featureNames: [String], schema: TableSchema?, pipeline: Pipeline, awaiting: PendingModel.Awaiting?,
         detector: any FittedDetector, threshold: ContaminationThreshold, trainingRows: Int, attachments: [String: Tensor]) {
        self.featureNames = featureNames
        self.schema = schema
        self.pipeline = pipeline
        self.awaiting = awaiting
        self.detector = detector
        self.threshold = threshold
        self.trainingSummary = ScoreSummary(detector.trainingScores)
        self.trainingRows = trainingRows
        self.attachments = attachments
    }
}

extension Pipeline {
    /// The imputation and scaling steps as one `Preprocessor` (`.identity` without them).
    var preprocessor: Preprocessor {
        let imputer = first(Imputer.self), scaler = first(Scaler.self)
        return Preprocessor(imputation: imputer?.strategy ?? .none, scaling: scaler?.method ?? .none,
                            fillValues: imputer?.fillValues ?? [], centre: scaler?.centre ?? [], scale: scaler?.scale ?? [])
    }
}

extension FittedDetector {
    /// The settings' parameters, reachable through an existential.
    public var settingsParameters: ParameterValues { settings.parameters }
    /// The detector's CLI name, reachable through an existential.
    public var detectorName: String { Settings.descriptor.name }
}
