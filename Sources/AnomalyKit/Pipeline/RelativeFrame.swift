@_spi(Kernels) import AnomalyMath
import Foundation

/// A domain-invariant reading of rows: how far each row lies from its domain's few normal rows
/// (the "shots"), measured ten scale-free ways. Each measure is divided by the value the shots
/// themselves get leave-one-out (their median), then logged, so a typical normal row reads ≈ 0
/// in every domain whatever its feature space's scale, centre or meaning of features.
///
/// A detector trained on the sources read this way learns which departures from a domain's
/// normal rows mark its anomalies — what carries across domains when the anomalies themselves
/// (e.g. defect types of different MVTec-AD objects) do not. As a pipeline step it takes a
/// domain's rows and gives the ten measures; its fitted state is the shots.
///
/// The measures: distance to the ridge-regularised affine span of the shots; distance to the
/// nearest shot; mean distance to the 3 nearest; mean distance to all shots; Euclidean and L1
/// distance to the shots' mean; the largest and the root-mean-square per-feature z-score
/// against the shots' spread; cosine distance to the shots' mean; the row's norm relative to
/// the shots' mean norm.
public struct RelativeFrame: PipelineStep {
    public static let kind = "relative_frame"

    /// The names of the measures (the columns of `apply`).
    public static let measures = ["span", "nearest", "nearest3", "mean_distance", "centre_l2", "centre_l1",
                                  "max_z", "rms_z", "cosine", "norm_ratio"]
    /// Fewest normal rows a frame is built from (the leave-one-out normalisers need two left).
    public static let minimumShots = 3
    /// The span's ridge, relative to the mean squared norm of its basis.
    static let ridge = 0.1

    /// The normal rows every row is read against.
    public let shots: Matrix
    let raw: RawMeasures
    /// The shots' median leave-one-out value of each measure.
    let normalisers: [Double]

    /// - Throws: with fewer than `minimumShots` rows, or shots that are all equal.
    /// - Complexity: O(K²·(K·d + K²)) for the leave-one-out normalisers.
    public init(shots: Matrix) throws {
        guard shots.rows >= Self.minimumShots else {
            throw AnomalyError.shape("the relative frame needs at least \(Self.minimumShots) normal rows, got \(shots.rows)")
        }
        guard Statistics.columnVariances(shots).contains(where: { $0 > 0 }) else {
            throw AnomalyError(.numeric, "the normal rows of the relative frame are all equal: distances to them mean nothing")
        }
        self.shots = shots
        raw = try RawMeasures(shots)
        let loo = try Self.leaveOneOutRaw(shots)
        normalisers = (0..<Self.measures.count).map { j in
            max(Statistics.median((0..<shots.rows).map { loo[$0 * Self.measures.count + j] }), 1e-12)
        }
    }

    /// `x` read against the shots: `n × 10`. - Complexity: O(n·K·d).
    public func apply(_ x: Matrix) -> Matrix {
        let m = Self.measures.count
        let values = raw.measure(x)
        var out = Matrix(rows: x.rows, cols: m)
        for i in 0..<x.rows { for j in 0..<m { out[i, j] = Float(Foundation.log(values[i * m + j] / normalisers[j] + 1e-6)) }}
        return out
    }

    /// The shots themselves read leave-one-out: shot i against the frame of the others (as the
    /// target's normal shots are seen when a model is fine-tuned on them).
    /// - Complexity: O(K³·(K·d + K²)).
    package static func shotsLeaveOneOut(_ shots: Matrix) throws -> Matrix {
        guard shots.rows > minimumShots else {
            throw AnomalyError.shape("reading shots leave-one-out needs more than \(minimumShots) normal rows, got \(shots.rows)")
        }
        let rows = try (0..<shots.rows).map { i in
            try RelativeFrame(shots: shots.rows(at: (0..<shots.rows).filter { $0 != i })).apply(shots.rows(at: [i]))
        }
        return Matrix.vstack(rows)
    }

    public var inputCount: Int { shots.cols }
    public var outputCount: Int { Self.measures.count }

    public func transform(_ x: Matrix) throws -> Matrix {
        try requireInputs(x)
        try x.requireFinite()
        return apply(x)
    }

    public func save(to state: inout StepState) { state.arrays.set("shots", shots) }

    public init(restoring state: StepState) throws {
        let shots = try state.arrays.matrix("shots")
        guard shots.rows >= Self.minimumShots else {
            throw AnomalyError.model("needs at least \(Self.minimumShots) rows, has \(shots.rows)", field: "shots")
        }
        try shots.requireFinite("saved shots")
        try self.init(shots: shots)
    }

    /// Each shot's raw measures against the others (`K × 10`, row-major).
    static func leaveOneOutRaw(_ shots: Matrix) throws -> [Double] {
        var out: [Double] = []
        for i in 0..<shots.rows {
            let others = try RawMeasures(shots.rows(at: (0..<shots.rows).filter { $0 != i }))
            out += others.measure(shots.rows(at: [i]))
        }
        return out
    }
}

/// The ten measures before normalisation, against a set of reference rows.
struct RawMeasures: Sendable {
    let reference: [[Double]]
    let mean: [Double]
    let spread: [Double]
    let meanNorm: Double
    let span: RidgeSpan

    init(_ rows: Matrix) throws {
        let d = rows.cols
        reference = (0..<rows.rows).map { i in (0..<d).map { Double(rows[i, $0]) } }
        mean = Statistics.columnMeans(rows)
        let sd = Statistics.columnVariances(rows).map { $0.squareRoot() }
        let floor = 1e-3 * sd.reduce(0, +) / Double(max(d, 1)) + 1e-12
        spread = sd.map { $0 + floor }
        meanNorm = max(reference.map { r in r.reduce(0) { $0 + $1 * $1 }.squareRoot() }.reduce(0, +) / Double(rows.rows), 1e-12)
        var basis = [Double](repeating: 0, count: rows.rows * d)
        for i in 0..<rows.rows { for j in 0..<d { basis[i * d + j] = reference[i][j] - mean[j] } }
        do {
            span = try RidgeSpan(origin: mean, basis: basis, rank: rows.rows, ridge: RelativeFrame.ridge)
        } catch {
            throw AnomalyError(.numeric, "the normal rows of the relative frame are all equal")
        }
    }

    /// `n × 10`, row-major. - Complexity: O(n·K·d): the span distances in BLAS, then the rows
    /// on all cores.
    func measure(_ x: Matrix) -> [Double] {
        let d = x.cols, k = reference.count, m = RelativeFrame.measures.count
        let spanDistances = span.distances(x)
        let meanNormSquared = mean.reduce(0) { $0 + $1 * $1 }
        var out = [Double](repeating: 0, count: x.rows * m)
        out.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedMutableBuffer(buffer)
            parallelFor(x.rows, minimumChunk: 16) { rows in
                var row = [Double](repeating: 0, count: d), distances = [Double](repeating: 0, count: k)
                for i in rows {
                    for j in 0..<d { row[j] = Double(x[i, j]) }
                    for (r, ref) in reference.enumerated() {
                        var s = 0.0
                        for j in 0..<d { let t = row[j] - ref[j]; s += t * t }
                        distances[r] = s.squareRoot()
                    }
                    let meanDistance = distances.reduce(0, +) / Double(k)
                    distances.sort()
                    let near = min(3, k)
                    var l2 = 0.0, l1 = 0.0, maxZ = 0.0, z2 = 0.0, dot = 0.0, norm2 = 0.0
                    for j in 0..<d {
                        let t = row[j] - mean[j]
                        l2 += t * t
                        l1 += abs(t)
                        let z = abs(t) / spread[j]
                        maxZ = max(maxZ, z)
                        z2 += z * z
                        dot += row[j] * mean[j]
                        norm2 += row[j] * row[j]
                    }
                    let cosine = 1 - dot / max((norm2 * meanNormSquared).squareRoot(), 1e-300)
                    let values = [spanDistances[i], distances[0], distances[0..<near].reduce(0, +) / Double(near), meanDistance,
                                  l2.squareRoot(), l1, maxZ, (z2 / Double(d)).squareRoot(), max(cosine, 0),
                                  norm2.squareRoot() / meanNorm]
                    for j in 0..<m { shared[i * m + j] = values[j] }
                }
            }
        }
        return out
    }
}
