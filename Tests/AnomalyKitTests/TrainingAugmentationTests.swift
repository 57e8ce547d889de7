import AnomalyMath
import Foundation
import Testing
import TestSupport
@testable import AnomalyKit

/// Outlier exposure and oversampling of labelled anomalies: what rows they add, and that a model
/// trained with them keeps the real rows' scores for its threshold.
@Suite struct TrainingAugmentationTests {
    /// `n` rows of 3 Gaussian features around 0, then `a` anomalies around 6 (labels 0 then 1).
    private func data(_ n: Int, anomalies a: Int, seed: UInt64 = 1) -> (x: Matrix, labels: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = []
        for i in 0..<(n + a) { for _ in 0..<3 { values.append((i < n ? 0 : 6) + rng.nextGaussian()) } }
        return (Matrix(rows: n + a, cols: 3, doubles: values), [Int](repeating: 0, count: n) + [Int](repeating: 1, count: a))
    }

    @Test func smoteRowsLieOnSegmentsBetweenLabelledAnomalies() throws {
        // Anomalies at the corners of a square: every SMOTE row lies on one of its edges or diagonals,
        // inside the square.
        let corners: [[Double]] = [[0, 0], [0, 4], [4, 0], [4, 4]]
        let x = Matrix([[1.0, 1.0], [2.0, 2.0]] + corners)
        let labels = [0, 0, 1, 1, 1, 1]
        let (ax, al) = try AnomalyOversampling(method: .smote, factor: 5, seed: 3).augment(x, labels: labels)
        #expect(ax.rows == 6 + 20)
        #expect(al == labels + [Int](repeating: 1, count: 20))
        for r in 6..<ax.rows {
            let p = ax.row(r).map(Double.init)
            #expect(p.allSatisfy { $0 >= -1e-6 && $0 <= 4 + 1e-6 })
            // On an edge (a coordinate at 0 or 4) or on a diagonal (x = y or x + y = 4).
            let onEdge = p.contains { abs($0) < 1e-5 || abs($0 - 4) < 1e-5 }
            let onDiagonal = abs(p[0] - p[1]) < 1e-5 || abs(p[0] + p[1] - 4) < 1e-5
            #expect(onEdge || onDiagonal, "\(p)")
        }
        // The real rows come first, unchanged.
        #expect(ax.rows(at: 0..<6) == x)
    }

    @Test func smoteOnlyInterpolatesToTheNearestAnomalies() throws {
        // k = 1: each anomaly pairs with its nearest one only; the far anomaly (at 100) pairs with
        // the anomaly at 2, so no row falls strictly between 2.5 and 99 except on that segment.
        var sampler = try AnomalyOversampling(method: .smote, factor: 20, seed: 1)
        sampler.neighbors = 1
        let x = Matrix([[0.0], [1.0], [2.0], [100.0]])
        let (ax, _) = try sampler.augment(x, labels: [1, 1, 1, 1])
        let added = (4..<ax.rows).map { Double(ax[$0, 0]) }
        #expect(added.count == 80)
        // Rows from 0, 1 and 2 stay within [0, 2]; rows from 100 lie on [2, 100].
        #expect(added.filter { $0 > 2 + 1e-6 }.count <= 20)
    }

    @Test func mixupStaysInTheHullAndJitterNearTheAnomaly() throws {
        let (x, labels) = data(50, anomalies: 4)
        let (mx, ml) = try AnomalyOversampling(method: .mixup, factor: 10, seed: 5).augment(x, labels: labels)
        #expect(mx.rows == 54 + 40 && ml.suffix(40).allSatisfy { $0 == 1 })
        for j in 0..<3 {
            let a = (50..<54).map { x[$0, j] }
            for r in 54..<mx.rows { #expect(mx[r, j] >= a.min()! - 1e-5 && mx[r, j] <= a.max()! + 1e-5) }
        }
        let single = Matrix([[0.0, 0.0], [1.0, 1.0], [9.0, 9.0]])
        // One labelled anomaly: smote has nothing to pair with and jitters it instead.
        let (jx, _) = try AnomalyOversampling(method: .smote, factor: 100, seed: 2).augment(single, labels: [0, 0, 1])
        let dx = (3..<jx.rows).map { Double(jx[$0, 0]) - 9 }
        let sd = Statistics.standardDeviation([0.0, 1, 9])
        let spread = Statistics.standardDeviation(dx)
        #expect(abs(Statistics.mean(dx)) < 0.04 * sd)
        #expect(abs(spread / (0.1 * sd) - 1) < 0.2, "jitter spread \(spread) vs \(0.1 * sd)")
    }

    @Test func betaDrawsHaveTheBetaMean() {
        var rng = SeededGenerator(seed: 9)
        for (a, b) in [(0.2, 0.2), (2.0, 5.0), (1.0, 1.0)] {
            let draws = (0..<20_000).map { _ in AnomalyOversampling.beta(a, b, rng: &rng) }
            #expect(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
            let mean = Statistics.mean(draws), expected = a / (a + b)
            let variance = a * b / ((a + b) * (a + b) * (a + b + 1))
            #expect(abs(mean - expected) < 4 * (variance / 20_000).squareRoot() + 1e-3, "Beta(\(a), \(b)) mean \(mean)")
        }
    }

    @Test func oversamplingNeedsALabelledAnomaly() {
        let (x, _) = data(30, anomalies: 0)
        #expect(throws: AnomalyError.self) { try AnomalyOversampling(method: .jitter, seed: 1).augment(x, labels: nil) }
        #expect(throws: AnomalyError.self) { try AnomalyOversampling(method: .smote, factor: 0, seed: 1) }
        #expect(throws: AnomalyError.self) { try OutlierExposure(types: []) }
        #expect(throws: AnomalyError.self) { try OutlierExposure(types: [.local, .local]) }
        #expect(throws: AnomalyError.self) { try OutlierExposure(types: [.global], ratio: .nan) }
    }

    @Test func outlierExposureAddsGeneratedAnomaliesOfEachType() throws {
        let (x, _) = data(200, anomalies: 0)
        let exposure = try OutlierExposure(types: [.global, .clustered], ratio: 0.25, seed: 4)
        let (ax, al) = try exposure.augment(x, labels: nil)
        #expect(ax.rows == 250)
        #expect(al == [Int](repeating: 0, count: 200) + [Int](repeating: 1, count: 50))
        // The same seed gives the same rows.
        #expect(try exposure.augment(x, labels: nil).x == ax)
        // The clustered half sits far from the data (means × 5 of a mean near 0 stay near 0, but
        // the global half spreads over the whole extended range).
        let global = (200..<225).map { Double(ax[$0, 0]) }
        #expect(global.max()! - global.min()! > 2)
    }

    @Test func outlierExposureTrainsAClassifierWithoutLabels() throws {
        // Normal rows around 0; test anomalies far out. No label at all: the classifier learns from
        // generated global anomalies, and ranks the real anomalies above the normals.
        let (train, _) = data(300, anomalies: 0, seed: 2)
        let (test, testLabels) = data(100, anomalies: 20, seed: 3)
        let classifier = try DetectorRegistry.make("classifier", assignments: ["epochs": "30"])
        let model = try AnomalyModel.fit(classifier, on: Dataset(x: train), contamination: 0.05,
                                         scaling: .standard,
                                         augmentation: try OutlierExposure(types: [.global], ratio: 1, seed: 1))
        let auc = Metrics.rocAUC(labels: testLabels, scores: try model.scores(test))
        #expect(auc > 0.95, "ROC-AUC \(auc)")
        // The threshold comes from the 300 real rows' scores: 5 % of them lie above it.
        let flagged = model.labels(forScores: model.detector.trainingScores).reduce(0, +)
        #expect(model.detector.trainingScores.count == 300)
        #expect(abs(flagged - 15) <= 1)
    }

    @Test func unsupervisedDetectorsRefuseAugmentation() throws {
        let (x, labels) = data(40, anomalies: 4)
        let exposure = try OutlierExposure(types: [.global])
        #expect(throws: AnomalyError.self) {
            try AnomalyModel.fit(KNN(), on: Dataset(x: x, labels: labels), augmentation: exposure)
        }
    }

    @Test func keepingAShareOfTheLabelledAnomalies() throws {
        var rng = SeededGenerator(seed: 1)
        let labels = [Int](repeating: 0, count: 900) + [Int](repeating: 1, count: 100)
        let kept = try DatasetCorruption.keepingLabelledAnomalies(labels, share: 0.05, rng: &rng)
        #expect(kept.reduce(0, +) == 5)
        #expect(zip(labels, kept).allSatisfy { $1 <= $0 })
        // At least one stays labelled.
        #expect(try DatasetCorruption.keepingLabelledAnomalies(labels, share: 0.001, rng: &rng).reduce(0, +) == 1)
        #expect(throws: AnomalyError.self) { try DatasetCorruption.keepingLabelledAnomalies(labels, share: 0, rng: &rng) }
    }
}
