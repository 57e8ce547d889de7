import AnomalyMath
import Foundation

// Layer normalisation, batch normalisation and dropout on the tape. Each is O(rows·cols).

extension Var {
    /// Normalises each row to zero mean and unit variance, then scales by `gamma` and shifts by
    /// `beta` (both `1 × cols`), as PyTorch's `LayerNorm` (biased variance, `eps` inside the root).
    public func layerNorm(gamma: Var, beta: Var, eps: Float = 1e-5) -> Var {
        let (xhat, inverseStd) = Self.normalise(value, alongRows: false, eps: eps)
        return Self.affineNormalised(self, xhat: xhat, inverseStd: inverseStd, alongRows: false, gamma: gamma, beta: beta)
    }

    /// Batch normalisation in training mode: each column normalised over the batch's rows, then
    /// scaled and shifted (PyTorch's `BatchNorm1d`). Also returns the batch means and the
    /// unbiased variances, which the caller folds into its running statistics.
    public func batchNorm(gamma: Var, beta: Var, eps: Float = 1e-5) -> (output: Var, mean: [Float], variance: [Float]) {
        let x = value
        let (xhat, inverseStd) = Self.normalise(x, alongRows: true, eps: eps)
        let n = x.rows
        var mean = [Float](repeating: 0, count: x.cols), variance = [Float](repeating: 0, count: x.cols)
        x.values.withUnsafeBufferPointer { xb in
            for c in 0..<x.cols {
                var s = 0.0
                for r in 0..<n { s += Double(xb[r &* x.cols &+ c]) }
                let m = s / Double(n)
                var v = 0.0
                for r in 0..<n { let t = Double(xb[r &* x.cols &+ c]) - m; v += t * t }
                mean[c] = Float(m)
                variance[c] = Float(n > 1 ? v / Double(n - 1) : 0)
            }
        }
        let y = Self.affineNormalised(self, xhat: xhat, inverseStd: inverseStd, alongRows: true, gamma: gamma, beta: beta)
        return (y, mean, variance)
    }

    /// `(x − mean) / sqrt(var + eps)` per row (`alongRows == false`) or per column, with the
    /// inverse standard deviations. Statistics accumulate in `Double`.
    static func normalise(_ x: Matrix, alongRows: Bool, eps: Float) -> (Matrix, [Float]) {
        let groups = alongRows ? x.cols : x.rows
        let size = alongRows ? x.rows : x.cols
        let (groupStride, elementStride) = alongRows ? (1, x.cols) : (x.cols, 1)
        var out = Matrix(rows: x.rows, cols: x.cols)
        var inverse = [Float](repeating: 0, count: groups)
        out.values.withUnsafeMutableBufferPointer { o in
            x.values.withUnsafeBufferPointer { xb in
                for gi in 0..<groups {
                    let base = gi &* groupStride
                    var s = 0.0
                    for e in 0..<size { s += Double(xb[base &+ e &* elementStride]) }
                    let m = s / Double(size)
                    var v = 0.0
                    for e in 0..<size { let t = Double(xb[base &+ e &* elementStride]) - m; v += t * t }
                    let inv = 1 / (v / Double(size) + Double(eps)).squareRoot()
                    inverse[gi] = Float(inv)
                    for e in 0..<size {
                        let i = base &+ e &* elementStride
                        o[i] = Float((Double(xb[i]) - m) * inv)
                    }
                }
            }
        }
        return (out, inverse)
    }

    /// `xhat ⊙ gamma + beta` with the normalisation's backward pass.
    static func affineNormalised(_ input: Var, xhat: Matrix, inverseStd: [Float], alongRows: Bool,
                                 gamma: Var, beta: Var) -> Var {
        let gv = gamma.value, bv = beta.value
        precondition(gv.rows == 1 && gv.cols == xhat.cols && bv.rows == 1 && bv.cols == xhat.cols,
                     "normalisation parameters must be 1 × \(xhat.cols)")
        let rows = xhat.rows, cols = xhat.cols
        var y = Matrix(rows: rows, cols: cols)
        y.values.withUnsafeMutableBufferPointer { o in
            xhat.values.withUnsafeBufferPointer { xb in
                gv.values.withUnsafeBufferPointer { gb in
                    bv.values.withUnsafeBufferPointer { bb in
                        for r in 0..<rows { let b = r &* cols; for c in 0..<cols { o[b &+ c] = xb[b &+ c] * gb[c] + bb[c] } }
                    }
                }
            }
        }
        let xid = input.id, gid = gamma.id, bid = beta.id
        return input.tape.record(y, inputs: [input, gamma, beta]) { tape, g in
            if tape.needsGradient[gid] || tape.needsGradient[bid] {
                var dg = Matrix(rows: 1, cols: cols), db = Matrix(rows: 1, cols: cols)
                dg.values.withUnsafeMutableBufferPointer { dgb in
                    db.values.withUnsafeMutableBufferPointer { dbb in
                        g.values.withUnsafeBufferPointer { gg in
                            xhat.values.withUnsafeBufferPointer { xb in
                                for r in 0..<rows {
                                    let b = r &* cols
                                    for c in 0..<cols { dgb[c] += gg[b &+ c] * xb[b &+ c]; dbb[c] += gg[b &+ c] }
                                }
                            }
                        }
                    }
                }
                tape.accumulate(gid, dg)
                tape.accumulate(bid, db)
            }
            guard tape.needsGradient[xid] else { return }
            // dx = inv · (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat)) within each group.
            var dx = Matrix(rows: rows, cols: cols)
            let groups = alongRows ? cols : rows, size = alongRows ? rows : cols
            let (groupStride, elementStride) = alongRows ? (1, cols) : (cols, 1)
            dx.values.withUnsafeMutableBufferPointer { o in
                g.values.withUnsafeBufferPointer { gg in
                    xhat.values.withUnsafeBufferPointer { xb in
                        gv.values.withUnsafeBufferPointer { gam in
                            for gi in 0..<groups {
                                let base = gi &* groupStride
                                var s1: Float = 0, s2: Float = 0
                                for e in 0..<size {
                                    let i = base &+ e &* elementStride
                                    let d = gg[i] * gam[i % cols]
                                    s1 += d
                                    s2 += d * xb[i]
                                }
                                let m1 = s1 / Float(size), m2 = s2 / Float(size)
                                let inv = inverseStd[gi]
                                for e in 0..<size {
                                    let i = base &+ e &* elementStride
                                    o[i] = inv * (gg[i] * gam[i % cols] - m1 - xb[i] * m2)
                                }
                            }
                        }
                    }
                }
            }
            tape.accumulate(xid, dx)
        }
    }

    /// Inverted dropout: in training, zeroes each element with probability `p` and scales the
    /// rest by `1/(1−p)`; the identity otherwise.
    public func dropout(_ p: Float) -> Var {
        guard tape.training, p > 0 else { return self }
        let x = value
        let keep = 1 - p
        let scale = keep > 0 ? 1 / keep : 0
        var mask = Matrix(rows: x.rows, cols: x.cols)
        mask.values.withUnsafeMutableBufferPointer { m in
            for i in 0..<m.count { m[i] = Float(tape.rng.nextUniform()) < keep ? scale : 0 }
        }
        let y = x.zipped(mask, *)
        let aid = id
        return tape.record(y, inputs: [self]) { tape, g in tape.accumulate(aid, g.zipped(mask, *)) }
    }
}
