import AnomalyMath
import Foundation

/// Helpers shared by the isolation-forest code: the average path length `c(n)` and the tree builder.
package enum IsolationMath {
    /// The average path length of an unsuccessful search in a binary search tree of `n` points,
    /// `c(n) = 2·(ln(n − 1) + γ) − 2·(n − 1)/n`, with `c(n) = 0` for `n ≤ 1` and `c(2) = 1`
    /// (scikit-learn's `_average_path_length`). - Complexity: O(1)
    @inlinable
    package static func averagePathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n)
        return 2 * (log(m - 1) + 0.5772156649015329) - 2 * (m - 1) / m
    }

    /// scikit-learn treats a feature as constant in a node when `max ≤ min + 1e-7`.
    static let featureThreshold: Double = 1e-7
}

/// One isolation tree's nodes, built in local arrays and later appended to the forest's flat arrays.
struct IsolationTreeNodes {
    /// Feature index (in the original columns) or −1 for a leaf.
    var feature: [Int32] = []
    /// Rows with `x[feature] <= threshold` go left.
    var threshold: [Float] = []
    /// Child node indices, local to the tree (−1 for leaves).
    var left: [Int32] = []
    var right: [Int32] = []
    /// Number of training samples that reached the node (scikit-learn's `n_node_samples`).
    var size: [Int32] = []

    /// Builds one tree on the subsample `rows` of `data`, over the columns `features`, with
    /// scikit-learn's `ExtraTreeRegressor(max_features=1, splitter="random")` semantics: at each node
    /// draw features without replacement until one is non-constant in the node (constant features
    /// stay excluded in the node's subtree), pick a threshold uniformly in [min, max) of that
    /// feature in the node, and stop at `maxDepth` or at one sample.
    /// - Complexity: O(m · depth) for `m = rows.count` samples, plus O(m · features) to gather them.
    static func build(data: UnsafeBufferPointer<Float>, cols d: Int, rows: [Int], features: [Int], maxDepth: Int,
                      rng: inout SeededGenerator) -> IsolationTreeNodes {
        let m = rows.count
        let fcount = features.count
        // Gather the subsample column-major: local[f * m + i].
        var local = [Float](repeating: 0, count: fcount * m)
        for (i, r) in rows.enumerated() {
            let base = r &* d
            for (f, c) in features.enumerated() { local[f &* m &+ i] = data[base &+ c] }
        }
        var nodes = IsolationTreeNodes()
        let capacity = min(2 * m, (1 << min(maxDepth + 1, 30)))
        nodes.feature.reserveCapacity(capacity)
        nodes.threshold.reserveCapacity(capacity)
        nodes.left.reserveCapacity(capacity)
        nodes.right.reserveCapacity(capacity)
        nodes.size.reserveCapacity(capacity)

        var perm = Array(0..<m)
        // Per-node feature order: entries [0, constants) are known constant in this subtree.
        struct Pending { var node: Int; var start: Int; var end: Int; var depth: Int; var featureOrder: [Int]; var constants: Int }
        func newNode(size: Int) -> Int {
            nodes.feature.append(-1); nodes.threshold.append(0); nodes.left.append(-1); nodes.right.append(-1)
            nodes.size.append(Int32(size))
            return nodes.feature.count - 1
        }
        var stack = [Pending(node: newNode(size: m), start: 0, end: m, depth: 0, featureOrder: Array(0..<fcount), constants: 0)]
        local.withUnsafeBufferPointer { lv in
            perm.withUnsafeMutableBufferPointer { p in
                while var job = stack.popLast() {
                    let count = job.end - job.start
                    if job.depth >= maxDepth || count < 2 { continue }
                    // Draw features without replacement among those not known constant.
                    var remaining = fcount - job.constants
                    var chosen = -1
                    var lo: Float = 0, hi: Float = 0
                    while remaining > 0 {
                        let pick = job.constants + rng.nextInt(below: remaining)
                        let f = job.featureOrder[pick]
                        let col = f &* m
                        var mn = Float.infinity, mx = -Float.infinity
                        for i in job.start..<job.end {
                            let v = lv[col &+ p[i]]
                            if v < mn { mn = v }
                            if v > mx { mx = v }
                        }
                        if Double(mx) <= Double(mn) + IsolationMath.featureThreshold {
                            // Constant here: move it into the constant prefix and draw again.
                            job.featureOrder.swapAt(pick, job.constants)
                            job.constants += 1
                            remaining -= 1
                            continue
                        }
                        chosen = f; lo = mn; hi = mx
                        break
                    }
                    if chosen < 0 { continue }
                    // Uniform threshold in [lo, hi), rounded down to a Float below hi.
                    var t = Double(lo) + (Double(hi) - Double(lo)) * rng.nextUniform()
                    var tf = Float(t)
                    if Double(tf) > t { tf = tf.nextDown }
                    if tf >= hi { tf = lo; t = Double(lo) }
                    // Partition: x <= t to the left.
                    let col = chosen &* m
                    var i = job.start, j = job.end - 1
                    while i <= j {
                        if lv[col &+ p[i]] <= tf { i += 1 } else { p.swapAt(i, j); j -= 1 }
                    }
                    let mid = i
                    if mid == job.start || mid == job.end { continue }  // cannot happen with tf in [lo, hi)
                    let leftNode = newNode(size: mid - job.start)
                    let rightNode = newNode(size: job.end - mid)
                    nodes.feature[job.node] = Int32(features[chosen])
                    nodes.threshold[job.node] = tf
                    nodes.left[job.node] = Int32(leftNode)
                    nodes.right[job.node] = Int32(rightNode)
                    stack.append(Pending(node: rightNode, start: mid, end: job.end, depth: job.depth + 1,
                                         featureOrder: job.featureOrder, constants: job.constants))
                    stack.append(Pending(node: leftNode, start: job.start, end: mid, depth: job.depth + 1,
                                         featureOrder: job.featureOrder, constants: job.constants))
                }
            }
        }
        return nodes
    }
}
