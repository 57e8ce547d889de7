import AnomalyMath

/// Fills missing values (NaN) with a per-column value learned on the training rows: their mean
/// or median. Infinity is never imputed: it is reported with its row and column.
public struct Imputer: PipelineStep, Equatable {
    public static let kind = "impute"

    public let strategy: Preprocessor.Imputation
    /// The value each column's missing cells take.
    public let fillValues: [Double]

    public var inputCount: Int { fillValues.count }
    public var outputCount: Int { fillValues.count }

    public init(strategy: Preprocessor.Imputation, fillValues: [Double]) {
        self.strategy = strategy
        self.fillValues = fillValues
    }

    /// - Complexity: O(rows × cols).
    public func transform(_ x: Matrix) throws -> Matrix {
        try requireInputs(x)
        let d = x.cols
        let fill = fillValues.map { Float($0) }
        var out = x
        var bad: (row: Int, col: Int)?
        out.values.withUnsafeMutableBufferPointer { v in
            outer: for r in 0..<x.rows {
                let base = r &* d
                for c in 0..<d {
                    if v[base &+ c].isNaN { v[base &+ c] = fill[c] }
                    else if v[base &+ c].isInfinite { bad = (r, c); break outer }
                }
            }
        }
        if let bad { throw Preprocessor.nonFiniteError(.infinity, row: bad.row, column: bad.col, what: "data") }
        return out
    }

    public func save(to state: inout StepState) {
        state.settings["strategy"] = .string(strategy.rawValue)
        state.arrays.set("fill", doubles: fillValues)
    }

    public init(restoring state: StepState) throws {
        let name = try state.string("strategy")
        guard let strategy = Preprocessor.Imputation(rawValue: name), strategy != .none else {
            throw AnomalyError.model("'\(name)' is not an imputation strategy (mean, median)", field: "strategy")
        }
        let fill = try state.arrays.tensor("fill", shape: [nil]).doubles()
        guard !fill.isEmpty, fill.allSatisfy(\.isFinite) else {
            throw AnomalyError.model("fill values must be finite, one per column", field: "fill")
        }
        self.init(strategy: strategy, fillValues: fill)
    }
}

/// Scales each column as `x' = (x − centre) / scale`, with centre and scale learned on the
/// training rows (standard, min–max or robust; see `Preprocessor.Scaling`).
public struct Scaler: PipelineStep, Equatable {
    public static let kind = "scale"

    public let method: Preprocessor.Scaling
    public let centre: [Double]
    public let scale: [Double]

    public var inputCount: Int { centre.count }
    public var outputCount: Int { centre.count }

    public init(method: Preprocessor.Scaling, centre: [Double], scale: [Double]) {
        self.method = method
        self.centre = centre
        self.scale = scale
    }

    /// The affine map in `Double`, rounded once to `Float`. NaN or infinity in, or an overflow
    /// out, is reported with its row and column. - Complexity: O(rows × cols).
    public func transform(_ x: Matrix) throws -> Matrix {
        try requireInputs(x)
        let d = x.cols
        let a = scale.map { 1 / $0 }
        let b = (0..<d).map { -centre[$0] / scale[$0] }
        var out = x
        var bad: (row: Int, col: Int, value: Float)?
        out.values.withUnsafeMutableBufferPointer { v in
            outer: for r in 0..<x.rows {
                let base = r &* d
                for c in 0..<d {
                    let value = v[base &+ c]
                    guard value.isFinite else { bad = (r, c, value); break outer }
                    let t = Float(Double(value) * a[c] + b[c])
                    guard t.isFinite else { bad = (r, c, t); break outer }
                    v[base &+ c] = t
                }
            }
        }
        if let bad { throw Preprocessor.nonFiniteError(bad.value, row: bad.row, column: bad.col, what: "data") }
        return out
    }

    public func save(to state: inout StepState) {
        state.settings["method"] = .string(method.rawValue)
        state.arrays.set("centre", doubles: centre)
        state.arrays.set("scale", doubles: scale)
    }

    public init(restoring state: StepState) throws {
        let name = try state.string("method")
        guard let method = Preprocessor.Scaling(rawValue: name), method != .none else {
            throw AnomalyError.model("'\(name)' is not a scaling (standard, minmax, robust)", field: "method")
        }
        let (centre, scale) = try state.affine(offset: "centre", scale: "scale")
        self.init(method: method, centre: centre, scale: scale)
    }
}
