#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Foundation

/// Thin, typed wrappers over the BLAS and LAPACK routines AnomalyKit uses.
///
/// All matrices are row-major. One level of parallelism: kernels that parallelise over rows
/// themselves call `BLAS.withSingleThread` around their BLAS calls.
package enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` in single precision (row-major `sgemm`).
    ///
    /// `a`, `b`, `c` are row-major with leading dimensions `lda`, `ldb`, `ldc`.
    /// - Complexity: O(m·n·k) flops, run by BLAS.
    package static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C = alpha · op(A) · op(B) + beta · C` in double precision (row-major `dgemm`).
    ///
    /// A narrow product — an output side of at most `narrowSide` (a d × d covariance over many
    /// rows, n rows times a d × d matrix for small d) — runs on one BLAS thread: it is memory-bound,
    /// so a second thread adds only synchronisation, and where the other core is busy OpenBLAS's
    /// threads wait for it (GMM's fit on 200k × 10 rows: 0.8 s on one thread, 13.8 s on two with
    /// one core busy).
    package static func dgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        withSingleThread(if: min(m, n) <= narrowSide) {
            cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// The widest output side `dgemm` treats as narrow (one thread).
    package static let narrowSide = 32

    /// `y = alpha · op(A) · x + beta · y` in double precision (row-major `dgemv`; `A` is `m × n`).
    package static func dgemv(
        trans: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }

    /// Sets the number of threads OpenBLAS uses (no-op with Accelerate). Process-wide: kernels
    /// should use `withSingleThread`, which is safe to call from concurrent threads.
    package static func setThreads(_ n: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(n))
        #endif
    }

    /// The number of threads BLAS runs with now.
    package static var threads: Int {
        #if canImport(Accelerate)
        return coreCount
        #else
        return Int(openblas_get_num_threads())
        #endif
    }

    /// The thread count BLAS runs with outside `withSingleThread`: what the process started
    /// with (OpenBLAS reads `OPENBLAS_NUM_THREADS`, else uses every core).
    package static let defaultThreads = max(1, threads)

    /// Runs `body` with BLAS single-threaded: for kernels that parallelise over rows themselves,
    /// and for products too small for OpenBLAS's two-thread split to pay off.
    ///
    /// OpenBLAS's thread count is process-wide, so concurrent callers share one count of how
    /// many are inside: the first in sets one thread, the last out restores `defaultThreads`.
    /// (A plain set-and-restore would let one caller restore two threads while another's
    /// per-row workers still run, oversubscribing the cores.) Nests.
    package static func withSingleThread<T>(_ body: () throws -> T) rethrows -> T {
        try withSingleThread(if: true, body)
    }

    /// Runs `body` with BLAS single-threaded when `condition` holds, else as it is.
    package static func withSingleThread<T>(if condition: Bool, _ body: () throws -> T) rethrows -> T {
        guard condition else { return try body() }
        singleThreadUsers.enter()
        defer { singleThreadUsers.leave() }
        return try body()
    }

    private static let singleThreadUsers = SingleThreadUsers()
}

/// How many callers are inside `BLAS.withSingleThread`, behind a lock.
private final class SingleThreadUsers: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    // `BLAS.defaultThreads` is first read here, before any change to the thread count.
    func enter() {
        lock.withLock {
            if count == 0 && BLAS.defaultThreads > 1 { BLAS.setThreads(1) }
            count += 1
        }
    }

    func leave() {
        lock.withLock {
            count -= 1
            if count == 0 && BLAS.defaultThreads > 1 { BLAS.setThreads(BLAS.defaultThreads) }
        }
    }
}

extension Matrix {
    /// The product `op(self) · op(other)` through `sgemm`.
    /// - Complexity: O(m·n·k)
    package func matmul(_ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? cols : rows
        let k = transposeSelf ? rows : cols
        let k2 = transposeOther ? other.cols : other.rows
        let n = transposeOther ? other.rows : other.cols
        precondition(k == k2, "matmul: inner dimensions \(k) and \(k2) differ")
        var out = Matrix(rows: m, cols: n)
        if m == 0 || n == 0 { return out }
        if k == 0 { return out }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1,
                               a: a.baseAddress!, lda: cols, b: b.baseAddress!, ldb: other.cols,
                               beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }
}
