import AnomalyMath
import Foundation

/// How an evasion attack steps: one signed-gradient step (FGSM, Goodfellow et al. 2015) or
/// projected gradient descent from a random start (PGD, Madry et al. 2018).
public enum AttackMethod: String, Sendable, CaseIterable, Codable {
    case fgsm, pgd
}

/// Where an attack's descent directions come from.
public enum AttackGuidance: String, Sendable, CaseIterable, Codable {
    /// Exact score gradients through the pipeline's affine steps and the neural detector
    /// (`AnomalyModel.scoresAndGradients`).
    case gradient
    /// A gradient-free search: SPSA estimates (simultaneous perturbation, Spall 1992) from the
    /// model's own scores used as an oracle, for any detector (trees, neighbours, histograms…).
    case search
    /// `gradient` when the model has exact gradients, else `search`.
    case auto
}

/// Where the per-feature unit of the L∞ ball ("standardised units") comes from.
public enum AttackUnitSource: String, Sendable, Codable {
    /// The model's standard scaler (training standard deviations).
    case scaler
    /// A neural detector's own input standardiser (training standard deviations), mapped back
    /// through the pipeline's affine steps.
    case detectorStandardizer = "detector_standardizer"
    /// Neither: the population standard deviation of the attacked data's normal rows
    /// (label 0; 0 → 1). The model stores no training spread, so the clean data stands in.
    case cleanNormalRows = "clean_normal_rows"
}

/// An evasion attack on a fitted model: the rows labelled anomalous are moved within an L∞ ball
/// of radius `epsilon` (in standardised units: per-feature training standard deviations; see
/// `AttackUnitSource`) to lower their scores; normal rows stay as they are. ROC-AUC and average
/// precision before and after tell how much a detector's ranking depends on small, targeted
/// changes.
///
/// - FGSM: `x' = x − ε·σ ⊙ sign(∇s(x))`.
/// - PGD: a uniform random start in the ball (seeded), then `steps` steps
///   `x ← Π_ball(x − α·σ ⊙ sign(∇s(x)))` with `α = 2.5·ε/steps` (Madry et al.) unless
///   `stepSize` is set; each row keeps the lowest-scoring point it visited, the clean row
///   included, so PGD never raises a score.
/// - Guidance: exact gradients for neural detectors behind affine steps; otherwise an SPSA
///   estimate `ĝ = mean_k (s(x + cσΔ_k) − s(x − cσΔ_k)) / (2c) · Δ_k` with Rademacher `Δ_k`,
///   `k = samples` and smoothing radius `c = ε` (piecewise-constant scores, as isolation
///   forests and histograms give, need a radius comparable to the ball), all rows and samples
///   scored in one call.
public struct EvasionAttack: Sendable {
    public var method: AttackMethod
    public var epsilon: Double
    public var steps: Int
    /// PGD's step size in standardised units; nil = `2.5·ε/steps`.
    public var stepSize: Double?
    public var guidance: AttackGuidance
    /// SPSA directions per step (search guidance).
    public var samples: Int
    public var seed: UInt64

    public init(method: AttackMethod = .pgd, epsilon: Double = 0.1, steps: Int = 10, stepSize: Double? = nil,
                guidance: AttackGuidance = .auto, samples: Int = 16, seed: UInt64 = 42) {
        self.method = method
        self.epsilon = epsilon
        self.steps = steps
        self.stepSize = stepSize
        self.guidance = guidance
        self.samples = samples
        self.seed = seed
    }

    /// Checks the settings: ε finite and positive, at least one step and one SPSA sample.
    public func validate() throws {
        guard epsilon.isFinite, epsilon > 0 else {
            throw AnomalyError.parameter("epsilon", "must be a finite number > 0 (the L∞ radius in standardised units), got \(epsilon)")
        }
        guard steps >= 1, steps <= 100_000 else { throw AnomalyError.parameter("steps", "must be between 1 and 100000, got \(steps)") }
        if let stepSize, !(stepSize.isFinite && stepSize > 0) {
            throw AnomalyError.parameter("stepSize", "must be a finite number > 0, got \(stepSize)")
        }
        guard samples >= 1, samples <= 10_000 else { throw AnomalyError.parameter("samples", "must be between 1 and 10000, got \(samples)") }
    }

    /// PGD's step in standardised units.
    public var effectiveStepSize: Double { stepSize ?? 2.5 * epsilon / Double(steps) }

    /// Attacks `x`'s rows labelled 1 (`labels`: 1 = anomaly, 0 = normal; one per row).
    /// - Throws: a parameter error for bad settings; a data error when `labels` mark no anomaly
    ///   or no normal row (ROC-AUC needs both), or `x` has non-finite values; a model error when
    ///   gradients are demanded of a model without them.
    /// - Complexity: FGSM one gradient; PGD `steps` gradients and `steps + 1` scorings of the
    ///   anomalous rows (a gradient costs 2·`samples` scorings under search guidance).
    public func run(_ model: AnomalyModel, x: Matrix, labels: [Int]) throws -> EvasionResult {
        try validate()
        guard labels.count == x.rows else { throw AnomalyError.shape("\(labels.count) labels for \(x.rows) rows") }
        guard x.cols == model.featureCount else {
            throw AnomalyError.shape("data has \(x.cols) feature columns, the model was trained on \(model.featureCount)")
        }
        try x.requireFinite("the attacked data")
        let anomalies = labels.indices.filter { labels[$0] == 1 }
        guard !anomalies.isEmpty else {
            throw AnomalyError.data("the data has no rows labelled anomalous (1): there is nothing to attack")
        }
        guard anomalies.count < labels.count else {
            throw AnomalyError.data("every row is labelled anomalous: ROC-AUC before and after needs normal rows (0) too")
        }
        let used: AttackGuidance
        switch guidance {
        case .gradient:
            if let why = model.scoreGradientObstacle { throw AnomalyError.model("no score gradients: " + why) }
            used = .gradient
        case .search: used = .search
        case .auto: used = model.scoreGradientObstacle == nil ? .gradient : .search
        }
        let (unit, unitSource) = model.attackUnit(normalRows: x.rows(at: labels.indices.filter { labels[$0] != 1 }))
        let clean = try model.scores(x)
        let x0 = x.rows(at: anomalies)
        let oracle: AttackOracle = used == .gradient
            ? { rows in try model.scoresAndGradients(rows).gradients }
            : SPSA(samples: samples, radius: Float(epsilon), unit: unit, seed: seed ^ 0x5b5a).oracle { try model.scores($0) }
        let kernel = AttackKernel(unit: unit, epsilon: Float(epsilon), directions: [Float](repeating: -1, count: x0.rows))
        let adversarial: Matrix
        switch method {
        case .fgsm:
            adversarial = try kernel.fgsm(x0, oracle: oracle)
        case .pgd:
            adversarial = try kernel.pgd(x0, steps: steps, stepSize: Float(effectiveStepSize), seed: seed,
                                         oracle: oracle, scores: { try model.scores($0) },
                                         cleanScores: anomalies.map { clean[$0] })
        }
        var perturbed = x
        for (i, r) in anomalies.enumerated() {
            for c in 0..<x.cols { perturbed[r, c] = adversarial[i, c] }
        }
        let attacked = try model.scores(perturbed)
        return EvasionResult(perturbed: perturbed, labels: labels, cleanScores: clean, attackedScores: attacked,
                             anomalies: anomalies, guidance: used, unit: unit, unitSource: unitSource, attack: self)
    }
}

/// What an evasion attack did: the perturbed rows (normal rows unchanged), both sets of scores
/// and the metrics before and after.
public struct EvasionResult: Sendable {
    public let perturbed: Matrix
    public let labels: [Int]
    public let cleanScores: [Double]
    public let attackedScores: [Double]
    /// Rows (0-based) that were attacked: those labelled 1.
    public let anomalies: [Int]
    public let guidance: AttackGuidance
    /// The ball's per-feature unit in raw units, and where it came from.
    public let unit: [Float]
    public let unitSource: AttackUnitSource
    public let attack: EvasionAttack

    public var rocAUCClean: Double { Metrics.rocAUC(labels: labels, scores: cleanScores) }
    public var rocAUCAttacked: Double { Metrics.rocAUC(labels: labels, scores: attackedScores) }
    public var averagePrecisionClean: Double { Metrics.averagePrecision(labels: labels, scores: cleanScores) }
    public var averagePrecisionAttacked: Double { Metrics.averagePrecision(labels: labels, scores: attackedScores) }
    /// Mean over the anomalies of `clean − attacked` score (positive = the attack lowered them).
    public var meanScoreDrop: Double {
        anomalies.reduce(0.0) { $0 + cleanScores[$1] - attackedScores[$1] } / Double(max(1, anomalies.count))
    }
    /// The largest `|x' − x| / σ` over all perturbed cells (≤ ε up to rounding).
    public func largestStandardisedChange(clean x: Matrix) -> Double {
        var worst = 0.0
        for r in anomalies { for c in 0..<x.cols { worst = max(worst, Double(abs(perturbed[r, c] - x[r, c]) / unit[c])) } }
        return worst
    }
}

/// Gives, for rows, a direction whose sign says how each feature raises the score (an exact or
/// estimated score gradient, `rows × d`).
package typealias AttackOracle = (Matrix) throws -> Matrix

/// The signed-gradient steps and the L∞ projection shared by the attack and adversarial training.
package struct AttackKernel {
    /// Per-feature unit (σ) of the ball, in the units of the rows.
    package var unit: [Float]
    package var epsilon: Float
    /// Per row: −1 lowers the score (an attack on an anomaly), +1 raises it.
    package var directions: [Float]

    package init(unit: [Float], epsilon: Float, directions: [Float]) {
        self.unit = unit
        self.epsilon = epsilon
        self.directions = directions
    }

    /// `x + direction·ε·σ ⊙ sign(g(x))`. - Complexity: one oracle call, O(n·d).
    package func fgsm(_ x: Matrix, oracle: AttackOracle) throws -> Matrix {
        let g = try oracle(x)
        var out = x
        step(&out, g, size: epsilon)
        return out
    }

    /// `x += direction·size·σ ⊙ sign(g)`, row by row.
    func step(_ x: inout Matrix, _ g: Matrix, size: Float) {
        let d = x.cols, n = x.rows
        let unit = self.unit, directions = self.directions
        x.values.withUnsafeMutableBufferPointer { v in
            g.values.withUnsafeBufferPointer { gb in
                for r in 0..<n {
                    let a = directions[r] * size
                    for c in 0..<d {
                        let s = gb[r &* d &+ c]
                        if s > 0 { v[r &* d &+ c] += a * unit[c] } else if s < 0 { v[r &* d &+ c] -= a * unit[c] }
                    }
                }
            }
        }
    }

    /// Clips every cell of `x` into `x0 ± ε·σ`.
    func project(_ x: inout Matrix, onto x0: Matrix) {
        let d = x.cols, n = x.rows
        let unit = self.unit, epsilon = self.epsilon
        x.values.withUnsafeMutableBufferPointer { v in
            x0.values.withUnsafeBufferPointer { o in
                for r in 0..<n {
                    for c in 0..<d {
                        let i = r &* d &+ c, radius = epsilon * unit[c]
                        v[i] = min(max(v[i], o[i] - radius), o[i] + radius)
                    }
                }
            }
        }
    }

    /// A uniform random point of the ball around `x0` (seeded).
    func randomStart(_ x0: Matrix, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        var x = x0
        let d = x.cols
        for i in 0..<x.values.count {
            x.values[i] += Float(2 * rng.nextUniform() - 1) * epsilon * unit[i % d]
        }
        return x
    }

    /// PGD from a random start; with `scores`, each row keeps the point it visited (clean row
    /// included) that best moves its score in its direction — so the result is never worse than
    /// the clean row. Without `scores`, the last iterate.
    /// - Complexity: `steps` oracle calls and `steps + 1` scorings, O(steps·n·d) besides.
    package func pgd(_ x0: Matrix, steps: Int, stepSize: Float, seed: UInt64, randomStart: Bool = true,
                     oracle: AttackOracle, scores: ((Matrix) throws -> [Double])? = nil,
                     cleanScores: [Double]? = nil) throws -> Matrix {
        var x = randomStart ? self.randomStart(x0, seed: seed) : x0
        project(&x, onto: x0)
        guard let scores else {
            for _ in 0..<steps {
                step(&x, try oracle(x), size: stepSize)
                project(&x, onto: x0)
            }
            return x
        }
        var best = x0
        var bestScore = try cleanScores ?? scores(x0)
        let d = x.cols
        func keepBetter(_ candidate: Matrix, _ s: [Double]) {
            for r in 0..<x.rows where (Double(directions[r]) * (s[r] - bestScore[r])) > 0 {
                bestScore[r] = s[r]
                for c in 0..<d { best.values[r * d + c] = candidate.values[r * d + c] }
            }
        }
        for _ in 0..<steps {
            keepBetter(x, try scores(x))
            step(&x, try oracle(x), size: stepSize)
            project(&x, onto: x0)
        }
        keepBetter(x, try scores(x))
        return best
    }
}

/// Simultaneous-perturbation gradient estimates from scores alone.
package struct SPSA {
    package var samples: Int
    /// Smoothing radius in standardised units.
    package var radius: Float
    package var unit: [Float]
    package var seed: UInt64

    /// An oracle estimating each row's score gradient from `2·samples` scorings of perturbed
    /// copies, stacked into one call. Each call draws new directions (a counter advances the seed).
    package func oracle(_ scores: @escaping (Matrix) throws -> [Double]) -> AttackOracle {
        let counter = Counter()
        let samples = self.samples, radius = self.radius, unit = self.unit, seed = self.seed
        return { x in
            counter.value &+= 1
            var rng = SeededGenerator(seed: seed &+ counter.value &* 0x9E37_79B9_7F4A_7C15)
            let n = x.rows, d = x.cols
            var signs = [Float](repeating: 0, count: samples * n * d)
            for i in 0..<signs.count { signs[i] = rng.next() & 1 == 0 ? -1 : 1 }
            // Rows: sample k, row r, then + and − halves.
            var probe = Matrix(rows: 2 * samples * n, cols: d)
            for k in 0..<samples {
                for r in 0..<n {
                    for c in 0..<d {
                        let delta = radius * unit[c] * signs[(k * n + r) * d + c], v = x[r, c]
                        probe.values[((k * n + r)) * d + c] = v + delta
                        probe.values[((samples + k) * n + r) * d + c] = v - delta
                    }
                }
            }
            let s = try scores(probe)
            var g = Matrix(rows: n, cols: d)
            for k in 0..<samples {
                for r in 0..<n {
                    let diff = Float((s[k * n + r] - s[(samples + k) * n + r]) / (2 * Double(radius)))
                    for c in 0..<d { g.values[r * d + c] += diff * signs[(k * n + r) * d + c] / unit[c] }
                }
            }
            return g
        }
    }

    private final class Counter { var value: UInt64 = 0 }
}
