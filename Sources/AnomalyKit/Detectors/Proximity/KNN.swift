import AnomalyMath

/// The k-nearest-neighbour distance detector (PyOD's `KNN`).
///
/// A row's score is the Euclidean distance to its `n_neighbors`-th nearest training row
/// (`largest`), or the mean or median of the distances to its `n_neighbors` nearest.
/// Training rows are scored against the *other* training rows (a row is not its own neighbour,
/// as in scikit-learn's `kneighbors(X=None)`; an exact duplicate still counts at distance 0).
///
/// ```swift
/// let model = try KNN(neighbors: 5, method: .largest).fit(train)
/// let scores = try model.scores(test)
/// ```
///
/// Only the Euclidean metric is implemented (PyOD's default `metric="minkowski", p=2`).
/// The search is exact: a k-d tree or blocked GEMM brute force, whichever is faster for the
/// training shape (see `NeighborIndex.preferredStrategy`).
public struct KNN: Detector {
    /// How the distances to the k nearest neighbours become one score.
    public enum Method: String, Sendable, CaseIterable {
        /// The distance to the k-th nearest neighbour.
        case largest
        /// The mean distance to the k nearest neighbours.
        case mean
        /// The median distance to the k nearest neighbours (mean of the middle two for even k).
        case median
    }

    /// Neighbours per row (`n_neighbors`); must be below the number of training rows.
    public var neighbors: Int
    public var method: Method
    /// The k-d tree's leaf size (`leaf_size`): affects speed only, never the scores.
    public var leafSize: Int
    /// PyOD's `metric` name as given (`minkowski`, `euclidean` or `l2`; all Euclidean here).
    public var metric: String

    public static let declaration = DetectorDeclaration<Self>(
        name: "knn",
        summary: "k-nearest-neighbour distance (largest, mean or median of the k distances)",
        family: "proximity",
        defaults: Self(),
        parameters: [
            ProximityParameters.neighbors(\.neighbors),
            .choice("method", \.method, help: "largest: distance to the k-th neighbour; mean / median of the k distances"),
        ] + ProximityParameters.search(leafSize: \.leafSize, metric: \.metric)
    )

    public init(neighbors: Int = 5, method: Method = .largest, leafSize: Int = 30) {
        self.neighbors = neighbors
        self.method = method
        self.leafSize = leafSize
        self.metric = "minkowski"
    }

    /// Fits on `data`'s rows.
    /// - Complexity: the neighbour search of every training row: about O(n·k·log n) for few
    ///   features, O(n²·d) flops (in BLAS) for many.
    public func fit(_ data: Matrix) throws -> FittedKNN {
        try validateForFitting(data)
        try ProximityParameters.validate(neighbors: neighbors, trainingRows: data.rows)
        let index = NeighborIndex(reference: data, leafSize: leafSize)
        let found = index.neighborsOfReferenceRows(k: neighbors)
        return FittedKNN(settings: self, index: index, trainingScores: reduce(found))
    }

    /// One score per query row from its k ascending distances.
    func reduce(_ found: Neighbors) -> [Double] {
        let k = found.k
        var out = [Double](repeating: 0, count: found.queryCount)
        found.distances.withUnsafeBufferPointer { d in
            for q in 0..<found.queryCount {
                let row = q &* k
                switch method {
                case .largest:
                    out[q] = d[row &+ k &- 1]
                case .mean:
                    var s = 0.0
                    for j in 0..<k { s += d[row &+ j] }
                    out[q] = s / Double(k)
                case .median:
                    // Distances are sorted ascending: the middle one, or the mean of the middle two.
                    out[q] = k % 2 == 1 ? d[row &+ k / 2] : (d[row &+ k / 2 &- 1] + d[row &+ k / 2]) / 2
                }
            }
        }
        return out
    }
}

/// A fitted `KNN`: the training rows (and their search index).
public struct FittedKNN: FittedDetector {
    public let settings: KNN
    public let featureCount: Int
    public let trainingScores: [Double]
    /// The neighbour index over the training rows, built when fitted or loaded.
    package let index: NeighborIndex

    init(settings: KNN, index: NeighborIndex, trainingScores: [Double]) {
        self.settings = settings
        self.featureCount = index.reference.cols
        self.trainingScores = trainingScores
        self.index = index
    }

    /// The training rows.
    public var training: Matrix { index.reference }

    /// Scores `data`'s rows by their distances to the nearest training rows.
    /// - Complexity: about O(m·k·log n) for few features, O(m·n·d) flops for many.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        guard data.rows > 0 else { return [] }
        return settings.reduce(index.neighbors(of: data, k: settings.neighbors))
    }

    public func save(to state: inout DetectorState) {
        state.set("training", index.reference)
    }

    public init(settings: KNN, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let training = try ProximityParameters.restoreTraining(state, featureCount: featureCount,
                                                               trainingScores: trainingScores,
                                                               neighbors: settings.neighbors)
        self.init(settings: settings, index: NeighborIndex(reference: training, leafSize: settings.leafSize),
                  trainingScores: trainingScores)
    }
}

/// Parameters and checks shared by the proximity detectors.
/// The parameters and checks KNN and LOF share.
enum ProximityParameters {
    static func neighbors<D>(_ path: WritableKeyPath<D, Int> & Sendable) -> ParameterBinding<D> {
        .int("n_neighbors", path, min: 1, help: "number of nearest neighbours")
    }

    /// `leaf_size`, `metric` (all Euclidean) and PyOD's `p`, accepted as 2 only.
    static func search<D>(leafSize: WritableKeyPath<D, Int> & Sendable,
                          metric: WritableKeyPath<D, String> & Sendable) -> [ParameterBinding<D>] {
        [
            .int("leaf_size", leafSize, min: 1, help: "k-d tree leaf size (speed only; scores do not change)"),
            .choice("metric", metric, ["minkowski", "euclidean", "l2"],
                    help: "distance metric; only Euclidean is implemented (minkowski with p=2)"),
            .fixed("p", 2, help: "Minkowski power; only p=2 (Euclidean) is implemented"),
        ]
    }

    /// Range checks that need the training size (KNN: `n_neighbors` < training rows).
    static func validate(neighbors: Int, trainingRows: Int) throws {
        guard trainingRows < Int(Int32.max) else {
            throw AnomalyError.shape("proximity detectors support fewer than 2³¹ training rows, got \(trainingRows)")
        }
        guard neighbors < trainingRows else {
            throw AnomalyError.parameter("n_neighbors", "must be less than the number of training rows (\(trainingRows)), got \(neighbors)")
        }
    }

    /// The saved training rows, checked against the feature count, score count and `neighbors`.
    static func restoreTraining(_ state: DetectorState, featureCount: Int, trainingScores: [Double],
                                neighbors: Int?) throws -> Matrix {
        let training = try state.matrix("training", cols: featureCount)
        guard training.rows == trainingScores.count else {
            throw AnomalyError.model("has \(training.rows) rows but the model has \(trainingScores.count) training scores", field: "training")
        }
        guard training.rows >= 2 else { throw AnomalyError.model("needs at least 2 rows, has \(training.rows)", field: "training") }
        if let neighbors, neighbors >= training.rows {
            throw AnomalyError.model("has \(training.rows) rows, too few for n_neighbors = \(neighbors)", field: "training")
        }
        try training.requireFinite("saved training rows")
        return training
    }
}
