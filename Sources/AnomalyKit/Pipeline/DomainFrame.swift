import AnomalyMath

/// How a domain is put into its normal frame (per-domain normalisation).
public enum DomainNorm: String, Sendable, CaseIterable {
    /// Subtract the mean of the domain's normal rows.
    case center
    /// Subtract that mean and divide by the normal rows' standard deviation (0 → 1).
    case standardize
}

/// A domain's normal frame: rows are read as `(x − mean) / scale`, the mean (and for
/// `standardize` the standard deviation) of a few of the domain's normal rows. As a pipeline step
/// it puts a new domain's rows where a model pretrained on per-domain normalised sources expects
/// them: how far and in which way a row departs from its own domain's normal centre.
public struct DomainFrame: PipelineStep, Equatable {
    public static let kind = "domain_frame"

    public var norm: DomainNorm
    public var mean: [Double]
    public var scale: [Double]

    public var inputCount: Int { mean.count }
    public var outputCount: Int { mean.count }

    public init(norm: DomainNorm, mean: [Double], scale: [Double]) {
        precondition(mean.count == scale.count, "a frame needs one mean and one scale per feature")
        self.norm = norm
        self.mean = mean
        self.scale = scale
    }

    /// The frame of the given rows of `x`. - Complexity: O(rows·d).
    public init(_ x: Matrix, rows: [Int], norm: DomainNorm) {
        let chosen = x.rows(at: rows)
        self.norm = norm
        mean = Statistics.columnMeans(chosen)
        scale = norm == .standardize ? Statistics.columnVariances(chosen).map { v in v > 1e-24 ? v.squareRoot() : 1 }
                                     : [Double](repeating: 1, count: x.cols)
    }

    /// The frame of `x`'s normal rows (labels 0; all rows when unlabelled or none is normal),
    /// from `count` of them drawn with `rng` (all when nil) — drawing as many rows as a target
    /// has shots makes the sources' frames as noisy as the target's. - Complexity: O(rows·d).
    public init(_ x: Matrix, labels: [Int]?, norm: DomainNorm, count: Int? = nil, rng: inout SeededGenerator) {
        let normals = labels.map { l in l.indices.filter { l[$0] == 0 } } ?? Array(0..<x.rows)
        let pool = normals.isEmpty ? Array(0..<x.rows) : normals
        let rows = count.map { c in rng.sample(min(c, pool.count), from: pool.count).map { pool[$0] } } ?? pool
        self.init(x, rows: rows, norm: norm)
    }

    /// `x` in this frame, without checks (the transfer code's inner loops). - Complexity: O(n·d).
    public func apply(_ x: Matrix) -> Matrix {
        var out = x
        let d = x.cols
        let m = mean.map { Float($0) }, s = scale.map { Float($0) }
        out.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<x.rows { for j in 0..<d { v[r &* d &+ j] = (v[r &* d &+ j] - m[j]) / s[j] } }
        }
        return out
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        try requireInputs(x)
        try x.requireFinite()
        return apply(x)
    }

    public func save(to state: inout StepState) {
        state.settings["norm"] = .string(norm.rawValue)
        state.arrays.set("mean", doubles: mean)
        state.arrays.set("scale", doubles: scale)
    }

    public init(restoring state: StepState) throws {
        let name = try state.string("norm")
        guard let norm = DomainNorm(rawValue: name) else {
            throw AnomalyError.model("'\(name)' is not a domain normalisation (center, standardize)", field: "norm")
        }
        let (mean, scale) = try state.affine(offset: "mean", scale: "scale")
        self.init(norm: norm, mean: mean, scale: scale)
    }
}
