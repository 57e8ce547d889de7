import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

// The tests shared by KNN and LOF (Detectors/Proximity); LOF's own are in LOFTests.swift.

/// A fixture written by scripts/fixtures/make_proximity_fixtures.py (PyOD KNN and LOF scores), read
/// through `PyODFixture` into this family's shape.
struct ProximityFixture: Decodable {
    struct Case: Decodable {
        var detector: String
        var params: [String: ParameterValue]
        var train_scores: [Double]
        var test_scores: [Double]
        // LOF only: scikit-learn's neighbours, and whether any row has a tie at the k-th one.
        var n_neighbors_: Int?
        var train_neighbors: [[Int]]?
        var train_distances: [[Double]]?
        var test_neighbors: [[Int]]?
        var test_distances: [[Double]]?
        var boundary_ties: Bool?
    }
    var train: [[Double]]
    var test: [[Double]]
    var cases: [Case]

    /// scikit-learn's neighbours of a case as `Neighbors`.
    static func neighbors(_ indices: [[Int]], _ distances: [[Double]]) -> Neighbors {
        Neighbors(queryCount: indices.count, k: indices.first?.count ?? 0,
                  indices: indices.flatMap { $0.map { Int32($0) } }, distances: distances.flatMap { $0 })
    }

    static func load(_ name: String) throws -> ProximityFixture { try PyODFixture(name).decode(ProximityFixture.self) }
}

private func fitAny(_ detector: any Detector, _ x: Matrix) throws -> any FittedDetector { try detector.fit(x) }

@Suite struct ProximityFixtureTests {
    static let fixtures = ["proximity_glass", "proximity_wbc", "proximity_vertebral"]

    @Test(arguments: fixtures)
    func scoresMatchPyOD(fixture name: String) throws {
        let fixture = try ProximityFixture.load(name)
        let train = Matrix(fixture.train)
        let test = Matrix(fixture.test)
        #expect(fixture.cases.count == 6)
        for c in fixture.cases {
            let assignments = c.params.mapValues(\.description)
            let detector = try DetectorRegistry.make(c.detector, assignments: assignments)
            let fitted = try fitAny(detector, train)
            let trainError = maxRelativeError(fitted.trainingScores, c.train_scores, floorFractionOfLargest: 1e-3)
            let testError = maxRelativeError(try fitted.scores(test), c.test_scores, floorFractionOfLargest: 1e-3)
            if c.boundary_ties == true {
                // Which of several equally distant rows is the k-th neighbour is arbitrary (and
                // scikit-learn's tree picks in its own order); LOF depends on it. The formula is
                // checked exactly in lofFormulaMatchesScikitLearnOnItsNeighbours.
                continue
            }
            #expect(trainError < 1e-6, "\(name) \(c.detector) \(c.params): train error \(trainError)")
            #expect(testError < 1e-6, "\(name) \(c.detector) \(c.params): test error \(testError)")
        }
    }
}

@Suite struct ProximityDetectorTests {
    static let data = TestSupport.gaussianWithOutliers(n: 300, d: 4, outliers: 10, seed: 5)
    static let wide = TestSupport.gaussianWithOutliers(n: 200, d: 24, outliers: 6, seed: 6)

    @Test func knnMethodsOnAHandComputedLine() throws {
        // Points 0, 1, 3, 7 on a line; k = 2 (training rows exclude themselves).
        let x = Matrix([[0], [1], [3], [7]] as [[Float]])
        #expect(try KNN(neighbors: 2, method: .largest).fit(x).trainingScores == [3, 2, 3, 6])
        #expect(try KNN(neighbors: 2, method: .mean).fit(x).trainingScores == [2, 1.5, 2.5, 5])
        #expect(try KNN(neighbors: 3, method: .median).fit(x).trainingScores == [3, 2, 3, 6])
        #expect(try KNN(neighbors: 2, method: .median).fit(x).scores(Matrix([[2]] as [[Float]])) == [1])
        // Row 1 (x=1): distances to 0 and 3 are 1 and 2 → lrd uses k-distances 3 (of 0) and 3 (of 3).
        let lof = try LOF(neighbors: 2).fit(x)
        #expect(lof.kDistance == [3, 2, 3, 6])
        #expect(abs(lof.density[1] - 1 / (3 + 1e-10)) < 1e-15)
    }

    @Test func outliersScoreHighest() throws {
        for detector in [KNN() as any Detector, LOF()] {
            let fitted = try fitAny(detector, Self.data.x)
            let s = fitted.trainingScores
            let normalMax = s[0..<300].max() ?? 0
            #expect(s[300...].allSatisfy { $0 > normalMax })
        }
    }

    @Test func fittingIsDeterministicAndTestScoresIgnoreRowOrder() throws {
        for x in [Self.data.x, Self.wide.x] {
            for detector in [KNN(neighbors: 7, method: .mean) as any Detector, LOF(neighbors: 11)] {
                let a = try fitAny(detector, x)
                let b = try fitAny(detector, x)
                #expect(a.trainingScores == b.trainingScores)
                let probe = x.rows(at: Array(0..<40))
                let scores = try a.scores(probe)
                let reversed = try a.scores(probe.rows(at: Array((0..<40).reversed())))
                #expect(scores == Array(reversed.reversed()))
                #expect(try a.scores(probe.rows(at: [17])) == [scores[17]])
            }
        }
    }

    @Test func saveAndLoadThroughDetectorStateGivesTheSameScores() throws {
        let probe = Self.wide.x.rows(at: Array(150..<206))
        let knn = try KNN(neighbors: 4, method: .median).fit(Self.wide.x)
        var state = DetectorState()
        knn.save(to: &state)
        let knn2 = try FittedKNN(settings: knn.settings, featureCount: knn.featureCount,
                                 trainingScores: knn.trainingScores, state: state)
        #expect(try knn2.scores(probe) == knn.scores(probe))

        let lof = try LOF(neighbors: 9).fit(Self.data.x)
        var lofState = DetectorState()
        lof.save(to: &lofState)
        let lof2 = try FittedLOF(settings: lof.settings, featureCount: lof.featureCount,
                                 trainingScores: lof.trainingScores, state: lofState)
        #expect(try lof2.scores(Self.data.x) == lof.scores(Self.data.x))

        // Damaged states are refused, naming the tensor.
        var wrongRows = lofState
        wrongRows.set("lrd", doubles: [1, 2, 3])
        #expect(throws: AnomalyError.self) {
            try FittedLOF(settings: lof.settings, featureCount: lof.featureCount, trainingScores: lof.trainingScores, state: wrongRows)
        }
        #expect(throws: AnomalyError.self) {
            try FittedKNN(settings: knn.settings, featureCount: 3, trainingScores: knn.trainingScores, state: state)
        }
        #expect(throws: AnomalyError.self) {
            try FittedKNN(settings: knn.settings, featureCount: knn.featureCount, trainingScores: [1, 2], state: state)
        }
        #expect(throws: AnomalyError.self) {
            try FittedKNN(settings: knn.settings, featureCount: knn.featureCount, trainingScores: knn.trainingScores,
                          state: DetectorState())
        }
    }

    @Test func modelFileRoundTrip() throws {
        let path = TestSupport.temporaryDirectory() + "/lof.safetensors"
        let model = try AnomalyModel.fit(LOF(neighbors: 8), on: Dataset(x: Self.data.x))
        try model.save(to: path)
        let loaded = try AnomalyModel.load(from: path)
        #expect(loaded.detectorName == "lof")
        #expect(try loaded.scores(Self.data.x) == model.scores(Self.data.x))
    }

    @Test func badParametersThrow() throws {
        let tiny = Matrix([[0, 0], [1, 1], [2, 2]] as [[Float]])
        do {
            _ = try KNN(neighbors: 3).fit(tiny)
            Issue.record("n_neighbors = rows must throw")
        } catch let e as AnomalyError {
            #expect(e.kind == .parameter && e.field == "n_neighbors")
        }
        #expect(throws: AnomalyError.self) { try KNN(neighbors: 0).fit(tiny) }
        #expect(throws: AnomalyError.self) { try LOF(neighbors: 0).fit(tiny) }
        #expect(throws: AnomalyError.self) { try KNN(leafSize: 0).fit(tiny) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("knn", assignments: ["metric": "manhattan"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("knn", assignments: ["p": "1"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("knn", assignments: ["method": "max"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("lof", assignments: ["method": "mean"]) }
        #expect(throws: AnomalyError.self) { try KNN().fit(Matrix(rows: 1, cols: 2)) }
        let fitted = try KNN(neighbors: 1).fit(tiny)
        #expect(throws: AnomalyError.self) { try fitted.scores(Matrix(rows: 2, cols: 3)) }
        #expect(throws: AnomalyError.self) { try fitted.scores(Matrix([[Float.nan, 0]])) }
        #expect(try fitted.scores(Matrix(rows: 0, cols: 2)) == [])
    }

    @Test func parametersRoundTripThroughTheRegistry() throws {
        let knn = try DetectorRegistry.make("knn", assignments: ["n_neighbors": "9", "method": "mean", "metric": "euclidean"])
        #expect(knn.parameters["n_neighbors"] == .int(9))
        #expect(knn.parameters["method"] == .string("mean"))
        #expect(knn.parameters["metric"] == .string("euclidean"))
        let lof = try DetectorRegistry.make("lof")
        #expect(lof.parameters["n_neighbors"] == .int(20))
        #expect(DetectorRegistry.names.contains("knn") && DetectorRegistry.names.contains("lof"))
    }
}
