import AnomalyMath
import AnomalyNN

/// The adaptation penalty of `Adaptation.mmd`.
extension Loss {
    /// Squared maximum mean discrepancy between two samples of representations (rows), with a
    /// sum of RBF kernels `exp(−‖a−b‖²/(2σ²))` over `bandwidths` (relative to the median squared
    /// distance when `relative`, the usual multi-bandwidth choice). Biased (V-statistic) estimate.
    /// - Complexity: O((n+m)²·k) through GEMMs.
    package static func maximumMeanDiscrepancy(_ a: Var, _ b: Var, bandwidths: [Float] = [0.25, 0.5, 1, 2, 4],
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
