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
