import AnomalyMath

/// Combining detectors whose scores live on different scales: each score becomes its position
/// among that detector's training scores (the empirical CDF, ties counted half), and the
/// positions are averaged. Relative to the training scores, not to the rows scored together,
/// so a row's ensemble score does not depend on its batch.
public enum RankEnsemble {
    /// - Parameters: `scores[m]` the rows' scores by member m; `reference[m]` its training scores.
    /// - Complexity: O(M·(n_ref·log n_ref + n·log n_ref)).
    public static func average(_ scores: [[Double]], reference: [[Double]]) -> [Double] {
        precondition(scores.count == reference.count && !scores.isEmpty, "one reference per member")
        let rows = scores[0].count
        var out = [Double](repeating: 0, count: rows)
        for (member, ref) in zip(scores, reference) {
            let sorted = ref.sorted()
            let n = Double(max(1, sorted.count))
            for (i, s) in member.enumerated() {
                let below = lowerBound(sorted, s), notAbove = upperBound(sorted, s)
                out[i] += (Double(below) + 0.5 * Double(notAbove - below)) / n
            }
        }
        return out.map { $0 / Double(scores.count) }
    }

    static func lowerBound(_ a: [Double], _ x: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi { let mid = (lo + hi) / 2; if a[mid] < x { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    static func upperBound(_ a: [Double], _ x: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi { let mid = (lo + hi) / 2; if a[mid] <= x { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
