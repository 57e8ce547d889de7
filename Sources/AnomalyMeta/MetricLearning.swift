import AnomalyKit
import AnomalyTransfer
import AnomalyMath
import Foundation

/// The `metric` method's learned distance: a new task's rows are scored by their distance to
/// the affine span of its K normal support rows together with the family's directions of
/// normal variation — what the support rows and the ways normal rows vary in every task
/// together cannot explain. No gradient steps at test time.
public struct MetricModel: Sendable, Equatable {
    /// `m × d`: the family's within-task normal directions, each scaled by its standard
    /// deviation and `scale` (m may be 0).
    public var directions: Matrix
    public var ridge: Double

    public init(directions: Matrix, ridge: Double) {
        self.directions = directions
        self.ridge = ridge
    }

    /// The scorer for a task given its normal support rows (≥ 1 row).
    /// - Complexity: O((K + m)²·d + (K + m)³).
    package func scorer(support normals: Matrix) throws -> RidgeSpan {
        try SpanDistance.scorer(support: normals, directions: directions, ridge: ridge)
    }

    /// Scores of `x` for a task with these normal support rows: higher = more anomalous.
    public func scores(_ x: Matrix, support normals: Matrix) throws -> [Double] {
        try scorer(support: normals).distances(x)
    }
}

/// Learns a `MetricModel` from a task family, episodically: the within-task normal directions
/// come from the tasks' normal rows, each task centred on its own mean (the pooled within-task
/// covariance's leading eigenvectors); how many of them to use, their scale and the ridge are
/// chosen by the mean query ROC-AUC over seeded episodes (K normal support rows, labelled
/// queries) — the setting a new task will be scored in. An episode of task t is scored with
/// directions learned without t, so the choice is judged on tasks the directions never saw.
public struct MetricMetaLearning: Sendable {
    public var directionCounts = [0, 8, 16, 32, 64, 128]
    public var scales = [0.3, 1.0, 3.0, 10.0]
    public var ridges = [0.001, 0.01, 0.1]
    public var episodes = 100

    public init() {}

    public struct Result: Sendable {
        public var model: MetricModel
        /// The chosen settings and their mean episode ROC-AUC, and the plain affine span's.
        public var directionCount: Int
        public var scale: Double
        public var episodeAUC: Double
        public var spanOnlyEpisodeAUC: Double
        /// The chosen model's scores of the episodes' normal query rows (a typical scale, for
        /// a model file's threshold before it has a support set).
        public var normalQueryScores: [Double] = []
    }

    /// - Complexity: O(Σ n_t·d² + d³) for the directions, then episodes × candidates small solves.
    public func train(sampler: inout EpisodeSampler) throws -> Result {
        guard episodes >= 1 else { throw AnomalyError.parameter("episodes", "must be ≥ 1, got \(episodes)") }
        let d = sampler.features
        let counts = directionCounts.filter { $0 <= d }
        let maxCount = counts.max() ?? 0
        let covariances = sampler.tasks.map(withinTaskCovariance)
        // The leading directions of all tasks, and of all but each task for judging that task's
        // episodes (tasks > 1), each row scaled by its standard deviation.
        let all = try leadingDirections(summed(covariances, excluding: nil), d, maxCount)
        let drawn = (0..<episodes).map { _ in sampler.next() }
        let supports = drawn.map { $0.support.rows(labelled: 0).x }
        var heldOut: [Int: LeadingDirections] = [:]
        if covariances.count > 1 {
            for t in Set(drawn.map(\.task)).sorted() { heldOut[t] = try leadingDirections(summed(covariances, excluding: t), d, maxCount) }
        }
        func directions(_ m: Int, _ scale: Double, _ leading: LeadingDirections) -> Matrix {
            var out = Matrix(rows: m, cols: d)
            for i in 0..<m {
                let sd = leading.deviations[i] * scale
                for j in 0..<d { out[i, j] = Float(leading.vectors[i * d + j] * sd) }
            }
            return out
        }
        func episodeAUC(_ m: Int, _ scale: Double, ridge: Double) throws -> Double {
            var total = 0.0
            for (e, normals) in zip(drawn, supports) {
                let model = MetricModel(directions: directions(m, scale, heldOut[e.task] ?? all), ridge: ridge)
                total += Metrics.rocAUC(labels: e.query.labels!, scores: try model.scores(e.query.x, support: normals))
            }
            return total / Double(drawn.count)
        }
        var best: (m: Int, scale: Double, ridge: Double, auc: Double)?
        var spanOnly = -Double.infinity
        for m in counts {
            for scale in (m == 0 ? [1.0] : scales) {
                for ridge in ridges {
                    let auc = try episodeAUC(m, scale, ridge: ridge)
                    if m == 0 { spanOnly = max(spanOnly, auc) }
                    // Strictly better only: ties keep the simpler (earlier) setting.
                    if best == nil || auc > best!.auc + 1e-12 { best = (m, scale, ridge, auc) }
                }
            }
        }
        guard let best else { throw AnomalyError.parameter("directions", "no candidate settings") }
        var result = Result(model: MetricModel(directions: directions(best.m, best.scale, all), ridge: best.ridge),
                            directionCount: best.m, scale: best.scale, episodeAUC: best.auc, spanOnlyEpisodeAUC: spanOnly)
        for (e, normals) in zip(drawn, supports) {
            result.normalQueryScores += try result.model.scores(e.query.rows(labelled: 0).x, support: normals)
        }
        return result
    }

    /// The leading eigenvectors of a covariance (rows of `vectors`, `count × d`) and their
    /// standard deviations.
    struct LeadingDirections {
        var vectors: [Double]
        var deviations: [Double]
    }

    /// - Complexity: O(d³).
    func leadingDirections(_ covariance: [Double], _ d: Int, _ count: Int) throws -> LeadingDirections {
        let eigen = try SymmetricEigen(symmetric: covariance, n: d)
        var out = LeadingDirections(vectors: [Double](repeating: 0, count: count * d), deviations: [])
        for i in 0..<count {
            let k = d - 1 - i  // eigenvalues ascend
            out.deviations.append(max(eigen.values[k], 0).squareRoot())
            for j in 0..<d { out.vectors[i * d + j] = eigen.vectors[j * d + k] }
        }
        return out
    }

    /// A task's covariance of normal rows around their own mean (`d × d`, row-major).
    /// - Complexity: O(n·d²) in BLAS.
    func withinTaskCovariance(_ t: MetaTask) -> [Double] {
        let rows = t.normals.isEmpty ? Array(0..<t.data.x.rows) : t.normals
        return Statistics.covariance(t.data.x.rows(at: rows), ddof: 0).covariance
    }

    /// The mean of the tasks' covariances, leaving one task out when given.
    func summed(_ covariances: [[Double]], excluding: Int?) -> [Double] {
        var out = [Double](repeating: 0, count: covariances[0].count)
        let count = Double(covariances.count - (excluding == nil ? 0 : 1))
        for (t, c) in covariances.enumerated() where t != excluding {
            for i in out.indices { out[i] += c[i] / count }
        }
        return out
    }
}
