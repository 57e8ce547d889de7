import AnomalyKit
@_spi(Kernels) import AnomalyMath
import Foundation
import Testing
import TestSupport

@Suite struct OCSVMTests {
    @Test(arguments: ["linear_ocsvm_14_glass", "linear_ocsvm_39_vertebral", "linear_ocsvm_29_Pima",
                       "linear_ocsvm_45_wine", "linear_ocsvm_42_WBC", "linear_ocsvm_47_yeast"])
    func matchesPyOD(_ name: String) throws {
        let f = try PyODFixture(name)
        let model = try OCSVM(assignments: f.assignments).fit(f.train)
        let test = try model.scores(f.test)
        let trainScores = try f.trainScores, testScores = try f.testScores, testLabels = try #require(f.testLabels)
        let pyodRho = try #require(f.document["rho"] as? Double)
        let pyodSupport = try #require(f.document["n_support"] as? Int)
        // Decision values are O(1) and cross zero, so compare errors relative to the score spread.
        let spread = (trainScores.max() ?? 0) - (trainScores.min() ?? 0)
        let trainError = zip(model.trainingScores, trainScores).map { abs($0 - $1) }.max() ?? 0
        let testError = zip(test, testScores).map { abs($0 - $1) }.max() ?? 0
        let aucGap = abs(Metrics.rocAUC(labels: testLabels, scores: test) - Metrics.rocAUC(labels: testLabels, scores: testScores))
        print("\(name): OCSVM rho \(model.rho) vs \(pyodRho), SVs \(model.supportVectorCount) vs \(pyodSupport), "
              + "max |Δscore|/spread train \(trainError / spread) test \(testError / spread), AUC gap \(aucGap), iterations \(model.iterations)")
        #expect(abs(model.rho - pyodRho) <= 1e-3 * max(abs(pyodRho), spread))
        #expect(trainError <= 1e-3 * spread)
        #expect(testError <= 1e-3 * spread)
        #expect(aucGap < 0.005)
        #expect(abs(model.supportVectorCount - pyodSupport) <= max(2, pyodSupport / 50))
    }
}

@Suite struct OCSVMPropertyTests {
    @Test func fastExpIsWithinTwoUlps() {
        var worst = 0.0
        var x = -708.0
        while x <= 709 {
            let e = exp(x), f = FastMath.exp(x)
            worst = max(worst, abs(e - f) / e.ulp)
            x += 0.0137
        }
        for x in [0.0, -0.0, 1e-300, -1e-12, 0.5, -0.34657359027997264, 0.34657359027997264] {
            let e = exp(x), f = FastMath.exp(x)
            worst = max(worst, abs(e - f) / e.ulp)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(FastMath.exp(-800) == 0)
        #expect(FastMath.exp(0) == 1)
    }

    @Test func nuOneHasNoFiniteOffsetLikeScikitLearn() throws {
        // ν = 1 puts every α at its bound; libsvm's rho is then infinite and scikit-learn raises.
        let x = Matrix([[0, 0], [1, 0], [0, 2], [3, 3]] as [[Float]])
        #expect(throws: AnomalyError.self) { try OCSVM(nu: 1, gamma: 0.5).fit(x) }
    }

    @Test func saveLoadRowOrderAndBatchIndependence() throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 300, d: 4, outliers: 6)
        let model = try OCSVM().fit(x)
        let restored = try TestSupport.roundTrip(model)
        let s = try model.scores(x)
        #expect(try restored.scores(x) == s)
        #expect(maxRelativeError(s, model.trainingScores, floor: 1) < 1e-12)
        #expect(try model.scores(TestSupport.reversed(x)) == s.reversed())
        let pair = try model.scores(x.rows(at: [5, 301]))
        #expect(abs(pair[0] - s[5]) < 1e-12 && abs(pair[1] - s[301]) < 1e-12)
        #expect(Metrics.rocAUC(labels: y, scores: s) > 0.95)
    }

    @Test func shrinkingAndCacheSizeDoNotChangeTheSolutionMuch() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 400, d: 3, outliers: 4, seed: 5)
        let a = try OCSVM().fit(x)
        let b = try OCSVM(shrinking: false, cacheSize: 0.01).fit(x)
        let spread = (a.trainingScores.max() ?? 0) - (a.trainingScores.min() ?? 0)
        let gap = zip(a.trainingScores, b.trainingScores).map { abs($0 - $1) }.max() ?? 0
        #expect(gap < 2e-3 * spread)
    }

    @Test func identicalRowsGiveEqualFiniteScores() throws {
        for rows in [2, 7, 10] {
            let model = try OCSVM().fit(Matrix(rows: rows, cols: 3, repeating: 4))
            #expect(model.trainingScores.allSatisfy { $0.isFinite && $0 == model.trainingScores[0] })
        }
    }

    @Test func iterationLimitStopsEarly() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 200, d: 3, outliers: 0)
        let model = try OCSVM(maxIterations: 3).fit(x)
        #expect(model.iterations == 3)
        #expect(model.trainingScores.allSatisfy { $0.isFinite })
    }

    @Test func badParametersAndStatesThrow() throws {
        #expect(throws: AnomalyError.self) { try OCSVM(assignments: ["nu": "0"]) }
        #expect(throws: AnomalyError.self) { try OCSVM(assignments: ["nu": "1.5"]) }
        #expect(throws: AnomalyError.self) { try OCSVM(assignments: ["kernel": "precomputed"]) }
        #expect(throws: AnomalyError.self) { try OCSVM(assignments: ["gamma": "-1"]) }
        #expect(throws: AnomalyError.self) { try OCSVM(assignments: ["tol": "0"]) }
        #expect(throws: AnomalyError.self) { try OCSVM(assignments: ["max_iter": "-2"]) }
        #expect(throws: AnomalyError.self) { try OCSVM(nu: 2).fit(Matrix(rows: 4, cols: 2)) }
        #expect(throws: AnomalyError.self) { try OCSVM().fit(Matrix([[1, Float.infinity], [0, 0]])) }
        let model = try OCSVM().fit(Matrix([[0, 0], [1, 1], [2, 0]] as [[Float]]))
        #expect(throws: AnomalyError.self) { try model.scores(Matrix(rows: 1, cols: 3)) }
        var state = DetectorState()
        model.save(to: &state)
        state.set("dual_coef", doubles: [1])
        #expect(throws: AnomalyError.self) {
            try FittedOCSVM(settings: model.settings, featureCount: 2, trainingScores: model.trainingScores, state: state)
        }
    }
}

@Suite struct OCSVMSamplingTests {
    @Test func trainsOnASeededSampleBeyondTheRowLimit() throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 400, d: 3, outliers: 10, seed: 5)
        let capped = OCSVM(maxTrainRows: 150, seed: 3)
        let a = try capped.fit(x), b = try capped.fit(x)
        #expect(a.trainingScores.count == x.rows)
        #expect(try a.scores(x) == b.scores(x))
        #expect(Metrics.rocAUC(labels: y, scores: try a.scores(x)) > 0.95)
        let other = try OCSVM(maxTrainRows: 150, seed: 4).fit(x)
        #expect(try other.scores(x) != a.scores(x))
        // Below the limit the sample is not used: identical to an unlimited fit.
        #expect(try OCSVM(maxTrainRows: 1000).fit(x).scores(x) == OCSVM(maxTrainRows: 0).fit(x).scores(x))
    }
}
