import AnomalyMath

/// A recording of one forward pass, for reverse-mode automatic differentiation.
///
/// Every operation on `Var`s appends a node holding its value and a pullback: a function that,
/// given the node's gradient, adds its inputs' gradients. `backward(from:)` seeds the output's
/// gradient and runs the pullbacks in reverse order. A tape lives for one training step: build
/// it, run the model, call `backward`, read the parameters' gradients, drop it.
///
/// Values are row-major `Float` matrices (a vector is a `1 × n` or `n × 1` matrix, a scalar
/// `1 × 1`). Nodes that depend on no parameter (data, constants) carry no gradient: their
/// pullbacks are skipped, so a frozen encoder or the input batch costs nothing in `backward`.
public final class Tape {
    /// Whether layers behave as in training (dropout active, batch norm on batch statistics).
    public let training: Bool
    /// Random numbers for dropout and sampling, seeded by the caller.
    public var rng: SeededGenerator

    var values: [Matrix] = []
    var gradients: [Matrix?] = []
    var needsGradient: [Bool] = []
    var pullbacks: [((Tape, Matrix) -> Void)?] = []

    public init(training: Bool, seed: UInt64 = 0) {
        self.training = training
        self.rng = SeededGenerator(seed: seed)
        values.reserveCapacity(64)
        gradients.reserveCapacity(64)
        needsGradient.reserveCapacity(64)
        pullbacks.reserveCapacity(64)
    }

    /// Number of recorded nodes.
    public var count: Int { values.count }

    /// A value that needs no gradient (input data, targets, constants).
    public func constant(_ value: Matrix) -> Var {
        append(value, needsGradient: false, pullback: nil)
    }

    /// A scalar constant.
    public func constant(_ value: Float) -> Var {
        constant(Matrix(rows: 1, cols: 1, values: [value]))
    }

    /// A leaf whose gradient is collected (a trainable parameter).
    public func variable(_ value: Matrix) -> Var {
        append(value, needsGradient: true, pullback: nil)
    }

    /// Records a node. `pullback` receives the node's gradient and adds its inputs' gradients.
    func append(_ value: Matrix, needsGradient: Bool, pullback: ((Tape, Matrix) -> Void)?) -> Var {
        values.append(value)
        gradients.append(nil)
        self.needsGradient.append(needsGradient)
        pullbacks.append(needsGradient ? pullback : nil)
        return Var(id: values.count - 1, tape: self)
    }

    /// Records the result of an operation on `inputs`; it needs a gradient when any input does.
    func record(_ value: Matrix, inputs: [Var], pullback: @escaping (Tape, Matrix) -> Void) -> Var {
        let needs = inputs.contains { needsGradient[$0.id] }
        return append(value, needsGradient: needs, pullback: pullback)
    }

    /// The value of a node.
    public func value(_ v: Var) -> Matrix { values[v.id] }

    /// The gradient accumulated for a node by `backward`, or nil if none reached it.
    public func gradient(_ v: Var) -> Matrix? { gradients[v.id] }

    /// Whether gradients flow to this node.
    public func requiresGradient(_ v: Var) -> Bool { needsGradient[v.id] }

    /// Adds `g` to the gradient of node `id` (allocating it on first use).
    func accumulate(_ id: Int, _ g: Matrix) {
        guard needsGradient[id] else { return }
        if var existing = gradients[id] {
            gradients[id] = nil  // keep the buffer uniquely referenced: add in place
            existing.values.withUnsafeMutableBufferPointer { e in
                g.values.withUnsafeBufferPointer { a in
                    for i in 0..<e.count { e[i] += a[i] }
                }
            }
            gradients[id] = existing
        } else {
            gradients[id] = g
        }
    }

    /// Runs `body` on node `id`'s gradient buffer (zero-filled on first use), for kernels that
    /// accumulate into it directly (a GEMM with `beta = 1`).
    func withGradientBuffer(_ id: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        guard needsGradient[id] else { return }
        var g = gradients[id] ?? Matrix(rows: values[id].rows, cols: values[id].cols)
        gradients[id] = nil
        g.values.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        gradients[id] = g
    }

    /// Back-propagates from a scalar `output` (its gradient is seeded with 1).
    /// - Complexity: about twice the forward pass.
    public func backward(from output: Var) {
        precondition(values[output.id].rows * values[output.id].cols == 1, "backward starts from a scalar")
        backward(from: output, seed: Matrix(rows: 1, cols: 1, values: [1]))
    }

    /// Back-propagates from `output` with the given seed gradient (same shape as the output).
    public func backward(from output: Var, seed: Matrix) {
        guard needsGradient[output.id] else { return }
        accumulate(output.id, seed)
        var i = output.id
        while i >= 0 {
            if let pullback = pullbacks[i], let g = gradients[i] {
                pullback(self, g)
            }
            i -= 1
        }
    }
}

/// A node of a `Tape`: a handle to a value whose gradient the tape can compute.
public struct Var {
    public let id: Int
    public let tape: Tape

    /// The node's value.
    public var value: Matrix { tape.values[id] }
    public var rows: Int { tape.values[id].rows }
    public var cols: Int { tape.values[id].cols }
    /// The single element of a `1 × 1` value.
    public var scalar: Float { tape.values[id].values[0] }
}
