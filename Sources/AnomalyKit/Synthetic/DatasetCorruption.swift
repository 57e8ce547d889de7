import AnomalyMath
import Foundation

/// ADBench's robustness settings (Han et al., 2022, §4.4), applied to a labelled dataset before or
/// after its split: duplicated anomalies, irrelevant noise features, and flipped training labels.
public enum DatasetCorruption {
    /// The dataset with its anomalies duplicated to `times` copies in all: (times − 1) × anomalies
    /// rows drawn with replacement from the anomalies and appended (before the split, so both
    /// parts get duplicates, as ADBench does). `times` 1 is the dataset itself.
    /// - Throws: `.parameter` for `times` outside 1…100.
    public static func duplicatingAnomalies(_ x: Matrix, labels: [Int], times: Int, rng: inout SeededGenerator) throws
        -> (x: Matrix, labels: [Int]) {
        guard (1...100).contains(times) else { throw AnomalyError.parameter("duplicate-anomalies", "must be in 1…100, got \(times)") }
        let anomalies = labels.indices.filter { labels[$0] == 1 }
        guard times > 1, !anomalies.isEmpty else { return (x, labels) }
        let extra = (0..<(anomalies.count * (times - 1))).map { _ in anomalies[Int.random(in: 0..<anomalies.count, using: &rng)] }
        return (x.rows(at: Array(labels.indices) + extra), labels + extra.map { _ in 1 })
    }

    /// The dataset with irrelevant features making up a share `ratio` of the columns: for each of
    /// ratio / (1 − ratio) × d new columns, a random existing column is picked and the new one is
    /// uniform between its minimum and maximum; then the columns are shuffled (ADBench's
    /// `add_irrelevant_features`). Returns the permutation too (new column j = old column order[j],
    /// indices ≥ d being noise). - Throws: `.parameter` for `ratio` outside [0, 1).
    public static func addingIrrelevantFeatures(_ x: Matrix, ratio: Double, rng: inout SeededGenerator) throws
        -> (x: Matrix, order: [Int]) {
        guard ratio >= 0, ratio < 1 else { throw AnomalyError.parameter("noise-features", "must be in [0, 1), got \(ratio)") }
        let d = x.cols, n = x.rows
        let extra = Int(ratio / (1 - ratio) * Double(d))
        guard extra > 0 else { return (x, Array(0..<d)) }
        var columns = (0..<d).map { j in (0..<n).map { x[$0, j] } }
        for _ in 0..<extra {
            let source = columns[Int.random(in: 0..<d, using: &rng)]
            let low = source.min() ?? 0, high = source.max() ?? 0
            columns.append((0..<n).map { _ in high > low ? Float.random(in: low...high, using: &rng) : low })
        }
        let order = Array(0..<(d + extra)).shuffled(using: &rng)
        var values = [Float](repeating: 0, count: n * order.count)
        for (j, c) in order.enumerated() { for i in 0..<n { values[i * order.count + j] = columns[c][i] } }
        return (Matrix(rows: n, cols: order.count, values: values), order)
    }

    /// `labels` with a share `ratio` of them (chosen without replacement) flipped 0 ↔ 1: ADBench's
    /// label contamination, applied to the training labels. - Throws: `.parameter` outside [0, 1].
    public static func flippingLabels(_ labels: [Int], ratio: Double, rng: inout SeededGenerator) throws -> [Int] {
        guard ratio >= 0, ratio <= 1 else { throw AnomalyError.parameter("label-noise", "must be in [0, 1], got \(ratio)") }
        var out = labels
        for i in Array(labels.indices).shuffled(using: &rng).prefix(Int(Double(labels.count) * ratio)) { out[i] = 1 - out[i] }
        return out
    }

    /// ADBench's semi-supervised setting: the labels with only a share `share` of the anomalies
    /// still labelled 1 (chosen at random, at least one when there is any), the others set to 0
    /// (unlabelled). - Throws: `.parameter` for `share` outside (0, 1].
    public static func keepingLabelledAnomalies(_ labels: [Int], share: Double, rng: inout SeededGenerator) throws -> [Int] {
        guard share > 0, share <= 1 else { throw AnomalyError.parameter("labelled-anomalies", "the share of training anomalies that keep their label must be in (0, 1], got \(share)") }
        let anomalies = labels.indices.filter { labels[$0] == 1 }
        guard !anomalies.isEmpty else { return labels }
        let keep = max(1, Int((share * Double(anomalies.count)).rounded()))
        var out = labels
        for i in anomalies.shuffled(using: &rng).dropFirst(keep) { out[i] = 0 }
        return out
    }
}
