import AnomalyMath

/// What a detector is called and which parameters it takes (PyOD's names and defaults).
public struct DetectorDescriptor: Sendable {
    /// The CLI name, e.g. `knn`.
    public let name: String
    /// One line for `anomalykit detectors`.
    public let summary: String
    /// The detector family, e.g. "proximity", "probabilistic", "linear", "ensemble".
    public let family: String
    public let parameters: [ParameterSpec]

    public init(name: String, summary: String, family: String, parameters: [ParameterSpec]) {
        self.name = name
        self.summary = summary
        self.family = family
        self.parameters = parameters
    }

    public func spec(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}

/// A detector's settings: plain values holding no fitted state, checked against the parameter
/// specs when built from parameters and when fitted.
///
/// ```swift
/// let model = try KNN(neighbors: 5).fit(train)     // FittedKNN
/// let scores = try model.scores(test)              // higher = more anomalous
/// ```
public protocol Detector: Sendable {
    associatedtype Fitted: FittedDetector where Fitted.Settings == Self
    /// The one place a detector names itself and binds its PyOD parameters to its properties;
    /// `descriptor`, `init(parameters:)`, `parameters` and `validateParameters()` derive from it.
    static var declaration: DetectorDeclaration<Self> { get }
    /// Fits on `data` (rows = samples). Never reads files; throws `AnomalyError` on bad input.
    func fit(_ data: Matrix) throws -> Fitted
    /// How training labels are used; unsupervised detectors ignore them.
    static var labelUse: LabelUse { get }
    /// Fits with a label per row (1 = anomaly, 0 = normal or unlabelled) when the detector uses them.
    func fit(_ data: Matrix, labels: [Int]?) throws -> Fitted
}

/// How a detector learns from labels (1 = anomaly, 0 = normal or unlabelled).
public enum LabelUse: String, Sendable {
    /// Labels are ignored.
    case unsupervised
    /// A few rows labelled as anomalies, the rest unlabelled (DevNet).
    case semiSupervised = "semi-supervised"
    /// Every training row labelled (a classifier).
    case supervised
}

extension Detector {
    public static var labelUse: LabelUse { .unsupervised }
    public func fit(_ data: Matrix, labels: [Int]?) throws -> Fitted { try fit(data) }

    /// The name, summary, family and parameter specs (with defaults), from `declaration`.
    public static var descriptor: DetectorDescriptor { declaration.descriptor }

    /// Builds the settings from resolved values (see `ParameterValues.resolve`): each value is
    /// checked against its spec, missing ones take their defaults, unknown names throw.
    public init(parameters: ParameterValues) throws {
        self = try Self.declaration.settings(from: parameters)
    }

    /// The complete settings by PyOD name, for model files and reports.
    public var parameters: ParameterValues { Self.declaration.values(of: self) }

    /// Checks the settings against the specs (settings built in Swift are not checked until
    /// fit, as in scikit-learn); checks that need the data stay in `fit`.
    public func validateParameters() throws { try Self.declaration.validate(self) }
}

/// A fitted detector: everything needed to score new rows, `Sendable` and savable.
///
/// Scoring never refits: a row's score depends on the training data and the row alone,
/// never on the other rows of the batch.
public protocol FittedDetector: Sendable {
    /// The detector type this was fitted from (its `Fitted` is this type; the constraint is
    /// stated on `Detector` only, so generic fitted types such as `FittedNetwork<D>` can conform).
    associatedtype Settings: Detector
    var settings: Settings { get }
    /// Number of features the detector was fitted on.
    var featureCount: Int { get }
    /// Scores of the training rows (PyOD's `decision_scores_`), used for thresholds and probabilities.
    var trainingScores: [Double] { get }
    /// Outlier scores of `data`'s rows: higher = more anomalous.
    func scores(_ data: Matrix) throws -> [Double]
    /// Writes the fitted arrays (not the settings, training scores or feature count: the model
    /// file stores those itself).
    func save(to state: inout DetectorState)
    /// Restores from saved arrays; must check every shape it reads.
    init(settings: Settings, featureCount: Int, trainingScores: [Double], state: DetectorState) throws
}

extension FittedDetector {
    /// Checks that `data` has the fitted feature count and only finite values.
    public func validateForScoring(_ data: Matrix) throws {
        guard data.cols == featureCount else {
            throw AnomalyError.shape("data has \(data.cols) features but the \(Settings.descriptor.name) model was fitted on \(featureCount)")
        }
        try data.requireFinite()
    }
}

extension Detector {
    /// Builds settings from `name=value` text assignments: unknown names and bad values throw.
    public init(assignments: [String: String]) throws {
        try self.init(parameters: ParameterValues.resolve(assignments, specs: Self.descriptor.parameters,
                                                          detector: Self.descriptor.name))
    }

    /// Checks the settings (`validateParameters`) and the training matrix: at least
    /// `minimumRows` rows, ≥ 1 column, all finite.
    public func validateForFitting(_ data: Matrix, minimumRows: Int = 2) throws {
        try validateParameters()
        guard data.rows >= minimumRows else {
            throw AnomalyError.shape("\(Self.descriptor.name) needs at least \(minimumRows) training rows, got \(data.rows)")
        }
        guard data.cols >= 1 else { throw AnomalyError.shape("training data has no feature columns") }
        try data.requireFinite("training data")
    }
}
