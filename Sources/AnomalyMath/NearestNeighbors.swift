/// The k nearest reference rows of each query row: indices and Euclidean distances, ascending.
///
/// Stored row-major: the neighbours of query `q` are at `q * k ..< (q + 1) * k`.
package struct Neighbors: Sendable, Equatable {
    /// Number of query rows.
    package let queryCount: Int
    /// Neighbours per query row.
    package let k: Int
    /// Reference row indices, `queryCount × k`, nearest first.
    package var indices: [Int32]
    /// Euclidean distances (computed in `Double` from the stored `Float` rows), `queryCount × k`, ascending.
    package var distances: [Double]

    package init(queryCount: Int, k: Int, indices: [Int32], distances: [Double]) {
        precondition(indices.count == queryCount * k && distances.count == queryCount * k,
                     "Neighbors needs queryCount × k indices and distances")
        self.queryCount = queryCount
        self.k = k
        self.indices = indices
        self.distances = distances
    }

    /// The distances of query `q`'s neighbours, ascending. - Complexity: O(1)
    package func distances(ofQuery q: Int) -> ArraySlice<Double> { distances[(q * k)..<((q + 1) * k)] }

    /// The reference indices of query `q`'s neighbours, nearest first. - Complexity: O(1)
    package func indices(ofQuery q: Int) -> ArraySlice<Int32> { indices[(q * k)..<((q + 1) * k)] }
}

/// Exact Euclidean k-nearest-neighbour search over a fixed set of reference rows.
///
/// Two strategies, chosen from the shape unless forced:
/// - a k-d tree (low dimensions): built once in `init`, queried in parallel over query rows;
/// - blocked brute force (high dimensions): squared distances `‖q‖² + ‖r‖² − 2·q·r` from one
///   `sgemm` per block of query × reference rows (on column-centred data, which shrinks the
///   cancellation error) prune the candidates; those that may enter the top k are compared on
///   their exact `Double` distance. Never materialises an n × m matrix.
///
/// Ties between equal distances are broken deterministically (by scan order), so the same inputs
/// always give the same neighbours, whatever the thread scheduling; brute force keeps exactly the
/// tied rows scikit-learn's brute-force search keeps (see `BruteForceReference.search`). The index is immutable and
/// `Sendable`: build it once and query it from any thread.
///
/// - Memory: O((n + m)·d + m·k + block²) per query call.
package struct NeighborIndex: Sendable {
    package enum Strategy: String, Sendable, CaseIterable {
        /// The faster of the two for the reference's shape (see `preferredStrategy`).
        case automatic
        case kdTree
        case bruteForce
        /// scikit-learn's k-d tree, rebuilt exactly (`ScikitKDTree`): the same tied neighbours
        /// as scikit-learn, for small low-dimensional data.
        case scikitKDTree
    }

    /// Dimensions up to which `.automatic` may use the k-d tree.
    package static let kdTreeMaximumDimension = 16

    /// The faster strategy for `rows` reference rows of `cols` features.
    ///
    /// Brute force costs about 0.85 ns per (query, reference) pair on this machine's 2 cores
    /// (GEMM-bound above ~20 features); a k-d tree query costs roughly 1.5 µs · 2^(d/3) whatever
    /// n is (measured on ADBench: http d=3 ≈ 1.5 µs, shuttle d=9 ≈ 7 µs, donors d=10 ≈ 20 µs,
    /// pendigits d=16 ≈ 11–25 µs; at d ≥ 21 the tree degenerates to scanning). So the tree wins
    /// once n exceeds about 1760 · 2^(d/3) rows (3.5 k at d=3, 18 k at d=10, 56 k at d=16).
    ///
    /// Below the crossover speed hardly matters, so the choice follows scikit-learn instead (its
    /// k-d tree up to 15 features, brute force above), both rebuilt to keep the same tied
    /// neighbours as scikit-learn — and so as PyOD.
    package static func preferredStrategy(rows: Int, cols: Int) -> Strategy {
        guard cols <= kdTreeMaximumDimension else { return .bruteForce }
        var crossover = 1760.0
        for _ in 0..<cols { crossover *= 1.2599 }  // 2^(1/3)
        if Double(rows) >= crossover { return .kdTree }
        return cols <= scikitKDTreeMaximumDimension ? .scikitKDTree : .bruteForce
    }
    /// scikit-learn's `algorithm="auto"` uses its k-d tree up to this many features.
    package static let scikitKDTreeMaximumDimension = 15

    /// The reference rows.
    package let reference: Matrix
    /// The strategy in use (never `.automatic`).
    package let strategy: Strategy
    let tree: KDTree?
    let brute: BruteForceReference?
    let scikitTree: ScikitKDTree?

    /// Builds an index over `reference`'s rows.
    ///
    /// - Parameters:
    ///   - leafSize: the k-d tree's maximum leaf size (scikit-learn's `leaf_size`).
    /// - Complexity: O(n·d·log n) for the tree, O(n·d) for brute force.
    package init(reference: Matrix, strategy: Strategy = .automatic, leafSize: Int = 30) {
        precondition(reference.rows < Int(Int32.max), "NeighborIndex supports fewer than 2³¹ reference rows")
        self.reference = reference
        var resolved = strategy
        if resolved == .automatic {
            resolved = Self.preferredStrategy(rows: reference.rows, cols: reference.cols)
        }
        self.strategy = resolved
        tree = resolved == .kdTree ? KDTree(reference, leafSize: max(1, leafSize)) : nil
        brute = resolved == .bruteForce ? BruteForceReference(reference) : nil
        scikitTree = resolved == .scikitKDTree ? ScikitKDTree(reference, leafSize: max(1, leafSize)) : nil
    }

    /// Number of reference rows.
    package var count: Int { reference.rows }

    /// The `k` nearest reference rows of each row of `queries`.
    ///
    /// - Precondition: `queries.cols == reference.cols` and `1 ≤ k ≤ reference.rows`.
    /// - Complexity: tree: about O(m·k·log n) for low d; brute force: O(m·n·d) flops in BLAS.
    package func neighbors(of queries: Matrix, k: Int) -> Neighbors {
        precondition(queries.cols == reference.cols, "queries have \(queries.cols) columns, reference \(reference.cols)")
        precondition(k >= 1 && k <= reference.rows, "k = \(k) must be in 1...\(reference.rows)")
        return search(queries, k: k, excludeSelf: false)
    }

    /// The `k` nearest *other* reference rows of each reference row: each row's own index is
    /// excluded (scikit-learn's `kneighbors(X=None)`; among exact duplicates a row still finds its
    /// twins at distance 0).
    ///
    /// - Precondition: `1 ≤ k < reference.rows`.
    package func neighborsOfReferenceRows(k: Int) -> Neighbors {
        precondition(k >= 1 && k < reference.rows, "k = \(k) must be in 1..<\(reference.rows)")
        return search(reference, k: k, excludeSelf: true)
    }

    private func search(_ queries: Matrix, k: Int, excludeSelf: Bool) -> Neighbors {
        let m = queries.rows
        var indices = [Int32](repeating: 0, count: m * k)
        var distances = [Double](repeating: 0, count: m * k)
        if m > 0 {
            indices.withUnsafeMutableBufferPointer { ib in
                distances.withUnsafeMutableBufferPointer { db in
                    let outI = SharedMutableBuffer(ib)
                    let outD = SharedMutableBuffer(db)
                    if let tree {
                        tree.search(queries, k: k, excludeSelf: excludeSelf, indices: outI, distances: outD)
                    } else if let scikitTree {
                        scikitTree.search(queries, k: k, excludeSelf: excludeSelf, indices: outI, distances: outD)
                    } else if let brute {
                        brute.search(reference: reference, queries: queries, k: k, excludeSelf: excludeSelf,
                                     indices: outI, distances: outD)
                    }
                }
            }
        }
        return Neighbors(queryCount: m, k: k, indices: indices, distances: distances)
    }
}

/// A fixed-capacity buffer of the smallest values seen so far, kept sorted ascending.
///
/// Equal values keep insertion order (a later equal value goes after), so scanning candidates in
/// index order breaks ties by the smaller index.
@usableFromInline
struct SmallestK<Value: BinaryFloatingPoint> {
    let values: UnsafeMutablePointer<Value>
    let indices: UnsafeMutablePointer<Int32>
    let capacity: Int
    var count = 0

    init(values: UnsafeMutablePointer<Value>, indices: UnsafeMutablePointer<Int32>, capacity: Int) {
        self.values = values
        self.indices = indices
        self.capacity = capacity
    }

    /// The value a candidate must beat to enter: +∞ until the buffer is full.
    @inline(__always) var bound: Value { count < capacity ? .infinity : values[capacity &- 1] }

    @inline(__always) mutating func reset() { count = 0 }

    /// Inserts a candidate that beats `bound`.
    @inline(__always) mutating func insert(_ value: Value, _ index: Int32) {
        var pos: Int
        if count < capacity {
            pos = count
            count &+= 1
        } else {
            pos = capacity &- 1
        }
        while pos > 0 && values[pos &- 1] > value {
            values[pos] = values[pos &- 1]
            indices[pos] = indices[pos &- 1]
            pos &-= 1
        }
        values[pos] = value
        indices[pos] = index
    }
}

/// Exact squared Euclidean distance between two `Float` rows, accumulated in `Double`.
@inline(__always)
func exactSquaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Double {
    var s = 0.0
    var j = 0
    while j < d {
        let t = Double(a[j]) - Double(b[j])
        s += t * t
        j &+= 1
    }
    return s
}
