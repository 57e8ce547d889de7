import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// SpanDistance (Detectors/FewShot/SpanDistance.swift, SpanDistance+Model.swift).
@Suite struct SpanDistanceTests {
    @Test func blendsOfTheSupportAreNormalAndOthersAreNot() throws {
        var support = Matrix(rows: 3, cols: 3)
        let rows: [[Float]] = [[0, 0, 0], [2, 0, 0], [0, 2, 0]]
        for i in 0..<3 { for j in 0..<3 { support[i, j] = rows[i][j] } }
        let fitted = try SpanDistance(ridge: 1e-9).fit(support)
        var x = Matrix(rows: 2, cols: 3)
        x[0, 0] = 1; x[0, 1] = 1        // a blend of the support rows
        x[1, 0] = 1; x[1, 2] = 4        // 4 off their plane
        let s = try fitted.scores(x)
        #expect(abs(s[0]) < 1e-3 && abs(s[1] - 4) < 1e-3)
        // Leave-one-out training scores: each row against the line through the other two.
        #expect(fitted.trainingScores.count == 3 && fitted.trainingScores.allSatisfy { $0 > 0.5 })
    }

    @Test func tooManyRowsAndMissingSupportAreExplained() throws {
        let many = TestSupport.gaussianWithOutliers(n: 300, d: 4, outliers: 0, seed: 2).x
        let e = #expect(throws: AnomalyError.self) { try SpanDistance().fit(many) }
        #expect(e?.description.contains("few-shot") == true)
        let empty = try FittedSpan.unfitted(settings: SpanDistance(), directions: Matrix(rows: 1, cols: 4), typicalScores: [1])
        let missing = #expect(throws: AnomalyError.self) { try empty.scores(many) }
        #expect(missing?.description.contains("no support rows") == true)
    }

    @Test func aMetricModelFileRoundTripsAndRefitsOnASupport() throws {
        var directions = Matrix(rows: 1, cols: 4)
        directions[0, 2] = 3
        let unfitted = try FittedSpan.unfitted(settings: SpanDistance(), directions: directions, typicalScores: [1, 2, 3])
        let model = PendingModel(awaiting: .supportRows, detector: unfitted, featureNames: ["a", "b", "c", "d"],
                                 threshold: try ContaminationThreshold(contamination: 0.1, trainingScores: [1, 2, 3]), trainingRows: 10)
        let path = TestSupport.temporaryDirectory() + "/metric.safetensors"
        try model.save(to: path)
        // Without support rows it cannot score: loading it for scoring says so.
        let refused = #expect(throws: AnomalyError.self) { try AnomalyModel.load(from: path) }
        #expect(refused?.description.contains("no support rows") == true)
        guard case .pending(let loaded) = try ModelFile.load(from: path) else {
            Issue.record("a metric model without support loads as pending")
            return
        }
        #expect(loaded.awaiting == .supportRows)
        let support = TestSupport.gaussianWithOutliers(n: 8, d: 4, outliers: 0, seed: 6).x
        let refitted = try loaded.fitted(onSupport: support)
        let direct = try SpanDistance().fit(support, directions: directions)
        let x = TestSupport.gaussianWithOutliers(n: 20, d: 4, outliers: 3, seed: 7).x
        #expect(try refitted.scores(x) == direct.scores(x))
        let knn = try AnomalyModel.fit(KNN(neighbors: 2), on: Dataset(x: support), contamination: 0.1)
        #expect(throws: AnomalyError.self) { try knn.refitted(onSupport: support) }
    }
}
