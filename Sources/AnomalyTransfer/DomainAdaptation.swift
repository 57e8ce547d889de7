import AnomalyKit
import AnomalyMath
import AnomalyNN
import Foundation

/// How source and target domains are brought together during transfer.
public enum Adaptation: String, Sendable, CaseIterable {
    /// Plain pretraining on the sources, then fine-tuning on the target.
    case none
    /// CORAL (Sun, Feng & Saenko, 2016): before pretraining, the source rows are whitened with
    /// their own covariance and re-coloured with the target's, so second-order statistics match.
    case coral
    /// A maximum-mean-discrepancy penalty between source and target representations (the
    /// network's `encoder` output), multi-bandwidth RBF, added to the loss during joint training.
    case mmd
    /// Domain-adversarial training (Ganin et al., 2016): a small domain classifier on the
    /// representation, behind a gradient-reversal layer whose weight ramps from 0 to 1.
    case dann
    /// Per-domain centring, the first-moment counterpart of CORAL and the idea of AdaBN (Li et
    /// al., 2016) applied to the input normaliser: every source is centred on the mean of a few
    /// of its normal rows before pooling, and the model is moved onto the target by re-centring
    /// its input normalisation on the mean of the target's normal shots. What is learned is
    /// "how far and in which way a row departs from its own domain's normal centre", which
    /// carries across domains whose centres differ.
    case center
    /// Per-domain standardisation: as `center`, and each feature also divided by its standard
    /// deviation over the domain's normal rows — undoes a per-feature recalibration (gain and
    /// offset) of the target; needs more shots than features' worth of noise allows in 512-d.
    case standardize
    /// Every domain read relative to a few of its own normal rows (`RelativeFrame`: ten
    /// scale-free distances to them): the detector learns on the sources which departures
    /// from a domain's normal rows mark its anomalies, and reads the target relative to its
    /// normal shots. For targets whose anomalies differ from the sources' (other objects'
    /// defects), where no input-space model carries over.
    case relative

    /// The per-domain normalisation this adaptation uses, if any.
    public var domainNorm: DomainNorm? {
        switch self {
        case .center: .center
        case .standardize: .standardize
        case .none, .coral, .mmd, .dann, .relative: nil
        }
    }
}

extension DomainFrame {
    /// The frame of `data`'s normal rows (see `init(_:labels:norm:count:rng:)`).
    public init(_ data: DomainData, norm: DomainNorm, count: Int? = nil, rng: inout SeededGenerator) {
        self.init(data.x, labels: data.labels, norm: norm, count: count, rng: &rng)
    }

    /// `data` in this frame, labels kept.
    public func apply(_ data: DomainData) -> DomainData { DomainData(x: apply(data.x), labels: data.labels) }

    /// Sources each put in their own normal frame (from `count` normal rows), then pooled.
    public static func pooled(_ sources: [DomainData], norm: DomainNorm, count: Int?, seed: UInt64) -> DomainData {
        var rng = SeededGenerator(seed: seed &+ 0xce47)
        return DomainData.pooled(sources.map { s in DomainFrame(s, norm: norm, count: count, rng: &rng).apply(s) })
    }
}

/// CORAL's closed form on row matrices.
public enum CORAL {
    /// Source rows mapped so their covariance matches the target's: centre on the source mean,
    /// whiten with `(C_s + λI)^−½`, colour with `(C_t + λI)^½`, move to the target mean.
    /// `λ` = 1 as in the paper (features are expected standardised); with few target rows the
    /// identity term dominates and CORAL mostly whitens the source.
    /// - Complexity: O(n·d² + d³) through BLAS and LAPACK.
    public static func align(source: Matrix, target: Matrix, regularisation: Double = 1) throws -> Matrix {
        precondition(source.cols == target.cols, "CORAL needs equal feature counts")
        let d = source.cols
        let (ms, cs) = Statistics.covariance(source, ddof: 0), (mt, ct) = Statistics.covariance(target, ddof: 0)
        let whiten = try matrixPower(cs, d, regularisation: regularisation, power: -0.5)
        let colour = try matrixPower(ct, d, regularisation: regularisation, power: 0.5)
        // T = whiten · colour (both symmetric, d × d); out = (X − m_s)·T + m_t
        var t = [Double](repeating: 0, count: d * d)
        whiten.withUnsafeBufferPointer { w in colour.withUnsafeBufferPointer { c in t.withUnsafeMutableBufferPointer { tb in
            BLAS.dgemm(transA: false, transB: false, m: d, n: d, k: d, alpha: 1, a: w.baseAddress!, lda: d,
                       b: c.baseAddress!, ldb: d, beta: 0, c: tb.baseAddress!, ldc: d)
        } } }
        var centred = [Double](repeating: 0, count: source.rows * d)
        source.values.withUnsafeBufferPointer { x in
            for r in 0..<source.rows { for j in 0..<d { centred[r * d + j] = Double(x[r * d + j]) - ms[j] } }
        }
        var out = [Double](repeating: 0, count: source.rows * d)
        centred.withUnsafeBufferPointer { a in t.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { o in
            BLAS.dgemm(transA: false, transB: false, m: source.rows, n: d, k: d, alpha: 1, a: a.baseAddress!, lda: d,
                       b: b.baseAddress!, ldb: d, beta: 0, c: o.baseAddress!, ldc: d)
        } } }
        for r in 0..<source.rows { for j in 0..<d { out[r * d + j] += mt[j] } }
        return Matrix(rows: source.rows, cols: d, values: out.map { Float($0) })
    }

    /// `(C + λI)^p` for symmetric `C` by eigendecomposition.
    static func matrixPower(_ c: [Double], _ d: Int, regularisation: Double, power: Double) throws -> [Double] {
        var a = c
        for j in 0..<d { a[j * d + j] += regularisation }
        let eig = try SymmetricEigen(symmetric: a, n: d)
        var out = [Double](repeating: 0, count: d * d)
        // V · diag(λ^p) · Vᵀ
        var scaled = eig.vectors
        for i in 0..<d { for k in 0..<d { scaled[i * d + k] *= Foundation.pow(max(eig.values[k], 1e-12), power) } }
        scaled.withUnsafeBufferPointer { s in eig.vectors.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { o in
            BLAS.dgemm(transA: false, transB: true, m: d, n: d, k: d, alpha: 1, a: s.baseAddress!, lda: d,
                       b: v.baseAddress!, ldb: d, beta: 0, c: o.baseAddress!, ldc: d)
        } } }
        return out
    }
}
