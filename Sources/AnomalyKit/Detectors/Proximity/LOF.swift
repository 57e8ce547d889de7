import AnomalyMath

/// The Local Outlier Factor detector (PyOD's `LOF`, i.e. scikit-learn's `LocalOutlierFactor`
/// with `novelty=True`).
///
/// With k = `n_neighbors` and N(p) the k nearest training rows of p:
/// - k-distance(o): the distance from training row o to its k-th nearest other training row;
/// - reach(p, o) = max(k-distance(o), d(p, o));
/// - lrd(p) = 1 / (mean over o ∈ N(p) of reach(p, o) + 1e-10);
/// - LOF(p) = mean over o ∈ N(p) of lrd(o) / lrd(p).
///
/// Training scores are the training rows' LOF (`-negative_outlier_factor_`), each row's
/// neighbours being the other training rows; new rows' scores are `-score_samples(X)`, their
/// neighbours being training rows. Higher = more anomalous (inliers score about 1).
///
/// Like scikit-learn, `n_neighbors` larger than the training rows allow is capped at
/// `rows − 1` (scikit-learn warns when it exceeds `rows`); `effectiveNeighbors` tells the value
/// used. Only the Euclidean metric is implemented.
public struct LOF: Detector {
    /// Neighbours per row (`n_neighbors`); capped at training rows − 1.
    public var neighbors: Int
    /// The k-d tree's leaf size (`leaf_size`): affects speed only, never the scores.
    public var leafSize: Int
    /// PyOD's `metric` name as given (`minkowski`, `euclidean` or `l2`; all Euclidean here).
    public var metric: String

    /// scikit-learn's guard against division by zero in the reachability density.
    package static let densityEpsilon = 1e-10

    public static let declaration = DetectorDeclaration<Self>(
        name: "lof",
        summary: "Local Outlier Factor: density relative to the k nearest neighbours' densities",
        family: "proximity",
        defaults: Self(),
        parameters: [ProximityParameters.neighbors(\.neighbors)] + ProximityParameters.search(leafSize: \.leafSize, metric: \.metric)
    )

    public init(neighbors: Int = 20, leafSize: Int = 30) {
        self.neighbors = neighbors
        self.leafSize = leafSize
        self.metric = "minkowski"
    }

    /// The number of neighbours used for `trainingRows` rows: `min(n_neighbors, rows − 1)`, at least 1.
    package func effectiveNeighbors(trainingRows: Int) -> Int { max(1, min(neighbors, trainingRows - 1)) }

    /// - Complexity: the neighbour search of every training row, plus O(n·k).
    public func fit(_ data: Matrix) throws -> FittedLOF {
        try validateForFitting(data)
        let k = effectiveNeighbors(trainingRows: data.rows)
        try ProximityParameters.validate(neighbors: k, trainingRows: data.rows)
        let index = NeighborIndex(reference: data, leafSize: leafSize)
        let fitted = try Self.trainingFactors(index.neighborsOfReferenceRows(k: k))
        return FittedLOF(settings: self, index: index, kDistance: fitted.kDistance, density: fitted.density,
                         trainingScores: fitted.scores)
    }

    /// k-distances, local reachability densities and LOF scores of the training rows from their
    /// neighbours (`found`: each training row's k nearest *other* training rows, ascending).
    ///
    /// `fit` uses this with exact neighbours; it is public so that neighbours found elsewhere
    /// (e.g. scikit-learn's, which may break distance ties differently) can be scored.
    /// Throws a shape error unless every index is a row number of `found`'s own queries.
    /// - Complexity: O(n·k)
    package static func trainingFactors(_ found: Neighbors) throws -> (kDistance: [Double], density: [Double], scores: [Double]) {
        let n = found.queryCount
        let k = found.k
        guard k >= 1, found.indices.allSatisfy({ $0 >= 0 && Int($0) < n }) else {
            throw AnomalyError.shape("training neighbours must be k ≥ 1 row numbers in 0..<\(n)")
        }
        var kDistance = [Double](repeating: 0, count: n)
        for i in 0..<n { kDistance[i] = found.distances[i * k + k - 1] }
        let lrd = reachabilityDensities(found, kDistance: kDistance)
        return (kDistance, lrd, factors(found, densities: lrd, trainingDensities: lrd))
    }

    /// lrd of each query: 1 / (mean reach distance to its neighbours + 1e-10).
    static func reachabilityDensities(_ found: Neighbors, kDistance: [Double]) -> [Double] {
        let k = found.k
        var out = [Double](repeating: 0, count: found.queryCount)
        found.distances.withUnsafeBufferPointer { d in
            found.indices.withUnsafeBufferPointer { ind in
                kDistance.withUnsafeBufferPointer { kd in
                    for q in 0..<found.queryCount {
                        var s = 0.0
                        for j in 0..<k {
                            let t = q &* k &+ j
                            s += max(kd[Int(ind[t])], d[t])
                        }
                        out[q] = 1 / (s / Double(k) + densityEpsilon)
                    }
                }
            }
        }
        return out
    }

    /// LOF of query rows whose neighbours are training rows.
    static func factors(_ found: Neighbors, kDistance: [Double], trainingDensities: [Double]) -> [Double] {
        factors(found, densities: reachabilityDensities(found, kDistance: kDistance), trainingDensities: trainingDensities)
    }

    /// LOF of each query: mean of lrd(neighbour) / lrd(query).
    static func factors(_ found: Neighbors, densities: [Double], trainingDensities: [Double]) -> [Double] {
        let k = found.k
        var out = [Double](repeating: 0, count: found.queryCount)
        found.indices.withUnsafeBufferPointer { ind in
            trainingDensities.withUnsafeBufferPointer { lrd in
                for q in 0..<found.queryCount {
                    let own = densities[q]
                    var s = 0.0
                    for j in 0..<k { s += lrd[Int(ind[q &* k &+ j])] / own }
                    out[q] = s / Double(k)
                }
            }
        }
        return out
    }
}

/// A fitted `LOF`: the training rows, their k-distances and local reachability densities.
public struct FittedLOF: FittedDetector {
    public let settings: LOF
    public let featureCount: Int
    public let trainingScores: [Double]
    /// The neighbour index over the training rows, built when fitted or loaded.
    package let index: NeighborIndex
    /// Each training row's distance to its k-th nearest other training row.
    public let kDistance: [Double]
    /// Each training row's local reachability density.
    public let density: [Double]

    init(settings: LOF, index: NeighborIndex, kDistance: [Double], density: [Double], trainingScores: [Double]) {
        self.settings = settings
        self.featureCount = index.reference.cols
        self.trainingScores = trainingScores
        self.index = index
        self.kDistance = kDistance
        self.density = density
    }

    /// The neighbours used: `min(n_neighbors, training rows − 1)`.
    package var effectiveNeighbors: Int { settings.effectiveNeighbors(trainingRows: index.count) }

    /// The training rows.
    public var training: Matrix { index.reference }

    /// LOF of `data`'s rows relative to the training rows (`-score_samples`).
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        guard data.rows > 0 else { return [] }
        return LOF.factors(index.neighbors(of: data, k: effectiveNeighbors), kDistance: kDistance, trainingDensities: density)
    }

    /// The `effectiveNeighbors` nearest training rows of each row of `data` (exact, Euclidean).
    package func neighbors(of data: Matrix) throws -> Neighbors {
        try validateForScoring(data)
        return index.neighbors(of: data, k: effectiveNeighbors)
    }

    /// LOF scores of query rows from their training-set neighbours found elsewhere (each row's
    /// `effectiveNeighbors` nearest training rows, ascending distance).
    /// - Complexity: O(m·k)
    package func scores(neighbors found: Neighbors) throws -> [Double] {
        guard found.k == effectiveNeighbors else {
            throw AnomalyError.shape("neighbours per row: expected \(effectiveNeighbors), got \(found.k)")
        }
        guard found.indices.allSatisfy({ $0 >= 0 && Int($0) < index.count }) else {
            throw AnomalyError.shape("neighbour indices must be training row numbers in 0..<\(index.count)")
        }
        return LOF.factors(found, kDistance: kDistance, trainingDensities: density)
    }

    public func save(to state: inout DetectorState) {
        state.set("training", index.reference)
        state.set("k_distance", doubles: kDistance)
        state.set("lrd", doubles: density)
    }

    public init(settings: LOF, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let training = try ProximityParameters.restoreTraining(state, featureCount: featureCount,
                                                               trainingScores: trainingScores, neighbors: nil)
        let n = training.rows
        let kDistance = try state.doubles("k_distance", count: n)
        let density = try state.doubles("lrd", count: n)
        guard kDistance.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw AnomalyError.model("must hold finite non-negative distances", field: "k_distance")
        }
        guard density.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw AnomalyError.model("must hold finite positive densities", field: "lrd")
        }
        self.init(settings: settings, index: NeighborIndex(reference: training, leafSize: settings.leafSize),
                  kDistance: kDistance, density: density, trainingScores: trainingScores)
    }
}
