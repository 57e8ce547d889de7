import AnomalyMath

/// One fitted transformation of rows on their way to the detector: an imputer, a scaler, a
/// domain's normal frame, the relative frame, and later encoders and time windows.
///
/// A step is a value: its settings and fitted state, nothing else. It never reads files and
/// never refits while transforming, so a row's output depends on the step and the row alone.
/// It saves itself as named tensors plus small settings (`StepState`) and is restored by
/// `StepRegistry` from its `kind`, as detectors are from their names. A new step plugs in by
/// conforming and being listed in a registry; the model type does not change.
public protocol PipelineStep: Sendable {
    /// The name of this kind of step in model files, e.g. `impute`.
    static var kind: String { get }
    /// Columns the step takes.
    var inputCount: Int { get }
    /// Columns the step gives.
    var outputCount: Int { get }
    /// The rows transformed. - Throws: `AnomalyError` on a shape mismatch or a value it cannot take.
    func transform(_ x: Matrix) throws -> Matrix
    /// Rows with their raw (text) columns transformed: an encoder step consumes a text column and
    /// gives its embedding as numeric columns; every other step (the default) transforms the
    /// numeric columns and passes the texts on.
    func transform(rows: PipelineRows) throws -> PipelineRows
    /// Writes the settings and fitted arrays.
    func save(to state: inout StepState)
    /// Restores from what `save(to:)` wrote; must check every shape and value it reads.
    init(restoring state: StepState) throws
}

extension PipelineStep {
    /// The step's kind, reachable through an existential.
    public var kind: String { Self.kind }

    public func transform(rows: PipelineRows) throws -> PipelineRows {
        PipelineRows(x: try transform(rows.x), texts: rows.texts)
    }

    /// Checks that `x` has the columns this step takes.
    func requireInputs(_ x: Matrix) throws {
        guard x.cols == inputCount else {
            throw AnomalyError.shape("the \(Self.kind) step takes \(inputCount) columns, the data has \(x.cols)")
        }
    }
}

/// A step that reads raw columns the reader does not turn into numbers (text, for an encoder): it
/// comes first in a pipeline, and the columns it names enter beside the numeric ones.
public protocol InputStep: PipelineStep {
    /// The raw (text) columns the step consumes, by name.
    var rawColumns: [String] { get }
}

/// Rows entering a pipeline: the numeric columns, and raw text columns by name for an
/// `InputStep` to consume (one text per row in each).
public struct PipelineRows: Sendable {
    public var x: Matrix
    public var texts: [String: [String]]

    public init(x: Matrix, texts: [String: [String]] = [:]) {
        self.x = x
        self.texts = texts
    }

    public var count: Int { x.rows }

    /// The text column `name`, one per row. - Throws: a shape error naming it when absent or when
    /// it has another number of rows than the numeric columns.
    public func textColumn(_ name: String) throws -> [String] {
        guard let column = texts[name] else {
            throw AnomalyError.shape("the rows have no text column '\(name)' (they have: \(texts.keys.sorted().joined(separator: ", ")))",
                                     field: name)
        }
        guard column.count == x.rows else {
            throw AnomalyError.shape("text column '\(name)' has \(column.count) rows, the numeric columns \(x.rows)", field: name)
        }
        return column
    }
}

/// A step's saved form: small settings for the JSON metadata and arrays for the tensors.
public struct StepState: Sendable, Equatable {
    public var settings: [String: ParameterValue]
    public var arrays: DetectorState

    public init(settings: [String: ParameterValue] = [:], arrays: DetectorState = DetectorState()) {
        self.settings = settings
        self.arrays = arrays
    }

    /// The setting `name`, or a model error naming it.
    public func setting(_ name: String) throws -> ParameterValue {
        guard let v = settings[name] else { throw AnomalyError.model("the step's settings lack '\(name)'", field: name) }
        return v
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = try setting(name) else { throw AnomalyError.model("expected text", field: name) }
        return s
    }

    /// A per-column affine map saved as two vectors: `offset` (finite) and `scale` (finite and
    /// positive), one value per column, at least one column.
    func affine(offset: String, scale: String) throws -> (offset: [Double], scale: [Double]) {
        let o = try arrays.tensor(offset, shape: [nil]).doubles()
        let s = try arrays.tensor(scale, shape: [o.count]).doubles()
        guard !o.isEmpty, o.allSatisfy(\.isFinite), s.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw AnomalyError.model("'\(offset)' must be finite and '\(scale)' positive, one value per column", field: scale)
        }
        return (o, s)
    }

    public func int(_ name: String) throws -> Int {
        guard case .int(let i) = try setting(name) else { throw AnomalyError.model("expected an integer", field: name) }
        return i
    }
}

/// The step kinds a model file may contain, by name.
public struct StepRegistry: Sendable {
    public let kinds: [any PipelineStep.Type]

    public init(_ kinds: [any PipelineStep.Type]) { self.kinds = kinds }

    /// The steps AnomalyKit itself defines.
    public static let standard = StepRegistry([Imputer.self, Scaler.self, DomainFrame.self, RelativeFrame.self])

    /// This registry with more kinds (an encoder module's steps, say).
    public func adding(_ more: [any PipelineStep.Type]) -> StepRegistry { StepRegistry(kinds + more) }

    /// The step of `kind` restored from `state`.
    public func restore(kind: String, from state: StepState) throws -> any PipelineStep {
        guard let type = kinds.first(where: { $0.kind == kind }) else {
            throw AnomalyError.model("unknown pipeline step '\(kind)'; this AnomalyKit knows \(kinds.map { $0.kind }.joined(separator: ", "))",
                                     field: "steps")
        }
        return try type.init(restoring: state)
    }
}
