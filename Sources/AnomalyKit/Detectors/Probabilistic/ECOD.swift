import AnomalyMath

/// ECOD: Empirical-Cumulative-distribution-based Outlier Detection (Li et al. 2022), as PyOD's `ECOD`.
///
/// Each feature's left and right tail probabilities come from the training ECDF; a feature adds
/// the largest of −log(left), −log(right) and the skewness-chosen tail; a row's score is the sum
/// over features. Parameter-free (PyOD's `n_jobs` is replaced by our own parallelism).
public struct ECOD: Detector {
    public typealias Fitted = FittedECOD
    public static let descriptor = DetectorDescriptor(
        name: "ecod", summary: "Empirical-CDF outlier detection (tail probabilities per feature)",
        family: "probabilistic", parameters: [])

    public init() {}
    public init(parameters: ParameterValues) throws {}
    public var parameters: ParameterValues { ParameterValues([:]) }

    /// - Complexity: O(n·d·log n), parallel over features and rows.
    public func fit(_ data: Matrix) throws -> FittedECOD {
        try validateForFitting(data, minimumRows: 2)
        let model = ECDFTailModel(fitting: data)
        return FittedECOD(settings: self, model: model, trainingScores: model.trainingScores(data, aggregation: .ecod))
    }
}

public struct FittedECOD: FittedDetector {
    public let settings: ECOD
    let model: ECDFTailModel
    public let trainingScores: [Double]
    public var featureCount: Int { model.features }

    init(settings: ECOD, model: ECDFTailModel, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }

    /// - Complexity: O(m·d·log n), parallel over rows.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return model.scores(data, aggregation: .ecod)
    }

    public func save(to state: inout DetectorState) { model.save(to: &state) }

    public init(settings: ECOD, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        self.init(settings: settings, model: try ECDFTailModel(state: state, featureCount: featureCount),
                  trainingScores: trainingScores)
    }
}
