/// A k-d tree over the rows of a matrix, for exact Euclidean k-nearest-neighbour queries in low
/// dimensions.
///
/// Each node splits its rows at the median of its widest dimension and keeps the tight bounding
/// box of its rows; a query descends nearest child first and skips every node whose box lies no
/// closer than the current k-th best distance. Points are stored in tree order so leaves are
/// contiguous in memory. A node whose rows are all identical (zero spread) is a "uniform" leaf,
/// answered without scanning: heavily duplicated data (http, skin) stays fast.
///
/// Distances are accumulated in `Double` from the stored `Float` rows, so results are exact.
struct KDTree: Sendable {
    let dimension: Int
    let count: Int
    /// Rows in tree order, row-major.
    let points: [Float]
    /// The original row index of each point in tree order.
    let order: [Int32]
    /// Four entries per node: start, end (positions in tree order), left, right.
    /// `left == -1` marks a leaf; `left == -2` a uniform leaf (all rows identical).
    let nodes: [Int32]
    /// `2·d` entries per node: the box's lower corner, then its upper corner.
    let bounds: [Float]
    /// The depth of the deepest node (the root has depth 0).
    let maxDepth: Int

    static let leafMarker: Int32 = -1
    static let uniformLeafMarker: Int32 = -2

    /// - Complexity: O(n·d·log n) time, O(n·d) memory.
    init(_ data: Matrix, leafSize: Int) {
        let n = data.rows
        let d = data.cols
        dimension = d
        count = n
        var perm = [Int32](unsafeUninitializedCapacity: n) { buf, c in
            for i in 0..<n { buf[i] = Int32(truncatingIfNeeded: i) }
            c = n
        }
        var nodes = [Int32]()
        var bounds = [Float]()
        let expectedNodes = max(1, 4 * n / max(1, leafSize))
        nodes.reserveCapacity(4 * expectedNodes)
        bounds.reserveCapacity(2 * d * expectedNodes)
        var deepest = 0
        data.values.withUnsafeBufferPointer { xb in
            perm.withUnsafeMutableBufferPointer { pb in
                guard let x = xb.baseAddress, n > 0 else { return }
                let p = pb

                func key(_ i: Int, _ dim: Int) -> Float { x[Int(p[i]) &* d &+ dim] }

                /// Places the `kth` smallest key of `p[lo..<hi]` at `kth`, smaller keys before it
                /// and larger after (3-way quickselect, robust to many equal keys).
                func select(_ lo0: Int, _ hi0: Int, _ kth: Int, _ dim: Int) {
                    var lo = lo0, hi = hi0
                    while hi &- lo > 1 {
                        let a = key(lo, dim), b = key((lo &+ hi) / 2, dim), c = key(hi &- 1, dim)
                        let pivot = max(min(a, b), min(max(a, b), c))
                        var lt = lo, i = lo, gt = hi
                        while i < gt {
                            let v = key(i, dim)
                            if v < pivot {
                                p.swapAt(lt, i)
                                lt &+= 1
                                i &+= 1
                            } else if v > pivot {
                                gt &-= 1
                                p.swapAt(i, gt)
                            } else {
                                i &+= 1
                            }
                        }
                        if kth < lt { hi = lt } else if kth >= gt { lo = gt } else { return }
                    }
                }

                func build(_ lo: Int, _ hi: Int, depth: Int) -> Int32 {
                    deepest = max(deepest, depth)
                    let id = nodes.count / 4
                    nodes.append(Int32(lo))
                    nodes.append(Int32(hi))
                    nodes.append(Self.leafMarker)
                    nodes.append(Self.leafMarker)
                    let b0 = bounds.count
                    bounds.append(contentsOf: repeatElement(Float.infinity, count: d))
                    bounds.append(contentsOf: repeatElement(-Float.infinity, count: d))
                    var bestDim = 0
                    var bestSpread: Float = 0
                    bounds.withUnsafeMutableBufferPointer { bb in
                        let lower = bb.baseAddress! + b0
                        let upper = lower + d
                        for i in lo..<hi {
                            let row = x + Int(p[i]) &* d
                            for j in 0..<d {
                                let v = row[j]
                                if v < lower[j] { lower[j] = v }
                                if v > upper[j] { upper[j] = v }
                            }
                        }
                        for j in 0..<d where upper[j] - lower[j] > bestSpread {
                            bestSpread = upper[j] - lower[j]
                            bestDim = j
                        }
                    }
                    if bestSpread == 0 && hi - lo > 1 {
                        nodes[id * 4 + 2] = Self.uniformLeafMarker
                        return Int32(id)
                    }
                    if hi - lo <= leafSize { return Int32(id) }
                    let mid = lo + (hi - lo) / 2
                    select(lo, hi, mid, bestDim)
                    let left = build(lo, mid, depth: depth + 1)
                    let right = build(mid, hi, depth: depth + 1)
                    nodes[id * 4 + 2] = left
                    nodes[id * 4 + 3] = right
                    return Int32(id)
                }
                _ = build(0, n, depth: 0)
            }
        }
        // Gather the rows in tree order.
        var points = [Float](repeating: 0, count: n * d)
        data.values.withUnsafeBufferPointer { x in
            points.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let src = Int(perm[i]) * d
                    for j in 0..<d { out[i &* d &+ j] = x[src &+ j] }
                }
            }
        }
        self.points = points
        self.order = perm
        self.nodes = nodes
        self.bounds = bounds
        self.maxDepth = deepest
    }

    /// Writes the `k` nearest rows of each query (ascending distance) into `indices`/`distances`
    /// at `q·k`. With `excludeSelf`, query `q` is reference row `q` and never its own neighbour.
    /// Runs in parallel over query rows.
    func search(_ queries: Matrix, k: Int, excludeSelf: Bool,
                indices: SharedMutableBuffer<Int32>, distances: SharedMutableBuffer<Double>) {
        let d = dimension
        let stackCapacity = 2 * maxDepth + 4
        parallelFor(queries.rows, minimumChunk: 64) { range in
            let bestD = UnsafeMutablePointer<Double>.allocate(capacity: k)
            let bestI = UnsafeMutablePointer<Int32>.allocate(capacity: k)
            let q = UnsafeMutablePointer<Double>.allocate(capacity: max(1, d))
            let stackNode = UnsafeMutablePointer<Int32>.allocate(capacity: stackCapacity)
            let stackDist = UnsafeMutablePointer<Double>.allocate(capacity: stackCapacity)
            defer {
                bestD.deallocate(); bestI.deallocate(); q.deallocate()
                stackNode.deallocate(); stackDist.deallocate()
            }
            var best = SmallestK(values: bestD, indices: bestI, capacity: k)
            queries.values.withUnsafeBufferPointer { qb in
            points.withUnsafeBufferPointer { pb in
            order.withUnsafeBufferPointer { ob in
            nodes.withUnsafeBufferPointer { nb in
            bounds.withUnsafeBufferPointer { bb in
                guard let qs = qb.baseAddress, let pts = pb.baseAddress, let ord = ob.baseAddress,
                      let nd = nb.baseAddress, let bx = bb.baseAddress else { return }

                @inline(__always) func boxDistance(_ node: Int) -> Double {
                    let lower = bx + node &* 2 &* d
                    let upper = lower + d
                    var s = 0.0
                    for j in 0..<d {
                        let v = q[j]
                        let lo = Double(lower[j])
                        if v < lo {
                            let t = lo - v
                            s += t * t
                        } else {
                            let hi = Double(upper[j])
                            if v > hi {
                                let t = v - hi
                                s += t * t
                            }
                        }
                    }
                    return s
                }

                for qi in range {
                    let row = qs + qi &* d
                    for j in 0..<d { q[j] = Double(row[j]) }
                    let selfIndex: Int32 = excludeSelf ? Int32(truncatingIfNeeded: qi) : -1
                    best.reset()
                    var sp = 0
                    stackNode[0] = 0
                    stackDist[0] = boxDistance(0)
                    sp = 1
                    while sp > 0 {
                        sp &-= 1
                        let node = Int(stackNode[sp])
                        if stackDist[sp] >= best.bound { continue }
                        let base = node &* 4
                        let left = nd[base &+ 2]
                        if left >= 0 {
                            let right = Int(nd[base &+ 3])
                            let dl = boxDistance(Int(left))
                            let dr = boxDistance(right)
                            // Push the farther child first so the nearer one is searched first.
                            if dl <= dr {
                                stackNode[sp] = Int32(right); stackDist[sp] = dr
                                stackNode[sp &+ 1] = left; stackDist[sp &+ 1] = dl
                            } else {
                                stackNode[sp] = left; stackDist[sp] = dl
                                stackNode[sp &+ 1] = Int32(right); stackDist[sp &+ 1] = dr
                            }
                            sp &+= 2
                            continue
                        }
                        let start = Int(nd[base]), end = Int(nd[base &+ 1])
                        if left == Self.uniformLeafMarker {
                            var dist = 0.0
                            let p = pts + start &* d
                            for j in 0..<d {
                                let t = q[j] - Double(p[j])
                                dist += t * t
                            }
                            var i = start
                            while i < end && dist < best.bound {
                                let idx = ord[i]
                                if idx != selfIndex { best.insert(dist, idx) }
                                i &+= 1
                            }
                        } else {
                            var p = pts + start &* d
                            for i in start..<end {
                                var dist = 0.0
                                for j in 0..<d {
                                    let t = q[j] - Double(p[j])
                                    dist += t * t
                                }
                                p += d
                                if dist < best.bound {
                                    let idx = ord[i]
                                    if idx != selfIndex { best.insert(dist, idx) }
                                }
                            }
                        }
                    }
                    let out = qi &* k
                    for j in 0..<k {
                        distances[out &+ j] = bestD[j].squareRoot()
                        indices[out &+ j] = bestI[j]
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
