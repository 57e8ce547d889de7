import AnomalyMath
import Foundation

// Element-wise non-linearities and row-wise softmax on the tape. Each is O(rows·cols).

extension Var {
    /// An element-wise function with its derivative given from the input and output.
    @inline(__always)
    func unary(_ f: (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Var {
        let x = value
        let y = x.mapped(f)
        let aid = id
        return tape.record(y, inputs: [self]) { tape, g in
            var d = Matrix(rows: x.rows, cols: x.cols)
            d.values.withUnsafeMutableBufferPointer { o in
                x.values.withUnsafeBufferPointer { xb in
                    y.values.withUnsafeBufferPointer { yb in
                        g.values.withUnsafeBufferPointer { gb in
                            for i in 0..<o.count { o[i] = gb[i] * derivative(xb[i], yb[i]) }
                        }
                    }
                }
            }
            tape.accumulate(aid, d)
        }
    }

    public func relu() -> Var { unary({ max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    public func leakyRelu(slope: Float = 0.01) -> Var {
        unary({ $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }

    public func tanh() -> Var { unary({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }

    public func sigmoid() -> Var { unary({ Self.sigmoid($0) }, derivative: { _, y in y * (1 - y) }) }

    /// GELU with the exact error function (PyTorch's default): `x·Φ(x)`.
    public func gelu() -> Var {
        let invRoot2 = Float(0.5).squareRoot()
        return unary({ 0.5 * $0 * (1 + erff($0 * invRoot2)) },
              derivative: { x, _ in
                  let cdf = 0.5 * (1 + erff(x * invRoot2))
                  let pdf = Foundation.exp(-0.5 * x * x) / (2 * Float.pi).squareRoot()
                  return cdf + x * pdf
              })
    }

    /// `log(1 + eˣ)`, computed without overflow.
    public func softplus() -> Var {
        unary({ Self.softplus($0) }, derivative: { x, _ in Self.sigmoid(x) })
    }

    public func exp() -> Var { unary({ Foundation.exp($0) }, derivative: { _, y in y }) }

    /// Natural logarithm (inputs must be positive).
    public func log() -> Var { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }

    public func abs() -> Var { unary({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }

    public func square() -> Var { unary({ $0 * $0 }, derivative: { x, _ in 2 * x }) }

    public func sqrt() -> Var { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// Clamps to `[lower, upper]`; the gradient is zero where clamped.
    public func clamped(_ lower: Float, _ upper: Float) -> Var {
        unary({ Swift.min(Swift.max($0, lower), upper) }, derivative: { x, _ in x >= lower && x <= upper ? 1 : 0 })
    }

    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }

    static func softplus(_ x: Float) -> Float { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }

    // MARK: Softmax

    /// Softmax over each row.
    public func softmax() -> Var {
        let y = Self.rowSoftmax(value)
        let aid = id
        return tape.record(y, inputs: [self]) { tape, g in
            // dx = y ⊙ (g − Σ g⊙y per row)
            let d = Self.rowwise(y, g) { yr, gr, o in
                var dot: Float = 0
                for c in 0..<yr.count { dot += gr[c] * yr[c] }
                for c in 0..<yr.count { o[c] = yr[c] * (gr[c] - dot) }
            }
            tape.accumulate(aid, d)
        }
    }

    /// Log-softmax over each row.
    package func logSoftmax() -> Var {
        let x = value
        let lse = Self.rowLogSumExp(x)
        var y = x
        for r in 0..<x.rows { for c in 0..<x.cols { y[r, c] -= lse[r] } }
        let aid = id
        return tape.record(y, inputs: [self]) { tape, g in
            // dx = g − softmax · Σ g per row
            let d = Self.rowwise(y, g) { yr, gr, o in
                var sum: Float = 0
                for c in 0..<yr.count { sum += gr[c] }
                for c in 0..<yr.count { o[c] = gr[c] - Foundation.exp(yr[c]) * sum }
            }
            tape.accumulate(aid, d)
        }
    }

    /// A new matrix shaped as `y`, filled row by row from the rows of `y` and `g` (a backward
    /// pass whose every row depends on that row only). - Complexity: O(rows·cols) plus `body`.
    static func rowwise(_ y: Matrix, _ g: Matrix,
                        _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Matrix {
        var d = Matrix(rows: y.rows, cols: y.cols)
        let n = y.cols
        d.values.withUnsafeMutableBufferPointer { o in
            y.values.withUnsafeBufferPointer { yb in
                g.values.withUnsafeBufferPointer { gb in
                    for r in 0..<y.rows {
                        let b = r &* n
                        body(UnsafeBufferPointer(rebasing: yb[b..<(b &+ n)]), UnsafeBufferPointer(rebasing: gb[b..<(b &+ n)]),
                             UnsafeMutableBufferPointer(rebasing: o[b..<(b &+ n)]))
                    }
                }
            }
        }
        return d
    }

    static func rowSoftmax(_ x: Matrix) -> Matrix {
        let lse = rowLogSumExp(x)
        var y = x
        for r in 0..<x.rows { for c in 0..<x.cols { y[r, c] = Foundation.exp(y[r, c] - lse[r]) } }
        return y
    }

    /// `log Σ exp` of each row, shifted by the row's maximum so it cannot overflow.
    static func rowLogSumExp(_ x: Matrix) -> [Float] {
        (0..<x.rows).map { r in
            var m = -Float.infinity
            for c in 0..<x.cols { m = Swift.max(m, x[r, c]) }
            var s: Float = 0
            for c in 0..<x.cols { s += Foundation.exp(x[r, c] - m) }
            return m + Foundation.log(s)
        }
    }

    // MARK: Gradient reversal

    /// Identity forward; multiplies the gradient by `−lambda` backward (domain-adversarial
    /// training: the feature extractor learns to fool the domain classifier behind it).
    public func reversingGradient(lambda: Float) -> Var {
        let aid = id
        return tape.record(value, inputs: [self]) { tape, g in tape.accumulate(aid, g.scaled(-lambda)) }
    }
}
