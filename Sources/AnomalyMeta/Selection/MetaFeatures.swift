import AnomalyKit
import AnomalyTransfer
import AnomalyMath
import Foundation

/// Meta-features of a dataset for detector selection (in the spirit of MetaOD): its size and
/// shape, statistics of its features (moments, correlation, discreteness, outlier counts by
/// simple rules) and landmarkers — score statistics of fast detectors (HBOS, a small isolation
/// forest, PCA) run on it. Computed on a seeded sample of at most `sampleRows` rows, so a
/// 100,000-row dataset takes about a second.
public enum MetaFeatures {
    /// The names, in the order `compute` returns the values.
    public static let names: [String] = {
        var n = ["log_rows", "log_features", "log_rows_per_feature"]
        for s in ["skewness", "kurtosis"] { for a in ["mean", "std", "min", "max"] { n.append("\(s)_\(a)") } }
        n += ["discrete_fraction", "mean_abs_correlation", "rows_beyond_3sd", "values_beyond_tukey", "mean_cv"]
        for l in ["hbos", "iforest", "pca"] { for s in ["skewness", "kurtosis", "beyond_3sd"] { n.append("\(l)_\(s)") } }
        n += ["hbos_iforest_correlation", "hbos_pca_correlation", "iforest_pca_correlation"]
        return n
    }()

    package static let sampleRows = 5000
    public static let minimumRows = 20

    /// The meta-features of `x` (all finite). - Throws: for fewer than `minimumRows` rows,
    /// no features, or non-finite values. - Complexity: O(s·d·log s + s·min(d, 50)²) for a
    /// sample of s rows, plus the landmarkers' fits on it.
    public static func compute(_ x: Matrix, seed: UInt64 = 0) throws -> [Double] {
        guard x.rows >= minimumRows else {
            throw AnomalyError.shape("meta-features need at least \(minimumRows) rows, got \(x.rows)")
        }
        guard x.cols >= 1 else { throw AnomalyError.shape("meta-features need at least one feature") }
        try x.requireFinite()
        var rng = SeededGenerator(seed: seed &+ 0x3e7af)
        let sample = x.rows > sampleRows ? x.rows(at: rng.sample(sampleRows, from: x.rows).sorted()) : x
        let n = Double(x.rows), d = Double(x.cols)
        var out = [log10(n), log10(d), log10(n / d)]
        let columns = (0..<sample.cols).map { j in (0..<sample.rows).map { Double(sample[$0, j]) } }
        var skews: [Double] = [], kurts: [Double] = [], cvs: [Double] = []
        var discrete = 0, tukey = 0.0
        var beyond3SD = [Bool](repeating: false, count: sample.rows)
        for c in columns {
            let (mean, sd, skew, kurt) = moments(c)
            if sd > 0 { for i in c.indices where abs(c[i] - mean) > 3 * sd { beyond3SD[i] = true } }
            skews.append(skew)
            kurts.append(kurt)
            cvs.append(abs(mean) > 1e-12 ? min(sd / abs(mean), 100) : 0)
            if Set(c).count <= 10 { discrete += 1 }
            let sorted = c.sorted()
            let q1 = Statistics.quantileOfSorted(sorted, 0.25), q3 = Statistics.quantileOfSorted(sorted, 0.75)
            let lo = q1 - 1.5 * (q3 - q1), hi = q3 + 1.5 * (q3 - q1)
            tukey += Double(c.filter { $0 < lo || $0 > hi }.count) / Double(c.count)
        }
        for v in [skews, kurts] { out += [Statistics.mean(v), Statistics.standardDeviation(v), v.min()!, v.max()!] }
        out.append(Double(discrete) / d)
        out.append(meanAbsCorrelation(columns, rng: &rng))
        out.append(Double(beyond3SD.filter { $0 }.count) / Double(sample.rows))
        out.append(tukey / d)
        out.append(Statistics.mean(cvs))
        let landmarks = try landmarkerScores(sample)
        for s in landmarks {
            let (mean, sd, skew, kurt) = moments(s)
            out += [skew, kurt, sd > 0 ? Double(s.filter { $0 > mean + 3 * sd }.count) / Double(s.count) : 0]
        }
        out += [correlation(landmarks[0], landmarks[1]), correlation(landmarks[0], landmarks[2]),
                correlation(landmarks[1], landmarks[2])]
        return out.map { $0.isFinite ? $0 : 0 }
    }

    /// Mean, standard deviation, skewness and excess kurtosis (0 for a constant column).
    static func moments(_ v: [Double]) -> (Double, Double, Double, Double) {
        let mean = Statistics.mean(v)
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for x in v { let t = x - mean, t2 = t * t; m2 += t2; m3 += t2 * t; m4 += t2 * t2 }
        let count = Double(v.count)
        m2 /= count; m3 /= count; m4 /= count
        guard m2 > 1e-24 else { return (mean, 0, 0, 0) }
        return (mean, m2.squareRoot(), m3 / pow(m2, 1.5), m4 / (m2 * m2) - 3)
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let ma = Statistics.mean(a), mb = Statistics.mean(b)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { let x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }

    /// Mean |Pearson correlation| over pairs of up to 50 seeded features.
    static func meanAbsCorrelation(_ columns: [[Double]], rng: inout SeededGenerator) -> Double {
        guard columns.count >= 2 else { return 0 }
        let chosen = columns.count > 50 ? rng.sample(50, from: columns.count).map { columns[$0] } : columns
        var total = 0.0, pairs = 0
        for i in 0..<chosen.count { for j in (i + 1)..<chosen.count { total += abs(correlation(chosen[i], chosen[j])); pairs += 1 } }
        return total / Double(pairs)
    }


    /// Training scores of HBOS, a 50-tree isolation forest and PCA on the sample.
    static func landmarkerScores(_ x: Matrix) throws -> [[Double]] {
        let hbos = try DetectorRegistry.make("hbos").fit(x).trainingScores
        let forest = try DetectorRegistry.make("iforest", assignments: ["n_estimators": "50", "random_state": "0"]).fit(x).trainingScores
        let pca: [Double]
        do { pca = try DetectorRegistry.make("pca").fit(x).trainingScores } catch { pca = hbos.map { _ in 0 } }
        return [hbos, forest, pca.map { $0.isFinite ? $0 : 0 }]
    }
}
