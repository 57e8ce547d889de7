@_spi(Kernels) import AnomalyMath
import Foundation

/// How ECOD and COPOD turn a feature's two tail probabilities into its score.
public enum TailAggregation: Sendable {
    /// The largest of −log(left), −log(right) and the skewness-chosen tail (ECOD).
    case ecod
    /// The larger of their mean and the skewness-chosen tail (COPOD).
    case copod
}

/// A parameter-free detector scored from per-feature ECDF tails (ECOD, COPOD): they differ
/// only in `aggregation`, and share fitting and the fitted type.
public protocol ECDFTailDetector: Detector {
    static var aggregation: TailAggregation { get }
}

extension ECDFTailDetector where Fitted == FittedECDFTails<Self> {
    /// - Complexity: O(n·d·log n), parallel over features and rows.
    public func fit(_ data: Matrix) throws -> FittedECDFTails<Self> {
        try validateForFitting(data, minimumRows: 2)
        let model = ECDFTailModel(fitting: data)
        return FittedECDFTails(settings: self, model: model,
                               trainingScores: model.trainingScores(data, aggregation: Self.aggregation))
    }
}

/// A fitted ECOD or COPOD: the sorted training columns and their moments.
public struct FittedECDFTails<Settings: ECDFTailDetector>: FittedDetector {
    public let settings: Settings
    let model: ECDFTailModel
    public let trainingScores: [Double]
    public var featureCount: Int { model.features }

    init(settings: Settings, model: ECDFTailModel, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }

    /// - Complexity: O(m·d·log n), parallel over rows.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return model.scores(data, aggregation: Settings.aggregation)
    }

    public func save(to state: inout DetectorState) { model.save(to: &state) }

    public init(settings: Settings, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        self.init(settings: settings, model: try ECDFTailModel(state: state, featureCount: featureCount),
                  trainingScores: trainingScores)
    }
}

/// The fitted state shared by ECOD and COPOD: each training column sorted, and each column's
/// count, mean and central moment sums (for the skewness sign).
///
/// Training rows are scored exactly as PyOD scores its training data (ECDFs and skewness of the
/// training columns). A new row is scored as PyOD's `decision_function` scores that row alone:
/// PyOD appends the scored rows to the training data and recomputes the ECDFs and skewness, so for
/// one row the left tail is `(#{train ≤ x} + 1)/(n + 1)`, the right tail `(#{train ≥ x} + 1)/(n + 1)`,
/// and the skewness is that of the training column plus `x`. Scoring rows one at a time keeps a
/// row's score independent of its batch (PyOD's batch scores depend on the whole batch).
struct ECDFTailModel: Sendable {
    typealias Aggregation = TailAggregation

    let rows: Int
    let features: Int
    /// Feature-major sorted training columns (`features × rows`).
    let sortedColumns: [Float]
    /// Per feature: mean, Σ(x − mean)², Σ(x − mean)³ of the training column.
    let moments: [Double]

    init(rows: Int, features: Int, sortedColumns: [Float], moments: [Double]) {
        self.rows = rows
        self.features = features
        self.sortedColumns = sortedColumns
        self.moments = moments
    }

    /// Fits on `data`: sorts the columns and computes two-pass central moments (as scipy's `skew`).
    /// - Complexity: O(n·d·log n), parallel over features.
    init(fitting data: Matrix) {
        let n = data.rows, d = data.cols
        let sorted = ProbabilisticSupport.sortedColumns(data)
        var moments = [Double](repeating: 0, count: 3 * d)
        sorted.withUnsafeBufferPointer { sb in
            let s = SharedBuffer(sb)
            moments.withUnsafeMutableBufferPointer { mb in
                let m = SharedMutableBuffer(mb)
                parallelFor(d) { cols in
                    for c in cols {
                        let col = s.base + c &* n
                        var sum = 0.0
                        for r in 0..<n { sum += Double(col[r]) }
                        let mean = sum / Double(n)
                        var m2 = 0.0, m3 = 0.0
                        for r in 0..<n {
                            let dv = Double(col[r]) - mean
                            let sq = dv * dv
                            m2 += sq
                            m3 += sq * dv
                        }
                        m[3 &* c] = mean; m[3 &* c &+ 1] = m2; m[3 &* c &+ 2] = m3
                    }
                }
            }
        }
        self.init(rows: n, features: d, sortedColumns: sorted, moments: moments)
    }

    /// The sign of scipy's (biased) skewness from a count, mean and central sums; 0 where scipy
    /// reports NaN (a numerically constant column), as PyOD's `nan_to_num` makes it.
    @inline(__always)
    static func skewSign(count n: Double, mean: Double, m2sum: Double, m3sum: Double) -> Int {
        let m2 = m2sum / n, m3 = m3sum / n
        let resolution = 1e-15 * mean
        if m2 <= resolution * resolution { return 0 }
        let skew = m3 / (m2 * m2.squareRoot())
        return skew > 0 ? 1 : (skew < 0 ? -1 : 0)
    }

    /// One feature's contribution from its tail probabilities and skewness sign.
    @inline(__always)
    static func featureScore(left: Double, right: Double, skewSign: Int, aggregation: Aggregation) -> Double {
        let ul = -Foundation.log(left), ur = -Foundation.log(right)
        let uskew = skewSign > 0 ? ur : (skewSign < 0 ? ul : ul + ur)
        switch aggregation {
        case .ecod: return max(uskew, max(ul, ur))
        case .copod: return max(uskew, (ul + ur) / 2)
        }
    }

    /// Training scores (PyOD's `decision_scores_`): ECDFs and skewness over the training data.
    /// - Complexity: O(n·d·log n), parallel over rows.
    func trainingScores(_ data: Matrix, aggregation: Aggregation) -> [Double] {
        let n = rows, d = features
        let signs = (0..<d).map { c in
            Self.skewSign(count: Double(n), mean: moments[3 * c], m2sum: moments[3 * c + 1], m3sum: moments[3 * c + 2])
        }
        var out = [Double](repeating: 0, count: data.rows)
        data.values.withUnsafeBufferPointer { vb in
            sortedColumns.withUnsafeBufferPointer { sb in
                out.withUnsafeMutableBufferPointer { ob in
                    let v = SharedBuffer(vb), s = SharedBuffer(sb), o = SharedMutableBuffer(ob)
                    let inv = 1 / Double(n)
                    parallelFor(data.rows, minimumChunk: 64) { range in
                        for r in range {
                            var total = 0.0
                            for c in 0..<d {
                                let x = v[r &* d &+ c]
                                let col = s.base + c &* n
                                let le = ProbabilisticSupport.countLessOrEqual(col, n, x)
                                let ge = n &- ProbabilisticSupport.countLess(col, n, x)
                                total += Self.featureScore(left: Double(le) * inv, right: Double(ge) * inv,
                                                           skewSign: signs[c], aggregation: aggregation)
                            }
                            o[r] = total
                        }
                    }
                }
            }
        }
        return out
    }

    /// Scores of new rows, each as if PyOD scored it alone after fitting.
    /// - Complexity: O(m·d·log n), parallel over rows.
    func scores(_ data: Matrix, aggregation: Aggregation) -> [Double] {
        let n = rows, d = features
        var out = [Double](repeating: 0, count: data.rows)
        data.values.withUnsafeBufferPointer { vb in
            sortedColumns.withUnsafeBufferPointer { sb in
                moments.withUnsafeBufferPointer { mb in
                    out.withUnsafeMutableBufferPointer { ob in
                        let v = SharedBuffer(vb), s = SharedBuffer(sb), mo = SharedBuffer(mb)
                        let o = SharedMutableBuffer(ob)
                        let n1 = Double(n + 1), nd = Double(n)
                        parallelFor(data.rows, minimumChunk: 64) { range in
                            for r in range {
                                var total = 0.0
                                for c in 0..<d {
                                    let x = v[r &* d &+ c]
                                    let col = s.base + c &* n
                                    let le = ProbabilisticSupport.countLessOrEqual(col, n, x) &+ 1
                                    let ge = n &- ProbabilisticSupport.countLess(col, n, x) &+ 1
                                    // Moments of the training column with x appended.
                                    let mean = mo[3 &* c], m2 = mo[3 &* c &+ 1], m3 = mo[3 &* c &+ 2]
                                    let delta = Double(x) - mean
                                    let newMean = mean + delta / n1
                                    let newM2 = m2 + delta * delta * nd / n1
                                    let newM3 = m3 + delta * delta * delta * nd * (nd - 1) / (n1 * n1) - 3 * delta * m2 / n1
                                    let sign = Self.skewSign(count: n1, mean: newMean, m2sum: newM2, m3sum: newM3)
                                    total += Self.featureScore(left: Double(le) / n1, right: Double(ge) / n1,
                                                               skewSign: sign, aggregation: aggregation)
                                }
                                o[r] = total
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    func save(to state: inout DetectorState) {
        state.set("sorted_columns", floats: sortedColumns, shape: [features, rows])
        state.set("moments", doubles: moments, shape: [features, 3])
    }

    init(state: DetectorState, featureCount: Int) throws {
        let t = try state.tensor("sorted_columns", shape: [featureCount, nil])
        let n = t.shape[1]
        guard n >= 1 else { throw AnomalyError.model("needs at least one training row", field: "sorted_columns") }
        let m = try state.tensor("moments", shape: [featureCount, 3]).doubles()
        self.init(rows: n, features: featureCount, sortedColumns: t.floats(), moments: m)
    }
}
