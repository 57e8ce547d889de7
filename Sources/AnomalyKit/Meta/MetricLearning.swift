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
    public func scorer(support normals: Matrix) throws -> RidgeSpan {
        precondition(normals.cols == directions.cols || directions.rows == 0, "support and directions differ in features")
        let d = normals.cols, k = normals.rows, m = directions.rows
        let mean = DomainFrame(normals, rows: Array(0..<k), norm: .center).mean
        var basis = [Double](repeating: 0, count: (k + m) * d)
        normals.values.withUnsafeBufferPointer { v in
            for i in 0..<k { for j in 0..<d { basis[i * d + j] = Double(v[i * d + j]) - mean[j] } }
        }
        directions.values.withUnsafeBufferPointer { v in
            for i in 0..<m { for j in 0..<d { basis[(k + i) * d + j] = Double(v[i * d + j]) } }
        }
        do {
            return try RidgeSpan(origin: mean, basis: basis, rank: k + m, ridge: ridge)
        } catch {
            throw AnomalyError(.numeric, "the support rows and directions span nothing (all support rows equal?)")
        }
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
        let covariances = sampler.tasks.map { withinTaskCovariance($0, features: d) }
        let all = try SymmetricEigen(symmetric: summed(covariances, excluding: nil), n: d)
        let drawn = (0..<episodes).map { _ in sampler.next() }
        // Directions without each task, for judging episodes of that task (tasks > 1).
        var heldOut: [Int: SymmetricEigen] = [:]
        if covariances.count > 1 {
            for t in Set(drawn.map(\.task)).sorted() {
                heldOut[t] = try SymmetricEigen(symmetric: summed(covariances, excluding: t), n: d)
            }
        }
        func directions(_ m: Int, _ scale: Double, _ eigen: SymmetricEigen) -> Matrix {
            var out = Matrix(rows: m, cols: d)
            for i in 0..<m {
                let k = d - 1 - i  // eigenvalues ascend
                let sd = max(eigen.values[k], 0).squareRoot() * scale
                for j in 0..<d { out[i, j] = Float(eigen.vectors[j * d + k] * sd) }
            }
            return out
        }
        func episodeAUC(_ m: Int, _ scale: Double, ridge: Double) throws -> Double {
            var total = 0.0
            for e in drawn {
                let model = MetricModel(directions: directions(m, scale, heldOut[e.task] ?? all), ridge: ridge)
                let normals = e.support.rows(labelled: 0).x
                let s = try model.scores(e.query.x, support: normals)
                total += Metrics.rocAUC(labels: e.query.labels!, scores: s)
            }
            return total / Double(drawn.count)
        }
        var best: Result?
        var spanOnly = -Double.infinity
        for m in directionCounts where m <= d {
            for scale in (m == 0 ? [1.0] : scales) {
                for ridge in ridges {
                    let model = MetricModel(directions: directions(m, scale, all), ridge: ridge)
                    let auc = try episodeAUC(m, scale, ridge: ridge)
                    if m == 0 { spanOnly = max(spanOnly, auc) }
                    // Strictly better only: ties keep the simpler (earlier) setting.
                    if best == nil || auc > best!.episodeAUC + 1e-12 {
                        best = Result(model: model, directionCount: m, scale: scale, episodeAUC: auc, spanOnlyEpisodeAUC: 0)
                    }
                }
            }
        }
        guard var result = best else { throw AnomalyError.parameter("directions", "no candidate settings") }
        result.spanOnlyEpisodeAUC = spanOnly
        for e in drawn {
            let normals = e.query.rows(labelled: 0).x
            result.normalQueryScores += try result.model.scores(normals, support: e.support.rows(labelled: 0).x)
        }
        return result
    }

    /// A task's covariance of normal rows around their own mean (`d × d`, row-major).
    /// - Complexity: O(n·d²) in BLAS.
    func withinTaskCovariance(_ t: MetaTask, features d: Int) -> [Double] {
        let rows = t.normals.isEmpty ? Array(0..<t.data.x.rows) : t.normals
        let frame = DomainFrame(t.data.x, rows: rows, norm: .center)
        var centred = [Double](repeating: 0, count: rows.count * d)
        t.data.x.values.withUnsafeBufferPointer { v in
            for (i, r) in rows.enumerated() { for j in 0..<d { centred[i * d + j] = Double(v[r * d + j]) - frame.mean[j] } }
        }
        var covariance = [Double](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { a in covariance.withUnsafeMutableBufferPointer { c in
            BLAS.dgemm(transA: true, transB: false, m: d, n: d, k: rows.count, alpha: 1 / Double(rows.count),
                       a: a.baseAddress!, lda: d, b: a.baseAddress!, ldb: d, beta: 0, c: c.baseAddress!, ldc: d)
        } }
        return covariance
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
