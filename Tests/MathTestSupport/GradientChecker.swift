import AnomalyMath
import AnomalyNN
import Testing

/// Every operation's gradient against central finite differences.
///
/// The checked function is `Σ w ⊙ f(inputs)` with fixed random weights `w`, so every output
/// element contributes with a different weight. Values are `Float`, so the step is 1e-2 and the
/// tolerance 1e-2 (absolute + relative): a wrong formula is off by O(1).
public struct GradientChecker {
    public var inputs: [Matrix]
    let function: ([Var]) -> Var

    public init(_ shapes: [(Int, Int)], seed: UInt64 = 1, positive: Bool = false, awayFromZero: Bool = true,
         _ function: @escaping ([Var]) -> Var) {
        var rng = SeededGenerator(seed: seed)
        inputs = shapes.map { (r, c) in
            var m = Matrix(rows: r, cols: c)
            for i in 0..<m.values.count {
                var v = Float(rng.nextUniform() * 2 - 1)
                if awayFromZero { v += v < 0 ? -0.2 : 0.2 }  // keep |x| ≥ 0.2: no kink within the step
                m.values[i] = positive ? Swift.abs(v) + 0.5 : v
            }
            return m
        }
        self.function = function
    }

    /// Weighted sum of the output, on a fresh training tape with a fixed seed (so dropout masks repeat).
    func evaluate(_ values: [Matrix]) -> (Float, Tape, [Var]) {
        let tape = Tape(training: true, seed: 99)
        let vars = values.map { tape.variable($0) }
        let out = function(vars)
        var rng = SeededGenerator(seed: 7)
        var w = Matrix(rows: out.rows, cols: out.cols)
        for i in 0..<w.values.count { w.values[i] = Float(rng.nextUniform() + 0.5) }
        let loss = (out * tape.constant(w)).sum()
        return (loss.scalar, tape, vars + [loss])
    }

    public func check(step: Float = 1e-2, tolerance: Float = 1e-2, sourceLocation: SourceLocation = #_sourceLocation) {
        let (_, tape, nodes) = evaluate(inputs)
        tape.backward(from: nodes.last!)
        for (k, input) in inputs.enumerated() {
            let analytic = tape.gradient(nodes[k]) ?? Matrix(rows: input.rows, cols: input.cols)
            for i in 0..<input.values.count {
                var plus = inputs, minus = inputs
                plus[k].values[i] += step
                minus[k].values[i] -= step
                let numeric = (evaluate(plus).0 - evaluate(minus).0) / (2 * step)
                let a = analytic.values[i]
                #expect(Swift.abs(a - numeric) <= tolerance * (1 + Swift.abs(numeric)),
                        "input \(k) element \(i): analytic \(a), numeric \(numeric)", sourceLocation: sourceLocation)
            }
        }
    }
}
