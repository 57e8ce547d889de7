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

    /// Writes the `k` nearest reference rows of each query (ascending exact distance) at `q·k`.
    /// With `excludeSelf`, `queries` is `reference` and each row's own entry is left out.
    ///
    /// Which of several equally distant rows are kept follows scikit-learn's brute-force search
    /// (`ArgKmin`) exactly, because on discrete data (binary attributes, small integers) ties are
    /// everywhere and LOF's score depends on which tied neighbours are chosen: candidates are
    /// pushed in reference-row order into a fixed-size max-heap that only admits strictly smaller
    /// distances (`ScikitNeighborHeap`), the heap is sorted with scikit-learn's quicksort, and for
    /// training rows the heap holds k + 1 entries from which the row itself — or, when duplicates
    /// crowded it out, the first entry — is removed. The `Float` GEMM pass only prunes: a candidate
    /// whose approximate distance exceeds the heap's largest by more than the GEMM error bound is
    /// certainly rejected; every other one is compared on its exact `Double` distance.
    /// Parallel over query blocks; BLAS runs single-threaded inside. - Complexity: O(m·n·d) in BLAS
    func search(reference: Matrix, queries: Matrix, k: Int, excludeSelf: Bool,
                indices: SharedMutableBuffer<Int32>, distances: SharedMutableBuffer<Double>) {
        let n = reference.rows
        let d = reference.cols
        let m = queries.rows
        let heapSize = excludeSelf ? k + 1 : k
        let centeredQueries = excludeSelf ? centered : Self.center(queries, mean)
        let bq = Self.queryBlock
        let br = min(Self.referenceBlock, n)
        let blockCount = (m + bq - 1) / bq
        // |Float GEMM value − exact| ≤ (d + 4)·ε·(‖q‖² + ‖r‖²) (twice the classical bound, to be safe).
        let relativeError = 2 * Double(d + 4) * Double(Float.ulpOfOne)
        BLAS.withSingleThread {
            parallelFor(blockCount) { blocks in
                let c = UnsafeMutablePointer<Float>.allocate(capacity: bq * br)
                let heapD = UnsafeMutablePointer<Double>.allocate(capacity: bq * heapSize)
                let heapI = UnsafeMutablePointer<Int32>.allocate(capacity: bq * heapSize)
                let queryNorms = UnsafeMutablePointer<Double>.allocate(capacity: bq)
                defer { c.deallocate(); heapD.deallocate(); heapI.deallocate(); queryNorms.deallocate() }
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
                        for r in 0..<rows {
                            var s = 0.0
                            for t in 0..<d { let v = Double(cq[(q0 &+ r) &* d &+ t]); s += v * v }
                            queryNorms[r] = s
                            for t in 0..<heapSize {
                                heapD[r &* heapSize &+ t] = .infinity
                                heapI[r &* heapSize &+ t] = -1
                            }
                        }
                        var r0 = 0
                        while r0 < n {
                            let cols = min(br, n - r0)
                            // c = −2 · Qblock · Rblockᵀ
                            BLAS.sgemm(transA: false, transB: true, m: rows, n: cols, k: d, alpha: -2,
                                       a: cq + q0 * d, lda: d, b: cr + r0 * d, ldb: d,
                                       beta: 0, c: c, ldc: cols)
                            for r in 0..<rows {
                                let crow = c + r &* cols
                                let qn = queryNorms[r]
                                let qrow = rawQ + (q0 &+ r) &* d
                                var heap = ScikitNeighborHeap(values: heapD + r &* heapSize,
                                                              indices: heapI + r &* heapSize, size: heapSize)
                                var largest = heap.largest
                                let norm = nr + r0
                                for j in 0..<cols {
                                    let rn = Double(norm[j])
                                    let approximate = Double(crow[j]) + rn + qn
                                    if approximate - relativeError * (qn + rn) > largest { continue }
                                    let idx = r0 &+ j
                                    let exact = exactSquaredDistance(qrow, rawR + idx &* d, d)
                                    if exact < largest {
                                        heap.push(exact, Int32(truncatingIfNeeded: idx))
                                        largest = heap.largest
                                    }
                                }
                            }
                            r0 += cols
                        }
                        for r in 0..<rows {
                            ScikitNeighborHeap.emit(heapD + r &* heapSize, heapI + r &* heapSize, size: heapSize,
                                                    query: q0 &+ r, k: k, excludeSelf: excludeSelf,
                                                    indices: indices, distances: distances)
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
