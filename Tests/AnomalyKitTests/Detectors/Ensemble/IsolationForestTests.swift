import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

@Suite struct IsolationForestTests {
    @Test func averagePathLengthKnownAnswers() {
        // scikit-learn's _average_path_length([1, 2, 3, 10, 256]).
        let expected: [(Int, Double)] = [(1, 0), (2, 1), (3, 1.207392357589623), (10, 3.748880484475505),
                                         (256, 10.244770920119917), (0, 0)]
        for (n, c) in expected {
            #expect(abs(IsolationMath.averagePathLength(n) - c) < 1e-12, "c(\(n))")
        }
    }

    @Test func constantDataScoresOneHalf() throws {
        // Every feature is constant: each tree is one leaf of max_samples rows, so the mean path is
        // c(max_samples) and s = 2^(−1) = 0.5 for every row; the offset is then 0.5 as well.
        let x = Matrix(rows: 40, cols: 3, repeating: 7)
        let model = try IsolationForest(trees: 10, samplesPerTree: 16).fit(x)
        #expect(abs(model.offset - 0.5) < 1e-12)
        #expect(model.trainingScores.allSatisfy { $0 == 0 })
        let s = try model.scores(Matrix([[0, 100, -3]] as [[Float]]))
        #expect(s == [0])
    }

    @Test func twoRowsSplitIntoSingletons() throws {
        // Two distinct rows, max_samples = 2: depth limit 1, both leaves hold one row, so every
        // training row has path 1 = c(2) and s = 0.5; a row beyond either side also lands in a leaf of one.
        let x = Matrix([[0], [1]] as [[Float]])
        let model = try IsolationForest(trees: 5, samplesPerTree: 2).fit(x)
        #expect(model.trainingScores == [0, 0])
        #expect(model.nodes.feature.count == 15)
        #expect(try model.scores(Matrix([[5], [-5]] as [[Float]])) == [0, 0])
    }

    @Test(arguments: ["linear_iforest_14_glass", "linear_iforest_29_Pima"])
    func agreesWithPyODInDistribution(_ name: String) throws {
        let f = try PyODFixture(name)
        let pyodAUC = try #require(f.document["pyod_mean_test_auc"] as? Double)
        var aucs: [Double] = []
        var correlations: [Double] = []
        for seed in 0..<10 {
            let model = try IsolationForest(seed: seed).fit(f.train)
            let test = try model.scores(f.test)
            aucs.append(Metrics.rocAUC(labels: try #require(f.testLabels), scores: test))
            correlations.append(spearman(test, try f.testScores))
            // Same scale as PyOD's shifted scores.
            let meanGap = abs(Statistics.mean(model.trainingScores) - Statistics.mean(try f.trainScores))
            #expect(meanGap < 0.02, "\(name) seed \(seed): mean training score differs by \(meanGap)")
        }
        let meanAUC = Statistics.mean(aucs)
        print("\(name): iforest mean test AUC \(meanAUC) (PyOD \(pyodAUC)), rank correlation with PyOD seed 0 \(Statistics.mean(correlations))")
        #expect(abs(meanAUC - pyodAUC) < 0.015, "\(name): mean AUC \(meanAUC) vs PyOD \(pyodAUC)")
        #expect(Statistics.mean(correlations) > 0.9, "\(name): rank correlation \(Statistics.mean(correlations))")
    }

    @Test func seedsReproduceAndDiffer() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 300, d: 5, outliers: 10)
        let a = try IsolationForest(trees: 30, seed: 3).fit(x)
        let b = try IsolationForest(trees: 30, seed: 3).fit(x)
        let c = try IsolationForest(trees: 30, seed: 4).fit(x)
        #expect(a.trainingScores == b.trainingScores)
        #expect(a.nodes == b.nodes)
        #expect(a.trainingScores != c.trainingScores)
        // The outliers stand out.
        #expect(Metrics.rocAUC(labels: [Int](repeating: 0, count: 300) + [Int](repeating: 1, count: 10), scores: a.trainingScores) > 0.95)
    }

    @Test func saveLoadAndRowOrder() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 500, d: 4, outliers: 5)
        let model = try IsolationForest(trees: 20, samplesPerTree: 64, featureFraction: 0.5, bootstrap: true, seed: 9).fit(x)
        let restored = try TestSupport.roundTrip(model)
        let s = try model.scores(x)
        #expect(try restored.scores(x) == s)
        #expect(s == model.trainingScores)
        #expect(try model.scores(TestSupport.reversed(x)) == s.reversed())
        #expect(try model.scores(x.rows(at: [7, 3])) == [s[7], s[3]])
    }

    @Test func parametersAndDamagedStatesAreChecked() throws {
        #expect(throws: AnomalyError.self) { try IsolationForest(assignments: ["n_estimators": "0"]) }
        #expect(throws: AnomalyError.self) { try IsolationForest(assignments: ["max_features": "0"]) }
        #expect(throws: AnomalyError.self) { try IsolationForest(assignments: ["max_samples": "1"]) }
        #expect(throws: AnomalyError.self) { try IsolationForest(trees: 0).fit(Matrix(rows: 5, cols: 2)) }
        // max_samples above the row count is capped, as scikit-learn does.
        let x = Matrix(rows: 10, cols: 2, values: (0..<20).map { Float($0 % 7) })
        let model = try IsolationForest(trees: 4, samplesPerTree: 1000).fit(x)
        #expect(model.samples == 10)
        #expect(throws: AnomalyError.self) { try model.scores(Matrix(rows: 1, cols: 3)) }
        #expect(throws: AnomalyError.self) { try model.scores(Matrix([[Float.nan, 1]])) }
        var state = DetectorState()
        model.save(to: &state)
        var bad = state
        var left = model.nodes.left
        if let i = left.firstIndex(where: { $0 >= 0 }) { left[i] = 0 }
        bad.set("left", Tensor(int32s: left))
        #expect(throws: AnomalyError.self) {
            try FittedIsolationForest(settings: model.settings, featureCount: 2, trainingScores: model.trainingScores, state: bad)
        }
        #expect(throws: AnomalyError.self) {
            try FittedIsolationForest(settings: model.settings, featureCount: 1, trainingScores: model.trainingScores, state: state)
        }
    }
}
