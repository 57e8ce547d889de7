import AnomalyMath

/// Combining detectors whose scores live on different scales: each score becomes its position
/// among that detector's training scores (the mid-rank ECDF), and the positions are averaged.
/// Relative to the training scores, not to the rows scored together, so a row's ensemble score
/// does not depend on its batch.
package enum RankEnsemble {
    /// - Parameters: `scores[m]` the rows' scores by member m; `reference[m]` its training scores.
    /// - Complexity: O(M·(n_ref·log n_ref + n·log n_ref)).
    package static func average(_ scores: [[Double]], reference: [[Double]]) -> [Double] {
        average(scores, sortedReference: reference.map { $0.sorted() })
    }

    /// `average` with each member's training scores already sorted ascending (a fitted
    /// ensemble sorts them once). - Complexity: O(M·n·log n_ref).
    package static func average(_ scores: [[Double]], sortedReference: [[Double]]) -> [Double] {
        precondition(scores.count == sortedReference.count && !scores.isEmpty, "one reference per member")
        var out = [Double](repeating: 0, count: scores[0].count)
        for (member, sorted) in zip(scores, sortedReference) {
            for (i, s) in member.enumerated() { out[i] += Ranks.midECDF(sorted, s) }
        }
        return out.map { $0 / Double(scores.count) }
    }
}
