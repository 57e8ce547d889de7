import AnomalyMath
import Foundation

/// One-class support vector machine (PyOD's `OCSVM`, i.e. scikit-learn's `OneClassSVM` / libsvm).
///
/// Fitting solves libsvm's one-class dual with its SMO solver (second-order working-set
/// selection, shrinking, on-demand kernel rows in a cache of `cache_size` MB). A row's score is
/// PyOD's: minus the decision function, `rho − Σ_i α_i K(sv_i, x)`.
///
/// ```swift
/// let model = try OCSVM(nu: 0.5).fit(train)
/// let scores = try model.scores(test)
/// ```
///
/// `gamma = 0` means PyOD's default `'auto'`, `1 / n_features` (a float `gamma` is used as given;
/// scikit-learn's `'scale'` is not offered). For the RBF kernel the rows are centred on the
/// training mean first (distances do not change; rounding improves).
///
/// Scale: the dual has one variable per training row and libsvm's solver is O(n²) in kernel
/// evaluations, so PyOD does not finish on hundreds of thousands of rows. Beyond `max_train_rows`
/// (default 50,000; 0 = no limit) the solver runs on a seeded uniform sample of that many rows
/// (`random_state`); every training row is still scored. Below the limit the fit is exactly libsvm's.
public struct OCSVM: Detector {
    public enum Kernel: String, Sendable, CaseIterable { case rbf, linear, poly, sigmoid }

    public var kernel: Kernel
    /// Polynomial degree (`degree`, poly kernel only).
    public var degree: Int
    /// Kernel coefficient (`gamma`); nil = `'auto'` = 1 / features.
    public var gamma: Double?
    /// Independent term of the poly and sigmoid kernels (`coef0`).
    public var coef0: Double
    /// Stopping tolerance of the solver (`tol`).
    public var tolerance: Double
    /// Upper bound on the share of training errors, lower bound on the share of support vectors (`nu`).
    public var nu: Double
    /// Use libsvm's shrinking heuristic (`shrinking`).
    public var shrinking: Bool
    /// Kernel cache size in megabytes (`cache_size`).
    public var cacheSize: Double
    /// Iteration limit of the solver (`max_iter`); −1 = none.
    public var maxIterations: Int
    /// Rows the solver trains on at most (`max_train_rows`); 0 = all. Larger inputs are sampled.
    public var maxTrainRows: Int
    /// Seed of that sample (`random_state`).
    public var seed: Int

    public static let declaration = DetectorDeclaration<Self>(
        name: "ocsvm",
        summary: "one-class SVM (libsvm's solver): distance inside the learned support region",
        family: "linear",
        defaults: Self(),
        parameters: [
            .choice("kernel", \.kernel, help: "kernel function"),
            .int("degree", \.degree, min: 0, help: "degree of the poly kernel"),
            .double("gamma", \.gamma, min: 0, none: 0, help: "kernel coefficient for rbf, poly, sigmoid; 0 = 'auto' (1 / n_features)"),
            .double("coef0", \.coef0, help: "independent term of the poly and sigmoid kernels"),
            .double("tol", \.tolerance, min: 0, openMin: true, help: "stopping tolerance of the solver"),
            .double("nu", \.nu, min: 0, max: 1, openMin: true,
                    help: "upper bound on the share of training errors and lower bound on the share of support vectors"),
            .bool("shrinking", \.shrinking, help: "use the shrinking heuristic"),
            .double("cache_size", \.cacheSize, min: 0, openMin: true, help: "kernel cache size in MB"),
            .int("max_iter", \.maxIterations, min: -1, help: "solver iteration limit; -1 = none"),
            .int("max_train_rows", \.maxTrainRows, min: 0,
                 help: "train the solver on a seeded sample of at most this many rows (O(n²) solver); 0 = all rows"),
            .int("random_state", \.seed, min: 0, help: "seed of the training sample when max_train_rows applies"),
        ]
    )

    public init(kernel: Kernel = .rbf, nu: Double = 0.5, gamma: Double? = nil, degree: Int = 3, coef0: Double = 0,
                tolerance: Double = 1e-3, shrinking: Bool = true, cacheSize: Double = 200, maxIterations: Int = -1,
                maxTrainRows: Int = 50_000, seed: Int = 42) {
        self.kernel = kernel
        self.nu = nu
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.tolerance = tolerance
        self.shrinking = shrinking
        self.cacheSize = cacheSize
        self.maxIterations = maxIterations
        self.maxTrainRows = maxTrainRows
        self.seed = seed
    }

    func svmKernel(features: Int) -> SVMKernel {
        SVMKernel(kind: SVMKernel.Kind(rawValue: kernel.rawValue) ?? .rbf, gamma: gamma ?? 1 / Double(max(features, 1)),
                  coef0: coef0, degree: degree)
    }

    /// Solves the one-class dual on `data`'s rows.
    /// - Complexity: SMO iterations, each O(active rows · d) for kernel rows not in the cache; the
    ///   initial gradient and the training scores are O(n · support vectors · d) in `dgemm` blocks.
    public func fit(_ data: Matrix) throws -> FittedOCSVM {
        try validateForFitting(data)
        let n = data.rows, d = data.cols
        let k = svmKernel(features: d)
        let centre = kernel == .rbf ? Statistics.columnMeans(data) : [Double](repeating: 0, count: d)
        let x = FittedOCSVM.centred(data, centre: centre)
        // The solver's rows: all of them, or a seeded sample (in original order) beyond the limit.
        var solverRows = n
        var solverX = x
        if maxTrainRows > 0 && n > maxTrainRows {
            var rng = SeededGenerator(seed: UInt64(seed))
            let picked = rng.sample(maxTrainRows, from: n).sorted()
            solverRows = picked.count
            solverX = [Double](repeating: 0, count: picked.count * d)
            for (r, i) in picked.enumerated() { for c in 0..<d { solverX[r * d + c] = x[i * d + c] } }
        }
        let solver = OneClassSolver(x: solverX, rows: solverRows, cols: d, kernel: k, nu: nu, eps: tolerance, shrinking: shrinking,
                                    cacheMegabytes: cacheSize, maxIterations: maxIterations)
        let (alpha, rho, _) = solver.solve()
        guard rho.isFinite, alpha.allSatisfy(\.isFinite) else {
            throw AnomalyError(.numeric, "the one-class SVM has no finite offset (rho): with nu = \(nu) every "
                               + "coefficient is at a bound; use a smaller nu or scale the data")
        }
        let support = (0..<solverRows).filter { alpha[$0] != 0 }
        var sv = [Double](repeating: 0, count: support.count * d)
        for (s, i) in support.enumerated() { for c in 0..<d { sv[s * d + c] = solverX[i * d + c] } }
        let partial = FittedOCSVM(settings: self, featureCount: d, trainingScores: [], centre: centre,
                                  supportVectors: sv, coefficients: support.map { alpha[$0] }, rho: rho,
                                  iterations: solver.iterations)
        let trainingScores = partial.scoresOfCentred(x, rows: n)
        return FittedOCSVM(settings: self, featureCount: d, trainingScores: trainingScores, centre: centre,
                           supportVectors: sv, coefficients: partial.coefficients, rho: rho, iterations: solver.iterations)
    }
}

/// A fitted `OCSVM`: support vectors, their coefficients and `rho`.
public struct FittedOCSVM: FittedDetector {
    public let settings: OCSVM
    public let featureCount: Int
    public let trainingScores: [Double]
    /// Subtracted from rows before the kernel (the training mean for rbf, else zeros).
    public let centre: [Double]
    /// Support vectors (centred), row-major `count × featureCount`.
    public let supportVectors: [Double]
    /// α of each support vector (scikit-learn's `dual_coef_`).
    public let coefficients: [Double]
    /// The offset: decision = Σ α K − rho (scikit-learn's `−intercept_`).
    public let rho: Double
    /// SMO iterations the solver ran (0 when loaded from a file).
    public let iterations: Int

    init(settings: OCSVM, featureCount: Int, trainingScores: [Double], centre: [Double], supportVectors: [Double],
         coefficients: [Double], rho: Double, iterations: Int) {
        self.settings = settings
        self.featureCount = featureCount
        self.trainingScores = trainingScores
        self.centre = centre
        self.supportVectors = supportVectors
        self.coefficients = coefficients
        self.rho = rho
        self.iterations = iterations
    }

    public var supportVectorCount: Int { coefficients.count }

    static func centred(_ data: Matrix, centre: [Double]) -> [Double] {
        let n = data.rows, d = data.cols
        var out = [Double](repeating: 0, count: n * d)
        data.values.withUnsafeBufferPointer { v in
            for r in 0..<n { for c in 0..<d { out[r &* d &+ c] = Double(v[r &* d &+ c]) - centre[c] } }
        }
        return out
    }

    func scoresOfCentred(_ x: [Double], rows n: Int) -> [Double] {
        let d = featureCount
        let square: ([Double], Int) -> [Double] = { m, rows in
            (0..<rows).map { r in var s = 0.0; for c in 0..<d { s += m[r * d + c] * m[r * d + c] }; return s }
        }
        let k = settings.svmKernel(features: d)
        let sums = k.weightedSums(queries: x, querySquares: square(x, n), columns: supportVectors,
                                  columnSquares: square(supportVectors, supportVectorCount), d: d,
                                  weights: [coefficients], fixedQueryBlocks: true)
        return sums[0].map { rho - $0 }
    }

    /// PyOD's scores of `data`'s rows: `rho − Σ α_i K(sv_i, x)`.
    /// - Complexity: O(rows · support vectors · features), in `dgemm` blocks on both cores.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return scoresOfCentred(Self.centred(data, centre: centre), rows: data.rows)
    }

    public func save(to state: inout DetectorState) {
        state.set("centre", doubles: centre)
        state.set("support_vectors", doubles: supportVectors, shape: [supportVectorCount, featureCount])
        state.set("dual_coef", doubles: coefficients)
        state.set("rho", scalar: rho)
    }

    public init(settings: OCSVM, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let centre = try state.doubles("centre", count: featureCount)
        let svTensor = try state.tensor("support_vectors", shape: [nil, featureCount])
        let count = svTensor.shape[0]
        let coefficients = try state.doubles("dual_coef", count: count)
        let rho = try state.scalar("rho")
        let sv = svTensor.doubles()
        guard centre.allSatisfy(\.isFinite) else { throw AnomalyError.model("contains non-finite values", field: "centre") }
        guard sv.allSatisfy(\.isFinite) else { throw AnomalyError.model("contains non-finite values", field: "support_vectors") }
        guard coefficients.allSatisfy(\.isFinite) else { throw AnomalyError.model("contains non-finite values", field: "dual_coef") }
        guard rho.isFinite else { throw AnomalyError.model("must be finite", field: "rho") }
        self.init(settings: settings, featureCount: featureCount, trainingScores: trainingScores, centre: centre,
                  supportVectors: sv, coefficients: coefficients, rho: rho, iterations: 0)
    }
}
