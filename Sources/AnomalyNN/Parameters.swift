import AnomalyMath

/// Named tensors in a fixed order, with PyTorch-style flat names (`encoder.0.weight`; a dense
/// weight is `[out, in]`, a bias `[out]`). Loading, saving, freezing and the optimizers all key
/// on these names.
///
/// Each tensor is held as a `Matrix` (a vector as `1 × n`) together with its logical shape, which
/// is what gets saved.
public struct ParameterSet: Sendable, Equatable {
    public private(set) var names: [String] = []
    private var values: [String: Matrix] = [:]
    private var shapes: [String: [Int]] = [:]

    public init() {}

    /// Number of tensors.
    public var count: Int { names.count }
    /// Total number of scalars.
    public var scalarCount: Int { values.values.reduce(0) { $0 + $1.values.count } }

    public func contains(_ name: String) -> Bool { values[name] != nil }

    public subscript(name: String) -> Matrix? { values[name] }

    /// The logical shape of a tensor (`[out, in]`, `[out]`, …).
    public func shape(of name: String) -> [Int]? { shapes[name] }

    /// Adds or replaces a tensor; a new name goes last. A `1 × n` matrix saved as `[n]` passes `shape: [n]`.
    public mutating func set(_ name: String, _ value: Matrix, shape: [Int]? = nil) {
        if values[name] == nil { names.append(name) }
        values[name] = value
        shapes[name] = shape ?? shapes[name] ?? [value.rows, value.cols]
    }

    /// Replaces the value of an existing tensor (same shape). - Precondition: `name` exists.
    public mutating func update(_ name: String, _ value: Matrix) {
        precondition(values[name] != nil, "no parameter named \(name)")
        values[name] = value
    }

    /// Runs `body` on a tensor's elements in place.
    public mutating func modify(_ name: String, _ body: (inout [Float]) -> Void) {
        guard var m = values[name] else { return }
        values[name] = nil
        body(&m.values)
        values[name] = m
    }

    /// The tensors whose names start with `prefix` followed by `.` (or equal it).
    public func names(under prefix: String) -> [String] {
        names.filter { $0 == prefix || $0.hasPrefix(prefix + ".") }
    }

    /// `(1−t)·self + t·other`, tensor by tensor (same names and shapes).
    public func interpolated(towards other: ParameterSet, _ t: Float) -> ParameterSet {
        var out = self
        for name in names {
            guard let a = values[name], let b = other.values[name], a.values.count == b.values.count else { continue }
            out.values[name] = a.zipped(b) { (1 - t) * $0 + t * $1 }
        }
        return out
    }
}

/// A network's parameters as tape variables for one forward pass.
///
/// Trainable tensors become tape variables (their gradients are collected); frozen ones become
/// constants, so no gradient is computed for them at all. Batch-norm layers report their new
/// running statistics here, applied by the caller after the step.
public final class BoundParameters {
    public let tape: Tape
    public private(set) var parameters: ParameterSet
    /// Non-trainable state (batch-norm running statistics), by name.
    public private(set) var buffers: ParameterSet
    let trainable: (String) -> Bool
    private var bound: [String: Var] = [:]
    /// New values for buffers, produced by this pass (training mode only).
    public private(set) var bufferUpdates: [String: Matrix] = [:]

    public init(_ parameters: ParameterSet, buffers: ParameterSet = ParameterSet(), tape: Tape,
                trainable: @escaping (String) -> Bool = { _ in true }) {
        self.parameters = parameters
        self.buffers = buffers
        self.tape = tape
        self.trainable = trainable
    }

    /// The tape node of parameter `name`. - Precondition: the parameter exists.
    public func callAsFunction(_ name: String) -> Var {
        if let v = bound[name] { return v }
        guard let value = parameters[name] else { preconditionFailure("no parameter named \(name)") }
        let v = trainable(name) ? tape.variable(value) : tape.constant(value)
        bound[name] = v
        return v
    }

    /// A buffer's current value.
    public func buffer(_ name: String) -> Matrix? { buffers[name] }

    func setBuffer(_ name: String, _ value: Matrix) { bufferUpdates[name] = value }

    /// Gradients of the trainable parameters used in this pass, by name (after `tape.backward`).
    public func gradients() -> [String: Matrix] {
        var out: [String: Matrix] = [:]
        for (name, v) in bound where tape.requiresGradient(v) {
            out[name] = tape.gradient(v) ?? Matrix(rows: v.rows, cols: v.cols)
        }
        return out
    }
}
