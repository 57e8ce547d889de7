import Foundation

/// scikit-learn's `KDTree`, rebuilt step for step, for exact neighbours with scikit-learn's choice
/// among tied rows.
///
/// On discrete data (small integers, binary attributes) many rows lie at exactly the same
/// distance, and which of them a k-NN search keeps changes LOF scores. scikit-learn (so PyOD)
/// decides ties by the order in which its tree visits rows, so matching it means reproducing the
/// tree itself:
/// - `⌊log₂ max(1, (n−1)/leaf_size)⌋ + 1` levels of a complete binary tree; each inner node splits
///   its rows at position `⌊count/2⌋` along its widest dimension (first widest on ties) with
///   libstdc++'s `std::nth_element` under the order (value, row) — `LibstdcxxSelect`;
/// - queries go depth first, nearer child (by box distance) first, skip a node only when its box
///   is strictly farther than the current k-th distance, push leaf rows in tree order into
///   `ScikitNeighborHeap`, then sort with scikit-learn's quicksort.
/// All arithmetic is in `Double`, on the matrix's exact `doubleSource` when it has one.
///
/// `NeighborIndex` uses it in the regime where scikit-learn uses its k-d tree and the data set is
/// small enough that speed does not matter (see `NeighborIndex.preferredStrategy`); `KDTree` stays
/// the fast tree for large low-dimensional data.
struct ScikitKDTree: Sendable {
    let dimension: Int
    /// Reference rows, row-major, original order.
    let data: [Double]
    /// scikit-learn's `idx_array`: the rows in tree order.
    let order: [Int32]
    /// Per node: first and one-past-last position in `order`.
    let nodeStart: [Int]
    let nodeEnd: [Int]
    let nodeCount: Int
    /// Per node: `d` lower then `d` upper bounds of its rows.
    let bounds: [Double]

    /// - Complexity: O(n·d·log n)
    init(_ reference: Matrix, leafSize: Int) {
        let n = reference.rows, d = reference.cols
        dimension = d
        let data = reference.doubleValues
        self.data = data
        let levels = Int(Foundation.log2(max(1, Double(n - 1) / Double(leafSize)))) + 1
        let nodes = (1 << levels) - 1
        nodeCount = nodes
        var order = (0..<n).map { Int32($0) }
        var start = [Int](repeating: 0, count: nodes), end = [Int](repeating: 0, count: nodes)
        var bounds = [Double](repeating: 0, count: nodes * 2 * d)
        order.withUnsafeMutableBufferPointer { ob in
            let idx = ob.baseAddress!
            func build(_ node: Int, _ lo: Int, _ hi: Int) {
                start[node] = lo
                end[node] = hi
                let b = node * 2 * d
                for j in 0..<d { bounds[b + j] = .infinity; bounds[b + d + j] = -.infinity }
                for i in lo..<hi {
                    let row = Int(idx[i]) * d
                    for j in 0..<d {
                        bounds[b + j] = min(bounds[b + j], data[row + j])
                        bounds[b + d + j] = max(bounds[b + d + j], data[row + j])
                    }
                }
                guard 2 * node + 1 < nodes, hi - lo >= 2 else { return }
                var splitDim = 0, widest = 0.0
                for j in 0..<d {
                    let spread = bounds[b + d + j] - bounds[b + j]
                    if spread > widest { widest = spread; splitDim = j }
                }
                let half = (hi - lo) / 2
                LibstdcxxSelect.nthElement(idx + lo, nth: half, count: hi - lo) { a, c in
                    let va = data[Int(a) * d + splitDim], vc = data[Int(c) * d + splitDim]
                    return va == vc ? a < c : va < vc
                }
                build(2 * node + 1, lo, lo + half)
                build(2 * node + 2, lo + half, hi)
            }
            if n > 0 { build(0, 0, n) }
        }
        self.order = order
        self.nodeStart = start
        self.nodeEnd = end
        self.bounds = bounds
    }

    func isLeaf(_ node: Int) -> Bool { 2 * node + 1 >= nodeCount || nodeEnd[node] - nodeStart[node] < 2 }

    /// Squared distance from `point` to the node's box, with scikit-learn's formula.
    @inline(__always)
    func boxDistance(_ node: Int, _ point: UnsafePointer<Double>) -> Double {
        let d = dimension, b = node * 2 * d
        var s = 0.0
        for j in 0..<d {
            let below = bounds[b + j] - point[j]
            let above = point[j] - bounds[b + d + j]
            let gap = (below + abs(below)) + (above + abs(above))
            s += (0.5 * gap) * (0.5 * gap)
        }
        return s
    }

    /// Writes the `k` nearest rows of each query at `q·k` (see `ScikitNeighborHeap.emit`).
    /// Parallel over queries.
    func search(_ queries: Matrix, k: Int, excludeSelf: Bool,
                indices: SharedMutableBuffer<Int32>, distances: SharedMutableBuffer<Double>) {
        let d = dimension
        let heapSize = excludeSelf ? k + 1 : k
        let points = excludeSelf ? data : queries.doubleValues
        parallelFor(queries.rows, minimumChunk: 16) { range in
            let heapD = UnsafeMutablePointer<Double>.allocate(capacity: heapSize)
            let heapI = UnsafeMutablePointer<Int32>.allocate(capacity: heapSize)
            defer { heapD.deallocate(); heapI.deallocate() }
            points.withUnsafeBufferPointer { pb in
                data.withUnsafeBufferPointer { db in
                    order.withUnsafeBufferPointer { ob in
                        let x = db.baseAddress!
                        for q in range {
                            let point = pb.baseAddress! + q * d
                            for t in 0..<heapSize { heapD[t] = .infinity; heapI[t] = 0 }
                            var heap = ScikitNeighborHeap(values: heapD, indices: heapI, size: heapSize)
                            func visit(_ node: Int, _ lowerBound: Double) {
                                if lowerBound > heap.largest { return }
                                if isLeaf(node) {
                                    for i in nodeStart[node]..<nodeEnd[node] {
                                        let row = ob[i]
                                        let r = x + Int(row) * d
                                        var s = 0.0
                                        for j in 0..<d { let t = point[j] - r[j]; s += t * t }
                                        heap.push(s, row)
                                    }
                                    return
                                }
                                let left = 2 * node + 1, right = left + 1
                                let toLeft = boxDistance(left, point), toRight = boxDistance(right, point)
                                if toLeft <= toRight {
                                    visit(left, toLeft)
                                    visit(right, toRight)
                                } else {
                                    visit(right, toRight)
                                    visit(left, toLeft)
                                }
                            }
                            visit(0, boxDistance(0, point))
                            ScikitNeighborHeap.emit(heapD, heapI, size: heapSize, query: q, k: k,
                                                    excludeSelf: excludeSelf, indices: indices, distances: distances)
                        }
                    }
                }
            }
        }
    }
}

/// libstdc++'s `std::nth_element` (introselect: median-of-three quickselect, heap select past
/// 2·⌊log₂ n⌋ rounds, insertion sort below 4 elements), reproduced operation for operation so the
/// permutation it leaves — which decides scikit-learn's tree order — is the same.
enum LibstdcxxSelect {
    /// Reorders `a[0..<count]` so `a[nth]` holds the element a full sort would put there, smaller
    /// ones before it and larger ones after, under the strict total order `less`.
    static func nthElement(_ a: UnsafeMutablePointer<Int32>, nth: Int, count: Int, _ less: (Int32, Int32) -> Bool) {
        guard count > 0, nth < count else { return }
        var first = 0, last = count
        var depth = 2 * floorLog2(count)
        while last - first > 3 {
            if depth == 0 {
                heapSelect(a, first, nth + 1, last, less)
                swap(a, first, nth)
                return
            }
            depth -= 1
            let cut = partitionAroundMedian(a, first, last, less)
            if cut <= nth { first = cut } else { last = cut }
        }
        insertionSort(a, first, last, less)
    }

    static func floorLog2(_ n: Int) -> Int { Int.bitWidth - 1 - n.leadingZeroBitCount }

    @inline(__always) private static func swap(_ a: UnsafeMutablePointer<Int32>, _ i: Int, _ j: Int) {
        let t = a[i]; a[i] = a[j]; a[j] = t
    }

    private static func partitionAroundMedian(_ a: UnsafeMutablePointer<Int32>, _ first: Int, _ last: Int,
                                              _ less: (Int32, Int32) -> Bool) -> Int {
        let mid = first + (last - first) / 2
        // Move the median of a[first+1], a[mid], a[last−1] to a[first].
        let x = first + 1, y = mid, z = last - 1
        if less(a[x], a[y]) {
            if less(a[y], a[z]) { swap(a, first, y) } else if less(a[x], a[z]) { swap(a, first, z) } else { swap(a, first, x) }
        } else if less(a[x], a[z]) {
            swap(a, first, x)
        } else if less(a[y], a[z]) {
            swap(a, first, z)
        } else {
            swap(a, first, y)
        }
        // Unguarded Hoare partition of a[first+1..<last] around the pivot a[first].
        var lo = first + 1, hi = last
        while true {
            while less(a[lo], a[first]) { lo += 1 }
            hi -= 1
            while less(a[first], a[hi]) { hi -= 1 }
            if !(lo < hi) { return lo }
            swap(a, lo, hi)
            lo += 1
        }
    }

    private static func insertionSort(_ a: UnsafeMutablePointer<Int32>, _ first: Int, _ last: Int,
                                      _ less: (Int32, Int32) -> Bool) {
        guard first != last else { return }
        var i = first + 1
        while i < last {
            let value = a[i]
            if less(value, a[first]) {
                var j = i
                while j > first { a[j] = a[j - 1]; j -= 1 }
                a[first] = value
            } else {
                var j = i
                while less(value, a[j - 1]) { a[j] = a[j - 1]; j -= 1 }
                a[j] = value
            }
            i += 1
        }
    }

    private static func heapSelect(_ a: UnsafeMutablePointer<Int32>, _ first: Int, _ middle: Int, _ last: Int,
                                   _ less: (Int32, Int32) -> Bool) {
        let length = middle - first
        if length >= 2 {
            var parent = (length - 2) / 2
            while true {
                adjustHeap(a + first, parent, length, a[first + parent], less)
                if parent == 0 { break }
                parent -= 1
            }
        }
        var i = middle
        while i < last {
            if less(a[i], a[first]) {
                let value = a[i]
                a[i] = a[first]
                adjustHeap(a + first, 0, length, value, less)
            }
            i += 1
        }
    }

    /// libstdc++'s `__adjust_heap` followed by `__push_heap` (a max-heap under `less`).
    private static func adjustHeap(_ a: UnsafeMutablePointer<Int32>, _ hole0: Int, _ length: Int, _ value: Int32,
                                   _ less: (Int32, Int32) -> Bool) {
        let top = hole0
        var hole = hole0, child = hole0
        while child < (length - 1) / 2 {
            child = 2 * (child + 1)
            if less(a[child], a[child - 1]) { child -= 1 }
            a[hole] = a[child]
            hole = child
        }
        if length & 1 == 0 && child == (length - 2) / 2 {
            child = 2 * (child + 1)
            a[hole] = a[child - 1]
            hole = child - 1
        }
        var parent = (hole - 1) / 2
        while hole > top && less(a[parent], value) {
            a[hole] = a[parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        a[hole] = value
    }
}
