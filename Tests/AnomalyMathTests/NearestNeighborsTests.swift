@testable import AnomalyMath
import MathTestSupport
import Testing

/// Exact neighbours by sorting all distances (Double), ties by index; `excludeSelf` skips row q.
private func naiveNeighbors(reference: Matrix, queries: Matrix, k: Int, excludeSelf: Bool) -> Neighbors {
    var indices = [Int32]()
    var distances = [Double]()
    for q in 0..<queries.rows {
        var all = [(Double, Int)]()
        for r in 0..<reference.rows where !(excludeSelf && r == q) {
            var s = 0.0
            for j in 0..<reference.cols {
                let t = Double(queries[q, j]) - Double(reference[r, j])
                s += t * t
            }
            all.append((s.squareRoot(), r))
        }
        all.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for (d, i) in all.prefix(k) {
            distances.append(d)
            indices.append(Int32(i))
        }
    }
    return Neighbors(queryCount: queries.rows, k: k, indices: indices, distances: distances)
}

/// The first `k` neighbours of each query.
private func truncated(_ n: Neighbors, k: Int) -> Neighbors {
    var indices = [Int32](), distances = [Double]()
    for q in 0..<n.queryCount {
        indices += n.indices(ofQuery: q).prefix(k)
        distances += n.distances(ofQuery: q).prefix(k)
    }
    return Neighbors(queryCount: n.queryCount, k: k, indices: indices, distances: distances)
}

/// Small integers: many exact ties and duplicate rows.
private func lattice(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(rng.nextInt(below: 3)) })
}

/// Checks `got` against the naive answer: same distances; indices valid, distinct, self-free, and
/// at the distance they claim; identical indices when `exactIndices` (no ties in the data).
private func expectMatches(_ got: Neighbors, _ want: Neighbors, reference: Matrix, queries: Matrix,
                           excludeSelf: Bool, exactIndices: Bool) {
    #expect(got.queryCount == want.queryCount && got.k == want.k)
    var worst = 0.0
    for i in 0..<want.distances.count {
        worst = max(worst, abs(got.distances[i] - want.distances[i]) / max(1, want.distances[i]))
    }
    #expect(worst < 1e-12)
    var valid = true
    for q in 0..<got.queryCount {
        let idx = Array(got.indices(ofQuery: q))
        if Set(idx).count != idx.count { valid = false }
        for (j, i) in idx.enumerated() {
            guard i >= 0 && Int(i) < reference.rows, !(excludeSelf && Int(i) == q) else { valid = false; continue }
            var s = 0.0
            for c in 0..<reference.cols {
                let t = Double(queries[q, c]) - Double(reference[Int(i), c])
                s += t * t
            }
            if abs(s.squareRoot() - got.distances[q * got.k + j]) > 1e-9 { valid = false }
        }
    }
    #expect(valid)
    if exactIndices { #expect(got.indices == want.indices) }
}

@Suite struct NearestNeighborsTests {
    @Test(arguments: [2, 3, 9, 20, 40])
    func bothStrategiesMatchNaiveOnGaussianData(d: Int) {
        let reference = DataGenerators.gaussian(400, d, seed: UInt64(d), offset: 50)
        let queries = DataGenerators.gaussian(120, d, seed: UInt64(100 + d), scale: 1.5, offset: 50)
        let all = naiveNeighbors(reference: reference, queries: queries, k: 21, excludeSelf: false)
        let allSelf = naiveNeighbors(reference: reference, queries: reference, k: 21, excludeSelf: true)
        for k in [1, 6, 21] {
            let want = truncated(all, k: k)
            let wantSelf = truncated(allSelf, k: k)
            for strategy in [NeighborIndex.Strategy.kdTree, .bruteForce, .scikitKDTree] {
                let index = NeighborIndex(reference: reference, strategy: strategy, leafSize: 16)
                expectMatches(index.neighbors(of: queries, k: k), want, reference: reference, queries: queries,
                              excludeSelf: false, exactIndices: true)
                expectMatches(index.neighborsOfReferenceRows(k: k), wantSelf, reference: reference,
                              queries: reference, excludeSelf: true, exactIndices: true)
            }
        }
    }

    @Test(arguments: [2, 5, 18])
    func duplicatesAndTiesGiveTheNaiveDistances(d: Int) {
        // Lattice points plus a block of 60 identical rows (more duplicates than k + 1).
        var values = lattice(300, d, seed: UInt64(7 * d)).values
        values += [Float](repeating: 1, count: 60 * d)
        let reference = Matrix(rows: 360, cols: d, values: values)
        let queries = lattice(60, d, seed: 99)
        let all = naiveNeighbors(reference: reference, queries: queries, k: 30, excludeSelf: false)
        let allSelf = naiveNeighbors(reference: reference, queries: reference, k: 30, excludeSelf: true)
        for k in [1, 5, 30] {
            let want = truncated(all, k: k)
            let wantSelf = truncated(allSelf, k: k)
            let variants: [(NeighborIndex.Strategy, Int)] = [(.kdTree, 1), (.kdTree, 8), (.kdTree, 40), (.bruteForce, 30), (.scikitKDTree, 1), (.scikitKDTree, 30)]
            for (strategy, leaf) in variants {
                do {
                    let index = NeighborIndex(reference: reference, strategy: strategy, leafSize: leaf)
                    expectMatches(index.neighbors(of: queries, k: k), want, reference: reference, queries: queries,
                                  excludeSelf: false, exactIndices: false)
                    expectMatches(index.neighborsOfReferenceRows(k: k), wantSelf, reference: reference,
                                  queries: reference, excludeSelf: true, exactIndices: false)
                }
            }
        }
    }

    @Test func allRowsIdenticalAndTinyReferences() {
        let same = Matrix(rows: 50, cols: 3, repeating: 2)
        for strategy in [NeighborIndex.Strategy.kdTree, .bruteForce, .scikitKDTree] {
            let index = NeighborIndex(reference: same, strategy: strategy)
            let self5 = index.neighborsOfReferenceRows(k: 49)
            #expect(self5.distances.allSatisfy { $0 == 0 })
            for q in 0..<50 { #expect(!self5.indices(ofQuery: q).contains(Int32(q))) }
            let one = NeighborIndex(reference: Matrix([[1, 2]] as [[Float]]), strategy: strategy)
            let r = one.neighbors(of: Matrix([[4, 6], [1, 2]] as [[Float]]), k: 1)
            #expect(r.distances == [5, 0] && r.indices == [0, 0])
            let two = NeighborIndex(reference: Matrix([[0, 0], [3, 4]] as [[Float]]), strategy: strategy)
            let s = two.neighborsOfReferenceRows(k: 1)
            #expect(s.distances == [5, 5] && s.indices == [1, 0])
        }
    }

    @Test func resultsAreDeterministicAndBatchIndependent() {
        let reference = DataGenerators.gaussian(2000, 4, seed: 3)
        let queries = DataGenerators.gaussian(600, 4, seed: 4)
        for strategy in [NeighborIndex.Strategy.kdTree, .bruteForce, .scikitKDTree] {
            let a = NeighborIndex(reference: reference, strategy: strategy).neighbors(of: queries, k: 7)
            let b = NeighborIndex(reference: reference, strategy: strategy).neighbors(of: queries, k: 7)
            #expect(a == b)
            // A row's neighbours do not depend on the rest of its batch.
            let single = NeighborIndex(reference: reference, strategy: strategy)
                .neighbors(of: queries.rows(at: [417]), k: 7)
            #expect(Array(single.distances) == Array(a.distances(ofQuery: 417)))
        }
    }

    @Test func automaticStrategyFollowsTheDimension() {
        #expect(NeighborIndex(reference: DataGenerators.gaussian(10_000, 3, seed: 1)).strategy == .kdTree)
        #expect(NeighborIndex(reference: DataGenerators.gaussian(100, 3, seed: 1)).strategy == .scikitKDTree)
        #expect(NeighborIndex(reference: DataGenerators.gaussian(10, 60, seed: 1)).strategy == .bruteForce)
        #expect(NeighborIndex.preferredStrategy(rows: 400_000, cols: 10) == .kdTree)
        #expect(NeighborIndex.preferredStrategy(rows: 13_000, cols: 10) == .scikitKDTree)
        #expect(NeighborIndex.preferredStrategy(rows: 13_000, cols: 16) == .bruteForce)
        #expect(NeighborIndex.preferredStrategy(rows: 1_000_000, cols: 17) == .bruteForce)
    }
}

/// Tie-breaking among equally distant rows must match scikit-learn's brute-force search, which
/// PyOD's LOF uses above 15 features: on binary data with duplicates, which tied neighbours are
/// kept changes LOF scores (celeba: ΔAUC 0.03 before this rule). The expected neighbour sets were
/// recorded with scikit-learn 1.9.1, `NearestNeighbors(n_neighbors=5, algorithm="brute")`, from
/// `kneighbors()` (training rows) and `kneighbors(queries)`; the data are 40 noisy copies of 6
/// random 18-bit patterns (numpy `default_rng(7)`). A rule "lowest row number wins ties" gets 2
/// training rows and 2 queries wrong here.
@Suite struct ScikitTieBreakingTests {
    static func bits(_ rows: [String]) -> Matrix {
        Matrix(rows.map { $0.map { Float($0 == "1" ? 1 : 0) } })
    }
    static let rows = bits([
            "111101000010001100", "001010001001111111", "001010101011111111", "111111100001100101",
            "110100101100010110", "100011101011011111", "110011101110001110", "110101101000000110",
            "111101000010001111", "010001111110110010", "110100101100000110", "111101000010001110",
            "110100101100000110", "011101000010001110", "110100101100010110", "011101001010001110",
            "111101000010001110", "000011101011011111", "010001111110110010", "111111101001100101",
            "101101000010001110", "110100101100000110", "010100101100000110", "001000101001111111",
            "111111000001100101", "110100101100000110", "100011101011011011", "101111100001100001",
            "110100001100000110", "110001111110110010", "110001111110110110", "001000101001111101",
            "111111100001100101", "100011101011111111", "111110100001100101", "001000101001111111",
            "110100001100000110", "010001101110110000", "111110100001100101", "111101000010001010",
    ])
    static let queries = bits([
            "010001111110110010", "111111100001100101", "110100101100000110", "111101000010001110",
            "010001111110110010", "110100101100000110", "010001111110110010", "111101000010001110",
    ])
    static let trainingNeighbours: [Set<Int32>] = [
            [11, 16, 8, 13, 20], [2, 35, 23, 31, 17], [1, 23, 35, 17, 31], [32, 19, 38, 24, 34],
            [14, 21, 25, 10, 12], [26, 33, 17, 2, 6], [12, 21, 5, 10, 7], [21, 10, 25, 12, 4],
            [11, 16, 13, 20, 0], [18, 29, 37, 30, 4], [12, 25, 21, 4, 14], [16, 8, 20, 13, 0],
            [10, 25, 21, 4, 14], [15, 11, 16, 8, 0], [4, 21, 25, 10, 12], [13, 11, 16, 8, 0],
            [11, 8, 20, 13, 0], [5, 26, 33, 2, 23], [9, 29, 37, 30, 4], [32, 3, 34, 38, 24],
            [11, 16, 8, 13, 0], [10, 12, 25, 4, 14], [10, 12, 25, 21, 4], [35, 31, 2, 1, 17],
            [32, 3, 38, 34, 19], [10, 12, 21, 4, 14], [5, 33, 17, 2, 6], [3, 32, 34, 19, 24],
            [36, 25, 21, 10, 12], [18, 30, 9, 37, 4], [29, 18, 9, 37, 4], [35, 23, 2, 1, 17],
            [3, 19, 38, 24, 34], [5, 26, 17, 2, 23], [38, 32, 3, 19, 24], [23, 31, 2, 1, 17],
            [28, 25, 21, 10, 12], [9, 18, 29, 30, 4], [34, 32, 3, 19, 24], [16, 11, 8, 0, 13],
    ]
    static let queryNeighbours: [Set<Int32>] = [
            [18, 9, 29, 30, 37], [32, 3, 24, 34, 19], [12, 10, 25, 21, 14], [16, 11, 8, 13, 0],
            [18, 9, 29, 30, 37], [12, 10, 25, 21, 14], [18, 9, 29, 30, 37], [16, 11, 8, 13, 0],
    ]

    @Test func bruteForceKeepsTheSameTiedNeighboursAsScikitLearn() {
        let index = NeighborIndex(reference: Self.rows, strategy: .bruteForce)
        let own = index.neighborsOfReferenceRows(k: 5)
        for r in 0..<Self.rows.rows {
            #expect(Set(own.indices[(r * 5)..<(r * 5 + 5)]) == Self.trainingNeighbours[r], "training row \(r)")
        }
        let found = index.neighbors(of: Self.queries, k: 5)
        for q in 0..<Self.queries.rows {
            #expect(Set(found.indices[(q * 5)..<(q * 5 + 5)]) == Self.queryNeighbours[q], "query \(q)")
        }
    }
}

/// The same check for scikit-learn's k-d tree (`ScikitKDTree`, which PyOD's LOF and kNN use up
/// to 15 features): 90 rows of 4 features in {0, 1, 2} (numpy `default_rng(11)`), so nearly
/// every neighbour list has ties; recorded with scikit-learn 1.9.1,
/// `NearestNeighbors(n_neighbors=5, algorithm="kd_tree", leaf_size=5)`. Here 70 of the 90
/// training rows keep other tied neighbours than "lowest row number first" would, and 64 other
/// than scikit-learn's own brute force: the tree's build and visiting order decide.
@Suite struct ScikitKDTreeTieBreakingTests {
    static func digits(_ s: String, cols: Int) -> Matrix {
        let v = s.map { Float(String($0))! }
        return Matrix(rows: v.count / cols, cols: cols, values: v)
    }
    static let rows = digits([
        "002111201012101022212101112020120211222122000121212120122220212000220100",
        "220012201000112112122120000201222010020100200020100201101220200122201210",
        "202010221102200010121211212022200011200202010122221210110011122202100110",
        "120020212012110001100110001021010011010000210210002122121220222210212012",
        "121222100210000101101121002101221002112112211002001001201012220112220011",
    ].joined(), cols: 4)
    static let queries = digits(
        "2112010022022221020121000122021211121012", cols: 4)
    static let trainingNeighbours: [Set<Int32>] = [
        [78, 66, 64, 28, 29], [6, 21, 32, 85, 19], [40, 86, 30, 37, 80], [49, 26, 20, 84, 60], [9, 69, 34, 43, 14], [61, 33, 87, 45, 39],
        [1, 21, 32, 85, 19], [56, 71, 13, 45, 86], [74, 52, 65, 46, 27], [4, 69, 34, 43, 14], [18, 87, 54, 73, 57], [78, 64, 85, 66, 0],
        [77, 55, 42, 15, 23], [56, 7, 71, 45, 86], [34, 43, 9, 68, 4], [23, 42, 43, 36, 12], [0, 64, 37, 66, 78], [63, 59, 58, 53, 31],
        [10, 87, 54, 73, 57], [68, 32, 6, 35, 1], [3, 39, 57, 84, 60], [81, 77, 6, 12, 11], [72, 88, 41, 67, 48], [15, 42, 43, 36, 12],
        [80, 83, 75, 30, 2], [47, 79, 16, 11, 0], [39, 3, 36, 23, 33], [46, 8, 52, 63, 17], [29, 78, 66, 0, 64], [28, 78, 66, 0, 64],
        [83, 80, 38, 2, 24], [58, 76, 53, 59, 17], [68, 19, 6, 35, 1], [45, 61, 5, 39, 26], [43, 14, 9, 68, 4], [74, 32, 19, 65, 52],
        [26, 15, 55, 23, 42], [40, 86, 70, 16, 2], [80, 30, 83, 2, 24], [26, 33, 20, 57, 5], [86, 2, 30, 37, 80], [82, 35, 72, 8, 22],
        [15, 23, 43, 36, 12], [34, 14, 9, 68, 4], [62, 89, 50, 84, 60], [80, 7, 83, 33, 13], [27, 8, 52, 63, 17], [25, 79, 16, 11, 0],
        [67, 69, 22, 72, 87], [62, 44, 2, 50, 3], [62, 44, 89, 84, 60], [88, 72, 82, 22, 69], [65, 74, 53, 35, 31], [58, 76, 31, 59, 17],
        [57, 18, 35, 10, 52], [70, 36, 12, 23, 42], [7, 71, 13, 45, 86], [63, 54, 17, 20, 3], [76, 53, 31, 59, 17], [58, 76, 53, 31, 17],
        [84, 62, 44, 50, 3], [5, 33, 87, 45, 39], [44, 89, 50, 84, 60], [17, 59, 58, 53, 31], [78, 66, 0, 28, 29], [74, 52, 53, 35, 31],
        [78, 64, 0, 28, 29], [48, 69, 22, 72, 87], [32, 19, 6, 35, 1], [48, 9, 4, 51, 88], [78, 64, 37, 66, 0], [56, 7, 13, 45, 86],
        [22, 88, 41, 67, 48], [34, 43, 14, 10, 18], [65, 52, 53, 35, 31], [89, 44, 24, 62, 50], [58, 53, 31, 59, 17], [81, 21, 6, 12, 11],
        [66, 64, 0, 28, 29], [47, 25, 16, 11, 0], [83, 30, 38, 2, 24], [21, 77, 6, 12, 11], [4, 21, 68, 32, 19], [80, 30, 38, 2, 24],
        [60, 62, 44, 50, 3], [1, 28, 59, 6, 29], [40, 2, 30, 37, 80], [18, 5, 10, 61, 67], [51, 72, 82, 22, 69], [62, 44, 50, 84, 60],
    ]
    static let queryNeighbours: [Set<Int32>] = [
        [48, 56, 13, 7, 71], [63, 17, 31, 53, 58], [87, 48, 67, 72, 61], [4, 9, 34, 43, 14], [27, 46, 8, 17, 63], [18, 10, 57, 39, 5],
        [79, 47, 25, 11, 16], [72, 22, 8, 46, 27], [86, 40, 22, 2, 38], [86, 2, 40, 30, 13],
    ]

    @Test func treeKeepsTheSameTiedNeighboursAsScikitLearn() {
        let index = NeighborIndex(reference: Self.rows, strategy: .scikitKDTree, leafSize: 5)
        let own = index.neighborsOfReferenceRows(k: 5)
        for r in 0..<Self.rows.rows {
            #expect(Set(own.indices[(r * 5)..<(r * 5 + 5)]) == Self.trainingNeighbours[r], "training row \(r)")
        }
        let found = index.neighbors(of: Self.queries, k: 5)
        for q in 0..<Self.queries.rows {
            #expect(Set(found.indices[(q * 5)..<(q * 5 + 5)]) == Self.queryNeighbours[q], "query \(q)")
        }
    }

    @Test func libstdcxxSelectPlacesTheNthElement() {
        // Any input: the nth position must hold the nth smallest, smaller before, larger after.
        var rng = SeededGenerator(seed: 3)
        for n in [1, 2, 3, 4, 5, 17, 64, 257] {
            for nth in Set([0, n / 2, n - 1]) {
                var a = (0..<n).map { _ in Int32(rng.nextInt(below: 20)) }
                let sorted = a.sorted()
                a.withUnsafeMutableBufferPointer { LibstdcxxSelect.nthElement($0.baseAddress!, nth: nth, count: n, <) }
                #expect(a[nth] == sorted[nth])
                #expect(a[..<nth].allSatisfy { $0 <= a[nth] } && a[(nth + 1)...].allSatisfy { $0 >= a[nth] })
            }
        }
    }
}
