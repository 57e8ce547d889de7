import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import AnomalyNN
import Foundation
import Testing
import TestSupport

@Suite struct MetaLearningTests {
    /// Four small tasks in one 5-d feature space, each with its own centre.
    static func tasks(features: Int = 5) -> [MetaTask] {
        (0..<4).map { i in
            let t = TestSupport.gaussianWithOutliers(n: 60, d: features, outliers: 10, seed: UInt64(20 + i))
            var x = t.x
            for r in 0..<x.rows { for j in 0..<x.cols { x[r, j] += Float(3 * i) } }
            return MetaTask(name: "task\(i)", data: DomainData(x: x, labels: t.y))
        }
    }

    @Test func episodesHaveTheRequestedSupportAndBothClassesInTheQuery() throws {
        var sampler = try EpisodeSampler(tasks: Self.tasks(), shots: 5, anomalyShots: 2, querySize: 12, seed: 1)
        for _ in 0..<10 {
            let e = sampler.next()
            #expect(e.support.labels == [0, 0, 0, 0, 0, 1, 1])
            let q = try #require(e.query.labels)
            #expect(q.count == 12 && q.contains(0) && q.contains(1))
        }
        var a = try EpisodeSampler(tasks: Self.tasks(), shots: 5, seed: 9), b = try EpisodeSampler(tasks: Self.tasks(), shots: 5, seed: 9)
        for _ in 0..<5 { #expect(a.next().support.x == b.next().support.x) }
    }

    @Test func badTaskFamiliesAreExplained() throws {
        var mixed = Self.tasks()
        mixed.append(Self.tasks(features: 3)[0])
        let features = #expect(throws: AnomalyError.self) { try EpisodeSampler(tasks: mixed, shots: 5, seed: 0) }
        #expect(features?.description.contains("feature space") == true)
        let small = #expect(throws: AnomalyError.self) { try EpisodeSampler(tasks: Self.tasks(), shots: 60, seed: 0) }
        #expect(small?.description.contains("an episode needs") == true)
        let unlabelled = MetaTask(name: "u", data: DomainData(x: Self.tasks()[0].data.x, labels: nil))
        #expect(throws: AnomalyError.self) { try EpisodeSampler(tasks: [unlabelled], shots: 5, seed: 0) }
    }

    @Test(arguments: MetaMethod.initialisations)
    func metaTrainingIsSeededAndChangesTheInitialisation(method: MetaMethod) throws {
        let detector = try #require(try quick("autoencoder", ["preprocessing": "false"]) as? AutoEncoder)
        var learning = MetaLearning(method: method)
        learning.iterations = 5
        learning.tasksPerIteration = 2
        learning.innerEpochs = 2
        func train() throws -> FittedAutoEncoder {
            var sampler = try EpisodeSampler(tasks: Self.tasks(), shots: 5, seed: 3)
            return try learning.train(detector, sampler: &sampler).fitted
        }
        let a = try train(), b = try train()
        #expect(a.model.parameters == b.model.parameters)
        var sampler = try EpisodeSampler(tasks: Self.tasks(), shots: 5, seed: 3)
        let pretrained = try TransferLearning.pretrain(detector, sources: DomainFrame.pooled(Self.tasks().map(\.data), norm: .center, count: 5, seed: 0))
        #expect(a.model.parameters != pretrained.model.parameters)
        let (adapted, frame) = try learning.adapt(detector, a, support: sampler.next().support)
        let x = Self.tasks()[0].data.x
        #expect(try adapted.scores(frame.map { $0.apply(x) } ?? x).allSatisfy(\.isFinite))
    }

    @Test func theExperimentReportsEveryModeAndRefusesMismatchedTasks() throws {
        let target = Self.tasks()[3]
        var e = MetaExperiment(method: .reptile, shots: 5)
        e.learning.iterations = 3
        e.learning.innerEpochs = 2
        let out = try e.run(anyDetector: try quick("autoencoder"), tasks: Array(Self.tasks().prefix(3)), target: target.data, targetName: "t")
        #expect(out.modes.map(\.name) == MetaExperiment.modeNames)
        for m in out.modes { #expect(m.result != nil, "\(m.name): \(m.reason ?? "")") }
        let narrow = MetaTask(name: "narrow.npz", data: Self.tasks(features: 3)[0].data)
        let error = #expect(throws: AnomalyError.self) {
            try e.run(anyDetector: try quick("autoencoder"), tasks: [narrow], target: target.data, targetName: "t")
        }
        #expect(error?.description.contains("narrow.npz") == true)
    }
}
