import AnomalyMath
import Foundation

/// Rows added to a detector's training rows just before it is fitted, for the detectors that learn
/// from labels (devnet, classifier): generated anomalies when there are no labels (outlier
/// exposure), more copies of the few labelled anomalies when there are some (oversampling).
///
/// Not a pipeline step: it changes what the detector learns from, never what a model scores, and
/// nothing of it is saved but the effect on the weights. It works in the detector's input space
/// (after imputation and scaling). The threshold and the training summary of the fitted model come
/// from the real training rows only (see `fitAugmented`).
public protocol TrainingAugmentation: Sendable {
    /// `x` and its labels (nil = all unlabelled, read as 0) with the added rows appended.
    /// - Throws: `AnomalyError` when the rows cannot be augmented (for example no labelled anomaly).
    func augment(_ x: Matrix, labels: [Int]?) throws -> (x: Matrix, labels: [Int])
    /// One line for reports and `--json`, e.g. `synthetic local,global (ratio 0.2, seed 42)`.
    var summary: String { get }
}

extension TrainingAugmentation {
    /// `detector` fitted on `x` augmented; the fitted detector's training scores are then those of
    /// the real rows, so thresholds and probabilities never see the added ones.
    /// - Throws: `.parameter` for an unsupervised detector (it ignores labels, so the added anomalies
    ///   would only be more training rows); what augmenting and fitting throw.
    public func fitAugmented(_ detector: any Detector, on x: Matrix, labels: [Int]?) throws -> any FittedDetector {
        let type = type(of: detector)
        guard type.labelUse != .unsupervised else {
            throw AnomalyError.parameter("augmentation", "\(type.descriptor.name) is unsupervised and ignores labels; generated or augmented anomalies train the detectors that learn from labels (devnet, classifier)")
        }
        let (ax, al) = try augment(x, labels: labels)
        return try detector.fit(ax, labels: al).replacingTrainingScores(forRows: x)
    }
}

extension FittedDetector {
    /// The same fitted detector with the training scores of `rows` (through a save and restore of
    /// its arrays, which every detector supports): after training on augmented rows, the real rows'
    /// scores set the threshold. - Complexity: scoring `rows`, plus a copy of the state.
    public func replacingTrainingScores(forRows rows: Matrix) throws -> Self {
        var state = DetectorState()
        save(to: &state)
        return try Self(settings: settings, featureCount: featureCount, trainingScores: try scores(rows), state: state)
    }
}

/// Outlier exposure: anomalies of ADBench's synthetic types generated from the training rows (all
/// of them, or those labelled 0 when there are labels) and added labelled 1, so a detector that
/// learns from labels can train on a domain with none. A classifier against the global type is the
/// classic "density by classification against uniform noise"; the local and clustered types add
/// anomalies near the data, the dependency type anomalies that break the features' dependence.
public struct OutlierExposure: TrainingAugmentation {
    public var types: [SyntheticAnomalyType]
    /// Generated anomalies per training row, split evenly across the types.
    public var ratio: Double
    public var seed: UInt64

    /// - Throws: `.parameter` for no type, a type given twice, or a ratio outside (0, 10].
    public init(types: [SyntheticAnomalyType], ratio: Double = 0.2, seed: UInt64 = 42) throws {
        guard !types.isEmpty else { throw AnomalyError.parameter("synthetic-anomalies", "name at least one type (local, global, dependency, clustered)") }
        guard Set(types).count == types.count else { throw AnomalyError.parameter("synthetic-anomalies", "a type is named more than once") }
        guard ratio > 0, ratio <= 10, ratio.isFinite else {
            throw AnomalyError.parameter("synthetic-ratio", "generated anomalies per training row must be in (0, 10], got \(ratio)")
        }
        self.types = types
        self.ratio = ratio
        self.seed = seed
    }

    public var summary: String {
        "synthetic \(types.map(\.rawValue).joined(separator: ",")) anomalies (ratio \(ratio), seed \(seed))"
    }

    /// - Throws: `.data` when the rows are too few to fit a generator (see `SyntheticAnomalies.generate`).
    public func augment(_ x: Matrix, labels: [Int]?) throws -> (x: Matrix, labels: [Int]) {
        let y = labels ?? [Int](repeating: 0, count: x.rows)
        let normal = x.rows(at: y.indices.filter { y[$0] == 0 })
        let total = max(types.count, Int((ratio * Double(x.rows)).rounded()))
        var parts = [x], added = 0
        for (i, type) in types.enumerated() {
            let count = total / types.count + (i < total % types.count ? 1 : 0)
            let generated = try SyntheticAnomalies(type: type, seed: seed &+ UInt64(i))
                .generate(fromNormal: normal, normals: 0, anomalies: count)
            parts.append(generated.x)
            added += count
        }
        return (Matrix.vstack(parts), y + [Int](repeating: 1, count: added))
    }
}

/// Oversampling of the few labelled anomalies (label 1): `factor` new rows per labelled anomaly,
/// labelled 1, by one of three methods.
public struct AnomalyOversampling: TrainingAugmentation {
    public enum Method: String, Sendable, CaseIterable {
        /// SMOTE (Chawla et al., 2002): a point on the segment to one of the anomaly's k nearest
        /// labelled anomalies, uniform along it.
        case smote
        /// Mixup (Zhang et al., 2018) between two labelled anomalies: λ·a + (1 − λ)·b, λ ~ Beta(α, α).
        case mixup
        /// The anomaly plus Gaussian noise of `jitterScale` × each feature's standard deviation
        /// over the training rows.
        case jitter
    }

    public var method: Method
    /// New rows per labelled anomaly (rounded to a whole count overall, at least 1).
    public var factor: Double
    public var seed: UInt64
    /// SMOTE's k (imbalanced-learn's default 5).
    public var neighbors = 5
    /// Mixup's α (Zhang et al.'s 0.2).
    public var mixupAlpha = 0.2
    /// Jitter's noise scale in standard deviations.
    public var jitterScale = 0.1

    /// - Throws: `.parameter` for a factor outside (0, 100].
    public init(method: Method, factor: Double = 5, seed: UInt64 = 42) throws {
        guard factor > 0, factor <= 100, factor.isFinite else {
            throw AnomalyError.parameter("augment-factor", "new rows per labelled anomaly must be in (0, 100], got \(factor)")
        }
        self.method = method
        self.factor = factor
        self.seed = seed
    }

    public var summary: String { "\(method.rawValue) × \(factor) on the labelled anomalies (seed \(seed))" }

    /// With a single labelled anomaly, SMOTE and mixup have nothing to interpolate with and jitter
    /// it instead. - Throws: `.data` when no training row is labelled 1.
    public func augment(_ x: Matrix, labels: [Int]?) throws -> (x: Matrix, labels: [Int]) {
        let y = labels ?? []
        let anomalies = y.indices.filter { y[$0] == 1 }
        guard !anomalies.isEmpty else {
            throw AnomalyError.data("augmentation (\(method.rawValue)) needs labelled anomalies, and no training row is labelled 1: label a few anomalies, or use --synthetic-anomalies to generate some")
        }
        let d = x.cols, count = max(1, Int((factor * Double(anomalies.count)).rounded()))
        var rng = SeededGenerator(seed: seed)
        let a = anomalies.map { x.row($0).map(Double.init) }
        let method = a.count == 1 ? .jitter : self.method
        var out = [Double]()
        out.reserveCapacity(count * d)
        switch method {
        case .smote:
            let k = min(neighbors, a.count - 1)
            // Each anomaly's k nearest other anomalies (ties by index). - Complexity: O(a²·d + a² log a)
            let nearest: [[Int]] = a.indices.map { i in
                let distances = a.map { squaredDistance(a[i], $0) }
                return a.indices.filter { $0 != i }.sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(k).map { $0 }
            }
            for s in 0..<count {
                let i = s % a.count, j = nearest[i][Int.random(in: 0..<k, using: &rng)]
                let u = Double.random(in: 0..<1, using: &rng)
                for c in 0..<d { out.append(a[i][c] + u * (a[j][c] - a[i][c])) }
            }
        case .mixup:
            for s in 0..<count {
                let i = s % a.count
                var j = Int.random(in: 0..<(a.count - 1), using: &rng)
                if j >= i { j += 1 }
                let lambda = Self.beta(mixupAlpha, mixupAlpha, rng: &rng)
                for c in 0..<d { out.append(lambda * a[i][c] + (1 - lambda) * a[j][c]) }
            }
        case .jitter:
            let sd = (0..<d).map { Statistics.standardDeviation(x.columnDouble($0)) }
            for s in 0..<count {
                let i = s % a.count
                for c in 0..<d { out.append(a[i][c] + jitterScale * sd[c] * rng.nextGaussian()) }
            }
        }
        let added = Matrix(rows: count, cols: d, doubles: out)
        return (Matrix.vstack([x, added]), (y.isEmpty ? [Int](repeating: 0, count: x.rows) : y) + [Int](repeating: 1, count: count))
    }

    private func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// A Beta(a, b) draw as X / (X + Y) of two Gamma draws.
    static func beta(_ a: Double, _ b: Double, rng: inout SeededGenerator) -> Double {
        let x = gamma(a, rng: &rng), y = gamma(b, rng: &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// A Gamma(shape, 1) draw: Marsaglia and Tsang (2000), with U^(1/shape) boosting below shape 1.
    static func gamma(_ shape: Double, rng: inout SeededGenerator) -> Double {
        if shape < 1 {
            let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &rng)
            return gamma(shape + 1, rng: &rng) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = rng.nextGaussian()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = Double.random(in: 0..<1, using: &rng)
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }
}

/// Augmentations applied one after another (the labelled anomalies oversampled, then generated
/// anomalies added, for example).
public struct AugmentationSequence: TrainingAugmentation {
    public var steps: [any TrainingAugmentation]

    public init(_ steps: [any TrainingAugmentation]) { self.steps = steps }

    public var summary: String { steps.map(\.summary).joined(separator: "; ") }

    public func augment(_ x: Matrix, labels: [Int]?) throws -> (x: Matrix, labels: [Int]) {
        var current = (x: x, labels: labels ?? [Int](repeating: 0, count: x.rows))
        for step in steps { current = try step.augment(current.x, labels: current.labels) }
        return current
    }
}
