import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// A fixture written by scripts/fixtures/make_probabilistic_fixtures.py (PyOD 3.6.7, sklearn 1.9.1),
/// read through `PyODFixture`: the shared rows and labels, and this family's `detectors` part.
struct ProbabilisticFixture {
    struct Entry: Decodable {
        var params: [String: String]
        var train: [Double]
        var test: [Double]
        var test_batch: [Double]?
        var location: [Double]?
        var covariance: [Double]?
        var raw_location: [Double]?
        var raw_covariance: [Double]?
    }
    private struct Detectors: Decodable { var detectors: [String: Entry] }

    var trainMatrix: Matrix
    var testMatrix: Matrix
    var test_labels: [Int]
    var detectors: [String: Entry]

    static let names = ["glass", "wbc", "vertebral", "lymphography", "pima"]

    static func load(_ name: String) throws -> ProbabilisticFixture {
        let f = try PyODFixture("probabilistic_\(name)")
        return ProbabilisticFixture(trainMatrix: f.train, testMatrix: f.test, test_labels: try #require(f.testLabels),
                                    detectors: try f.decode(Detectors.self).detectors)
    }
}

func fitAndScore(_ name: String, _ params: [String: String], _ fx: ProbabilisticFixture) throws -> (train: [Double], test: [Double]) {
    let detector = try DetectorRegistry.make(name, assignments: params)
    return try fitAndScore(detector, fx.trainMatrix, fx.testMatrix)
}

func fitAndScore<D: Detector>(_ detector: D, _ train: Matrix, _ test: Matrix) throws -> (train: [Double], test: [Double]) {
    let fitted = try detector.fit(train)
    return (fitted.trainingScores, try fitted.scores(test))
}

@Suite struct ProbabilisticPropertyTests {
    static let detectors: [(String, [String: String])] = [
        ("ecod", [:]), ("copod", [:]), ("hbos", [:]), ("gmm", [:]),
        ("gmm", ["n_components": "3", "covariance_type": "diag"]), ("mcd", [:]),
    ]

    @Test func saveLoadRoundTripKeepsScores() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 300, d: 4, outliers: 10, seed: 3)
        let (t, _) = TestSupport.gaussianWithOutliers(n: 40, d: 4, outliers: 5, seed: 4)
        for (name, params) in Self.detectors {
            let detector = try DetectorRegistry.make(name, assignments: params)
            try roundTrip(detector, x, t, name)
        }
    }

    private func roundTrip<D: Detector>(_ detector: D, _ x: Matrix, _ t: Matrix, _ name: String) throws {
        let fitted = try detector.fit(x)
        var state = DetectorState()
        fitted.save(to: &state)
        let restoredSettings = try D(parameters: ParameterValues.validated(detector.parameters.values,
                                                                           specs: D.descriptor.parameters, detector: name))
        let restored = try D.Fitted(settings: restoredSettings, featureCount: fitted.featureCount,
                                    trainingScores: fitted.trainingScores, state: state)
        #expect(try restored.scores(t) == fitted.scores(t), "\(name)")
        // A wrong feature count is a model error, not a crash.
        #expect(throws: AnomalyError.self, "\(name)") {
            try D.Fitted(settings: restoredSettings, featureCount: fitted.featureCount + 1,
                         trainingScores: fitted.trainingScores, state: state)
        }
        #expect(throws: AnomalyError.self, "\(name)") {
            try D.Fitted(settings: restoredSettings, featureCount: fitted.featureCount,
                         trainingScores: fitted.trainingScores, state: DetectorState())
        }
    }

    @Test func testScoresDoNotDependOnRowOrderOrBatch() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 200, d: 3, outliers: 8, seed: 5)
        let (t, _) = TestSupport.gaussianWithOutliers(n: 30, d: 3, outliers: 4, seed: 6)
        let reversed = t.rows(at: (0..<t.rows).reversed())
        for (name, params) in Self.detectors {
            let fitted = try DetectorRegistry.make(name, assignments: params)
            try check(fitted, x, t, reversed, name)
        }
    }

    private func check<D: Detector>(_ detector: D, _ x: Matrix, _ t: Matrix, _ reversed: Matrix, _ name: String) throws {
        let fitted = try detector.fit(x)
        let a = try fitted.scores(t)
        let b = try fitted.scores(reversed)
        #expect(a == Array(b.reversed()), "\(name)")
        let single = try fitted.scores(t.rows(at: [3]))
        #expect(abs(single[0] - a[3]) <= 1e-12 * max(1, abs(a[3])), "\(name)")
    }

    @Test func seedsReproduceAndMatter() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 700, d: 3, outliers: 30, seed: 7)
        // Equal to rounding: the tests run concurrently, and another test's row-parallel kernel
        // may switch OpenBLAS (one process-wide thread count) to one thread in the middle of a
        // fit, which moves the last bits; run alone (the CLI), the scores are identical.
        let m1 = try MCD(seed: 1).fit(x), m2 = try MCD(seed: 1).fit(x)
        #expect(maxRelativeError(m1.trainingScores, m2.trainingScores) <= 1e-12)
        let g = GMM(components: 3, seed: 9)
        #expect(maxRelativeError(try g.fit(x).trainingScores, try g.fit(x).trainingScores) <= 1e-12)
        let g2 = GMM(components: 3, initialisation: .random, seed: 10)
        #expect(try g2.fit(x).trainingScores != g.fit(x).trainingScores)
    }

    @Test func mcdFindsTheShiftedOutliers() throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 2000, d: 5, outliers: 100, seed: 11)
        let fitted = try MCD().fit(x)
        #expect(Metrics.rocAUC(labels: y, scores: fitted.trainingScores) > 0.99)
        // The robust location ignores the outliers at +6.
        #expect(fitted.location.allSatisfy { abs($0) < 0.15 })
    }

    @Test func badParametersAndInputsThrow() throws {
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("hbos", assignments: ["n_bins": "2"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("hbos", assignments: ["alpha": "1"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("hbos", assignments: ["tol": "0"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("ecod", assignments: ["n_jobs": "2"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("gmm", assignments: ["covariance_type": "banana"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("gmm", assignments: ["n_components": "0"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("mcd", assignments: ["support_fraction": "1.5"]) }
        let small = Matrix([[1, 2], [3, 4], [5, 7]] as [[Float]])
        // Settings built in Swift are checked against the specs when fitted; 0 is PyOD's None (nil).
        #expect(throws: AnomalyError.self) { try MCD(supportFraction: 0).fit(small) }
        #expect(throws: AnomalyError.self) { try HBOS(bins: 2).fit(small) }
        #expect(throws: AnomalyError.self) { try GMM(components: 5).fit(small) }
        let fitted = try ECOD().fit(small)
        #expect(throws: AnomalyError.self) { try fitted.scores(Matrix([[1, 2, 3]] as [[Float]])) }
        #expect(throws: AnomalyError.self) { try fitted.scores(Matrix([[1, .nan]] as [[Float]])) }
        #expect(throws: AnomalyError.self) { try HBOS().fit(Matrix([[1, .infinity]] as [[Float]])) }
    }

    @Test func constantFeaturesAreHandled() throws {
        var values = [Float]()
        for i in 0..<50 { values += [Float(i % 7), 3, Float(i % 5)] }
        let x = Matrix(rows: 50, cols: 3, values: values)
        for name in ["ecod", "copod", "hbos"] {
            let d = try DetectorRegistry.make(name)
            let s = try score(d, x)
            #expect(s.allSatisfy { $0.isFinite }, "\(name)")
        }
    }

    private func score<D: Detector>(_ d: D, _ x: Matrix) throws -> [Double] {
        try d.fit(x).scores(Matrix([[100, 3, -100]] as [[Float]])) + d.fit(x).trainingScores
    }
}
