import AnomalyMath
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

private func gaussian(_ n: Int, _ d: Int, seed: UInt64, scale: Double = 1, offset: Double = 0) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(offset + scale * rng.nextGaussian()) })
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
        let reference = gaussian(400, d, seed: UInt64(d), offset: 50)
        let queries = gaussian(120, d, seed: UInt64(100 + d), scale: 1.5, offset: 50)
        let all = naiveNeighbors(reference: reference, queries: queries, k: 21, excludeSelf: false)
        let allSelf = naiveNeighbors(reference: reference, queries: reference, k: 21, excludeSelf: true)
        for k in [1, 6, 21] {
            let want = truncated(all, k: k)
            let wantSelf = truncated(allSelf, k: k)
            for strategy in [NeighborIndex.Strategy.kdTree, .bruteForce] {
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
            let variants: [(NeighborIndex.Strategy, Int)] = [(.kdTree, 1), (.kdTree, 8), (.kdTree, 40), (.bruteForce, 30)]
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
        for strategy in [NeighborIndex.Strategy.kdTree, .bruteForce] {
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
        let reference = gaussian(2000, 4, seed: 3)
        let queries = gaussian(600, 4, seed: 4)
        for strategy in [NeighborIndex.Strategy.kdTree, .bruteForce] {
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
        #expect(NeighborIndex(reference: gaussian(10_000, 3, seed: 1)).strategy == .kdTree)
        #expect(NeighborIndex(reference: gaussian(100, 3, seed: 1)).strategy == .bruteForce)
        #expect(NeighborIndex(reference: gaussian(10, 60, seed: 1)).strategy == .bruteForce)
        #expect(NeighborIndex.preferredStrategy(rows: 400_000, cols: 10) == .kdTree)
        #expect(NeighborIndex.preferredStrategy(rows: 13_000, cols: 10) == .bruteForce)
        #expect(NeighborIndex.preferredStrategy(rows: 1_000_000, cols: 17) == .bruteForce)
    }
}
