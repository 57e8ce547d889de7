import AnomalyMath
import Foundation

/// A Gaussian copula with kernel-density marginals: each feature's values are mapped to normal
/// scores through their ranks (u = rank / (n + 1), z = Φ⁻¹(u)), the scores' correlation matrix is
/// estimated, and a sample is a correlated normal vector mapped back through Φ and each feature's
/// Gaussian kernel density (`KernelDensity`, Scott's bandwidth). The dependency type's anomalies
/// are drawn from the same densities feature by feature, so normals and anomalies share their
/// marginals exactly and differ only in their dependence. It stands in for ADBench's vine copula.
struct GaussianCopula {
    /// Per feature, its kernel density.
    let marginals: [KernelDensity]
    /// Lower Cholesky factor of the scores' correlation (`d × d`, row-major).
    let cholesky: [Double]

    /// - Complexity: O(n·d² + d³)
    init(_ rows: [[Double]]) {
        let n = rows.count, d = rows[0].count
        var scores = [[Double]](repeating: [Double](repeating: 0, count: n), count: d)
        var marginals: [KernelDensity] = []
        for j in 0..<d {
            let column = rows.map { $0[j] }
            let order = column.indices.sorted { (column[$0], $0) < (column[$1], $1) }
            for (rank, i) in order.enumerated() { scores[j][i] = Self.quantile(Double(rank + 1) / Double(n + 1)) }
            marginals.append(KernelDensity(column))
        }
        var correlation = [Double](repeating: 0, count: d * d)
        for a in 0..<d {
            for b in 0...a {
                var s = 0.0, sa = 0.0, sb = 0.0
                for i in 0..<n { s += scores[a][i] * scores[b][i]; sa += scores[a][i] * scores[a][i]; sb += scores[b][i] * scores[b][i] }
                let r = a == b ? 1 : s / max((sa * sb).squareRoot(), 1e-300)
                correlation[a * d + b] = r
                correlation[b * d + a] = r
            }
        }
        // Cholesky with a small ridge: constant or duplicated features make the matrix singular.
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var s = correlation[i * d + j] + (i == j ? 1e-9 : 0)
                for k in 0..<j { s -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = i == j ? max(s, 1e-12).squareRoot() : s / l[j * d + j]
            }
        }
        self.marginals = marginals
        cholesky = l
    }

    /// `count` rows drawn from the copula.
    func sample(_ count: Int, rng: inout SeededGenerator) -> [[Double]] {
        let d = marginals.count
        return (0..<count).map { _ in
            let g = (0..<d).map { _ in rng.nextGaussian() }
            return (0..<d).map { i -> Double in
                var z = 0.0
                for k in 0...i { z += cholesky[i * d + k] * g[k] }
                return marginals[i].quantile(0.5 * Foundation.erfc(-z / 2.0.squareRoot()))
            }
        }
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step
    /// (relative error below 1e-12).
    static func quantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let e = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * Foundation.log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * Foundation.log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1)
        }
        let error = 0.5 * Foundation.erfc(-x / 2.0.squareRoot()) - p
        let u = error * (2 * Double.pi).squareRoot() * Foundation.exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}

/// A one-dimensional Gaussian kernel density with Scott's bandwidth (h = σ · n^(−1/5), as scipy's
/// `gaussian_kde`), its quantile function tabulated once on a grid of 2,049 points over
/// [min − 5h, max + 5h] (the data binned onto the grid first, so building it is O(n + grid²)).
struct KernelDensity {
    let values: [Double]
    let bandwidth: Double
    /// Grid points and the density's CDF at them (increasing).
    let grid: [Double]
    let cdf: [Double]

    init(_ values: [Double]) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1)
        // A constant feature gets a tiny bandwidth instead of none.
        let h = max(variance.squareRoot() * Foundation.pow(n, -0.2), 1e-9 * max(1, abs(mean)))
        let low = values.min()! - 5 * h, high = values.max()! + 5 * h
        let points = 2049
        let step = (high - low) / Double(points - 1)
        var counts = [Double](repeating: 0, count: points)
        for v in values { counts[min(points - 1, max(0, Int(((v - low) / step).rounded())))] += 1 }
        let grid = (0..<points).map { low + Double($0) * step }
        var cdf = [Double](repeating: 0, count: points)
        for (g, x) in grid.enumerated() {
            var s = 0.0
            for b in 0..<points where counts[b] > 0 {
                s += counts[b] * 0.5 * Foundation.erfc(-(x - grid[b]) / (h * 2.0.squareRoot()))
            }
            cdf[g] = s / n
        }
        self.values = values
        bandwidth = h
        self.grid = grid
        self.cdf = cdf
    }

    /// A draw: a data point plus N(0, h²).
    func sample(rng: inout SeededGenerator) -> Double {
        values[Int.random(in: 0..<values.count, using: &rng)] + bandwidth * rng.nextGaussian()
    }

    /// The x with CDF(x) = u, linear between grid points. - Complexity: O(log grid)
    func quantile(_ u: Double) -> Double {
        var lo = 0, hi = cdf.count - 1
        if u <= cdf[lo] { return grid[lo] }
        if u >= cdf[hi] { return grid[hi] }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if cdf[mid] < u { lo = mid } else { hi = mid }
        }
        let t = cdf[hi] > cdf[lo] ? (u - cdf[lo]) / (cdf[hi] - cdf[lo]) : 0
        return grid[lo] + t * (grid[hi] - grid[lo])
    }
}
