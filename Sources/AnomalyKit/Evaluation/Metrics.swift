import AnomalyMath

/// Detection metrics, with scikit-learn's and PyOD's definitions. Labels: 1 = anomaly, 0 = normal.
public enum Metrics {
    /// Area under the ROC curve; tied scores count half (sklearn's `roc_auc_score`).
    /// Computed from average ranks (Mann–Whitney U). NaN when only one class is present.
    /// - Complexity: O(n log n)
    public static func rocAUC(labels: [Int], scores: [Double]) -> Double {
        precondition(labels.count == scores.count)
        let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        let ranks = Ranks.averageRanks(scores)
        var rankSum = 0.0
        for (i, l) in labels.enumerated() where l == 1 { rankSum += ranks[i] }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// Average precision: Σₖ (Rₖ − Rₖ₋₁)·Pₖ over distinct score thresholds, highest first
    /// (sklearn's `average_precision_score`, no interpolation). NaN without positives.
    /// - Complexity: O(n log n)
    public static func averagePrecision(labels: [Int], scores: [Double]) -> Double {
        let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        guard positives > 0 else { return .nan }
        var ap = 0.0, tp = 0, fp = 0, previousRecall = 0.0
        forEachThreshold(labels: labels, scores: scores) { t, f, _ in
            tp = t; fp = f
            let recall = Double(tp) / Double(positives)
            let precision = Double(tp) / Double(tp + fp)
            ap += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return ap
    }

    /// The best F1 over all thresholds "score ≥ t". - Complexity: O(n log n)
    public static func bestF1(labels: [Int], scores: [Double]) -> (f1: Double, threshold: Double) {
        let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        guard positives > 0 else { return (0, .nan) }
        var best = 0.0, bestT = Double.nan
        forEachThreshold(labels: labels, scores: scores) { tp, fp, s in
            let f1 = 2.0 * Double(tp) / Double(tp + fp + positives)
            if f1 > best { best = f1; bestT = s }
        }
        return (best, bestT)
    }

    /// Calls `body(tp, fp, score)` for each distinct score, from highest to lowest, with the counts
    /// of rows scoring at or above it.
    static func forEachThreshold(labels: [Int], scores: [Double], _ body: (Int, Int, Double) -> Void) {
        let order = (0..<scores.count).sorted { scores[$0] > scores[$1] }
        var i = 0, tp = 0, fp = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            body(tp, fp, s)
        }
    }

    /// Precision at rank n (PyOD's `precision_n_scores`): rows scoring above the
    /// `1 − n/N` percentile count as predicted anomalies; n defaults to the number of positives.
    public static func precisionAtN(labels: [Int], scores: [Double], n: Int? = nil) -> Double {
        let count = n ?? labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        guard !scores.isEmpty else { return .nan }
        let t = Statistics.quantile(scores, 1 - Double(count) / Double(scores.count))
        return ConfusionCounts(labels: labels, predicted: scores.map { $0 > t ? 1 : 0 }).precision
    }
}

/// True/false positives and negatives of predicted labels, with the usual ratios
/// (sklearn's conventions: a ratio with a zero denominator is 0).
public struct ConfusionCounts: Sendable, Equatable {
    public let truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int

    public init(labels: [Int], predicted: [Int]) {
        precondition(labels.count == predicted.count)
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (l, p) in zip(labels, predicted) {
            switch (l == 1, p == 1) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            case (true, false): fn += 1
            }
        }
        truePositives = tp; falsePositives = fp; trueNegatives = tn; falseNegatives = fn
    }

    public var precision: Double { truePositives + falsePositives == 0 ? 0 : Double(truePositives) / Double(truePositives + falsePositives) }
    public var recall: Double { truePositives + falseNegatives == 0 ? 0 : Double(truePositives) / Double(truePositives + falseNegatives) }
    public var f1: Double {
        let d = 2 * truePositives + falsePositives + falseNegatives
        return d == 0 ? 0 : 2 * Double(truePositives) / Double(d)
    }
    public var accuracy: Double {
        let n = truePositives + falsePositives + trueNegatives + falseNegatives
        return n == 0 ? 0 : Double(truePositives + trueNegatives) / Double(n)
    }
}

/// Every metric of one evaluation: ranking quality, quality at the threshold, and timings.
public struct EvaluationReport: Sendable, Codable {
    public var rocAUC: Double
    public var averagePrecision: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var accuracy: Double
    public var bestF1: Double
    public var precisionAtN: Double
    public var fitSeconds: Double
    public var scoreSeconds: Double
    /// Test rows scored per second.
    public var rowsPerSecond: Double

    /// Computes all metrics of `scores` against `labels`, with `predicted` labels from the threshold.
    public init(labels: [Int], scores: [Double], predicted: [Int], fitSeconds: Double, scoreSeconds: Double) {
        let c = ConfusionCounts(labels: labels, predicted: predicted)
        rocAUC = Metrics.rocAUC(labels: labels, scores: scores)
        averagePrecision = Metrics.averagePrecision(labels: labels, scores: scores)
        precision = c.precision
        recall = c.recall
        f1 = c.f1
        accuracy = c.accuracy
        bestF1 = Metrics.bestF1(labels: labels, scores: scores).f1
        precisionAtN = Metrics.precisionAtN(labels: labels, scores: scores)
        self.fitSeconds = fitSeconds
        self.scoreSeconds = scoreSeconds
        rowsPerSecond = scoreSeconds > 0 ? Double(scores.count) / scoreSeconds : .infinity
    }
}
