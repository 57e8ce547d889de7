import Foundation
import AnomalyMath

/// One domain of a recalibrated family: the rows one "machine" recorded, with their labels.
package struct RecalibratedDomain: Sendable {
    package var name: String
    package var x: Matrix
    /// 1 = anomaly, 0 = normal.
    package var labels: [Int]
}

/// A family of related domains made from one labelled dataset, as "the same sensors on several
/// machines, each calibrated its own way": the rows are dealt out to the domains (stratified,
/// seeded, disjoint), and each domain's rows go through their own recalibration — per-feature
/// gains e^N(0, gainSpread), offsets of N(0, offsetSpread) standard deviations, measurement
/// noise of `noise` standard deviations, then cross-talk: a rotation by ±`angle` radians in
/// random pairs of features. All domains share the features and what an anomaly is, but a model
/// fitted on one reads another's raw values wrongly — the setting transfer learning is for.
/// (The transfer benchmark's "recalibrated half" of magic.gamma is built the same way.)
package struct Recalibration: Sendable {
    package var gainSpread = 0.7
    package var offsetSpread = 2.0
    package var angle = 0.5
    package var noise = 0.05

    package init() {}

    /// Deals the rows of `x` (labels `labels`, 1 = anomaly) to domains with the given `shares`
    /// of each class and recalibrates each; the same seed gives the same domains.
    /// - Throws: `AnomalyError` when shapes disagree, a share is not positive, or a domain
    ///   would get no normal row.
    package func domains(x: Matrix, labels: [Int], shares: [Double], names: [String], seed: UInt64) throws -> [RecalibratedDomain] {
        guard x.rows == labels.count else { throw AnomalyError.shape("\(x.rows) rows but \(labels.count) labels") }
        guard shares.count == names.count, !shares.isEmpty else {
            throw AnomalyError.parameter("shares", "give one share per domain name (\(shares.count) shares, \(names.count) names)")
        }
        guard shares.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw AnomalyError.parameter("shares", "must all be positive") }
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) {
            throw AnomalyError.data("labels must be 0 (normal) or 1 (anomaly), found \(bad)")
        }
        var rng = SeededGenerator(seed: seed)
        let total = shares.reduce(0, +)
        var members = [[Int]](repeating: [], count: shares.count)
        for cls in [0, 1] {
            let rows = rng.shuffled(labels.indices.filter { labels[$0] == cls })
            var start = 0, cumulative = 0.0
            for d in shares.indices {
                cumulative += shares[d]
                let end = d == shares.count - 1 ? rows.count : Int((Double(rows.count) * cumulative / total).rounded())
                members[d] += rows[start..<max(start, end)]
                start = max(start, end)
            }
        }
        let sigma = Self.columnDeviations(x)
        return try zip(names, members).map { name, rows in
            let sorted = rows.sorted()
            guard sorted.contains(where: { labels[$0] == 0 }) else {
                throw AnomalyError.data("domain '\(name)' would get no normal row; give it a larger share")
            }
            var local = rng.split()
            return RecalibratedDomain(name: name, x: recalibrate(x.rows(at: sorted), sigma: sigma, rng: &local),
                                      labels: sorted.map { labels[$0] })
        }
    }

    /// One domain's recalibration of `x`, drawn from `rng`.
    func recalibrate(_ x: Matrix, sigma: [Double], rng: inout SeededGenerator) -> Matrix {
        let d = x.cols
        let gains = (0..<d).map { _ in (gainSpread * rng.nextGaussian()).exp }
        let offsets = (0..<d).map { j in offsetSpread * rng.nextGaussian() * sigma[j] }
        // Cross-talk: disjoint random pairs of features, each rotated by ±angle.
        let order = rng.shuffled(Array(0..<d))
        let pairs = stride(from: 0, to: d - 1, by: 2).map { (order[$0], order[$0 + 1], rng.nextUniform() < 0.5 ? -angle : angle) }
        var values = [Double](repeating: 0, count: x.rows * d)
        for i in 0..<x.rows {
            var row = (0..<d).map { j in Double(x[i, j]) * gains[j] + offsets[j] + noise * sigma[j] * rng.nextGaussian() }
            for (a, b, theta) in pairs {
                let (u, v) = (row[a], row[b])
                row[a] = u * theta.cosine - v * theta.sine
                row[b] = u * theta.sine + v * theta.cosine
            }
            for j in 0..<d { values[i * d + j] = row[j] }
        }
        return Matrix(rows: x.rows, cols: d, doubles: values)
    }

    /// Each column's standard deviation (1 for a constant column, so offsets and noise stay finite).
    static func columnDeviations(_ x: Matrix) -> [Double] {
        (0..<x.cols).map { j in
            let column = (0..<x.rows).map { Double(x[$0, j]) }
            let sd = Statistics.standardDeviation(column)
            return sd > 0 && sd.isFinite ? sd : 1
        }
    }
}

private extension Double {
    var exp: Double { Foundation.exp(self) }
    var sine: Double { Foundation.sin(self) }
    var cosine: Double { Foundation.cos(self) }
}
