import AnomalyMath

/// Deterministic train/test splits (the evaluation protocol's 70/30 split).
///
/// Stratified: the rows of each class (classes in ascending label order) are shuffled with one
/// `SeededGenerator(seed:)` stream, and the first `round(n_c × testFraction)` go to the test set
/// (rounding half away from zero), clamped so that a class with at least 2 rows has at least one
/// test row and at least one training row; a class with a single row stays in training. Both
/// index lists are returned in ascending order. The same labels, fraction and seed always give the
/// same split, on every platform.
public enum StratifiedSplit {
    /// Splits row indices by class. - Complexity: O(n log n)
    public static func split(labels: [Int], testFraction: Double = 0.3, seed: UInt64 = 42) throws -> (train: [Int], test: [Int]) {
        try checkFraction(testFraction)
        var byClass: [Int: [Int]] = [:]
        for (i, l) in labels.enumerated() { byClass[l, default: []].append(i) }
        var rng = SeededGenerator(seed: seed)
        var train: [Int] = [], test: [Int] = []
        for label in byClass.keys.sorted() {
            let rows = rng.shuffled(byClass[label] ?? [])
            let k = testCount(rows.count, testFraction)
            test += rows[0..<k]
            train += rows[k...]
        }
        return (train.sorted(), test.sorted())
    }

    /// Splits `0..<count` without labels: a seeded shuffle, `round(count × testFraction)` rows
    /// (clamped to leave at least one on each side when `count ≥ 2`) to the test set; sorted lists.
    /// - Complexity: O(n log n)
    public static func randomSplit(count: Int, testFraction: Double = 0.3, seed: UInt64 = 42) throws -> (train: [Int], test: [Int]) {
        try checkFraction(testFraction)
        var rng = SeededGenerator(seed: seed)
        let rows = rng.shuffled(Array(0..<max(0, count)))
        let k = testCount(rows.count, testFraction)
        return (Array(rows[k...]).sorted(), Array(rows[0..<k]).sorted())
    }

    /// Stratified when the dataset has labels, random otherwise; returns the two parts.
    package static func split(_ dataset: Dataset, testFraction: Double = 0.3, seed: UInt64 = 42) throws -> (train: Dataset, test: Dataset) {
        let parts = try dataset.labels.map { try split(labels: $0, testFraction: testFraction, seed: seed) }
            ?? randomSplit(count: dataset.rowCount, testFraction: testFraction, seed: seed)
        return (dataset.subset(rows: parts.train), dataset.subset(rows: parts.test))
    }

    static func testCount(_ n: Int, _ fraction: Double) -> Int {
        guard n >= 2 else { return 0 }
        let k = Int((Double(n) * fraction).rounded(.toNearestOrAwayFromZero))
        return min(max(k, 1), n - 1)
    }

    static func checkFraction(_ f: Double) throws {
        guard f > 0 && f < 1 else {
            throw AnomalyError.parameter("testFraction", "must be strictly between 0 and 1, got \(f)")
        }
    }
}

extension Dataset {
    /// The rows at `indices` (features and labels), same names and schema. - Complexity: O(k × cols)
    public func subset<C: Collection>(rows indices: C) -> Dataset where C.Element == Int {
        Dataset(x: x.rows(at: indices), labels: labels.map { l in indices.map { l[$0] } },
                featureNames: featureNames, schema: schema)
    }
}
