/// Counts of normal and anomalous rows per score bin, on bins shared by both classes — what a
/// report draws to show how far apart a detector puts the two, and where its threshold falls.
package struct ScoreHistogram: Sendable, Equatable {
    /// `bins + 1` increasing bin edges; bin `i` is `[edges[i], edges[i + 1])`, the last one closed.
    package let edges: [Double]
    package let normal: [Int]
    package let anomalous: [Int]
    /// Rows scoring above the last edge (a long tail cut off so the bulk stays readable); they
    /// are counted in the last bin.
    package let aboveRange: Int

    /// Bins over the scores' range. A long upper tail is cut so the bulk stays readable: while
    /// the rows above the 99th (then 95th, then 90th) percentile would take more than two
    /// thirds of the axis, the range stops at that percentile, and the tail joins the last bin
    /// (`aboveRange`). The range is widened to hold `threshold` unless the scores would then fill
    /// less than a third of it (`holds(_:)` tells). Non-finite scores are left out.
    /// - Complexity: O(n log n)
    package init(scores: [Double], labels: [Int], bins: Int = 30, threshold: Double? = nil) {
        precondition(scores.count == labels.count, "one label per score")
        let bins = max(bins, 1)
        let finite = scores.filter(\.isFinite).sorted()
        var lower = finite.first ?? 0, upper = finite.last ?? 1
        if finite.count >= 20 {
            for q in [0.99, 0.95, 0.9] {
                let cut = finite[Int((Double(finite.count - 1) * q).rounded())]
                if upper - cut > 2 * (cut - lower) { upper = cut }
            }
        }
        if let t = threshold, t.isFinite, upper > lower {
            // Widen to show the threshold unless that would squeeze the scores into a third of the axis.
            if t > upper, t - lower <= 3 * (upper - lower) { upper = t }
            if t < lower, upper - t <= 3 * (upper - lower) { lower = t }
        }
        if upper <= lower {
            let pad = lower == 0 ? 0.5 : abs(lower) * 0.05
            lower -= pad
            upper += pad
        }
        let width = upper / Double(bins) - lower / Double(bins)   // no overflow near ±Double.greatestFiniteMagnitude
        edges = (0...bins).map { $0 == bins ? upper : lower + Double($0) * width }
        var normal = [Int](repeating: 0, count: bins), anomalous = normal, above = 0
        for (s, l) in zip(scores, labels) where s.isFinite {
            if s > upper { above += 1 }
            let position = (s - lower) / width
            let i = position.isFinite ? Swift.min(Swift.max(Int(Swift.min(Swift.max(position, -1), Double(bins))), 0), bins - 1)
                : (s > lower ? bins - 1 : 0)
            if l == 1 { anomalous[i] += 1 } else { normal[i] += 1 }
        }
        self.normal = normal
        self.anomalous = anomalous
        aboveRange = above
    }

    /// Whether `threshold` lies within the bins' range (a marker outside is drawn at the edge).
    package func holds(_ threshold: Double) -> Bool { threshold >= edges[0] && threshold <= edges[edges.count - 1] }

    /// Each bin's count as a share of its class's rows (0 for an empty class), so classes of
    /// very different sizes can be drawn on one axis.
    package func shares(of counts: [Int]) -> [Double] {
        let total = counts.reduce(0, +)
        return counts.map { total == 0 ? 0 : Double($0) / Double(total) }
    }
}
