import AnomalyMath

/// COPOD: Copula-based Outlier Detection (Li et al. 2020), as PyOD's `COPOD`.
///
/// Each feature's left and right tail probabilities come from the training ECDF; a feature adds
/// the larger of the mean of −log(left) and −log(right) and the skewness-chosen tail; a row's score is the sum
/// over features. Parameter-free (PyOD's `n_jobs` is replaced by our own parallelism).
public struct COPOD: ECDFTailDetector {
    public typealias Fitted = FittedECDFTails<COPOD>
    public static let aggregation = TailAggregation.copod
    public static let declaration = DetectorDeclaration<Self>(
        name: "copod", summary: "Copula-based outlier detection (empirical copula tails per feature)",
        family: "probabilistic", defaults: Self(), parameters: [])

    public init() {}
}

public typealias FittedCOPOD = FittedECDFTails<COPOD>
