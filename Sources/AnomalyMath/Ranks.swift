/// Ranks and empirical distribution functions.
package enum Ranks {
    /// 1-based ranks with ties given their average rank (scipy's `rankdata(method="average")`).
    /// - Complexity: O(n log n)
    package static func averageRanks(_ x: [Double]) -> [Double] {
        let n = x.count
        let order = (0..<n).sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: n)
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && x[order[j + 1]] == x[order[i]] { j += 1 }
            let avg = Double(i + j) / 2 + 1
            for t in i...j { ranks[order[t]] = avg }
            i = j + 1
        }
        return ranks
    }

    /// The fraction of `sortedReference` values `<= v` (a right-continuous ECDF, as
    /// statsmodels' `ECDF`). `sortedReference` must be sorted ascending. - Complexity: O(log n)
    @inlinable
    package static func ecdf(_ sortedReference: UnsafeBufferPointer<Double>, _ v: Double) -> Double {
        // upper bound: first index with value > v
        var lo = 0, hi = sortedReference.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if sortedReference[mid] <= v { lo = mid &+ 1 } else { hi = mid }
        }
        return Double(lo) / Double(sortedReference.count)
    }

    /// `ecdf` for an array. - Complexity: O(log n)
    package static func ecdf(_ sortedReference: [Double], _ v: Double) -> Double {
        sortedReference.withUnsafeBufferPointer { ecdf($0, v) }
    }

    /// The mid-rank ECDF: the fraction of `sortedReference` values below `v`, counting values
    /// equal to `v` half. - Complexity: O(log n)
    package static func midECDF(_ sortedReference: [Double], _ v: Double) -> Double {
        // lower bound: first index with value >= v
        var lo = 0, hi = sortedReference.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if sortedReference[mid] < v { lo = mid &+ 1 } else { hi = mid }
        }
        let below = Double(lo) / Double(sortedReference.count)
        return (below + ecdf(sortedReference, v)) / 2
    }
}
