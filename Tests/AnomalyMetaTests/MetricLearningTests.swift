import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import AnomalyNN
import Foundation
import Testing
import TestSupport

@Suite struct MetricLearningTests {
    @Test func learnsDirectionsAndSettingsReproducibly() throws {
        func train() throws -> MetricMetaLearning.Result {
            var sampler = try EpisodeSampler(tasks: MetaLearningTests.tasks(), shots: 5, querySize: 16, seed: 4)
            var m = MetricMetaLearning()
            m.episodes = 12
            m.directionCounts = [0, 2]
            m.scales = [1]
            return try m.train(sampler: &sampler)
        }
        let a = try train(), b = try train()
        #expect(a.model == b.model)
        #expect(a.episodeAUC >= a.spanOnlyEpisodeAUC)
        #expect(a.model.directions.rows == a.directionCount)
        let target = MetaLearningTests.tasks()[0].data
        let normals = target.rows(labelled: 0).x.rows(at: 0..<5)
        let scores = try a.model.scores(target.x, support: normals)
        #expect(scores.allSatisfy { $0.isFinite })
        #expect(Metrics.rocAUC(labels: target.labels!, scores: scores) > 0.8)
    }

    /// Identical support rows span nothing: the score is the plain distance to that row.
    @Test func identicalSupportRowsScoreByDistanceToThem() throws {
        let model = MetricModel(directions: Matrix(rows: 0, cols: 2), ridge: 0.01)
        var same = Matrix(rows: 3, cols: 2)
        for i in 0..<3 { same[i, 0] = 1; same[i, 1] = 1 }
        var x = Matrix(rows: 1, cols: 2)
        x[0, 0] = 4; x[0, 1] = 5
        #expect(abs(try model.scores(x, support: same)[0] - 5) < 1e-9)
    }
}
