@_spi(Kernels) import AnomalyMath
import Foundation

/// HBOS: Histogram-based Outlier Score (Goldstein & Dengel 2012), as PyOD's `HBOS` with static bins.
///
/// Each feature gets `n_bins` equal-width bins over its training range (numpy's `histogram`,
/// density-normalised). A value scores `log2(density + alpha)` of its bin, found with numpy's
/// `digitize(right=True)` as PyOD does; values below the first or above the last edge take the
/// outermost bin when within `tol` bin widths of it, else the feature's lowest score. A row's score
/// is minus the sum over features.
public struct HBOS: Detector {
    public typealias Fitted = FittedHBOS
    public static let declaration = DetectorDeclaration<Self>(
        name: "hbos", summary: "Histogram-based outlier score (independent per-feature histograms)",
        family: "probabilistic", defaults: Self(), parameters: [
            .int("n_bins", \.bins, min: 3, help: "number of equal-width bins per feature (PyOD requires n_bins > 2)"),
            .double("alpha", \.alpha, min: 0, max: 1, openMin: true, openMax: true,
                    help: "regulariser added to each bin density before the log"),
            .double("tol", \.tolerance, min: 0, max: 1, openMin: true, openMax: true,
                    help: "how many bin widths outside the training range still count as the outer bin"),
        ])

    public var bins: Int
    public var alpha: Double
    public var tolerance: Double

    /// Checked against the specs when fitted (`validateParameters`).
    public init(bins: Int = 10, alpha: Double = 0.1, tolerance: Double = 0.5) {
        self.bins = bins
        self.alpha = alpha
        self.tolerance = tolerance
    }

    /// - Complexity: O(n·d), parallel over features.
    public func fit(_ data: Matrix) throws -> FittedHBOS {
        try validateForFitting(data, minimumRows: 1)
        let n = data.rows, d = data.cols, b = bins
        let columns = ProbabilisticSupport.columnMajorDoubles(data)
        // With the exact float64 source there is nothing to recover; otherwise values within Float
        // rounding of an edge are decided on the short decimal they most likely came from.
        let exact = data.doubleSource != nil
        var edges = [Double](repeating: 0, count: d * (b + 1))
        var logDensity = [Double](repeating: 0, count: d * b)
        let alpha = self.alpha
        columns.withUnsafeBufferPointer { cb in
            edges.withUnsafeMutableBufferPointer { eb in
                logDensity.withUnsafeMutableBufferPointer { lb in
                    let col = SharedBuffer(cb), e = SharedMutableBuffer(eb), l = SharedMutableBuffer(lb)
                    parallelFor(d) { features in
                        var counts = [Int](repeating: 0, count: b)
                        for c in features {
                            let x = col.base + c &* n
                            var lo = x[0], hi = x[0]
                            for r in 1..<n { lo = min(lo, x[r]); hi = max(hi, x[r]) }
                            if !exact {
                                lo = DecimalRecovery.double(Float(lo))
                                hi = DecimalRecovery.double(Float(hi))
                            }
                            if lo == hi { lo -= 0.5; hi += 0.5 }
                            // numpy.linspace(lo, hi, b + 1).
                            let step = (hi - lo) / Double(b)
                            let edge = e.base + c &* (b &+ 1)
                            for i in 0..<b { edge[i] = Double(i) * step + lo }
                            edge[b] = hi
                            // numpy.histogram's uniform-bin assignment, with its edge corrections.
                            for i in 0..<b { counts[i] = 0 }
                            let span = hi - lo
                            func bin(_ v: Double) -> Int {
                                var k = Int((v - lo) / span * Double(b))
                                if k >= b { k = b - 1 }
                                if k < 0 { k = 0 }
                                if v < edge[k] && k > 0 { k -= 1 }
                                if k < b - 1 && v >= edge[k + 1] { k += 1 }
                                return k
                            }
                            var memo = DecimalRecovery.Memo()
                            for r in 0..<n {
                                let v = x[r]
                                var k = bin(v)
                                // A value within Float rounding of an edge: decide with the decimal it came from.
                                if !exact && (DecimalRecovery.isNear(v, edge[k]) || DecimalRecovery.isNear(v, edge[k + 1])) {
                                    k = bin(memo.double(Float(v)))
                                }
                                counts[k] += 1
                            }
                            for i in 0..<b {
                                let width = edge[i + 1] - edge[i]
                                let density = Double(counts[i]) / width / Double(n)
                                l[c &* b &+ i] = Foundation.log2(density + alpha)
                            }
                        }
                    }
                }
            }
        }
        let fitted = FittedHBOS(settings: self, featureCount: d, edges: edges, logDensity: logDensity, trainingScores: [])
        return FittedHBOS(settings: self, featureCount: d, edges: edges, logDensity: logDensity,
                          trainingScores: fitted.rawScores(data))
    }
}

public struct FittedHBOS: FittedDetector {
    public let settings: HBOS
    public let featureCount: Int
    /// Per feature, the `n_bins + 1` bin edges (feature-major).
    let edges: [Double]
    /// Per feature, `log2(density + alpha)` of each bin (feature-major).
    let logDensity: [Double]
    public let trainingScores: [Double]

    init(settings: HBOS, featureCount: Int, edges: [Double], logDensity: [Double], trainingScores: [Double]) {
        self.settings = settings
        self.featureCount = featureCount
        self.edges = edges
        self.logDensity = logDensity
        self.trainingScores = trainingScores
    }

    /// - Complexity: O(m·d·log n_bins), parallel over rows.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return rawScores(data)
    }

    func rawScores(_ data: Matrix) -> [Double] {
        let d = featureCount, b = settings.bins, tol = settings.tolerance
        var lowest = [Double](repeating: 0, count: d)
        for c in 0..<d { lowest[c] = logDensity[(c * b)..<((c + 1) * b)].min() ?? 0 }
        var out = [Double](repeating: 0, count: data.rows)
        let exact = data.doubleSource ?? []
        let hasExact = data.doubleSource != nil
        data.values.withUnsafeBufferPointer { vb in
          exact.withUnsafeBufferPointer { xb in
            edges.withUnsafeBufferPointer { eb in
                logDensity.withUnsafeBufferPointer { lb in
                    lowest.withUnsafeBufferPointer { mb in
                        out.withUnsafeMutableBufferPointer { ob in
                            let v = SharedBuffer(vb), e = SharedBuffer(eb), l = SharedBuffer(lb), m = SharedBuffer(mb)
                            let o = SharedMutableBuffer(ob), exactValues = SharedBuffer(xb)
                            parallelFor(data.rows, minimumChunk: 256) { range in
                                var memo = DecimalRecovery.Memo()
                                for r in range {
                                    var total = 0.0
                                    for c in 0..<d {
                                        var x = hasExact ? exactValues[r &* d &+ c] : Double(v[r &* d &+ c])
                                        let edge = e.base + c &* (b &+ 1)
                                        let score = l.base + c &* b
                                        // numpy.digitize(right=True): i with edge[i-1] < x ≤ edge[i].
                                        func digitize(_ x: Double) -> Int {
                                            var lo = 0, hi = b &+ 1
                                            while lo < hi {
                                                let mid = (lo &+ hi) >> 1
                                                if edge[mid] < x { lo = mid &+ 1 } else { hi = mid }
                                            }
                                            return lo
                                        }
                                        var lo = digitize(x)
                                        // Within Float rounding of an edge: decide with the decimal it came from.
                                        if !hasExact && ((lo > 0 && DecimalRecovery.isNear(x, edge[lo &- 1])) || (lo <= b && DecimalRecovery.isNear(x, edge[lo]))) {
                                            x = memo.double(v[r &* d &+ c])
                                            lo = digitize(x)
                                        }
                                        let s: Double
                                        if lo == 0 {
                                            s = edge[0] - x <= (edge[1] - edge[0]) * tol ? score[0] : m[c]
                                        } else if lo == b &+ 1 {
                                            s = x - edge[b] <= (edge[b] - edge[b &- 1]) * tol ? score[b &- 1] : m[c]
                                        } else {
                                            s = score[lo &- 1]
                                        }
                                        total += s
                                    }
                                    o[r] = -total
                                }
                            }
                        }
                    }
                }
            }
        }
          }
        return out
    }

    public func save(to state: inout DetectorState) {
        state.set("bin_edges", doubles: edges, shape: [featureCount, settings.bins + 1])
        state.set("log_density", doubles: logDensity, shape: [featureCount, settings.bins])
    }

    public init(settings: HBOS, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let e = try state.tensor("bin_edges", shape: [featureCount, settings.bins + 1]).doubles()
        let l = try state.tensor("log_density", shape: [featureCount, settings.bins]).doubles()
        self.init(settings: settings, featureCount: featureCount, edges: e, logDensity: l, trainingScores: trainingScores)
    }
}
