import AnomalyKit
import Testing

/// Reference values from scikit-learn 1.9.1 / PyOD 3.6.7 on the same inputs:
/// `roc_auc_score`, `average_precision_score`, `precision_n_scores`, and
/// `precision/recall/f1/accuracy_score` with `y_pred = scores > 0.38`.
@Suite struct MetricsTests {
    let labels = [0, 0, 1, 1, 0, 1, 0, 0, 1, 0]
    let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.35, 0.35, 0.05]

    @Test func rankingMetricsMatchSklearn() {
        #expect(abs(Metrics.rocAUC(labels: labels, scores: scores) - 0.7916666666666666) < 1e-12)
        #expect(abs(Metrics.averagePrecision(labels: labels, scores: scores) - 0.7857142857142857) < 1e-12)
        #expect(abs(Metrics.precisionAtN(labels: labels, scores: scores) - 0.5) < 1e-12)
    }

    @Test func thresholdMetricsMatchSklearn() {
        let c = ConfusionCounts(labels: labels, predicted: scores.map { $0 > 0.38 ? 1 : 0 })
        #expect(c.precision == 0.5 && c.recall == 0.5 && c.f1 == 0.5 && c.accuracy == 0.6)
    }

    @Test func perfectAndReversedRankings() {
        let y = [0, 0, 1, 1]
        #expect(Metrics.rocAUC(labels: y, scores: [1, 2, 3, 4]) == 1)
        #expect(Metrics.rocAUC(labels: y, scores: [4, 3, 2, 1]) == 0)
        #expect(Metrics.rocAUC(labels: y, scores: [1, 1, 1, 1]) == 0.5)
        #expect(Metrics.averagePrecision(labels: y, scores: [1, 2, 3, 4]) == 1)
        #expect(Metrics.bestF1(labels: y, scores: [1, 2, 3, 4]).f1 == 1)
        #expect(Metrics.rocAUC(labels: [1, 1], scores: [1, 2]).isNaN)
    }

    @Test func rocAUCIsInvariantToMonotoneTransforms() {
        let transformed = scores.map { 3 * $0 * $0 * $0 + 7 }
        #expect(abs(Metrics.rocAUC(labels: labels, scores: transformed) - Metrics.rocAUC(labels: labels, scores: scores)) < 1e-12)
    }
}
