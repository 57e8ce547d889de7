@_spi(Kernels) import AnomalyMath
import Foundation

/// Shared numerics of the probabilistic detectors: column access in `Double`, sorted columns and
/// ECDF counts, chi-squared distribution functions, pseudo-inverses and log-determinants.
enum ProbabilisticSupport {
    /// Feature-major copy: column `c` is `out[c*n ..< (c+1)*n]`, as `Double` (the matrix's exact
    /// `doubleSource` when it has one). - Complexity: O(n·d)
    static func columnMajorDoubles(_ m: Matrix) -> [Double] {
        let n = m.rows, d = m.cols
        var out = [Double](repeating: 0, count: n * d)
        func transpose<T>(_ v: UnsafeBufferPointer<T>, _ convert: (T) -> Double) {
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<n {
                    let base = r &* d
                    for c in 0..<d { o[c &* n &+ r] = convert(v[base &+ c]) }
                }
            }
        }
        if let exact = m.doubleSource {
            exact.withUnsafeBufferPointer { transpose($0) { $0 } }
        } else {
            m.values.withUnsafeBufferPointer { transpose($0) { Double($0) } }
        }
        return out
    }

    /// Row-major `Double` copy of a matrix (its exact `doubleSource` when it has one). - Complexity: O(n·d)
    static func doubles(_ m: Matrix) -> [Double] { m.doubleValues }

    /// Each column sorted ascending (feature-major, `d × n`), in parallel over features.
    /// - Complexity: O(n·d·log n)
    static func sortedColumns(_ m: Matrix) -> [Float] {
        let n = m.rows, d = m.cols
        var out = [Float](repeating: 0, count: n * d)
        m.values.withUnsafeBufferPointer { vb in
            let v = SharedBuffer(vb)
            out.withUnsafeMutableBufferPointer { ob in
                let o = SharedMutableBuffer(ob)
                parallelFor(d) { cols in
                    for c in cols {
                        var col = UnsafeMutableBufferPointer(start: o.base + c &* n, count: n)
                        for r in 0..<n { col[r] = v[r &* d &+ c] }
                        col.sort()
                    }
                }
            }
        }
        return out
    }

    /// Number of elements of the ascending `sorted` that are `<= x`. - Complexity: O(log n)
    @inline(__always)
    static func countLessOrEqual(_ sorted: UnsafePointer<Float>, _ n: Int, _ x: Float) -> Int {
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if sorted[mid] <= x { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// Number of elements of the ascending `sorted` that are `< x`. - Complexity: O(log n)
    @inline(__always)
    static func countLess(_ sorted: UnsafePointer<Float>, _ n: Int, _ x: Float) -> Int {
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if sorted[mid] < x { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: - Chi-squared distribution

    /// The regularised lower incomplete gamma function P(a, x). - Complexity: O(iterations)
    static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x.isInfinite { return 1 }
        let logPrefix = a * Foundation.log(x) - x - lgamma(a)
        if x < a + 1 {
            // Series: Σ xⁿ / (a(a+1)…(a+n)).
            var term = 1.0 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return min(1, sum * Foundation.exp(logPrefix))
        }
        // Continued fraction for Q(a, x) (modified Lentz).
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, dd = 1 / b, h = dd
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            dd = an * dd + b
            if abs(dd) < tiny { dd = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            dd = 1 / dd
            let delta = dd * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return max(0, 1 - Foundation.exp(logPrefix) * h)
    }

    /// The chi-squared CDF with `k` degrees of freedom (scipy's `chi2.cdf`).
    static func chi2CDF(_ x: Double, df k: Int) -> Double { regularizedGammaP(Double(k) / 2, x / 2) }

    /// The chi-squared quantile (scipy's `chi2.ppf`), by bracketing and bisection to full precision.
    static func chi2Quantile(_ p: Double, df k: Int) -> Double {
        if p <= 0 { return 0 }
        if p >= 1 { return .infinity }
        var lo = 0.0, hi = max(1.0, Double(k))
        while chi2CDF(hi, df: k) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if chi2CDF(mid, df: k) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    // MARK: - Symmetric matrices

    /// The pseudo-inverse of a symmetric matrix (scipy's `pinvh`: eigenvalues with
    /// |λ| ≤ max|λ|·n·ε are dropped). - Complexity: O(d³)
    static func pseudoInverseSymmetric(_ a: [Double], n: Int) throws -> [Double] {
        let eig = try SymmetricEigen(symmetric: a, n: n)
        let maxAbs = eig.values.map(abs).max() ?? 0
        let cutoff = maxAbs * Double(n) * Double.ulpOfOne
        var out = [Double](repeating: 0, count: n * n)
        for k in 0..<n where abs(eig.values[k]) > cutoff {
            let inv = 1 / eig.values[k]
            for i in 0..<n {
                let vik = eig.vectors[i * n + k] * inv
                if vik == 0 { continue }
                for j in 0..<n { out[i * n + j] += vik * eig.vectors[j * n + k] }
            }
        }
        return out
    }

    /// The inverse of a symmetric matrix from its Cholesky factor when it is well conditioned
    /// (pivots within 1e-10 of each other in square), else the `pinvh` pseudo-inverse. For such
    /// matrices `pinvh` drops no eigenvalue and both agree to round-off.
    /// - Complexity: O(d³)
    static func inverseSymmetric(_ a: [Double], n: Int) throws -> [Double] {
        if n > 0, let l = try? choleskyLower(a, n: n) {
            var lo = Double.infinity, hi = 0.0
            for i in 0..<n { let v = l[i * n + i] * l[i * n + i]; lo = min(lo, v); hi = max(hi, v) }
            if lo > 1e-10 * hi {
                // W = L⁻¹ (lower triangular) by forward substitution, then A⁻¹ = Wᵀ·W.
                var w = [Double](repeating: 0, count: n * n)
                for col in 0..<n {
                    for i in col..<n {
                        var s = i == col ? 1.0 : 0.0
                        for t in col..<i { s -= l[i * n + t] * w[t * n + col] }
                        w[i * n + col] = s / l[i * n + i]
                    }
                }
                var out = [Double](repeating: 0, count: n * n)
                for i in 0..<n {
                    for j in i..<n {
                        var s = 0.0
                        for t in j..<n { s += w[t * n + i] * w[t * n + j] }
                        out[i * n + j] = s
                        out[j * n + i] = s
                    }
                }
                return out
            }
        }
        return try pseudoInverseSymmetric(a, n: n)
    }

    /// log det of a symmetric matrix, or −∞ when it is not positive definite (sklearn's `fast_logdet`).
    static func logDeterminant(_ a: [Double], n: Int) -> Double {
        guard let l = try? choleskyLower(a, n: n) else { return -.infinity }
        var s = 0.0
        for i in 0..<n {
            let v = l[i * n + i]
            if !(v > 0) { return -.infinity }
            s += Foundation.log(v)
        }
        return 2 * s
    }

    /// Scores the rows of row-major `x` (`n × d`) in blocks of exactly `block` rows (the last padded
    /// with zero rows, whose values are dropped), in parallel with single-threaded BLAS inside.
    /// Every row then goes through products of one shape on one thread whatever its batch, so its
    /// score does not depend on the rows scored with it: BLAS kernels round differently for other
    /// shapes and thread counts. `score` maps one `block × d` block to one value per row.
    /// - Complexity: that of `score` on ⌈n / block⌉ blocks (at most `block − 1` padding rows).
    static func scoredInFixedBlocks(_ x: [Double], rows n: Int, cols d: Int, block: Int = 64,
                                    _ score: @Sendable ([Double]) -> [Double]) -> [Double] {
        guard n > 0 else { return [] }
        let blocks = (n + block - 1) / block
        var out = [Double](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let v = SharedBuffer(xb), o = SharedMutableBuffer(ob)
                BLAS.withSingleThread {
                    parallelFor(blocks) { range in
                        for b in range {
                            let start = b &* block, m = min(block, n &- start)
                            var rows = [Double](repeating: 0, count: block &* d)
                            for i in 0..<(m &* d) { rows[i] = v[start &* d &+ i] }
                            let s = score(rows)
                            for i in 0..<m { o[start &+ i] = s[i] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Squared Mahalanobis distances `(x − μ)ᵀ P (x − μ)` of the rows of row-major `x` (`n × d`),
    /// through one `dgemm` per block of rows. - Complexity: O(n·d²)
    static func mahalanobis(_ x: UnsafePointer<Double>, rows n: Int, cols d: Int,
                            location: [Double], precision: [Double], out: UnsafeMutablePointer<Double>) {
        let block = 4096
        var centred = [Double](repeating: 0, count: min(n, block) * d)
        var product = [Double](repeating: 0, count: min(n, block) * d)
        var start = 0
        while start < n {
            let m = min(block, n - start)
            centred.withUnsafeMutableBufferPointer { c in
                for r in 0..<m {
                    let src = x + (start &+ r) &* d
                    for j in 0..<d { c[r &* d &+ j] = src[j] - location[j] }
                }
            }
            centred.withUnsafeBufferPointer { c in
                precision.withUnsafeBufferPointer { p in
                    product.withUnsafeMutableBufferPointer { q in
                        BLAS.dgemm(transA: false, transB: false, m: m, n: d, k: d, alpha: 1,
                                   a: c.baseAddress!, lda: d, b: p.baseAddress!, ldb: d,
                                   beta: 0, c: q.baseAddress!, ldc: d)
                    }
                }
            }
            centred.withUnsafeBufferPointer { c in
                product.withUnsafeBufferPointer { q in
                    for r in 0..<m {
                        var s = 0.0
                        let base = r &* d
                        for j in 0..<d { s += c[base &+ j] * q[base &+ j] }
                        out[start &+ r] = s
                    }
                }
            }
            start += m
        }
    }
}
