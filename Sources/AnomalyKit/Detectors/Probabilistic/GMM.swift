import AnomalyMath
import Foundation

/// Gaussian mixture outlier detector, as PyOD's `GMM` (scikit-learn's `GaussianMixture` fitted by
/// EM): the score of a row is its negative log-likelihood under the fitted mixture.
///
/// EM follows scikit-learn step for step (responsibility-weighted means and covariances with
/// `reg_covar` on the diagonal, Cholesky-factored precisions, convergence when the mean
/// log-likelihood changes by less than `tol`, the best of `n_init` runs). With one component the
/// result is deterministic and matches scikit-learn; with more, the k-means initialisation uses our
/// own seeded k-means++ and Lloyd iterations, so the local optimum found may differ from sklearn's.
public struct GMM: Detector {
    public typealias Fitted = FittedGMM

    public enum CovarianceType: String, Sendable, CaseIterable { case full, tied, diag, spherical }
    public enum Initialisation: String, Sendable, CaseIterable {
        case kmeans, kmeansPlusPlus = "k-means++", random, randomFromData = "random_from_data"
    }

    public static let declaration = DetectorDeclaration<Self>(
        name: "gmm", summary: "Gaussian mixture (EM); score = negative log-likelihood",
        family: "probabilistic", defaults: Self(), parameters: [
            .int("n_components", \.components, min: 1, help: "number of mixture components"),
            .choice("covariance_type", \.covarianceType, help: "covariance shape of each component"),
            .double("tol", \.tolerance, min: 0, help: "EM stops when the mean log-likelihood gains less than this"),
            .double("reg_covar", \.regularisation, min: 0, help: "added to covariance diagonals to keep them positive definite"),
            .int("max_iter", \.maxIterations, min: 0, help: "EM iterations per initialisation"),
            .int("n_init", \.initialisations, min: 1, help: "number of initialisations; the best likelihood is kept"),
            .choice("init_params", \.initialisation, help: "how responsibilities are initialised"),
            .int("random_state", \.seed, min: 0, help: "seed for the initialisation"),
        ])

    public var components: Int
    public var covarianceType: CovarianceType
    public var tolerance: Double
    public var regularisation: Double
    public var maxIterations: Int
    public var initialisations: Int
    public var initialisation: Initialisation
    public var seed: Int

    /// Checked against the specs when fitted (`validateParameters`).
    public init(components: Int = 1, covarianceType: CovarianceType = .full, tolerance: Double = 1e-3,
                regularisation: Double = 1e-6, maxIterations: Int = 100, initialisations: Int = 1,
                initialisation: Initialisation = .kmeans, seed: Int = 42) {
        self.components = components
        self.covarianceType = covarianceType
        self.tolerance = tolerance
        self.regularisation = regularisation
        self.maxIterations = maxIterations
        self.initialisations = initialisations
        self.initialisation = initialisation
        self.seed = seed
    }

    /// - Complexity: O(iterations · n_init · n·K·d²) through BLAS.
    public func fit(_ data: Matrix) throws -> FittedGMM {
        try validateForFitting(data, minimumRows: 2)
        guard data.rows >= components else {
            throw AnomalyError.parameter("n_components", "must be at most the number of training rows (\(data.rows)), got \(components)")
        }
        let n = data.rows, d = data.cols, k = components
        let x = ProbabilisticSupport.doubles(data)
        var rng = SeededGenerator(seed: UInt64(seed))
        var best: Mixture?
        var bestBound = -Double.infinity
        for _ in 0..<initialisations {
            let resp = initialResponsibilities(x, n: n, d: d, rng: &rng)
            var mixture = try Mixture.mStep(x, n: n, d: d, k: k, resp: resp, type: covarianceType, reg: regularisation)
            var bound = -Double.infinity
            for _ in 0..<maxIterations {
                let previous = bound
                let (logNorm, logResp) = mixture.eStep(x, n: n)
                bound = logNorm.reduce(0, +) / Double(n)
                let r = logResp.map { Foundation.exp($0) }
                mixture = try Mixture.mStep(x, n: n, d: d, k: k, resp: r, type: covarianceType, reg: regularisation)
                if abs(bound - previous) < tolerance { break }
            }
            if best == nil || bound > bestBound {
                best = mixture
                bestBound = bound
            }
        }
        guard let mixture = best else { throw AnomalyError(.numeric, "GMM fitting produced no model") }
        let scores = mixture.logLikelihoods(x, n: n).map { -$0 }
        return FittedGMM(settings: self, mixture: mixture, trainingScores: scores)
    }

    /// Initial responsibilities (`n × K`, row-major), as sklearn's `init_params` choices.
    private func initialResponsibilities(_ x: [Double], n: Int, d: Int, rng: inout SeededGenerator) -> [Double] {
        let k = components
        var resp = [Double](repeating: 0, count: n * k)
        if k == 1 && initialisation == .kmeans {
            for i in 0..<n { resp[i] = 1 }
            return resp
        }
        switch initialisation {
        case .kmeans:
            let labels = KMeansInit.cluster(x, n: n, d: d, k: k, rng: &rng)
            for i in 0..<n { resp[i * k + labels[i]] = 1 }
        case .kmeansPlusPlus:
            let centres = KMeansInit.plusPlus(x, n: n, d: d, k: k, rng: &rng)
            for (c, i) in centres.enumerated() { resp[i * k + c] = 1 }
        case .random:
            for i in 0..<n {
                var s = 0.0
                for c in 0..<k { let u = rng.nextUniform(); resp[i * k + c] = u; s += u }
                for c in 0..<k { resp[i * k + c] /= s }
            }
        case .randomFromData:
            for (c, i) in rng.sample(k, from: n).enumerated() { resp[i * k + c] = 1 }
        }
        return resp
    }
}

/// Fitted mixture parameters: weights, means and the Cholesky factors of the precisions.
struct Mixture: Sendable {
    let k: Int
    let d: Int
    var weights: [Double]
    /// `K × d` row-major.
    var means: [Double]
    /// `K × d × d`: per component the upper-triangular `P` with `P Pᵀ = Σ⁻¹` (sklearn's
    /// `precisions_cholesky_`, full layout for every covariance type).
    var precisionCholesky: [Double]

    /// The M-step from responsibilities `resp` (`n × K`). - Complexity: O(n·K·d²)
    static func mStep(_ x: [Double], n: Int, d: Int, k: Int, resp: [Double], type: GMM.CovarianceType,
                      reg: Double) throws -> Mixture {
        var nk = [Double](repeating: 10 * Double.ulpOfOne, count: k)
        for i in 0..<n { for c in 0..<k { nk[c] += resp[i * k + c] } }
        // means = respᵀ X / nk
        var means = [Double](repeating: 0, count: k * d)
        resp.withUnsafeBufferPointer { r in
            x.withUnsafeBufferPointer { xb in
                means.withUnsafeMutableBufferPointer { m in
                    BLAS.dgemm(transA: true, transB: false, m: k, n: d, k: n, alpha: 1, a: r.baseAddress!, lda: k,
                               b: xb.baseAddress!, ldb: d, beta: 0, c: m.baseAddress!, ldc: d)
                }
            }
        }
        for c in 0..<k { for j in 0..<d { means[c * d + j] /= nk[c] } }

        var covariances = [Double](repeating: 0, count: k * d * d)
        switch type {
        case .full:
            var weighted = [Double](repeating: 0, count: n * d)
            var diff = [Double](repeating: 0, count: n * d)
            for c in 0..<k {
                for i in 0..<n {
                    let w = resp[i * k + c]
                    for j in 0..<d {
                        let v = x[i * d + j] - means[c * d + j]
                        diff[i * d + j] = v
                        weighted[i * d + j] = w * v
                    }
                }
                weighted.withUnsafeBufferPointer { a in
                    diff.withUnsafeBufferPointer { b in
                        covariances.withUnsafeMutableBufferPointer { cv in
                            BLAS.dgemm(transA: true, transB: false, m: d, n: d, k: n, alpha: 1 / nk[c],
                                       a: a.baseAddress!, lda: d, b: b.baseAddress!, ldb: d, beta: 0,
                                       c: cv.baseAddress! + c * d * d, ldc: d)
                        }
                    }
                }
                for j in 0..<d { covariances[c * d * d + j * d + j] += reg }
            }
        case .tied:
            var cov = [Double](repeating: 0, count: d * d)
            x.withUnsafeBufferPointer { a in
                cov.withUnsafeMutableBufferPointer { cv in
                    BLAS.dgemm(transA: true, transB: false, m: d, n: d, k: n, alpha: 1, a: a.baseAddress!, lda: d,
                               b: a.baseAddress!, ldb: d, beta: 0, c: cv.baseAddress!, ldc: d)
                }
            }
            for c in 0..<k {
                for a in 0..<d { for b in 0..<d { cov[a * d + b] -= nk[c] * means[c * d + a] * means[c * d + b] } }
            }
            let total = nk.reduce(0, +)
            for i in 0..<(d * d) { cov[i] /= total }
            for j in 0..<d { cov[j * d + j] += reg }
            for c in 0..<k { for i in 0..<(d * d) { covariances[c * d * d + i] = cov[i] } }
        case .diag, .spherical:
            var avgX2 = [Double](repeating: 0, count: k * d)
            for i in 0..<n {
                for c in 0..<k {
                    let w = resp[i * k + c]
                    if w == 0 { continue }
                    for j in 0..<d { let v = x[i * d + j]; avgX2[c * d + j] += w * v * v }
                }
            }
            for c in 0..<k {
                var diag = (0..<d).map { j in avgX2[c * d + j] / nk[c] - means[c * d + j] * means[c * d + j] + reg }
                if type == .spherical {
                    let m = diag.reduce(0, +) / Double(d)
                    diag = [Double](repeating: m, count: d)
                }
                for j in 0..<d { covariances[c * d * d + j * d + j] = diag[j] }
            }
        }

        var precisionCholesky = [Double](repeating: 0, count: k * d * d)
        for c in 0..<k {
            let cov = Array(covariances[(c * d * d)..<((c + 1) * d * d)])
            guard let l = try? choleskyLower(cov, n: d) else {
                throw AnomalyError(.numeric, "GMM fitting failed: component \(c) has an ill-defined empirical covariance "
                                   + "(singleton or collapsed samples); decrease n_components or increase reg_covar")
            }
            // P = (L⁻¹)ᵀ, as sklearn's solve_triangular(L, I).T.
            let inverse = lowerTriangularInverse(l, n: d)
            for i in 0..<d { for j in 0...i { precisionCholesky[c * d * d + j * d + i] = inverse[i * d + j] } }
        }
        let weights = nk.map { $0 / Double(n) }
        return Mixture(k: k, d: d, weights: weights, means: means, precisionCholesky: precisionCholesky)
    }

    /// Per row and component: log N(x | μ_k, Σ_k) + log w_k (`n × K`). - Complexity: O(n·K·d²)
    func weightedLogProbabilities(_ x: [Double], n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * k)
        let log2pi = Double(d) * Foundation.log(2 * Double.pi)
        var y = [Double](repeating: 0, count: n * d)
        for c in 0..<k {
            var logDet = 0.0
            for j in 0..<d { logDet += Foundation.log(precisionCholesky[c * d * d + j * d + j]) }
            // y = X·P − μ·P
            var muP = [Double](repeating: 0, count: d)
            for a in 0..<d {
                let m = means[c * d + a]
                for b in 0..<d { muP[b] += m * precisionCholesky[c * d * d + a * d + b] }
            }
            x.withUnsafeBufferPointer { xb in
                precisionCholesky.withUnsafeBufferPointer { p in
                    y.withUnsafeMutableBufferPointer { yb in
                        BLAS.dgemm(transA: false, transB: false, m: n, n: d, k: d, alpha: 1, a: xb.baseAddress!, lda: d,
                                   b: p.baseAddress! + c * d * d, ldb: d, beta: 0, c: yb.baseAddress!, ldc: d)
                    }
                }
            }
            let logWeight = Foundation.log(weights[c])
            y.withUnsafeBufferPointer { yb in
                out.withUnsafeMutableBufferPointer { ob in
                    for i in 0..<n {
                        var s = 0.0
                        let base = i &* d
                        for j in 0..<d { let v = yb[base &+ j] - muP[j]; s += v * v }
                        ob[i &* k &+ c] = -0.5 * (log2pi + s) + logDet + logWeight
                    }
                }
            }
        }
        return out
    }

    /// Log-likelihood of each row (sklearn's `score_samples`). - Complexity: O(n·K·d²)
    func logLikelihoods(_ x: [Double], n: Int) -> [Double] {
        let w = weightedLogProbabilities(x, n: n)
        return (0..<n).map { i in Self.logSumExp(w, from: i * k, count: k) }
    }

    /// The E-step: per-row log normalisers and log responsibilities.
    func eStep(_ x: [Double], n: Int) -> (logNorm: [Double], logResp: [Double]) {
        var w = weightedLogProbabilities(x, n: n)
        var norm = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let l = Self.logSumExp(w, from: i * k, count: k)
            norm[i] = l
            for c in 0..<k { w[i * k + c] -= l }
        }
        return (norm, w)
    }

    static func logSumExp(_ a: [Double], from start: Int, count: Int) -> Double {
        var m = -Double.infinity
        for i in start..<(start + count) { m = max(m, a[i]) }
        if !m.isFinite { return m }
        var s = 0.0
        for i in start..<(start + count) { s += Foundation.exp(a[i] - m) }
        return m + Foundation.log(s)
    }
}

public struct FittedGMM: FittedDetector {
    public let settings: GMM
    let mixture: Mixture
    public let trainingScores: [Double]
    public var featureCount: Int { mixture.d }

    init(settings: GMM, mixture: Mixture, trainingScores: [Double]) {
        self.settings = settings
        self.mixture = mixture
        self.trainingScores = trainingScores
    }

    /// The mixture weights, means (`K × d`) and per-component covariance matrices (`K × d × d`).
    public var weights: [Double] { mixture.weights }
    public var means: [Double] { mixture.means }

    /// Negative log-likelihood of each row, in fixed-shape blocks (a row's score does not depend on
    /// its batch). - Complexity: O(m·K·d²), parallel over row blocks.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        let mixture = self.mixture, block = Self.scoringBlock
        return ProbabilisticSupport.scoredInFixedBlocks(data.doubleValues, rows: data.rows, cols: data.cols, block: block) { rows in
            mixture.logLikelihoods(rows, n: block).map { -$0 }
        }
    }

    /// Rows per scoring block: small enough that one row costs little, large enough for BLAS.
    static let scoringBlock = 64

    public func save(to state: inout DetectorState) {
        let k = mixture.k, d = mixture.d
        state.set("weights", doubles: mixture.weights, shape: [k])
        state.set("means", doubles: mixture.means, shape: [k, d])
        state.set("precisions_cholesky", doubles: mixture.precisionCholesky, shape: [k, d, d])
    }

    public init(settings: GMM, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let k = settings.components, d = featureCount
        let w = try state.tensor("weights", shape: [k]).doubles()
        let m = try state.tensor("means", shape: [k, d]).doubles()
        let p = try state.tensor("precisions_cholesky", shape: [k, d, d]).doubles()
        for c in 0..<k { for j in 0..<d where !(p[c * d * d + j * d + j] > 0) {
            throw AnomalyError.model("precision Cholesky factor must have a positive diagonal", field: "precisions_cholesky")
        } }
        self.init(settings: settings, mixture: Mixture(k: k, d: d, weights: w, means: m, precisionCholesky: p),
                  trainingScores: trainingScores)
    }
}

/// Seeded k-means (k-means++ seeding, then Lloyd iterations) for GMM initialisation.
enum KMeansInit {
    /// k-means++ seeding (greedy, 2 + ⌊ln k⌋ candidates per centre, as sklearn); returns row indices.
    static func plusPlus(_ x: [Double], n: Int, d: Int, k: Int, rng: inout SeededGenerator) -> [Int] {
        func dist2(_ i: Int, _ j: Int) -> Double {
            var s = 0.0
            for t in 0..<d { let v = x[i * d + t] - x[j * d + t]; s += v * v }
            return s
        }
        let trials = 2 + Int(Foundation.log(Double(k)))
        var centres = [rng.nextInt(below: n)]
        var closest = (0..<n).map { dist2($0, centres[0]) }
        var potential = closest.reduce(0, +)
        while centres.count < k {
            var bestCandidate = -1, bestPotential = Double.infinity, bestClosest = closest
            for _ in 0..<trials {
                // Sample proportionally to the current squared distance.
                var target = rng.nextUniform() * potential
                var candidate = n - 1
                for i in 0..<n { target -= closest[i]; if target < 0 { candidate = i; break } }
                var newClosest = closest
                var p = 0.0
                for i in 0..<n { newClosest[i] = min(closest[i], dist2(i, candidate)); p += newClosest[i] }
                if p < bestPotential { bestPotential = p; bestCandidate = candidate; bestClosest = newClosest }
            }
            centres.append(bestCandidate)
            closest = bestClosest
            potential = bestPotential
        }
        return centres
    }

    /// Labels of Lloyd's k-means from k-means++ seeds (sklearn's tolerance 1e-4 × mean variance, 300 iterations).
    static func cluster(_ x: [Double], n: Int, d: Int, k: Int, rng: inout SeededGenerator) -> [Int] {
        let seeds = plusPlus(x, n: n, d: d, k: k, rng: &rng)
        var centres = [Double](repeating: 0, count: k * d)
        for (c, i) in seeds.enumerated() { for t in 0..<d { centres[c * d + t] = x[i * d + t] } }
        var meanVariance = 0.0
        for t in 0..<d {
            var m = 0.0, s = 0.0
            for i in 0..<n { m += x[i * d + t] }
            m /= Double(n)
            for i in 0..<n { let v = x[i * d + t] - m; s += v * v }
            meanVariance += s / Double(n)
        }
        let tol = 1e-4 * meanVariance / Double(d)
        var labels = [Int](repeating: 0, count: n)
        /// The index of the centre closest to row `i` (first on ties).
        func nearestCentre(_ i: Int) -> Int {
            var best = 0, bestD = Double.infinity
            for c in 0..<k {
                var s = 0.0
                for t in 0..<d { let v = x[i * d + t] - centres[c * d + t]; s += v * v }
                if s < bestD { bestD = s; best = c }
            }
            return best
        }
        for _ in 0..<300 {
            for i in 0..<n { labels[i] = nearestCentre(i) }
            var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
            for i in 0..<n { counts[labels[i]] += 1; for t in 0..<d { sums[labels[i] * d + t] += x[i * d + t] } }
            var shift = 0.0
            for c in 0..<k where counts[c] > 0 {
                for t in 0..<d {
                    let v = sums[c * d + t] / Double(counts[c])
                    shift += (v - centres[c * d + t]) * (v - centres[c * d + t])
                    centres[c * d + t] = v
                }
            }
            if shift <= tol { break }
        }
        // Final assignment to the last centres.
        for i in 0..<n { labels[i] = nearestCentre(i) }
        return labels
    }
}
