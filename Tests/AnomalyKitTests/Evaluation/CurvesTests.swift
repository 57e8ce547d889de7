import AnomalyKit
import AnomalyMath
import Testing

/// ROC and precision–recall curves against hand-computed points. The 10-row case is
/// MetricsTests' (whose ROC-AUC and AP are scikit-learn's), so the curves' areas must agree.
@Suite struct CurvesTests {
    let labels = [0, 0, 1, 1, 0, 1, 0, 0, 1, 0]
    let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.35, 0.35, 0.05]

    func point(_ x: Double, _ y: Double) -> CurvePoint { CurvePoint(x: x, y: y) }

    func close(_ a: [CurvePoint], _ b: [CurvePoint]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0.x - $1.x) < 1e-12 && abs($0.y - $1.y) < 1e-12 }
    }

    @Test func aPerfectRankingGoesUpThenAcross() {
        let roc = ROCCurve(labels: [0, 0, 1, 1], scores: [1, 2, 3, 4])
        #expect(roc.corners == [point(0, 0), point(0, 1), point(1, 1)])
        #expect(roc.area == 1)
        let pr = PrecisionRecallCurve(labels: [0, 0, 1, 1], scores: [1, 2, 3, 4])
        #expect(pr.points.prefix(3).allSatisfy { $0.y == 1 })
        #expect(pr.averagePrecision == 1)
        #expect(pr.baseline == 0.5)
    }

    @Test func aReversedRankingGoesAcrossThenUp() {
        let roc = ROCCurve(labels: [0, 0, 1, 1], scores: [4, 3, 2, 1])
        #expect(roc.corners == [point(0, 0), point(1, 0), point(1, 1)])
        #expect(roc.area == 0)
    }

    @Test func tiesAreOneDiagonalStepAndCountHalf() {
        // All rows tied: one point, the diagonal, area 0.5 as ROC-AUC with ties averaged.
        let all = ROCCurve(labels: [0, 1, 0, 1], scores: [2, 2, 2, 2])
        #expect(all.points == [point(0, 0), point(1, 1)])
        #expect(all.area == 0.5)
        // One anomaly tied with one normal row at the top: a diagonal from (0, 0) to (0.5, 0.5).
        let some = ROCCurve(labels: [1, 0, 1, 0], scores: [5, 5, 3, 1])
        #expect(some.points == [point(0, 0), point(0.5, 0.5), point(0.5, 1), point(1, 1)])
        #expect(some.area == Metrics.rocAUC(labels: [1, 0, 1, 0], scores: [5, 5, 3, 1]))
    }

    @Test func theROCPointsOfTheReferenceCase() {
        let roc = ROCCurve(labels: labels, scores: scores)
        #expect(close(roc.points, [point(0, 0), point(0, 0.25), point(0, 0.5), point(1.0 / 3, 0.5), point(0.5, 1),
                                   point(2.0 / 3, 1), point(5.0 / 6, 1), point(1, 1)]))
        #expect(abs(roc.area - 0.7916666666666666) < 1e-12)
        #expect(abs(roc.area - Metrics.rocAUC(labels: labels, scores: scores)) < 1e-12)
    }

    @Test func thePrecisionRecallPointsOfTheReferenceCase() {
        let pr = PrecisionRecallCurve(labels: labels, scores: scores)
        #expect(close(pr.points, [point(0, 1), point(0.25, 1), point(0.5, 1), point(0.5, 0.5), point(1, 4.0 / 7),
                                  point(1, 0.5), point(1, 4.0 / 9), point(1, 0.4)]))
        #expect(abs(pr.averagePrecision - 0.7857142857142857) < 1e-12)
        #expect(abs(pr.averagePrecision - Metrics.averagePrecision(labels: labels, scores: scores)) < 1e-12)
        #expect(pr.baseline == 0.4)
    }

    @Test func aMissingClassGivesAnEmptyCurve() {
        #expect(ROCCurve(labels: [1, 1], scores: [1, 2]).points.isEmpty)
        #expect(ROCCurve(labels: [1, 1], scores: [1, 2]).area.isNaN)
        #expect(PrecisionRecallCurve(labels: [0, 0], scores: [1, 2]).points.isEmpty)
        #expect(PrecisionRecallCurve(labels: [0, 0], scores: [1, 2]).averagePrecision.isNaN)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func areasMatchTheMetricsOnRandomScoresWithTies(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let n = 200
        let y = (0..<n).map { _ in rng.next() % 5 == 0 ? 1 : 0 }
        let s = (0..<n).map { _ in Double(rng.next() % 40) }   // many ties
        #expect(abs(ROCCurve(labels: y, scores: s).area - Metrics.rocAUC(labels: y, scores: s)) < 1e-12)
        #expect(abs(PrecisionRecallCurve(labels: y, scores: s).averagePrecision - Metrics.averagePrecision(labels: y, scores: s)) < 1e-12)
    }
}
