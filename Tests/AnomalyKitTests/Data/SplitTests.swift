import AnomalyKit
import AnomalyMath
import Testing
import TestSupport

@Suite struct DataSplitTests {
    @Test func stratifiedCountsPerClass() throws {
        // 90 normal, 10 anomalies → test gets round(27) + round(3) rows.
        let labels = [Int](repeating: 0, count: 90) + [Int](repeating: 1, count: 10)
        let (train, test) = try StratifiedSplit.split(labels: labels, testFraction: 0.3, seed: 42)
        #expect(test.count == 30 && train.count == 70)
        #expect(test.filter { labels[$0] == 1 }.count == 3)
        #expect(train.filter { labels[$0] == 1 }.count == 7)
        // A partition of all rows, sorted.
        #expect(Set(train).isDisjoint(with: test))
        #expect((train + test).sorted() == Array(0..<100))
        #expect(train == train.sorted() && test == test.sorted())
    }

    @Test func roundingAndSmallClasses() throws {
        // Class sizes 5 → round(1.5) = 2; 2 → round(0.6) = 1; 1 → stays in training.
        let labels = [0, 0, 0, 0, 0, 1, 1, 2]
        let (train, test) = try StratifiedSplit.split(labels: labels, testFraction: 0.3, seed: 1)
        #expect(test.filter { labels[$0] == 0 }.count == 2)
        #expect(test.filter { labels[$0] == 1 }.count == 1)
        #expect(train.contains(7) && !test.contains(7))
        // A large fraction still leaves one training row per class of ≥ 2 rows.
        let (train2, _) = try StratifiedSplit.split(labels: [0, 0, 1, 1], testFraction: 0.95)
        #expect(train2.count == 2)
    }

    @Test func deterministicPerSeed() throws {
        let labels = (0..<500).map { $0 % 7 == 0 ? 1 : 0 }
        let a = try StratifiedSplit.split(labels: labels, seed: 7)
        let b = try StratifiedSplit.split(labels: labels, seed: 7)
        let c = try StratifiedSplit.split(labels: labels, seed: 8)
        #expect(a.train == b.train && a.test == b.test)
        #expect(a.test != c.test)
        // Pinned: the first test rows for seed 7 never change across platforms or releases.
        #expect(Array(a.test.prefix(6)) == [1, 3, 13, 14, 15, 17])
    }

    @Test func randomSplitWithoutLabels() throws {
        let (train, test) = try StratifiedSplit.randomSplit(count: 10, testFraction: 0.3, seed: 3)
        #expect(test.count == 3 && train.count == 7)
        #expect((train + test).sorted() == Array(0..<10))
        let again = try StratifiedSplit.randomSplit(count: 10, testFraction: 0.3, seed: 3)
        #expect(again.test == test)
    }

    @Test func datasetSplitKeepsRowsAndLabelsTogether() throws {
        let x = Matrix(rows: 20, cols: 2, values: (0..<40).map(Float.init))
        let labels = (0..<20).map { $0 < 4 ? 1 : 0 }
        let (train, test) = try StratifiedSplit.split(Dataset(x: x, labels: labels), seed: 42)
        #expect(train.rowCount + test.rowCount == 20)
        for part in [train, test] {
            for r in 0..<part.rowCount {
                let original = Int(part.x[r, 0]) / 2
                #expect(part.labels?[r] == labels[original])
            }
        }
        #expect(test.labels?.reduce(0, +) == 1)  // round(4 × 0.3) = 1
        // Unlabelled data gets a random split.
        let (u1, u2) = try StratifiedSplit.split(Dataset(x: x), seed: 42)
        #expect(u1.rowCount == 14 && u2.rowCount == 6 && u1.labels == nil)
    }

    @Test func badFraction() {
        for f in [0.0, 1.0, -0.1, .nan] {
            let e = DataFiles.error { _ = try StratifiedSplit.split(labels: [0, 1], testFraction: f) }
            #expect(e?.kind == .parameter && e?.field == "testFraction")
        }
    }
}
