import AnomalyMath

/// Imputation and scaling, fitted on the training rows only and stored with the model, so that
/// scoring applies exactly the same transformation. Nothing is hidden: with `.none` for both, a
/// detector sees the data as given.
public struct Preprocessor: Sendable, Equatable, Codable {
    public enum Imputation: String, Sendable, Codable, CaseIterable { case none, mean, median }
    public enum Scaling: String, Sendable, Codable, CaseIterable {
        /// No scaling.
        case none
        /// Zero mean, unit variance (sklearn's `StandardScaler`, population std).
        case standard
        /// Each feature to [0, 1] by its training minimum and maximum.
        case minmax
        /// Median-centred, divided by the inter-quartile range (sklearn's `RobustScaler`).
        case robust
    }

    public let imputation: Imputation
    public let scaling: Scaling
    /// Per-feature replacement for missing values (with imputation).
    public let fillValues: [Double]
    /// Per-feature centre and scale: `x' = (x − centre) / scale` (with scaling).
    public let centre: [Double]
    public let scale: [Double]

    /// The identity transformation.
    public static let identity = Preprocessor(imputation: .none, scaling: .none, fillValues: [], centre: [], scale: [])

    public init(imputation: Imputation, scaling: Scaling, fillValues: [Double], centre: [Double], scale: [Double]) {
        self.imputation = imputation
        self.scaling = scaling
        self.fillValues = fillValues
        self.centre = centre
        self.scale = scale
    }

    public var isIdentity: Bool { imputation == .none && scaling == .none }

    /// Learns fill values and scaling from `train` (NaN = missing). Without imputation, a missing or
    /// infinite value is an error naming its row and column. - Complexity: O(rows × cols · log rows)
    public static func fit(_ train: Matrix, imputation: Imputation, scaling: Scaling) throws -> Preprocessor {
        // Infinity is never imputed; NaN only with imputation. Report the first offending value.
        if let i = train.values.firstIndex(where: { $0.isInfinite || (imputation == .none && $0.isNaN) }) {
            throw nonFiniteError(train.values[i], row: i / train.cols, column: i % train.cols, what: "training data")
        }
        if imputation == .none && scaling == .none { return .identity }
        let d = train.cols
        var fill = [Double]()
        var observedColumns: [[Double]] = []
        for c in 0..<d {
            observedColumns.append(train.columnDouble(c).filter { !$0.isNaN })
        }
        if imputation != .none {
            fill = try observedColumns.enumerated().map { c, col in
                guard !col.isEmpty else {
                    throw AnomalyError.data("column \(c + 1) has no observed values to impute from", column: c + 1)
                }
                return imputation == .mean ? Statistics.mean(col) : Statistics.median(col)
            }
            for c in 0..<d where observedColumns[c].count < train.rows {
                observedColumns[c] += [Double](repeating: fill[c], count: train.rows - observedColumns[c].count)
            }
        }
        var centre = [Double](), scale = [Double]()
        if scaling != .none {
            for col in observedColumns {
                switch scaling {
                case .standard:
                    centre.append(Statistics.mean(col))
                    let s = Statistics.standardDeviation(col)
                    scale.append(s == 0 ? 1 : s)
                case .minmax:
                    let lo = col.min() ?? 0, hi = col.max() ?? 0
                    centre.append(lo)
                    scale.append(hi - lo == 0 ? 1 : hi - lo)
                case .robust:
                    let sorted = col.sorted()
                    centre.append(Statistics.quantileOfSorted(sorted, 0.5))
                    let iqr = Statistics.quantileOfSorted(sorted, 0.75) - Statistics.quantileOfSorted(sorted, 0.25)
                    scale.append(iqr == 0 ? 1 : iqr)
                case .none: break
                }
            }
        }
        return Preprocessor(imputation: imputation, scaling: scaling, fillValues: fill, centre: centre, scale: scale)
    }

    /// The pipeline steps this preprocessing stands for: an `Imputer` and a `Scaler`, each only
    /// when chosen.
    public var steps: [any PipelineStep] {
        var steps: [any PipelineStep] = []
        if imputation != .none { steps.append(Imputer(strategy: imputation, fillValues: fillValues)) }
        if scaling != .none { steps.append(Scaler(method: scaling, centre: centre, scale: scale)) }
        return steps
    }

    /// Applies the fitted transformation (its steps). Missing values are filled when imputing,
    /// else reported; infinity is always reported (1-based row and column).
    /// - Complexity: O(rows × cols)
    public func transform(_ x: Matrix) throws -> Matrix {
        if isIdentity { try x.requireFinite(); return x }
        let d = max(fillValues.count, centre.count)
        guard x.cols == d else { throw AnomalyError.shape("data has \(x.cols) features, the preprocessing was fitted on \(d)") }
        var rows = x
        for step in steps { rows = try step.transform(rows) }
        return rows
    }

    static func nonFiniteError(_ v: Float, row: Int, column: Int, what: String) -> AnomalyError {
        if v.isNaN {
            return AnomalyError.data("\(what) contains NaN at row \(row + 1), column \(column + 1)",
                                     line: row + 1, column: column + 1, hint: .impute)
        }
        return AnomalyError.data("\(what) contains infinity at row \(row + 1), column \(column + 1); replace it or remove the row",
                                 line: row + 1, column: column + 1)
    }
}
