@_spi(Kernels) import AnomalyMath

/// Principal component analysis outlier detector (PyOD's `PCA`).
///
/// Fitting standardises the training rows (when `standardization` is on: per-feature mean and
/// population standard deviation, constant features left unscaled, as scikit-learn's
/// `StandardScaler`), then finds the principal axes of the (standardised) rows as the
/// eigenvectors of their covariance matrix, in `Double`, largest variance first, each axis's sign
/// chosen so that its largest-magnitude entry is positive (scikit-learn's `svd_flip`).
///
/// The score is PyOD's: with `z` the (standardised) row, `v_j` the selected unit axes (the
/// `n_selected_components` axes of *least* variance among the first `n_components`) and `w_j`
/// their explained-variance ratios (or 1 when `weighted` is off),
/// `score(z) = Σ_j ‖z − v_j‖ / w_j` — the Euclidean distance from the row to the axis vector
/// taken as a point (PyOD's `cdist(X, selected_components_)`), not the projection length.
///
/// ```swift
/// let model = try PCA().fit(train)
/// let scores = try model.scores(test)
/// ```
///
/// Differences from PyOD: the decomposition is always exact (PyOD's `svd_solver="auto"` may pick a
/// randomized SVD for large, wide data when `n_components` is small); a component whose
/// explained-variance ratio is numerically zero is weighted by machine epsilon instead of
/// dividing by zero; `whiten` is accepted but, as in PyOD, does not change the scores.
public struct PCA: Detector {
    /// Number of principal components kept (`n_components`); nil = all (`min(rows, features)`).
    public var components: Int?
    /// Number of the kept components (those of least variance) used in the score
    /// (`n_selected_components`); nil = all kept components.
    public var selectedComponents: Int?
    /// Divide each distance by the component's explained-variance ratio (`weighted`).
    public var weighted: Bool
    /// Standardise features with the training mean and standard deviation first (`standardization`).
    public var standardization: Bool
    /// Accepted for PyOD compatibility; has no effect on the scores (`whiten`).
    public var whiten: Bool

    public static let declaration = DetectorDeclaration<Self>(
        name: "pca",
        summary: "principal components: weighted distances to the least-variance axes",
        family: "linear",
        defaults: Self(),
        parameters: [
            .int("n_components", \.components, min: 0, none: 0,
                 help: "principal components kept; 0 = all (PyOD's None)"),
            .int("n_selected_components", \.selectedComponents, min: 0, none: 0,
                 help: "kept components of least variance used in the score; 0 = all kept (PyOD's None)"),
            .bool("whiten", \.whiten, help: "accepted for PyOD compatibility; does not change the scores"),
            .bool("weighted", \.weighted, help: "divide each component's distance by its explained-variance ratio"),
            .bool("standardization", \.standardization, help: "standardise features with the training mean and standard deviation"),
        ]
    )

    public init(components: Int? = nil, selectedComponents: Int? = nil, weighted: Bool = true,
                standardization: Bool = true, whiten: Bool = false) {
        self.components = components
        self.selectedComponents = selectedComponents
        self.weighted = weighted
        self.standardization = standardization
        self.whiten = whiten
    }

    /// Fits the axes on `data`'s rows.
    /// - Complexity: O(n·d²) for the covariance (BLAS `dgemm`) plus O(d³) for the eigendecomposition,
    ///   then O(n·d·s) to score the training rows.
    public func fit(_ data: Matrix) throws -> FittedPCA {
        try validateForFitting(data)
        let n = data.rows, d = data.cols
        let maxComponents = min(n, d)
        let k = components ?? maxComponents
        guard k >= 1, k <= maxComponents else {
            throw AnomalyError.parameter("n_components", "must be between 1 and min(rows, features) = \(maxComponents), got \(k)")
        }
        let s = selectedComponents ?? k
        guard s >= 1, s <= k else {
            throw AnomalyError.parameter("n_selected_components", "must be between 1 and n_components = \(k), got \(s)")
        }

        // Standardisation (scikit-learn's StandardScaler: population variance, constant features kept).
        var centre = [Double](repeating: 0, count: d)
        var scale = [Double](repeating: 1, count: d)
        if standardization {
            let means = Statistics.columnMeans(data)
            let variances = Statistics.columnVariances(data, ddof: 0)
            let eps = Double.ulpOfOne
            for c in 0..<d {
                centre[c] = means[c]
                let v = variances[c], m = means[c]
                let bound = Double(n) * eps * v + (Double(n) * m * eps) * (Double(n) * m * eps)
                scale[c] = v <= bound ? 1 : v.squareRoot()
            }
        }
        let z = FittedPCA.transform(data, centre: centre, scale: scale)

        // Covariance of the (standardised) rows, centred on their own mean, then its eigenvectors.
        var pcaMean = [Double](repeating: 0, count: d)
        for r in 0..<n { for c in 0..<d { pcaMean[c] += z[r &* d &+ c] } }
        for c in 0..<d { pcaMean[c] /= Double(n) }
        var centred = z
        for r in 0..<n { for c in 0..<d { centred[r &* d &+ c] -= pcaMean[c] } }
        let cov = Statistics.covarianceOfCentred(centred, rows: n, cols: d, ddof: 1)
        let eigen: SymmetricEigen
        do { eigen = try SymmetricEigen(symmetric: cov, n: d) } catch {
            throw AnomalyError(.numeric, "PCA eigendecomposition failed: \(error)")
        }
        // Descending order, negative round-off clipped to 0.
        let variances = eigen.values.reversed().map { max($0, 0) }
        let order = Array((0..<d).reversed())
        let total = variances.prefix(maxComponents).reduce(0, +)
        guard total > 0, total.isFinite else {
            throw AnomalyError(.numeric, "PCA needs training data with some variance; all features are constant")
        }

        // The selected axes: components k−s ..< k, sign-flipped like scikit-learn's svd_flip.
        var axes = [Double](repeating: 0, count: s * d)
        var weights = [Double](repeating: 1, count: s)
        for j in 0..<s {
            let comp = k - s + j
            let col = order[comp]
            var v = (0..<d).map { eigen.vectors[$0 &* d &+ col] }
            var best = 0
            for i in 1..<max(d, 1) where abs(v[i]) > abs(v[best]) { best = i }
            if v[best] < 0 { v = v.map { -$0 } }
            for i in 0..<d { axes[j &* d &+ i] = v[i] }
            if weighted { weights[j] = max(variances[comp] / total, .ulpOfOne) }
        }
        let partial = FittedPCA(settings: self, featureCount: d, trainingScores: [], centre: centre, scale: scale,
                                axes: axes, weights: weights)
        let trainScores = partial.scoresOfTransformed(z, rows: n)
        return FittedPCA(settings: self, featureCount: d, trainingScores: trainScores, centre: centre, scale: scale,
                         axes: axes, weights: weights)
    }
}

/// A fitted `PCA`: the standardisation, the selected unit axes and their weights.
public struct FittedPCA: FittedDetector {
    public let settings: PCA
    public let featureCount: Int
    public let trainingScores: [Double]
    /// Per-feature centre subtracted before scoring (zeros without standardisation).
    public let centre: [Double]
    /// Per-feature divisor applied before scoring (ones without standardisation).
    public let scale: [Double]
    /// The selected unit axes, row-major `selected × featureCount`, least variance last.
    public let axes: [Double]
    /// Each selected axis's divisor: its explained-variance ratio, or 1 when not weighted.
    public let weights: [Double]

    init(settings: PCA, featureCount: Int, trainingScores: [Double], centre: [Double], scale: [Double],
         axes: [Double], weights: [Double]) {
        self.settings = settings
        self.featureCount = featureCount
        self.trainingScores = trainingScores
        self.centre = centre
        self.scale = scale
        self.axes = axes
        self.weights = weights
    }

    /// Number of selected axes used in the score.
    public var selectedCount: Int { weights.count }

    /// `(x − centre) / scale` as row-major `Double`. - Complexity: O(rows × cols)
    static func transform(_ data: Matrix, centre: [Double], scale: [Double]) -> [Double] {
        let n = data.rows, d = data.cols
        var out = [Double](repeating: 0, count: n * d)
        data.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<n {
                    let base = r &* d
                    for c in 0..<d { o[base &+ c] = (Double(v[base &+ c]) - centre[c]) / scale[c] }
                }
            }
        }
        return out
    }

    /// PyOD's score of already transformed rows: Σ_j ‖z − v_j‖ / w_j.
    /// - Complexity: O(rows × features × selected) flops, in `dgemm` blocks over both cores.
    func scoresOfTransformed(_ z: [Double], rows n: Int) -> [Double] {
        let d = featureCount, s = selectedCount
        guard n > 0 else { return [] }
        var out = [Double](repeating: 0, count: n)
        var axisNorms = [Double](repeating: 0, count: s)
        for j in 0..<s { for i in 0..<d { axisNorms[j] += axes[j &* d &+ i] * axes[j &* d &+ i] } }
        let block = 4096
        let blocks = (n + block - 1) / block
        let weights = self.weights
        let norms = axisNorms
        z.withUnsafeBufferPointer { zb in
            axes.withUnsafeBufferPointer { ab in
                out.withUnsafeMutableBufferPointer { ob in
                    let zs = SharedBuffer(zb), axs = SharedBuffer(ab), o = SharedMutableBuffer(ob)
                    BLAS.withSingleThread {
                        parallelFor(blocks) { range in
                            var dots = [Double](repeating: 0, count: block * s)
                            for b in range {
                                let start = b * block, m = min(block, n - start)
                                dots.withUnsafeMutableBufferPointer { db in
                                    BLAS.dgemm(transA: false, transB: true, m: m, n: s, k: d, alpha: 1,
                                               a: zs.base + start * d, lda: d, b: axs.base, ldb: d,
                                               beta: 0, c: db.baseAddress!, ldc: s)
                                    for r in 0..<m {
                                        let row = zs.base + (start &+ r) &* d
                                        var sq = 0.0
                                        for c in 0..<d { sq += row[c] * row[c] }
                                        var total = 0.0
                                        for j in 0..<s {
                                            let dist2 = max(sq - 2 * db[r &* s &+ j] + norms[j], 0)
                                            total += dist2.squareRoot() / weights[j]
                                        }
                                        o[start &+ r] = total
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Scores `data`'s rows. - Complexity: O(rows × features × selected)
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return scoresOfTransformed(Self.transform(data, centre: centre, scale: scale), rows: data.rows)
    }

    public func save(to state: inout DetectorState) {
        state.set("centre", doubles: centre)
        state.set("scale", doubles: scale)
        state.set("axes", doubles: axes, shape: [selectedCount, featureCount])
        state.set("weights", doubles: weights)
    }

    public init(settings: PCA, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let centre = try state.doubles("centre", count: featureCount)
        let scale = try state.doubles("scale", count: featureCount)
        let axesTensor = try state.tensor("axes", shape: [nil, featureCount])
        let s = axesTensor.shape[0]
        guard s >= 1 else { throw AnomalyError.model("needs at least one axis", field: "axes") }
        let weights = try state.doubles("weights", count: s)
        let axes = axesTensor.doubles()
        guard centre.allSatisfy(\.isFinite) else { throw AnomalyError.model("contains non-finite values", field: "centre") }
        guard scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw AnomalyError.model("must be finite and positive", field: "scale")
        }
        guard axes.allSatisfy(\.isFinite) else { throw AnomalyError.model("contains non-finite values", field: "axes") }
        guard weights.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw AnomalyError.model("must be finite and positive", field: "weights")
        }
        self.init(settings: settings, featureCount: featureCount, trainingScores: trainingScores, centre: centre,
                  scale: scale, axes: axes, weights: weights)
    }
}
