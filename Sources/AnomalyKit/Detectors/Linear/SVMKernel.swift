@_spi(Kernels) import AnomalyMath
import Foundation

/// A kernel function of two rows, written through their dot product and squared norms
/// (libsvm's `rbf`, `linear`, `poly`, `sigmoid`).
struct SVMKernel: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable { case rbf, linear, poly, sigmoid }
    var kind: Kind
    var gamma: Double
    var coef0: Double
    var degree: Int

    /// K(a, b) from `a·b`, `‖a‖²` and `‖b‖²`.
    @inline(__always)
    func value(dot: Double, squareA: Double, squareB: Double) -> Double {
        switch kind {
        case .rbf: return FastMath.exp(-gamma * (squareA + squareB - 2 * dot))
        case .linear: return dot
        case .poly: return Self.power(gamma * dot + coef0, degree)
        case .sigmoid: return tanh(gamma * dot + coef0)
        }
    }

    /// Replaces `dots[j]` (row a · row j) by K(a, j) for `j < count`, one specialised loop per kind.
    /// - Complexity: O(count)
    @inline(__always)
    func applyInPlace(_ dots: UnsafeMutablePointer<Double>, count: Int, squareA: Double, squares: UnsafePointer<Double>) {
        switch kind {
        case .rbf:
            let g = gamma
            for j in 0..<count { dots[j] = FastMath.exp(-g * (squareA + squares[j] - 2 * dots[j])) }
        case .linear:
            break
        case .poly:
            for j in 0..<count { dots[j] = Self.power(gamma * dots[j] + coef0, degree) }
        case .sigmoid:
            for j in 0..<count { dots[j] = tanh(gamma * dots[j] + coef0) }
        }
    }

    /// `base^times` by repeated squaring (libsvm's `powi`).
    @inline(__always)
    static func power(_ base: Double, _ times: Int) -> Double {
        var tmp = base, ret = 1.0
        var t = times
        while t > 0 {
            if t & 1 == 1 { ret *= tmp }
            tmp *= tmp
            t >>= 1
        }
        return ret
    }

    /// For each query row `q` and weight vector `w`: `Σ_c w[c] · K(query_q, column_c)`.
    ///
    /// Rows are row-major `Double` with `d` features; `querySquares` / `columnSquares` their squared
    /// norms. Works in blocks (`dgemm` of a query block against a column block) in parallel over
    /// query blocks, so memory stays O(block²). With `roundKernelToFloat`, kernel values are rounded
    /// to `Float` first, as libsvm's cached kernel rows are. With `fixedQueryBlocks` every query block
    /// goes through the product at full height (the last padded with zero rows, whose sums are
    /// dropped), so a query's sum does not depend on the queries it comes with: BLAS kernels round
    /// differently for other shapes (scoring uses this; training keeps libsvm's path).
    /// - Complexity: O(queries · columns · d) flops in BLAS plus one kernel evaluation per pair.
    func weightedSums(queries: [Double], querySquares: [Double], columns: [Double], columnSquares: [Double],
                      d: Int, weights: [[Double]], roundKernelToFloat: Bool = false,
                      fixedQueryBlocks: Bool = false) -> [[Double]] {
        let nq = querySquares.count, nc = columnSquares.count, nw = weights.count
        var out = [Double](repeating: 0, count: nq * nw)
        guard nq > 0, nc > 0, nw > 0 else { return (0..<nw).map { _ in [Double](repeating: 0, count: nq) } }
        let qBlock = 128, cBlock = 2048
        let qBlocks = (nq + qBlock - 1) / qBlock
        let kernel = self
        let flatWeights = weights.flatMap { $0 }
        queries.withUnsafeBufferPointer { qb in
        querySquares.withUnsafeBufferPointer { qsb in
        columns.withUnsafeBufferPointer { cb in
        columnSquares.withUnsafeBufferPointer { csb in
        flatWeights.withUnsafeBufferPointer { wb in
        out.withUnsafeMutableBufferPointer { ob in
            let q = SharedBuffer(qb), qs = SharedBuffer(qsb), c = SharedBuffer(cb), cs = SharedBuffer(csb)
            let w = SharedBuffer(wb), o = SharedMutableBuffer(ob)
            BLAS.withSingleThread {
                parallelFor(qBlocks) { range in
                    var dots = [Double](repeating: 0, count: qBlock * cBlock)
                    var padded = [Double](repeating: 0, count: fixedQueryBlocks ? qBlock * d : 0)
                    dots.withUnsafeMutableBufferPointer { db in
                    padded.withUnsafeMutableBufferPointer { pb in
                        let dp = db.baseAddress!
                        for b in range {
                            let q0 = b &* qBlock, mq = min(qBlock, nq &- q0)
                            // The block's rows, at full height when blocks have a fixed shape.
                            var rows = q.base + q0 &* d, height = mq
                            if fixedQueryBlocks {
                                for i in 0..<(qBlock &* d) { pb[i] = i < mq &* d ? q[q0 &* d &+ i] : 0 }
                                rows = UnsafePointer(pb.baseAddress!)
                                height = qBlock
                            }
                            var c0 = 0
                            while c0 < nc {
                                let mc = min(cBlock, nc &- c0)
                                BLAS.dgemm(transA: false, transB: true, m: height, n: mc, k: d, alpha: 1,
                                           a: rows, lda: d, b: c.base + c0 &* d, ldb: d,
                                           beta: 0, c: dp, ldc: mc)
                                for i in 0..<mq {
                                    let sa = qs[q0 &+ i]
                                    let row = dp + i &* mc
                                    kernel.applyInPlace(row, count: mc, squareA: sa, squares: cs.base + c0)
                                    if roundKernelToFloat {
                                        for j in 0..<mc { row[j] = Double(Float(row[j])) }
                                    }
                                    // One running sum per output, over columns in order (as libsvm accumulates).
                                    for k in 0..<nw {
                                        let wk = w.base + (k &* nc &+ c0)
                                        var s = o[(q0 &+ i) &* nw &+ k]
                                        for j in 0..<mc { s += wk[j] * row[j] }
                                        o[(q0 &+ i) &* nw &+ k] = s
                                    }
                                }
                                c0 &+= mc
                            }
                        }
                    }
                    }
                }
            }
        }}}}}}
        return (0..<nw).map { k in (0..<nq).map { out[$0 * nw + k] } }
    }
}
