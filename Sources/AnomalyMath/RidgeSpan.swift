import Foundation

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Distance of rows to a ridge-regularised affine span: each row is centred on `origin`, and
/// what least squares onto the span of the `basis` rows cannot explain is measured:
/// `‖r − cᵀB‖` with `c = (BBᵀ + εI)⁻¹ B r`, `ε = ridge · trace(BBᵀ) / rows(B)`.
///
/// With the basis made of a few normal rows minus their mean, this is the distance to the
/// smallest affine subspace through them — how far a row is from every blend of the known
/// normal rows, where nearest-neighbour distance only sees the rows themselves.
package struct RidgeSpan: Sendable {
    package let origin: [Double]
    /// Row-major `r × d`.
    package let basis: [Double]
    package let rank: Int
    package let features: Int
    /// `(BBᵀ + εI)⁻¹`, row-major `r × r`.
    let inverseGram: [Double]

    /// - Throws: when the regularised Gram matrix is not positive definite (a zero basis).
    /// - Complexity: O(r²·d + r³) in BLAS/LAPACK.
    package init(origin: [Double], basis: [Double], rank: Int, ridge: Double) throws {
        let d = origin.count
        precondition(basis.count == rank * d, "basis must be rank × features")
        self.origin = origin
        self.basis = basis
        self.rank = rank
        self.features = d
        guard rank > 0 else {
            inverseGram = []
            return
        }
        var gram = [Double](repeating: 0, count: rank * rank)
        basis.withUnsafeBufferPointer { b in gram.withUnsafeMutableBufferPointer { g in
            BLAS.dgemm(transA: false, transB: true, m: rank, n: rank, k: d, alpha: 1, a: b.baseAddress!, lda: d,
                       b: b.baseAddress!, ldb: d, beta: 0, c: g.baseAddress!, ldc: rank)
        } }
        let trace = (0..<rank).reduce(0.0) { $0 + gram[$1 * rank + $1] }
        let epsilon = max(ridge * trace / Double(rank), 1e-12)
        for i in 0..<rank { gram[i * rank + i] += epsilon }
        let lower = try choleskyLower(gram, n: rank)
        let lowerInverse = lowerTriangularInverse(lower, n: rank)
        // (LLᵀ)⁻¹ = L⁻ᵀ L⁻¹
        var inverse = [Double](repeating: 0, count: rank * rank)
        lowerInverse.withUnsafeBufferPointer { l in inverse.withUnsafeMutableBufferPointer { o in
            BLAS.dgemm(transA: true, transB: false, m: rank, n: rank, k: rank, alpha: 1, a: l.baseAddress!, lda: rank,
                       b: l.baseAddress!, ldb: rank, beta: 0, c: o.baseAddress!, ldc: rank)
        } }
        inverseGram = inverse
    }

    /// The residual distance of every row of `x`, in fixed blocks of 64 rows (the last one
    /// zero-padded): every GEMM has the same shape, so a row's score does not depend on which
    /// other rows are scored with it. - Complexity: O(n·r·d) in BLAS.
    package func distances(_ x: Matrix) -> [Double] {
        precondition(x.cols == features, "rows must have \(features) features")
        let d = features, r = rank
        var out = [Double](repeating: 0, count: x.rows)
        let n = 64
        var start = 0
        while start < x.rows {
            let used = min(n, x.rows - start)
            var centred = [Double](repeating: 0, count: n * d)
            x.values.withUnsafeBufferPointer { v in
                for i in 0..<used { for j in 0..<d { centred[i * d + j] = Double(v[(start + i) * d + j]) - origin[j] } }
            }
            if r > 0 {
                // P = R·Bᵀ (n × r); C = P·G⁻¹ (n × r); R ← R − C·B
                var p = [Double](repeating: 0, count: n * r), c = [Double](repeating: 0, count: n * r)
                centred.withUnsafeMutableBufferPointer { rb in basis.withUnsafeBufferPointer { b in
                    p.withUnsafeMutableBufferPointer { pb in c.withUnsafeMutableBufferPointer { cb in
                        inverseGram.withUnsafeBufferPointer { g in
                            BLAS.dgemm(transA: false, transB: true, m: n, n: r, k: d, alpha: 1, a: rb.baseAddress!, lda: d,
                                       b: b.baseAddress!, ldb: d, beta: 0, c: pb.baseAddress!, ldc: r)
                            BLAS.dgemm(transA: false, transB: false, m: n, n: r, k: r, alpha: 1, a: pb.baseAddress!, lda: r,
                                       b: g.baseAddress!, ldb: r, beta: 0, c: cb.baseAddress!, ldc: r)
                            BLAS.dgemm(transA: false, transB: false, m: n, n: d, k: r, alpha: -1, a: cb.baseAddress!, lda: r,
                                       b: b.baseAddress!, ldb: d, beta: 1, c: rb.baseAddress!, ldc: d)
                        }
                    } }
                } }
            }
            for i in 0..<used {
                var s = 0.0
                for j in 0..<d { let t = centred[i * d + j]; s += t * t }
                out[start + i] = s.squareRoot()
            }
            start += used
        }
        return out
    }
}
