import AnomalyMath

/// ECOD: Empirical-Cumulative-distribution-based Outlier Detection (Li et al. 2022), as PyOD's `ECOD`.
///
/// Each feature's left and right tail probabilities come from the training ECDF; a feature adds
/// the largest of −log(left), −log(right) and the skewness-chosen tail; a row's score is the sum
/// over features. Parameter-free (PyOD's `n_jobs` is replaced by our own parallelism).
public struct ECOD: ECDFTailDetector {
    public typealias Fitted = FittedECDFTails<ECOD>
    public static let aggregation = TailAggregation.ecod
    public static let declaration = DetectorDeclaration<Self>(
        name: "ecod", summary: "Empirical-CDF outlier detection (tail probabilities per feature)",
        family: "probabilistic", defaults: Self(), parameters: [])

    public init() {}
}

public typealias FittedECOD = FittedECDFTails<ECOD>
