import AnomalyMath
import Foundation

/// ADBench's four kinds of realistic synthetic anomalies (Han et al., 2022, §4.3), generated from a
/// dataset's normal rows.
public enum SyntheticAnomalyType: String, Sendable, CaseIterable {
    /// Rows from the normals' Gaussian mixture with every covariance scaled by α.
    case local
    /// Rows uniform per feature in [min·(1 + p), max·(1 + p)] of the synthetic normals.
    case global
    /// Each feature drawn on its own from its kernel density: the marginals kept, the dependence broken.
    case dependency
    /// Rows from the mixture with every mean scaled by α.
    case clustered
}

/// A generator of a dataset of synthetic normal rows and synthetic anomalies of one type, as
/// ADBench's `generate_realistic_synthetic` builds them from a dataset's normal rows:
///
/// - local, global, clustered: the normals come from a Gaussian mixture (full covariances) fitted
///   to the normal rows, its number of components 1–9 chosen by BIC;
/// - dependency: the normals come from a copula fitted to the normal rows, the anomalies feature by
///   feature from Gaussian kernel densities (Scott's bandwidth, as scipy's `gaussian_kde`).
///
/// Where it departs from ADBench: the dependency normals come from a Gaussian copula whose marginals
/// are the same kernel densities the anomalies are drawn from (ADBench fits a C-vine copula with the
/// `copulas` package, and keeps 50 random features of wider data; here every feature is kept); random draws come from AnomalyKit's seeded
/// generator, not numpy's, so the rows differ while their distributions agree.
public struct SyntheticAnomalies: Sendable {
    public var type: SyntheticAnomalyType
    /// The local type's covariance factor and the clustered type's mean factor (ADBench: 5).
    public var alpha: Double
    /// The global type's range extension p (ADBench: 0.1).
    public var percentage: Double
    public var seed: UInt64

    public init(type: SyntheticAnomalyType, alpha: Double = 5, percentage: Double = 0.1, seed: UInt64 = 42) {
        self.type = type
        self.alpha = alpha
        self.percentage = percentage
        self.seed = seed
    }

    /// A generated dataset.
    public struct Generated: Sendable {
        /// The synthetic normal rows, then the anomalies.
        public var x: Matrix
        /// 0 for each normal row, then 1 for each anomaly.
        public var labels: [Int]
        /// Components of the Gaussian mixture BIC chose (nil for the dependency type).
        public var mixtureComponents: Int?
    }

    /// `normals` synthetic normal rows then `anomalies` synthetic anomalies, with labels 0 then 1,
    /// generated from `normal` (the normal rows of a dataset).
    /// - Throws: `.parameter` for α ≤ 0 or p < 0 or counts below 0; `.data` when there are too few
    ///   normal rows to fit the generator (fewer than 2·(features + 1)) or a value is not finite.
    public func generate(fromNormal normal: Matrix, normals: Int, anomalies: Int) throws -> Generated {
        guard alpha > 0, alpha.isFinite else { throw AnomalyError.parameter("alpha", "must be a positive number, got \(alpha)") }
        guard percentage >= 0, percentage.isFinite else {
            throw AnomalyError.parameter("ratio", "the global range extension must be ≥ 0, got \(percentage)")
        }
        guard normals >= 0, anomalies >= 0 else { throw AnomalyError.parameter("count", "row counts must be ≥ 0") }
        let n = normal.rows, d = normal.cols
        guard d >= 1, n >= 2 * (d + 1) else {
            throw AnomalyError.data("\(n) normal rows are too few to fit a generator on \(d) features (at least \(2 * (d + 1)))")
        }
        try normal.requireFinite("normal rows")
        var rng = SeededGenerator(seed: seed)
        let x = (0..<n).map { r in (0..<d).map { Double(normal[r, $0]) } }
        var synthetic: [[Double]], outliers: [[Double]]
        var components: Int?
        switch type {
        case .local, .global, .clustered:
            let mixture = try Self.bestMixture(normal, seed: seed)
            components = mixture.weights.count
            synthetic = Self.sample(mixture, count: normals, rng: &rng)
            switch type {
            case .local: outliers = Self.sample(mixture, count: anomalies, covarianceScale: alpha, rng: &rng)
            case .clustered: outliers = Self.sample(mixture, count: anomalies, meanScale: alpha, rng: &rng)
            default: outliers = Self.uniformBeyond(synthetic.isEmpty ? x : synthetic, extension: percentage, count: anomalies, rng: &rng)
            }
        case .dependency:
            let copula = GaussianCopula(x)
            synthetic = copula.sample(normals, rng: &rng)
            outliers = (0..<anomalies).map { _ in copula.marginals.map { $0.sample(rng: &rng) } }
        }
        let rows = synthetic + outliers
        let values = rows.flatMap { $0.map(Float.init) }
        return Generated(x: Matrix(rows: rows.count, cols: d, values: values),
                         labels: [Int](repeating: 0, count: synthetic.count) + [Int](repeating: 1, count: outliers.count),
                         mixtureComponents: components)
    }

    /// The Gaussian mixture (full covariances, scikit-learn's defaults) with the lowest BIC among
    /// 1…9 components, as ADBench chooses it (a count the EM cannot fit is skipped).
    static func bestMixture(_ x: Matrix, seed: UInt64) throws -> FittedGMM {
        let n = x.rows, d = x.cols
        var best: (bic: Double, model: FittedGMM)?
        for k in 1...9 {
            let parameters = k * d * (d + 1) / 2 + k * d + (k - 1)
            guard k <= n else { break }
            guard let model = try? GMM(components: k, seed: Int(seed % UInt64(Int32.max))).fit(x) else { continue }
            let logLikelihood = -model.trainingScores.reduce(0, +)
            let bic = -2 * logLikelihood + Double(parameters) * Foundation.log(Double(n))
            if best == nil || bic < best!.bic { best = (bic, model) }
        }
        guard let best else { throw AnomalyError(.numeric, "no Gaussian mixture could be fitted to the normal rows") }
        return best.model
    }

    /// `count` rows from `mixture` (component counts multinomial in the weights, rows grouped by
    /// component as scikit-learn's `sample` gives them), means × `meanScale`, covariances ×
    /// `covarianceScale`. A row is μ + √s · P⁻ᵀ z with P Pᵀ = Σ⁻¹ (the stored precision Cholesky).
    static func sample(_ mixture: FittedGMM, count: Int, meanScale: Double = 1, covarianceScale: Double = 1,
                       rng: inout SeededGenerator) -> [[Double]] {
        let k = mixture.weights.count, d = mixture.featureCount
        var counts = [Int](repeating: 0, count: k)
        for _ in 0..<count {
            var u = Double.random(in: 0..<1, using: &rng), c = 0
            while c < k - 1 && u >= mixture.weights[c] { u -= mixture.weights[c]; c += 1 }
            counts[c] += 1
        }
        let p = mixture.mixture.precisionCholesky, scale = covarianceScale.squareRoot()
        var rows: [[Double]] = []
        for c in 0..<k {
            for _ in 0..<counts[c] {
                let z = (0..<d).map { _ in rng.nextGaussian() }
                // Solve Pᵀ y = z (Pᵀ lower-triangular): forward substitution.
                var y = [Double](repeating: 0, count: d)
                for i in 0..<d {
                    var s = z[i]
                    for j in 0..<i { s -= p[(c * d + j) * d + i] * y[j] }
                    y[i] = s / p[(c * d + i) * d + i]
                }
                rows.append((0..<d).map { mixture.means[c * d + $0] * meanScale + scale * y[$0] })
            }
        }
        return rows
    }

    /// ADBench's global anomalies: feature j uniform in [min_j·(1 + p), max_j·(1 + p)] of `rows`.
    static func uniformBeyond(_ rows: [[Double]], extension p: Double, count: Int, rng: inout SeededGenerator) -> [[Double]] {
        let d = rows[0].count
        let bounds = (0..<d).map { j -> (Double, Double) in
            let column = rows.map { $0[j] }
            let (low, high) = (column.min()! * (1 + p), column.max()! * (1 + p))
            return (min(low, high), max(low, high))
        }
        return (0..<count).map { _ in bounds.map { low, high in high > low ? Double.random(in: low...high, using: &rng) : low } }
    }
}
