#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Errors from numerical routines.
public enum NumericError: Error, Equatable, CustomStringConvertible {
    case lapackFailure(routine: String, info: Int)
    case notPositiveDefinite
    public var description: String {
        switch self {
        case .lapackFailure(let r, let info): return "LAPACK \(r) failed (info = \(info))"
        case .notPositiveDefinite: return "matrix is not positive definite"
        }
    }
}

/// The eigendecomposition of a real symmetric matrix.
package struct SymmetricEigen: Sendable {
    /// Eigenvalues in ascending order.
    package let values: [Double]
    /// Eigenvectors as the columns of an n × n row-major matrix: vector j is `vectors[i * n + j]`.
    package let vectors: [Double]
    package let n: Int

    /// Decomposes the symmetric `n × n` row-major matrix `a` with LAPACK `dsyevd`.
    /// - Complexity: O(n³)
    package init(symmetric a: [Double], n: Int) throws {
        precondition(a.count == n * n)
        self.n = n
        if n == 0 { values = []; vectors = []; return }
        // LAPACK is column-major; a symmetric matrix is its own transpose, and the returned
        // column-major eigenvector matrix read row-major is Vᵀ, so transpose it back.
        var work = a
        var w = [Double](repeating: 0, count: n)
        var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U"))
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 1)
        var iwq = [Int32](repeating: 0, count: 1)
        dsyevd_(&jobz, &uplo, &nn, &work, &lda, &w, &wq, &lwork, &iwq, &liwork, &info)
        guard info == 0 else { throw NumericError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        lwork = Int32(wq[0]); liwork = iwq[0]
        var wk = [Double](repeating: 0, count: Int(lwork))
        var iwk = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &work, &lda, &w, &wk, &lwork, &iwk, &liwork, &info)
        guard info == 0 else { throw NumericError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { v[i * n + j] = work[j * n + i] } }
        values = w
        vectors = v
    }
}

/// Cholesky factorisation `A = L·Lᵀ` of a symmetric positive-definite row-major matrix;
/// returns L (row-major, lower triangular). - Complexity: O(n³)
package func choleskyLower(_ a: [Double], n: Int) throws -> [Double] {
    if n == 0 { return [] }
    // Row-major A read column-major is Aᵀ = A; asking LAPACK for the upper factor U (column-major)
    // gives Uᵀ = L when read row-major.
    var work = a
    var uplo = Int8(UInt8(ascii: "U"))
    var nn = Int32(n), lda = Int32(n), info: Int32 = 0
    dpotrf_(&uplo, &nn, &work, &lda, &info)
    if info > 0 { throw NumericError.notPositiveDefinite }
    guard info == 0 else { throw NumericError.lapackFailure(routine: "dpotrf", info: Int(info)) }
    // Zero the strictly upper part (row-major), which holds untouched input.
    for i in 0..<n { for j in (i + 1)..<max(i + 1, n) where j < n { work[i * n + j] = 0 } }
    return work
}

/// Inverse of a non-singular lower-triangular row-major matrix `L` (`n × n`), by a BLAS
/// triangular solve `L·Y = I`. The result is lower triangular. - Complexity: O(n³) in BLAS.
package func lowerTriangularInverse(_ l: [Double], n: Int) -> [Double] {
    if n == 0 { return [] }
    var y = [Double](repeating: 0, count: n * n)
    for i in 0..<n { y[i * n + i] = 1 }
    l.withUnsafeBufferPointer { lb in
        y.withUnsafeMutableBufferPointer { yb in
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), Int32(n), 1,
                        lb.baseAddress!, Int32(n), yb.baseAddress!, Int32(n))
        }
    }
    return y
}
