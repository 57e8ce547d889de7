import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// LOF (Detectors/Proximity/LOF.swift): its formula on scikit-learn's neighbours, and its neighbour cap.
@Suite struct LOFTests {
    @Test(arguments: ProximityFixtureTests.fixtures)
    func lofFormulaMatchesScikitLearnOnItsNeighbours(fixture name: String) throws {
        let fixture = try ProximityFixture.load(name)
        let train = Matrix(fixture.train)
        let test = Matrix(fixture.test)
        for c in fixture.cases where c.detector == "lof" {
            let k = try #require(c.n_neighbors_)
            let skTrain = ProximityFixture.neighbors(try #require(c.train_neighbors), try #require(c.train_distances))
            let skTest = ProximityFixture.neighbors(try #require(c.test_neighbors), try #require(c.test_distances))
            // Our exact search finds the same distances (ties only change which row is which).
            let fitted = try LOF(neighbors: k).fit(train)
            let ours = fitted.index.neighborsOfReferenceRows(k: k)
            #expect(maxRelativeError(ours.distances, skTrain.distances, floorFractionOfLargest: 1e-3) < 1e-9)
            #expect(maxRelativeError(try fitted.neighbors(of: test).distances, skTest.distances, floorFractionOfLargest: 1e-3) < 1e-9)
            // Given scikit-learn's neighbours, the LOF formula reproduces PyOD's scores.
            let factors = try LOF.trainingFactors(skTrain)
            #expect(maxRelativeError(factors.scores, c.train_scores, floorFractionOfLargest: 1e-3) < 1e-9)
            let skFitted = try FittedLOF(settings: LOF(neighbors: k), featureCount: train.cols,
                                         trainingScores: factors.scores,
                                         state: DetectorState(tensors: [
                                             "training": Tensor(train),
                                             "k_distance": Tensor(doubles: factors.kDistance),
                                             "lrd": Tensor(doubles: factors.density),
                                         ]))
            #expect(maxRelativeError(try skFitted.scores(neighbors: skTest), c.test_scores, floorFractionOfLargest: 1e-3) < 1e-9)
        }
    }

    @Test func lofCapsNeighborsAtRowsMinusOneLikeScikitLearn() throws {
        let x = ProximityDetectorTests.data.x.rows(at: Array(0..<12))
        let capped = try LOF(neighbors: 50).fit(x)
        let explicit = try LOF(neighbors: 11).fit(x)
        #expect(capped.effectiveNeighbors == 11)
        #expect(capped.trainingScores == explicit.trainingScores)
        #expect(try capped.scores(ProximityDetectorTests.data.x) == explicit.scores(ProximityDetectorTests.data.x))
    }
}
