import AnomalyMath
import Foundation

/// The decision threshold PyOD derives from the contamination rate: the
/// `100·(1 − contamination)` percentile of the training scores; rows scoring above it are anomalies.
public struct ContaminationThreshold: Sendable, Equatable, Codable {
    /// Expected share of anomalies in the training data, in (0, 0.5].
    public let contamination: Double
    /// Scores strictly above this value are labelled anomalous.
    public let value: Double

    /// The valid range of `contamination`, as PyOD enforces it.
    public static let contaminationSpec = ParameterSpec.double(
        "contamination", default: 0.1, min: 0, max: 0.5, openMin: true,
        help: "expected share of anomalies in the training data; sets the threshold")

    /// The threshold for `trainingScores` at `contamination`. - Complexity: O(n log n)
    public init(contamination: Double, trainingScores: [Double]) throws {
        try Self.contaminationSpec.validate(.double(contamination))
        guard !trainingScores.isEmpty else { throw AnomalyError.shape("no training scores to set a threshold from") }
        self.contamination = contamination
        self.value = Statistics.quantileBySelection(trainingScores, 1 - contamination)
    }

    public init(contamination: Double, value: Double) {
        self.contamination = contamination
        self.value = value
    }

    /// 1 for scores above the threshold, else 0. - Complexity: O(n)
    public func labels(for scores: [Double]) -> [Int] { scores.map { $0 > value ? 1 : 0 } }
}

/// How scores are turned into outlier probabilities (PyOD's `predict_proba` methods).
public enum ProbabilityMethod: String, Sendable, CaseIterable, Codable {
    /// Min–max scaling by the training scores, clipped to [0, 1].
    case linear
    /// Kriegel et al.'s unification: `erf((s − μ) / (σ·√2))` clipped to [0, 1].
    case unify
}

/// Summary of the training scores kept with a model, enough for thresholds and probabilities.
public struct ScoreSummary: Sendable, Equatable, Codable {
    public let mean: Double
    public let standardDeviation: Double
    public let minimum: Double
    public let maximum: Double

    public init(_ scores: [Double]) {
        mean = Statistics.mean(scores)
        standardDeviation = Statistics.standardDeviation(scores)
        minimum = scores.min() ?? 0
        maximum = scores.max() ?? 0
    }

    /// Outlier probabilities of `scores` in [0, 1]. - Complexity: O(n)
    public func probabilities(_ scores: [Double], method: ProbabilityMethod) -> [Double] {
        switch method {
        case .linear:
            let range = maximum - minimum
            // sklearn's MinMaxScaler maps a constant feature with scale 1.
            let scale = range == 0 ? 1 : range
            return scores.map { min(max(($0 - minimum) / scale, 0), 1) }
        case .unify:
            let denom = standardDeviation * 2.0.squareRoot()
            return scores.map { s in
                let z = denom == 0 ? (s > mean ? Double.infinity : (s < mean ? -.infinity : 0)) : (s - mean) / denom
                return min(max(erf(z), 0), 1)
            }
        }
    }
}
