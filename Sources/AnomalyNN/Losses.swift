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

    /// DevNet's deviation loss (Pang et al., 2019): scores are standardised against a reference
    /// drawn from the prior N(0, 1) — `dev = (s − μ_R)/σ_R` — and normal rows (label 0) are pulled
    /// to `|dev| → 0` while labelled anomalies are pushed beyond `margin`:
    /// `(1−y)·|dev| + y·max(0, margin − dev)`, averaged.
    public static func deviation(_ scores: Var, labels: Matrix, referenceMean: Float, referenceStd: Float,
                                 margin: Float = 5) -> Var {
        let tape = scores.tape
        let dev = (scores - referenceMean) * (1 / referenceStd)
        let y = tape.constant(labels)
        let inlier = (1 - y) * dev.abs()
        let outlier = y * (margin - dev).relu()
        return (inlier + outlier).mean()
    }

    /// Deep SVDD's one-class loss: the mean squared distance of the representations (`n × k`) to
    /// the centre `c` (`1 × k`).
    public static func hypersphere(_ representation: Var, centre: Matrix) -> Var {
        (representation - representation.tape.constant(centre)).square().sumColumns().mean()
    }

    /// KL divergence of N(μ, σ²) from N(0, I), summed over latent dimensions and averaged over
    /// rows: `−½·Σ(1 + log σ² − μ² − σ²)`.
    public static func gaussianKL(mean: Var, logVariance: Var) -> Var {
        ((1 + logVariance - mean.square() - logVariance.exp()).sumColumns() * -0.5).mean()
    }

    /// Squared maximum mean discrepancy between two samples of representations (rows), with a
    /// sum of RBF kernels `exp(−‖a−b‖²/(2σ²))` over `bandwidths` (relative to the median squared
    /// distance when `relative`, the usual multi-bandwidth choice). Biased (V-statistic) estimate.
    /// - Complexity: O((n+m)²·k) through GEMMs.
    public static func maximumMeanDiscrepancy(_ a: Var, _ b: Var, bandwidths: [Float] = [0.25, 0.5, 1, 2, 4],
                                              relative: Bool = true) -> Var {
        let tape = a.tape
        func squaredDistances(_ x: Var, _ y: Var) -> Var {
            let xx = x.square().sumColumns()                    // n × 1
            let yy = y.square().sumColumns()                    // m × 1
            let cross = x.matmul(y, transposeOther: true)       // n × m
            return (xx + yy.transposed() - 2 * cross).relu()
        }
        let daa = squaredDistances(a, a), dbb = squaredDistances(b, b), dab = squaredDistances(a, b)
        var scale: Float = 1
        if relative {
            var all = dab.value.values.filter { $0 > 0 }
            if !all.isEmpty {
                all.sort()
                scale = all[all.count / 2]
            }
        }
        var total: Var?
        for bw in bandwidths {
            let gamma = -1 / (2 * bw * scale)
            let k = (daa * gamma).exp().mean() + (dbb * gamma).exp().mean() - 2 * (dab * gamma).exp().mean()
            total = total.map { $0 + k } ?? k
        }
        return total ?? tape.constant(0)
    }
}

extension Var {
    /// The transpose.
    public func transposed() -> Var {
        let aid = id
        return tape.record(value.transposed(), inputs: [self]) { tape, g in tape.accumulate(aid, g.transposed()) }
    }
}
