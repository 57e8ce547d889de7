/// The precomputed side of blocked brute-force search: the reference rows centred on their column
/// means (which shrinks `‖q‖² + ‖r‖² − 2·q·r` cancellation in `Float`) and their squared norms.
struct BruteForceReference: Sendable {
    /// Column means of the reference rows.
    let mean: [Double]
    /// Reference rows minus `mean`, row-major.
    let centered: [Float]
    /// Squared norms of the centred reference rows.
    let norms: [Float]

    /// Query rows per block (one `sgemm` per query block × reference block).
    static let queryBlock = 256
    /// Reference rows per block: a 256 × 1024 `Float` block is 1 MB, about one core's L2.
    static let referenceBlock = 1024
    /// Extra candidates kept by the `Float` pass, re-ranked by exact `Double` distances.
    static let extraCandidates = 8

    /// - Complexity: O(n·d)
    init(_ reference: Matrix) {
        mean = Statistics.columnMeans(reference)
        centered = Self.center(reference, mean)
        let d = reference.cols
        let n = reference.rows
        var norms = [Float](repeating: 0, count: n)
        centered.withUnsafeBufferPointer { c in
            for i in 0..<n {
                var s = 0.0
                for j in 0..<d {
                    let v = Double(c[i &* d &+ j])
                    s += v * v
                }
                norms[i] = Float(s)
            }
        }
        self.norms = norms
    }

    static func center(_ m: Matrix, _ mean: [Double]) -> [Float] {
        let d = m.cols
        var out = [Float](repeating: 0, count: m.rows * d)
        m.values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<m.rows {
                    for j in 0..<d { o[i &* d &+ j] = Float(Double(x[i &* d &+ j]) - mean[j]) }
                }
            }
        }
        return out
    }

    /// Writes the `k` nearest reference rows of each query (ascending exact distance, ties by
    /// index) at `q·k`. With `excludeSelf`, `queries` is `reference` and row `q` is skipped.
    /// Parallel over query blocks; BLAS runs single-threaded inside.
    func search(reference: Matrix, queries: Matrix, k: Int, excludeSelf: Bool,
                indices: SharedMutableBuffer<Int32>, distances: SharedMutableBuffer<Double>) {
        let n = reference.rows
        let d = reference.cols
        let m = queries.rows
        let available = excludeSelf ? n - 1 : n
        let kc = min(available, k + Self.extraCandidates)
        let centeredQueries = excludeSelf ? centered : Self.center(queries, mean)
        let bq = Self.queryBlock
        let br = min(Self.referenceBlock, n)
        let blockCount = (m + bq - 1) / bq
        BLAS.withSingleThread {
            parallelFor(blockCount) { blocks in
                let c = UnsafeMutablePointer<Float>.allocate(capacity: bq * br)
                let candD = UnsafeMutablePointer<Float>.allocate(capacity: bq * kc)
                let candI = UnsafeMutablePointer<Int32>.allocate(capacity: bq * kc)
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: bq)
                let exactD = UnsafeMutablePointer<Double>.allocate(capacity: kc)
                let exactI = UnsafeMutablePointer<Int32>.allocate(capacity: kc)
                defer {
                    c.deallocate(); candD.deallocate(); candI.deallocate(); counts.deallocate()
                    exactD.deallocate(); exactI.deallocate()
                }
                centeredQueries.withUnsafeBufferPointer { cqb in
                centered.withUnsafeBufferPointer { crb in
                norms.withUnsafeBufferPointer { nb in
                reference.values.withUnsafeBufferPointer { rawRb in
                queries.values.withUnsafeBufferPointer { rawQb in
                    guard let cq = cqb.baseAddress, let cr = crb.baseAddress, let nr = nb.baseAddress,
                          let rawR = rawRb.baseAddress, let rawQ = rawQb.baseAddress else { return }
                    for block in blocks {
                        let q0 = block * bq
                        let rows = min(bq, m - q0)
                        for r in 0..<rows { counts[r] = 0 }
                        var r0 = 0
                        while r0 < n {
                            let cols = min(br, n - r0)
                            // c = −2 · Qblock · Rblockᵀ
                            BLAS.sgemm(transA: false, transB: true, m: rows, n: cols, k: d, alpha: -2,
                                       a: cq + q0 * d, lda: d, b: cr + r0 * d, ldb: d,
                                       beta: 0, c: c, ldc: cols)
                            for r in 0..<rows {
                                let crow = c + r &* cols
                                if excludeSelf {
                                    let s = q0 &+ r &- r0
                                    if s >= 0 && s < cols { crow[s] = .infinity }
                                }
                                var buf = SmallestK(values: candD + r &* kc, indices: candI + r &* kc, capacity: kc)
                                buf.count = counts[r]
                                var bound = buf.bound
                                let norm = nr + r0
                                for j in 0..<cols {
                                    // ‖q‖² is the same for the whole row: leave it out of the ranking.
                                    let v = crow[j] + norm[j]
                                    if v < bound {
                                        buf.insert(v, Int32(truncatingIfNeeded: r0 &+ j))
                                        bound = buf.bound
                                    }
                                }
                                counts[r] = buf.count
                            }
                            r0 += cols
                        }
                        // Re-rank the candidates by exact distances from the raw rows.
                        for r in 0..<rows {
                            let qi = q0 &+ r
                            let qrow = rawQ + qi &* d
                            for t in 0..<kc {
                                let idx = candI[r &* kc &+ t]
                                let e = exactSquaredDistance(qrow, rawR + Int(idx) &* d, d)
                                // insertion by (distance, index)
                                var pos = t
                                while pos > 0 && (exactD[pos &- 1] > e || (exactD[pos &- 1] == e && exactI[pos &- 1] > idx)) {
                                    exactD[pos] = exactD[pos &- 1]
                                    exactI[pos] = exactI[pos &- 1]
                                    pos &-= 1
                                }
                                exactD[pos] = e
                                exactI[pos] = idx
                            }
                            let out = qi &* k
                            for j in 0..<k {
                                distances[out &+ j] = exactD[j].squareRoot()
                                indices[out &+ j] = exactI[j]
                            }
                        }
                    }
                }
                }
                }
                }
                }
            }
        }
    }
}
