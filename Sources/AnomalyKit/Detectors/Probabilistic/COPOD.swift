import AnomalyMath

/// COPOD: Copula-based Outlier Detection (Li et al. 2020), as PyOD's `COPOD`.
///
/// Each feature's left and right tail probabilities come from the training ECDF; a feature adds
/// the larger of the mean of −log(left) and −log(right) and the skewness-chosen tail; a row's score is the sum
/// over features. Parameter-free (PyOD's `n_jobs` is replaced by our own parallelism).
public struct COPOD: Detector {
    public typealias Fitted = FittedCOPOD
    public static let descriptor = DetectorDescriptor(
        name: "copod", summary: "Copula-based outlier detection (empirical copula tails per feature)",
        family: "probabilistic", parameters: [])

    public init() {}
    public init(parameters: ParameterValues) throws {}
    public var parameters: ParameterValues { ParameterValues([:]) }

    /// - Complexity: O(n·d·log n), parallel over features and rows.
    public func fit(_ data: Matrix) throws -> FittedCOPOD {
        try validateForFitting(data, minimumRows: 2)
        let model = ECDFTailModel(fitting: data)
        return FittedCOPOD(settings: self, model: model, trainingScores: model.trainingScores(data, aggregation: .copod))
    }
}

public struct FittedCOPOD: FittedDetector {
    public let settings: COPOD
    let model: ECDFTailModel
    public let trainingScores: [Double]
    public var featureCount: Int { model.features }

    init(settings: COPOD, model: ECDFTailModel, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }

    /// - Complexity: O(m·d·log n), parallel over rows.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return model.scores(data, aggregation: .copod)
    }

    public func save(to state: inout DetectorState) { model.save(to: &state) }

    public init(settings: COPOD, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        self.init(settings: settings, model: try ECDFTailModel(state: state, featureCount: featureCount),
                  trainingScores: trainingScores)
    }
}
