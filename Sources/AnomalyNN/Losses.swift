import AnomalyMath
import Foundation

/// Training losses. Each returns a `1 × 1` node; "mean" means over rows (the batch).
public enum Loss {
    /// Mean squared error over all elements (PyTorch's `MSELoss()`).
    public static func meanSquaredError(_ prediction: Var, _ target: Var) -> Var {
        (prediction - target).square().mean()
    }

    /// Binary cross-entropy on logits (`n × 1`) against 0/1 targets, computed stably as
    /// `max(x,0) − x·y + log(1 + e^−|x|)`; positives weighted by `positiveWeight` (PyTorch's
    /// `BCEWithLogitsLoss(pos_weight=)`), averaged over rows.
    public static func binaryCrossEntropyWithLogits(_ logits: Var, targets: Matrix, positiveWeight: Float = 1) -> Var {
        let x = logits.value
        precondition(x.rows == targets.rows && x.cols == targets.cols, "logits and targets differ in shape")
        let n = Float(max(1, x.values.count))
        var total = 0.0
        var grad = Matrix(rows: x.rows, cols: x.cols)
        for i in 0..<x.values.count {
            let z = x.values[i], y = targets.values[i]
            let w: Float = y > 0.5 ? positiveWeight : 1
            // loss = w_pos·y·softplus(−z) + (1−y)·softplus(z)
            let lossTerm = positiveWeight == 1
                ? Swift.max(z, 0) - z * y + Foundation.log1p(Foundation.exp(-Swift.abs(z)))
                : w * y * Var.softplus(-z) + (1 - y) * Var.softplus(z)
            total += Double(lossTerm)
            let s = Var.sigmoid(z)
            // d/dz = (1−y)·σ(z) − w_pos·y·(1−σ(z))
            grad.values[i] = ((1 - y) * s - w * y * (1 - s)) / n
        }
        let id = logits.id
        return logits.tape.record(Matrix(rows: 1, cols: 1, values: [Float(total / Double(n))]), inputs: [logits]) { tape, g in
            tape.accumulate(id, grad.scaled(g.values[0]))
        }
    }
}

extension Var {
    /// The transpose.
    public func transposed() -> Var {
        let aid = id
        return tape.record(value.transposed(), inputs: [self]) { tape, g in tape.accumulate(aid, g.transposed()) }
    }
}
