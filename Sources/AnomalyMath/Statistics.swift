/// Descriptive statistics, accumulated in `Double`.
package enum Statistics {
    /// The mean of `Double`s: a non-generic fast path (the generic versions below go through
    /// protocol witnesses per element when not specialised across modules). - Complexity: O(n)
    package static func mean(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return 0 }
        return x.withUnsafeBufferPointer { p in
            var s = 0.0
            for v in p { s += v }
            return s / Double(p.count)
        }
    }

    /// The variance of `Double`s (`ddof` as in numpy), two-pass fast path. - Complexity: O(n)
    package static func variance(_ x: [Double], ddof: Int = 0) -> Double {
        let n = x.count
        guard n - ddof > 0 else { return .nan }
        let m = mean(x)
        return x.withUnsafeBufferPointer { p in
            var s = 0.0
            for v in p { let d = v - m; s += d * d }
            return s / Double(n - ddof)
        }
    }

    /// The standard deviation of `Double`s (`ddof` as in numpy). - Complexity: O(n)
    package static func standardDeviation(_ x: [Double], ddof: Int = 0) -> Double {
        variance(x, ddof: ddof).squareRoot()
    }

    /// The arithmetic mean (0 for an empty input). - Complexity: O(n)
    package static func mean<C: Collection>(_ x: C) -> Double where C.Element: BinaryFloatingPoint {
        guard !x.isEmpty else { return 0 }
        var s = 0.0
        for v in x { s += Double(v) }
        return s / Double(x.count)
    }

    /// The variance with `ddof` degrees of freedom removed (numpy's `var(ddof=)`); two-pass.
    /// - Complexity: O(n)
    package static func variance<C: Collection>(_ x: C, ddof: Int = 0) -> Double where C.Element: BinaryFloatingPoint {
        let n = x.count
        guard n - ddof > 0 else { return .nan }
        let m = mean(x)
        var s = 0.0
        for v in x { let d = Double(v) - m; s += d * d }
        return s / Double(n - ddof)
    }

    /// The standard deviation (`ddof` as in numpy). - Complexity: O(n)
    package static func standardDeviation<C: Collection>(_ x: C, ddof: Int = 0) -> Double where C.Element: BinaryFloatingPoint {
        variance(x, ddof: ddof).squareRoot()
    }

    /// The `q`-quantile (q in [0, 1]) with linear interpolation between order statistics —
    /// numpy's default `percentile(..., method="linear")`. - Complexity: O(n log n)
    package static func quantile<C: Collection>(_ x: C, _ q: Double) -> Double where C.Element: BinaryFloatingPoint {
        quantileOfSorted(x.map(Double.init).sorted(), q)
    }

    /// `quantile` by selection instead of sorting: the same value, expected O(n) time.
    /// Used for thresholds over many training scores.
    /// - Complexity: O(n) expected
    package static func quantileBySelection(_ x: [Double], _ q: Double) -> Double {
        guard !x.isEmpty else { return .nan }
        var a = x
        let pos = q * Double(a.count - 1)
        let lo = Int(pos.rounded(.down))
        let frac = pos - Double(lo)
        let low = select(&a, lo)
        guard frac > 0, lo + 1 < a.count else { return low }
        // After selecting `lo`, everything right of it is ≥ a[lo]: the next order statistic is their minimum.
        var high = Double.infinity
        for i in (lo + 1)..<a.count where a[i] < high { high = a[i] }
        return low + (high - low) * frac
    }

    /// Reorders `a` so that `a[k]` holds the k-th smallest value, smaller values before it and
    /// larger or equal after it (Hoare-style quickselect with median-of-three pivots).
    /// - Complexity: O(n) expected
    @discardableResult
    package static func select(_ a: inout [Double], _ k: Int) -> Double {
        precondition(k >= 0 && k < a.count)
        a.withUnsafeMutableBufferPointer { p in
            var left = 0, right = p.count - 1
            while right > left {
                let mid = left &+ (right &- left) / 2
                // Median of three as the pivot.
                if p[mid] < p[left] { p.swapAt(mid, left) }
                if p[right] < p[left] { p.swapAt(right, left) }
                if p[right] < p[mid] { p.swapAt(right, mid) }
                let pivot = p[mid]
                var i = left, j = right
                while i <= j {
                    while p[i] < pivot { i &+= 1 }
                    while p[j] > pivot { j &-= 1 }
                    if i <= j { p.swapAt(i, j); i &+= 1; j &-= 1 }
                }
                if k <= j { right = j } else if k >= i { left = i } else { break }
            }
        }
        return a[k]
    }

    /// `quantile` on already sorted values. - Complexity: O(1)
    package static func quantileOfSorted(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        let frac = pos - Double(lo)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * frac
    }

    /// The median (numpy's). - Complexity: O(n log n)
    package static func median<C: Collection>(_ x: C) -> Double where C.Element: BinaryFloatingPoint {
        quantile(x, 0.5)
    }

    /// Per-column means of a matrix. - Complexity: O(rows × cols)
    package static func columnMeans(_ m: Matrix) -> [Double] {
        var sums = [Double](repeating: 0, count: m.cols)
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows {
                let base = r &* m.cols
                for c in 0..<m.cols { sums[c] += Double(v[base &+ c]) }
            }
        }
        let n = Double(max(m.rows, 1))
        return sums.map { $0 / n }
    }

    /// Per-column variances (`ddof` as in numpy). - Complexity: O(rows × cols)
    package static func columnVariances(_ m: Matrix, ddof: Int = 0) -> [Double] {
        let means = columnMeans(m)
        var sums = [Double](repeating: 0, count: m.cols)
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows {
                let base = r &* m.cols
                for c in 0..<m.cols { let d = Double(v[base &+ c]) - means[c]; sums[c] += d * d }
            }
        }
        let denom = Double(m.rows - ddof)
        return sums.map { denom > 0 ? $0 / denom : .nan }
    }

    /// The covariance matrix (cols × cols, row-major `Double`), centred with `ddof` as in numpy's
    /// `np.cov(..., ddof=)`; computed as one `dgemm` of the centred data.
    /// - Complexity: O(rows × cols²)
    package static func covariance(_ m: Matrix, ddof: Int = 1) -> (mean: [Double], covariance: [Double]) {
        let d = m.cols, n = m.rows
        let means = columnMeans(m)
        var centred = [Double](repeating: 0, count: n * d)
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<n {
                for c in 0..<d { centred[r * d + c] = Double(v[r * d + c]) - means[c] }
            }
        }
        return (means, covarianceOfCentred(centred, rows: n, cols: d, ddof: ddof))
    }

    /// `Xᵀ·X / (rows − ddof)` for row-major, already centred `Double` data. - Complexity: O(rows × cols²)
    package static func covarianceOfCentred(_ centred: [Double], rows n: Int, cols d: Int, ddof: Int) -> [Double] {
        var cov = [Double](repeating: 0, count: d * d)
        guard n > 0, d > 0 else { return cov }
        let scale = 1.0 / Double(max(n - ddof, 1))
        // A narrow d × d result (d ≤ 32) runs on one thread inside `dgemm`.
        centred.withUnsafeBufferPointer { a in
            cov.withUnsafeMutableBufferPointer { c in
                BLAS.dgemm(transA: true, transB: false, m: d, n: d, k: n, alpha: scale,
                           a: a.baseAddress!, lda: d, b: a.baseAddress!, ldb: d, beta: 0, c: c.baseAddress!, ldc: d)
            }
        }
        return cov
    }
}
