import AnomalyMath
import Foundation

/// Minimum Covariance Determinant detector, as PyOD's `MCD` (scikit-learn's `MinCovDet`): the
/// score of a row is its squared Mahalanobis distance to the reweighted robust location and
/// covariance.
///
/// The robust estimate follows scikit-learn's FastMCD (Rousseeuw & Van Driessen 1999) step for step:
/// random `h`-subsets refined by concentration steps; for more than 500 rows, candidates from
/// subsets of about 300 rows merged on at most 1500 rows and, beyond 1500 rows, refined on all rows;
/// then the consistency correction and the reweighting step (rows within the 97.5 % chi-squared
/// quantile). The random subsets come from a replica of numpy's `RandomState(random_state)`, so the
/// same seed selects the same subsets as PyOD/scikit-learn (up to ties in distances).
public struct MCD: Detector {
    public typealias Fitted = FittedMCD
    public static let declaration = DetectorDeclaration<Self>(
        name: "mcd", summary: "Minimum covariance determinant (robust Mahalanobis distance)",
        family: "probabilistic", defaults: Self(), parameters: [
            .double("support_fraction", \.supportFraction, min: 0, max: 1, none: 0,
                    help: "share of rows in the raw MCD support; 0 means PyOD's None, i.e. (n + d + 1) / 2 rows"),
            .bool("assume_centered", \.assumeCentered, help: "estimate the covariance around zero instead of a robust location"),
            .int("random_state", \.seed, min: 0, max: Int(UInt32.max), help: "seed of the random subsets (numpy RandomState)"),
        ])

    /// Share of rows in the raw support, in (0, 1]; nil = (n + d + 1) / 2 rows.
    public var supportFraction: Double?
    public var assumeCentered: Bool
    public var seed: Int

    /// Checked against the specs when fitted (`validateParameters`).
    public init(supportFraction: Double? = nil, assumeCentered: Bool = false, seed: Int = 42) {
        self.supportFraction = supportFraction
        self.assumeCentered = assumeCentered
        self.seed = seed
    }

    /// - Complexity: O(n·d² · concentration steps) through BLAS; candidates run in parallel.
    public func fit(_ data: Matrix) throws -> FittedMCD {
        try validateForFitting(data, minimumRows: 2)
        let n = data.rows, d = data.cols
        let x = ProbabilisticSupport.doubles(data)
        let h: Int
        if let f = supportFraction {
            h = Int(f * Double(n))
            guard h >= 1 else { throw AnomalyError.parameter("support_fraction", "selects no rows of \(n)") }
        } else {
            h = min(Int((0.5 * Double(n + d + 1)).rounded(.up)), n)
        }
        var rng = LegacyRandomState(seed: UInt32(seed))
        var raw = try FastMCD.estimate(x, n: n, d: d, h: h, rng: &rng)

        if assumeCentered {
            let rows = raw.support
            var sub = [Double](); sub.reserveCapacity(rows.count * d)
            for i in rows { sub.append(contentsOf: x[(i * d)..<((i + 1) * d)]) }
            raw.location = [Double](repeating: 0, count: d)
            raw.covariance = Statistics.covarianceOfCentred(sub, rows: rows.count, cols: d, ddof: 0)
            let p = try ProbabilisticSupport.pseudoInverseSymmetric(raw.covariance, n: d)
            raw.dist = FastMCD.mahalanobis(x, n: n, d: d, location: raw.location, precision: p)
        }
        // Consistency correction of the raw distances.
        let supportCount = raw.support.count
        if supportCount < n && raw.covariance.allSatisfy({ abs($0) <= 1e-8 }) {
            throw AnomalyError(.numeric, "the covariance matrix of the MCD support is zero; increase support_fraction")
        }
        let raw_c = FastMCD.consistencyFactor(features: d, alpha: Double(supportCount) / Double(n))
        let dist = raw.dist.map { $0 / raw_c }
        // Reweighting.
        let cut = ProbabilisticSupport.chi2Quantile(1 - 0.025, df: d)
        let kept = (0..<n).filter { dist[$0] < cut }
        guard !kept.isEmpty else { throw AnomalyError(.numeric, "MCD reweighting kept no rows") }
        var sub = [Double](); sub.reserveCapacity(kept.count * d)
        for i in kept { sub.append(contentsOf: x[(i * d)..<((i + 1) * d)]) }
        var location = [Double](repeating: 0, count: d)
        var covariance: [Double]
        if assumeCentered {
            covariance = Statistics.covarianceOfCentred(sub, rows: kept.count, cols: d, ddof: 0)
        } else {
            (location, covariance) = FastMCD.meanAndCovariance(sub, n: kept.count, d: d)
        }
        let c = FastMCD.consistencyFactor(features: d, alpha: 1 - 0.025)
        covariance = covariance.map { $0 * c }
        let precision = try ProbabilisticSupport.pseudoInverseSymmetric(covariance, n: d)
        let scores = FastMCD.mahalanobis(x, n: n, d: d, location: location, precision: precision)
        return FittedMCD(settings: self, featureCount: d, location: location, covariance: covariance,
                         precision: precision, rawLocation: raw.location, rawCovariance: raw.covariance,
                         trainingScores: scores)
    }
}

public struct FittedMCD: FittedDetector {
    public let settings: MCD
    public let featureCount: Int
    /// The reweighted robust location (`d`) and covariance (`d × d`, row-major).
    public let location: [Double]
    public let covariance: [Double]
    /// The pseudo-inverse of `covariance`.
    public let precision: [Double]
    /// The raw FastMCD estimate before correction and reweighting.
    public let rawLocation: [Double]
    public let rawCovariance: [Double]
    public let trainingScores: [Double]

    init(settings: MCD, featureCount: Int, location: [Double], covariance: [Double], precision: [Double],
         rawLocation: [Double], rawCovariance: [Double], trainingScores: [Double]) {
        self.settings = settings
        self.featureCount = featureCount
        self.location = location
        self.covariance = covariance
        self.precision = precision
        self.rawLocation = rawLocation
        self.rawCovariance = rawCovariance
        self.trainingScores = trainingScores
    }

    /// Squared Mahalanobis distances, in fixed-shape blocks (a row's score does not depend on its
    /// batch). - Complexity: O(m·d²) through BLAS, parallel over row blocks.
    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        let d = featureCount, location = self.location, precision = self.precision, block = 64
        return ProbabilisticSupport.scoredInFixedBlocks(ProbabilisticSupport.doubles(data), rows: data.rows, cols: d,
                                                        block: block) { rows in
            FastMCD.mahalanobis(rows, n: block, d: d, location: location, precision: precision)
        }
    }

    public func save(to state: inout DetectorState) {
        let d = featureCount
        state.set("location", doubles: location, shape: [d])
        state.set("covariance", doubles: covariance, shape: [d, d])
        state.set("precision", doubles: precision, shape: [d, d])
        state.set("raw_location", doubles: rawLocation, shape: [d])
        state.set("raw_covariance", doubles: rawCovariance, shape: [d, d])
    }

    public init(settings: MCD, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let d = featureCount
        self.init(settings: settings, featureCount: d,
                  location: try state.tensor("location", shape: [d]).doubles(),
                  covariance: try state.tensor("covariance", shape: [d, d]).doubles(),
                  precision: try state.tensor("precision", shape: [d, d]).doubles(),
                  rawLocation: try state.tensor("raw_location", shape: [d]).doubles(),
                  rawCovariance: try state.tensor("raw_covariance", shape: [d, d]).doubles(),
                  trainingScores: trainingScores)
    }
}

/// scikit-learn's FastMCD (`fast_mcd`, `select_candidates`, `_c_step`) on row-major `Double` data.
enum FastMCD {
    struct Estimate: Sendable {
        var location: [Double]
        var covariance: [Double]
        var logDet: Double
        /// Row indices of the support (ascending).
        var support: [Int]
        var dist: [Double]
    }

    /// Consistency factor of the MCD covariance for a support share `alpha`.
    static func consistencyFactor(features d: Int, alpha: Double) -> Double {
        let q = ProbabilisticSupport.chi2Quantile(alpha, df: d)
        return alpha / ProbabilisticSupport.chi2CDF(q, df: d + 2)
    }

    static func meanAndCovariance(_ rows: [Double], n: Int, d: Int) -> ([Double], [Double]) {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += rows[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        var centred = rows
        for i in 0..<n { for j in 0..<d { centred[i * d + j] -= mean[j] } }
        return (mean, Statistics.covarianceOfCentred(centred, rows: n, cols: d, ddof: 0))
    }

    static func mahalanobis(_ x: [Double], n: Int, d: Int, location: [Double], precision: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                ProbabilisticSupport.mahalanobis(xb.baseAddress!, rows: n, cols: d, location: location,
                                                 precision: precision, out: ob.baseAddress!)
            }
        }
        return out
    }

    /// Indices (ascending) of the `h` smallest `values` (ties broken by index). - Complexity: O(n) expected.
    static func smallest(_ values: [Double], _ h: Int) -> [Int] {
        let n = values.count
        if h >= n { return Array(0..<n) }
        var a = values
        // Quickselect for the h-th smallest value (0-based h − 1).
        var lo = 0, hi = n - 1, k = h - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three as the pivot.
            let p = Swift.max(Swift.min(a[lo], a[mid]), Swift.min(Swift.max(a[lo], a[mid]), a[hi]))
            var i = lo, j = hi
            while i <= j {
                while a[i] < p { i += 1 }
                while a[j] > p { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        let v = a[k]
        var out = [Int](); out.reserveCapacity(h)
        var ties = 0
        let below = values.reduce(0) { $0 + ($1 < v ? 1 : 0) }
        for i in 0..<n {
            if values[i] < v { out.append(i) }
            else if values[i] == v && ties < h - below { out.append(i); ties += 1 }
        }
        return out
    }

    /// One run of concentration steps (sklearn's `_c_step`), from a random support (`start`) or
    /// from an initial estimate.
    static func cStep(_ x: [Double], n: Int, d: Int, h: Int, iterations: Int,
                      start: [Int]?, initial: (location: [Double], covariance: [Double])?) -> Estimate {
        var remaining = iterations
        var support: [Int]
        var dist = [Double](repeating: .infinity, count: n)
        var precision = [Double](repeating: 0, count: d * d)
        if let initial {
            precision = (try? ProbabilisticSupport.inverseSymmetric(initial.covariance, n: d)) ?? precision
            dist = mahalanobis(x, n: n, d: d, location: initial.location, precision: precision)
            support = smallest(dist, h)
        } else {
            support = (start ?? Array(0..<h)).sorted()
        }
        func fitSupport(_ s: [Int]) -> ([Double], [Double], Double) {
            var rows = [Double](); rows.reserveCapacity(s.count * d)
            for i in s { rows.append(contentsOf: x[(i * d)..<((i + 1) * d)]) }
            let (m, c) = meanAndCovariance(rows, n: s.count, d: d)
            return (m, c, ProbabilisticSupport.logDeterminant(c, n: d))
        }
        var (location, covariance, det) = fitSupport(support)
        if det.isInfinite {
            precision = (try? ProbabilisticSupport.inverseSymmetric(covariance, n: d)) ?? precision
        }
        var previousDet = Double.infinity
        var previous = Estimate(location: location, covariance: covariance, logDet: det, support: support, dist: dist)
        while det < previousDet && remaining > 0 && !det.isInfinite {
            previous = Estimate(location: location, covariance: covariance, logDet: det, support: support, dist: dist)
            previousDet = det
            precision = (try? ProbabilisticSupport.inverseSymmetric(covariance, n: d)) ?? precision
            dist = mahalanobis(x, n: n, d: d, location: location, precision: precision)
            support = smallest(dist, h)
            (location, covariance, det) = fitSupport(support)
            remaining -= 1
        }
        previous.dist = dist
        // As sklearn: the distances use the new location with the last precision.
        dist = mahalanobis(x, n: n, d: d, location: location, precision: precision)
        let current = Estimate(location: location, covariance: covariance, logDet: det, support: support, dist: dist)
        var result = current
        let close = det.isFinite && previousDet.isFinite && abs(det - previousDet) <= 1e-8 + 1e-5 * abs(previousDet)
        if det.isInfinite || close || remaining == 0 {
            result = current
        } else if det > previousDet {
            result = previous
        }
        return result
    }

    /// sklearn's `select_candidates`: runs the trials (in parallel) and keeps the `select` with the
    /// lowest log-determinant.
    static func selectCandidates(_ x: [Double], n: Int, d: Int, h: Int, starts: [[Int]]?,
                                 initials: [([Double], [Double])]?, select: Int, iterations: Int) -> [Estimate] {
        let count = starts?.count ?? initials?.count ?? 0
        let estimates: [Estimate] = BLAS.withSingleThread {
            parallelMap(count) { t in
                if let initials {
                    return cStep(x, n: n, d: d, h: h, iterations: iterations, start: nil,
                                 initial: (initials[t].0, initials[t].1))
                }
                return cStep(x, n: n, d: d, h: h, iterations: iterations, start: starts?[t], initial: nil)
            }
        }
        let order = (0..<count).sorted { (estimates[$0].logDet, $0) < (estimates[$1].logDet, $1) }
        return order.prefix(select).map { estimates[$0] }
    }

    /// The raw MCD estimate (sklearn's `fast_mcd`).
    static func estimate(_ x: [Double], n: Int, d: Int, h: Int, rng: inout LegacyRandomState) throws -> Estimate {
        if d == 1 { return univariate(x, n: n, h: h) }
        if h >= n {
            // The support must hold every row (e.g. features ≥ rows, where (n + d + 1)/2 ≥ n): each
            // concentration step returns all rows, so FastMCD's random trials all end at the
            // classical estimate. Compute it once instead of running them (O(n·d² + d³)).
            let (location, covariance) = meanAndCovariance(x, n: n, d: d)
            let precision: [Double]
            if let p = try? ProbabilisticSupport.inverseSymmetric(covariance, n: d) { precision = p }
            else { precision = try ProbabilisticSupport.pseudoInverseSymmetric(covariance, n: d) }
            return Estimate(location: location, covariance: covariance,
                            logDet: ProbabilisticSupport.logDeterminant(covariance, n: d),
                            support: Array(0..<n), dist: mahalanobis(x, n: n, d: d, location: location, precision: precision))
        }
        if n > 500 {
            let subsets = n / 300
            let perSubset = n / subsets
            let shuffle = rng.permutation(n)
            let hSubset = Int((Double(perSubset) * (Double(h) / Double(n))).rounded(.up))
            let trials = max(10, 500 / subsets)
            let bestPerSubset = 10
            var candidates: [([Double], [Double])] = []
            for s in 0..<subsets {
                var sub = [Double](); sub.reserveCapacity(perSubset * d)
                for i in shuffle[(s * perSubset)..<((s + 1) * perSubset)] { sub.append(contentsOf: x[(i * d)..<((i + 1) * d)]) }
                let starts = (0..<trials).map { _ in Array(rng.permutation(perSubset).prefix(hSubset)) }
                let best = selectCandidates(sub, n: perSubset, d: d, h: hSubset, starts: starts, initials: nil,
                                            select: bestPerSubset, iterations: 2)
                candidates += best.map { ($0.location, $0.covariance) }
            }
            let merged = min(1500, n)
            let hMerged = Int((Double(merged) * (Double(h) / Double(n))).rounded(.up))
            let bestMerged = n > 1500 ? 10 : 1
            let selection = Array(rng.permutation(n).prefix(merged))
            var sub = [Double](); sub.reserveCapacity(merged * d)
            for i in selection { sub.append(contentsOf: x[(i * d)..<((i + 1) * d)]) }
            let mergedBest = selectCandidates(sub, n: merged, d: d, h: hMerged, starts: nil, initials: candidates,
                                              select: bestMerged, iterations: 30)
            if n < 1500 {
                guard let e = mergedBest.first else { throw AnomalyError(.numeric, "FastMCD found no candidate") }
                var dist = [Double](repeating: 0, count: n)
                for (j, i) in selection.enumerated() { dist[i] = e.dist[j] }
                let support = e.support.map { selection[$0] }.sorted()
                return Estimate(location: e.location, covariance: e.covariance, logDet: e.logDet, support: support, dist: dist)
            }
            let full = selectCandidates(x, n: n, d: d, h: h, starts: nil,
                                        initials: mergedBest.map { ($0.location, $0.covariance) }, select: 1, iterations: 30)
            guard let e = full.first else { throw AnomalyError(.numeric, "FastMCD found no candidate") }
            return e
        }
        let starts = (0..<30).map { _ in Array(rng.permutation(n).prefix(h)) }
        let best = selectCandidates(x, n: n, d: d, h: h, starts: starts, initials: nil, select: 10, iterations: 2)
        let full = selectCandidates(x, n: n, d: d, h: h, starts: nil, initials: best.map { ($0.location, $0.covariance) },
                                    select: 1, iterations: 30)
        guard let e = full.first else { throw AnomalyError(.numeric, "FastMCD found no candidate") }
        return e
    }

    /// The exact univariate MCD (sklearn's one-feature branch of `fast_mcd`).
    static func univariate(_ x: [Double], n: Int, h: Int) -> Estimate {
        var location: Double
        var support: [Int]
        if h < n {
            let sorted = x.sorted()
            var minDiff = Double.infinity
            for i in 0..<(n - h) { minDiff = min(minDiff, sorted[i + h] - sorted[i]) }
            var sum = 0.0, count = 0
            for i in 0..<(n - h) where sorted[i + h] - sorted[i] == minDiff { sum += sorted[i + h] + sorted[i]; count += 1 }
            location = 0.5 * (sum / Double(count))
            let order = (0..<n).sorted { (abs(x[$0] - location), $0) < (abs(x[$1] - location), $1) }
            support = Array(order.prefix(h)).sorted()
        } else {
            location = x.reduce(0, +) / Double(n)
            support = Array(0..<n)
        }
        let values = support.map { x[$0] }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        if h >= n { location = mean }
        let precision = variance > 0 ? 1 / variance : 0
        let dist = x.map { ($0 - location) * ($0 - location) * precision }
        return Estimate(location: [location], covariance: [variance],
                        logDet: variance > 0 ? Foundation.log(variance) : -.infinity, support: support, dist: dist)
    }
}
