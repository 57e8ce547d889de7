/// A point of a curve in the unit square (ROC: false/true positive rate; PR: recall/precision).
public struct CurvePoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// The ROC curve of scores against labels (1 = anomaly): one point per distinct score, from the
/// highest down, with the rates of the rows scoring at or above it, starting at (0, 0).
///
/// Tied scores form one point, so a tie between classes is a diagonal segment; the trapezoid
/// area under the curve is then the ROC-AUC with ties counted half (`Metrics.rocAUC`), as in
/// scikit-learn's `roc_curve(..., drop_intermediate=False)`.
public struct ROCCurve: Sendable, Equatable {
    /// (false positive rate, true positive rate) points, from (0, 0) to (1, 1).
    public let points: [CurvePoint]

    /// The curve of `scores` against `labels`; empty when a class is missing (rates undefined).
    /// - Complexity: O(n log n)
    public init(labels: [Int], scores: [Double]) {
        precondition(labels.count == scores.count, "one label per score")
        let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else {
            points = []
            return
        }
        var points = [CurvePoint(x: 0, y: 0)]
        Metrics.forEachThreshold(labels: labels, scores: scores) { tp, fp, _ in
            points.append(CurvePoint(x: Double(fp) / Double(negatives), y: Double(tp) / Double(positives)))
        }
        self.points = points
    }

    /// The points where the curve turns: those on a straight segment between their neighbours
    /// left out (scikit-learn's `drop_intermediate`), so a perfect ranking is (0, 0), (0, 1),
    /// (1, 1). The area is the same.
    public var corners: [CurvePoint] {
        var kept: [CurvePoint] = []
        for p in points {
            if kept.count >= 2 {
                let a = kept[kept.count - 2], b = kept[kept.count - 1]
                if abs((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)) < 1e-12 { kept.removeLast() }
            }
            kept.append(p)
        }
        return kept
    }

    /// The trapezoid area under the curve (NaN for an empty curve).
    public var area: Double {
        guard points.count > 1 else { return .nan }
        var sum = 0.0
        for (a, b) in zip(points, points.dropFirst()) { sum += (b.x - a.x) * (a.y + b.y) / 2 }
        return sum
    }
}

/// The precision–recall curve of scores against labels (1 = anomaly): one point per distinct
/// score, from the highest down, starting at (recall 0, precision 1) as scikit-learn's
/// `precision_recall_curve` does.
///
/// Read it as a step function: each point's precision holds from the previous point's recall to
/// its own; the area under those steps is the average precision (`Metrics.averagePrecision`).
public struct PrecisionRecallCurve: Sendable, Equatable {
    /// (recall, precision) points, recall non-decreasing.
    public let points: [CurvePoint]
    /// The share of anomalies: the precision of a detector that ranks at random.
    public let baseline: Double

    /// The curve of `scores` against `labels`; empty without anomalies (recall undefined).
    /// - Complexity: O(n log n)
    public init(labels: [Int], scores: [Double]) {
        precondition(labels.count == scores.count, "one label per score")
        let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        baseline = labels.isEmpty ? .nan : Double(positives) / Double(labels.count)
        guard positives > 0 else {
            points = []
            return
        }
        var points = [CurvePoint(x: 0, y: 1)]
        Metrics.forEachThreshold(labels: labels, scores: scores) { tp, fp, _ in
            points.append(CurvePoint(x: Double(tp) / Double(positives), y: Double(tp) / Double(tp + fp)))
        }
        self.points = points
    }

    /// The area under the step function: Σ (Rₖ − Rₖ₋₁)·Pₖ (NaN for an empty curve).
    public var averagePrecision: Double {
        guard points.count > 1 else { return .nan }
        var sum = 0.0
        for (a, b) in zip(points, points.dropFirst()) { sum += (b.x - a.x) * b.y }
        return sum
    }
}
