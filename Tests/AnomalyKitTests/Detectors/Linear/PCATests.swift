import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// PCA (Detectors/Linear/PCA.swift) against PyOD fixtures and by its properties.
@Suite struct LinearPCATests {
    @Test(arguments: ["linear_pca_14_glass", "linear_pca_42_WBC", "linear_pca_21_Lymphography", "linear_pca_4_breastw"])
    func matchesPyOD(_ name: String) throws {
        let f = try PyODFixture(name)
        let detector = try PCA(assignments: f.assignments)
        let model = try detector.fit(f.train)
        let test = try model.scores(f.test)
        let trainError = maxRelativeError(model.trainingScores, try f.trainScores, floor: 1e-12)
        let testError = maxRelativeError(test, try f.testScores, floor: 1e-12)
        print("\(name): PCA max relative error train \(trainError), test \(testError)")
        #expect(trainError < 1e-5, "\(name): train max rel error \(trainError)")
        #expect(testError < 1e-5, "\(name): test max rel error \(testError)")
    }

    @Test func knownAnswerOnATinyDataset() throws {
        // Two features, no standardisation, unweighted: the score is the summed distance from
        // each row to the two unit principal axes.
        let x = Matrix([[0, 0], [2, 0], [0, 1], [2, 1]] as [[Float]])
        let model = try PCA(weighted: false, standardization: false).fit(x)
        // Variance is larger along x, so the axes are (1, 0) then (0, 1) (signs made positive).
        let expected: [Double] = (0..<4).map { r in
            let p = (Double(x[r, 0]), Double(x[r, 1]))
            let d1 = ((p.0 - 1) * (p.0 - 1) + p.1 * p.1).squareRoot()
            let d2 = (p.0 * p.0 + (p.1 - 1) * (p.1 - 1)).squareRoot()
            return d1 + d2
        }
        #expect(maxRelativeError(model.trainingScores, expected, floor: 1e-12) < 1e-12)
    }

    @Test func saveLoadRowOrderAndBatchIndependence() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 200, d: 6, outliers: 5)
        let model = try PCA(selectedComponents: 3).fit(x)
        let restored = try TestSupport.roundTrip(model)
        let a = try model.scores(x), b = try restored.scores(x)
        #expect(a == b)
        #expect(maxRelativeError(a, model.trainingScores, floor: 1e-12) < 1e-12)
        let rev = try model.scores(TestSupport.reversed(x))
        #expect(rev == a.reversed())
        let single = try model.scores(x.rows(at: [3]))
        #expect(abs(single[0] - a[3]) <= 1e-12 * abs(a[3]))
        // Outliers score highest.
        let top = Set(a.enumerated().sorted { $0.element > $1.element }.prefix(5).map(\.offset))
        #expect(top == Set(200..<205))
    }

    @Test func badParametersThrow() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 20, d: 4, outliers: 0)
        #expect(throws: AnomalyError.self) { try PCA(components: 5).fit(x) }
        #expect(throws: AnomalyError.self) { try PCA(components: 2, selectedComponents: 3).fit(x) }
        #expect(throws: AnomalyError.self) { try PCA(assignments: ["n_components": "-1"]) }
        #expect(throws: AnomalyError.self) { try PCA(assignments: ["bogus": "1"]) }
        #expect(throws: AnomalyError.self) { try PCA().fit(Matrix([[1, 2]] as [[Float]])) }
        let constant = Matrix(rows: 10, cols: 3, repeating: 2)
        #expect(throws: AnomalyError.self) { try PCA().fit(constant) }
        let model = try PCA().fit(x)
        #expect(throws: AnomalyError.self) { try model.scores(Matrix(rows: 2, cols: 3)) }
        var state = DetectorState()
        model.save(to: &state)
        state.set("weights", doubles: [1, 2])
        #expect(throws: AnomalyError.self) {
            try FittedPCA(settings: model.settings, featureCount: 4, trainingScores: model.trainingScores, state: state)
        }
    }

    @Test func collinearFeaturesGiveFiniteScores() throws {
        // A duplicated column makes one eigenvalue zero; PyOD divides by zero, we stay finite.
        var rows: [[Float]] = []
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<50 { let a = Float(rng.nextGaussian()), b = Float(rng.nextGaussian()); rows.append([a, b, a]) }
        let model = try PCA().fit(Matrix(rows))
        #expect(model.trainingScores.allSatisfy { $0.isFinite })
    }
}
