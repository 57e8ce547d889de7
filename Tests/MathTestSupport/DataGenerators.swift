import AnomalyMath

/// Seeded data for tests of every layer.
public enum DataGenerators {
    /// `n × d` standard-normal rows with a few shifted outliers appended (deterministic per seed).
    public static func gaussianWithOutliers(n: Int, d: Int, outliers: Int, seed: UInt64 = 1) -> (x: Matrix, y: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var values = [Float]()
        for _ in 0..<(n * d) { values.append(Float(rng.nextGaussian())) }
        for _ in 0..<(outliers * d) { values.append(Float(rng.nextGaussian() + 6)) }
        return (Matrix(rows: n + outliers, cols: d, values: values),
                [Int](repeating: 0, count: n) + [Int](repeating: 1, count: outliers))
    }

    /// `n × d` rows drawn from N(offset, scale²), seeded.
    public static func gaussian(_ n: Int, _ d: Int, seed: UInt64, scale: Double = 1, offset: Double = 0) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(offset + scale * rng.nextGaussian()) })
    }
}

/// Largest |a − b| / (|b| + atol) over the pairs: the relative error a comparison promises.
public func maxRelativeError(_ a: [Double], _ b: [Double], atol: Double = 1e-9) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / (abs($1) + atol) }.max() ?? 0
}

/// Largest |a − b| / max(|b|, floor) over the pairs: relative above `floor`, absolute (÷ floor) below it.
public func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
}

/// Largest |a − b| / max(|b|, fraction · max |b|): relative to each expected value, but never to
/// less than `fraction` of the largest one (so near-zero expected values do not dominate).
public func maxRelativeError(_ a: [Double], _ b: [Double], floorFractionOfLargest fraction: Double) -> Double {
    maxRelativeError(a, b, floor: fraction * (b.map(abs).max() ?? 1))
}

/// Spearman rank correlation (average ranks for ties).
public func spearman(_ a: [Double], _ b: [Double]) -> Double {
    let ra = Ranks.averageRanks(a), rb = Ranks.averageRanks(b)
    let ma = Statistics.mean(ra), mb = Statistics.mean(rb)
    var num = 0.0, da = 0.0, db = 0.0
    for i in 0..<ra.count {
        num += (ra[i] - ma) * (rb[i] - mb)
        da += (ra[i] - ma) * (ra[i] - ma)
        db += (rb[i] - mb) * (rb[i] - mb)
    }
    return num / (da * db).squareRoot()
}
