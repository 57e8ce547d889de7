@_spi(Kernels) import AnomalyMath
import Foundation

/// Isolation Forest (PyOD's `IForest`, i.e. scikit-learn's `IsolationForest`).
///
/// Each of `n_estimators` trees is grown on `max_samples` training rows drawn without replacement
/// (with replacement when `bootstrap`), over `max(1, ⌊max_features · d⌋)` randomly chosen
/// features, by random splits (a random non-constant feature, a uniform threshold between its
/// minimum and maximum in the node) down to depth `⌈log2(max_samples)⌉`. A row's path length in a
/// tree is the depth of the leaf it reaches plus `c(leaf size)`; its anomaly score is
/// `s = 2^(−mean path length / c(max_samples))` in (0, 1].
///
/// The reported score is PyOD's `decision_function`: `s − offset`, where `offset` is the 90th
/// percentile of the training rows' `s` (scikit-learn's `offset_` for PyOD's default
/// contamination 0.1). The shift does not change rankings or the contamination threshold's labels.
///
/// ```swift
/// let model = try IsolationForest(trees: 100, seed: 7).fit(train)
/// let scores = try model.scores(test)
/// ```
///
/// `max_samples` is a row count (PyOD's default "auto" = 256); counts above the number of training
/// rows are capped to it, as scikit-learn does (with a warning there). The trees come from our own
/// seeded generator, so scores equal PyOD's in distribution, not number for number.
public struct IsolationForest: Detector {
    /// Number of trees (`n_estimators`).
    public var trees: Int
    /// Rows drawn per tree (`max_samples`), capped to the training rows.
    public var samplesPerTree: Int
    /// Fraction of features each tree sees (`max_features`).
    public var featureFraction: Double
    /// Draw each tree's rows with replacement (`bootstrap`).
    public var bootstrap: Bool
    /// Seed of all random choices (`random_state`).
    public var seed: Int

    /// The contamination whose training-score percentile sets the score offset (PyOD's default).
    package static let offsetContamination = 0.1

    public static let declaration = DetectorDeclaration<Self>(
        name: "iforest",
        summary: "isolation forest: short random-split paths mean anomalies",
        family: "ensemble",
        defaults: Self(),
        parameters: [
            .int("n_estimators", \.trees, min: 1, max: 100_000, help: "number of trees"),
            .int("max_samples", \.samplesPerTree, min: 2,
                 help: "rows drawn per tree (PyOD's 'auto' = 256), capped to the number of training rows"),
            .double("max_features", \.featureFraction, min: 0, max: 1, openMin: true,
                    help: "fraction of the features each tree draws from"),
            .bool("bootstrap", \.bootstrap, help: "draw each tree's rows with replacement"),
            .int("random_state", \.seed, min: 0, help: "random seed"),
        ]
    )

    public init(trees: Int = 100, samplesPerTree: Int = 256, featureFraction: Double = 1.0,
                bootstrap: Bool = false, seed: Int = 42) {
        self.trees = trees
        self.samplesPerTree = samplesPerTree
        self.featureFraction = featureFraction
        self.bootstrap = bootstrap
        self.seed = seed
    }

    /// Grows the forest on `data`'s rows.
    /// - Complexity: O(trees · (max_samples · (depth + features))) to grow, in parallel over trees,
    ///   then O(n · trees · depth) to score the training rows.
    public func fit(_ data: Matrix) throws -> FittedIsolationForest {
        try validateForFitting(data)
        let n = data.rows, d = data.cols
        let m = min(samplesPerTree, n)
        let maxDepth = Int(ceil(log2(Double(max(m, 2)))))
        let featureCount = max(1, Int(featureFraction * Double(d)))
        var master = SeededGenerator(seed: UInt64(seed))
        let generators = (0..<trees).map { _ in master.split() }
        let bootstrap = self.bootstrap
        let built: [IsolationTreeNodes] = data.values.withUnsafeBufferPointer { xb in
            let x = SharedBuffer(xb)
            return parallelMap(trees) { t in
                var rng = generators[t]
                let rows: [Int]
                if bootstrap {
                    rows = (0..<m).map { _ in rng.nextInt(below: n) }
                } else if m * 4 < n {
                    var seen = Set<Int>(minimumCapacity: m * 2)
                    var out = [Int](); out.reserveCapacity(m)
                    while out.count < m {
                        let r = rng.nextInt(below: n)
                        if seen.insert(r).inserted { out.append(r) }
                    }
                    rows = out
                } else {
                    rows = rng.sample(m, from: n)
                }
                let features = featureCount == d ? Array(0..<d) : rng.sample(featureCount, from: d).sorted()
                return IsolationTreeNodes.build(data: UnsafeBufferPointer(start: x.base, count: x.count), cols: d,
                                                rows: rows, features: features, maxDepth: maxDepth, rng: &rng)
            }
        }
        var forest = FittedIsolationForest.Nodes()
        for tree in built { forest.append(tree) }
        var fitted = FittedIsolationForest(settings: self, featureCount: d, trainingScores: [], samples: m,
                                           nodes: forest, offset: 0)
        let raw = fitted.rawScores(data)
        let offset = Statistics.quantile(raw, 1 - Self.offsetContamination)
        fitted = FittedIsolationForest(settings: self, featureCount: d, trainingScores: raw.map { $0 - offset },
                                       samples: m, nodes: forest, offset: offset)
        return fitted
    }
}

/// A fitted `IsolationForest`: all trees' nodes in flat arrays (savable as tensors).
public struct FittedIsolationForest: FittedDetector {
    /// The nodes of all trees, concatenated; child indices are global.
    public struct Nodes: Sendable, Equatable {
        public var feature: [Int32] = []
        public var threshold: [Float] = []
        public var left: [Int32] = []
        public var right: [Int32] = []
        public var size: [Int32] = []
        /// Index of each tree's root, plus the total node count at the end.
        public var treeStarts: [Int] = [0]

        mutating func append(_ tree: IsolationTreeNodes) {
            let base = Int32(feature.count)
            feature += tree.feature
            threshold += tree.threshold
            left += tree.left.map { $0 < 0 ? -1 : $0 + base }
            right += tree.right.map { $0 < 0 ? -1 : $0 + base }
            size += tree.size
            treeStarts.append(feature.count)
        }

        var treeCount: Int { treeStarts.count - 1 }
    }

    public let settings: IsolationForest
    public let featureCount: Int
    public let trainingScores: [Double]
    /// Rows drawn per tree (`max_samples_`).
    public let samples: Int
    public let nodes: Nodes
    /// Subtracted from the raw score `s`: the 90th percentile of the training rows' `s`.
    public let offset: Double
    /// For each leaf, its depth plus `c(leaf size)`; unused for inner nodes.
    let pathLength: [Double]
    /// The nodes packed 16 bytes each for the scoring walk; a leaf points to itself on both sides
    /// (feature 0), so every walk can take exactly `maxDepth` steps without branches.
    let packed: [PackedNode]
    /// The deepest leaf's depth over all trees.
    let maxDepth: Int

    struct PackedNode: Sendable {
        var feature: Int32
        var threshold: Float
        var left: Int32
        var right: Int32
    }

    init(settings: IsolationForest, featureCount: Int, trainingScores: [Double], samples: Int, nodes: Nodes,
         offset: Double) {
        self.settings = settings
        self.featureCount = featureCount
        self.trainingScores = trainingScores
        self.samples = samples
        self.nodes = nodes
        self.offset = offset
        let count = nodes.feature.count
        var path = [Double](repeating: 0, count: count)
        var depth = [Int](repeating: 0, count: count)
        var packed = [PackedNode](repeating: PackedNode(feature: -1, threshold: 0, left: -1, right: -1), count: count)
        for i in 0..<count {
            if nodes.feature[i] >= 0 {
                packed[i] = PackedNode(feature: nodes.feature[i], threshold: nodes.threshold[i], left: nodes.left[i],
                                       right: nodes.right[i])
                depth[Int(nodes.left[i])] = depth[i] + 1
                depth[Int(nodes.right[i])] = depth[i] + 1
            } else {
                packed[i] = PackedNode(feature: 0, threshold: 0, left: Int32(i), right: Int32(i))
                path[i] = Double(depth[i]) + IsolationMath.averagePathLength(Int(nodes.size[i]))
            }
        }
        self.pathLength = path
        self.packed = packed
        self.maxDepth = depth.max() ?? 0
    }

    /// The number of trees.
    public var treeCount: Int { nodes.treeCount }

    /// scikit-learn's positive anomaly score `2^(−E[h(x)] / c(max_samples))` of each row.
    /// - Complexity: O(rows · trees · depth), in parallel over blocks of rows.
    func rawScores(_ data: Matrix) -> [Double] {
        let n = data.rows, d = data.cols
        guard n > 0 else { return [] }
        var out = [Double](repeating: 0, count: n)
        let trees = treeCount
        let denominator = Double(trees) * IsolationMath.averagePathLength(samples)
        let block = 256
        let blocks = (n + block - 1) / block
        data.values.withUnsafeBufferPointer { xb in
            packed.withUnsafeBufferPointer { nb in
            pathLength.withUnsafeBufferPointer { pb in
            nodes.treeStarts.withUnsafeBufferPointer { sb in
            out.withUnsafeMutableBufferPointer { ob in
                let x = SharedBuffer(xb), tree = SharedBuffer(nb), path = SharedBuffer(pb), starts = SharedBuffer(sb)
                let o = SharedMutableBuffer(ob)
                let levels = maxDepth
                parallelFor(blocks) { range in
                    var depths = [Double](repeating: 0, count: block)
                    var at = [Int](repeating: 0, count: block)
                    for b in range {
                        let start = b &* block, count = min(block, n &- start)
                        let rows = x.base + start &* d
                        for i in 0..<count { depths[i] = 0 }
                        for t in 0..<trees {
                            let root = starts[t]
                            for i in 0..<count { at[i] = root }
                            // Level by level over all rows of the block: independent loads overlap.
                            for _ in 0..<levels {
                                for i in 0..<count {
                                    let node = tree[at[i]]
                                    at[i] = Int(rows[i &* d &+ Int(node.feature)] <= node.threshold ? node.left : node.right)
                                }
                            }
                            for i in 0..<count { depths[i] += path[at[i]] }
                        }
                        for i in 0..<count {
                            o[start &+ i] = denominator > 0 ? exp2(-depths[i] / denominator) : 0.5
                        }
                    }
                }
            }}}}
        }
        return out
    }

    /// PyOD's scores of `data`'s rows: `s − offset`. - Complexity: O(rows · trees · depth)
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return rawScores(data).map { $0 - offset }
    }

    public func save(to state: inout DetectorState) {
        state.set("feature", Tensor(int32s: nodes.feature))
        state.set("threshold", floats: nodes.threshold)
        state.set("left", Tensor(int32s: nodes.left))
        state.set("right", Tensor(int32s: nodes.right))
        state.set("size", Tensor(int32s: nodes.size))
        state.set("tree_starts", ints: nodes.treeStarts)
        state.set("offset", scalar: offset)
        state.set("max_samples", scalar: Double(samples))
    }

    public init(settings: IsolationForest, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let starts = try state.ints("tree_starts")
        guard starts.count >= 2, starts[0] == 0 else {
            throw AnomalyError.model("must list at least one tree, starting at 0", field: "tree_starts")
        }
        let total = starts[starts.count - 1]
        let feature = try state.tensor("feature", shape: [total]).ints()
        let threshold = try state.floats("threshold", count: total)
        let left = try state.tensor("left", shape: [total]).ints()
        let right = try state.tensor("right", shape: [total]).ints()
        let size = try state.tensor("size", shape: [total]).ints()
        let offset = try state.scalar("offset")
        let samplesValue = try state.scalar("max_samples")
        guard offset.isFinite else { throw AnomalyError.model("must be finite", field: "offset") }
        guard samplesValue >= 1, samplesValue <= 1e12, samplesValue == samplesValue.rounded() else {
            throw AnomalyError.model("must be a positive whole number", field: "max_samples")
        }
        // Every tree's nodes must stay inside the tree, children after their parent (so walks end).
        for t in 0..<(starts.count - 1) {
            let lo = starts[t], hi = starts[t + 1]
            guard lo < hi, hi <= total else { throw AnomalyError.model("tree \(t) has no nodes or runs past the end", field: "tree_starts") }
            for i in lo..<hi {
                guard size[i] >= 1, size[i] <= Int(Int32.max) else { throw AnomalyError.model("node \(i) has size \(size[i])", field: "size") }
                if feature[i] >= 0 {
                    guard feature[i] < featureCount else {
                        throw AnomalyError.model("node \(i) splits on feature \(feature[i]) of \(featureCount)", field: "feature")
                    }
                    guard left[i] > i, left[i] < hi, right[i] > i, right[i] < hi else {
                        throw AnomalyError.model("node \(i) has children outside its tree", field: "left")
                    }
                    guard threshold[i].isFinite else { throw AnomalyError.model("node \(i) is not finite", field: "threshold") }
                } else if feature[i] != -1 {
                    throw AnomalyError.model("node \(i) has feature \(feature[i])", field: "feature")
                }
            }
        }
        var nodes = Nodes()
        nodes.feature = feature.map { Int32($0) }
        nodes.threshold = threshold
        nodes.left = left.map { Int32($0) }
        nodes.right = right.map { Int32($0) }
        nodes.size = size.map { Int32($0) }
        nodes.treeStarts = starts
        self.init(settings: settings, featureCount: featureCount, trainingScores: trainingScores,
                  samples: Int(samplesValue), nodes: nodes, offset: offset)
    }
}
