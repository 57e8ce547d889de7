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

@Suite struct MetaSGDTests {
    /// The learned rates travel with the model file, and fine-tuning a loaded model takes
    /// `θ − α ⊙ ∇L` steps with them.
    @Test func learnedRatesRoundTripAndDriveFineTuning() throws {
        let detector = try #require(try quick("autoencoder", ["preprocessing": "false", "batch_norm": "false", "dropout_rate": "0"]) as? AutoEncoder)
        var learning = MetaLearning(method: .metasgd)
        learning.iterations = 4
        learning.tasksPerIteration = 2
        learning.innerEpochs = 2
        var sampler = try EpisodeSampler(tasks: MetaLearningTests.tasks(), shots: 5, seed: 3)
        let (meta, learned) = try learning.train(detector, sampler: &sampler)
        let rates = try #require(learned)
        #expect(rates.names == meta.model.parameters.names)
        #expect(rates.names.contains { name in rates[name]!.values.contains { abs($0 - 0.01) > 1e-7 } })  // they moved
        let path = TestSupport.temporaryDirectory() + "/metasgd.safetensors"
        let threshold = try ContaminationThreshold(contamination: 0.1, trainingScores: meta.trainingScores)
        try AnomalyModel(detector: meta, threshold: threshold, trainingRows: 10).attaching(MetaSGD.attachments(rates)).save(to: path)
        let model = try AnomalyModel.load(from: path)
        let loaded = try #require(model.detector as? FittedAutoEncoder)
        #expect(try MetaSGD.rates(of: model) == rates)
        // One adaptation step by hand equals adapting for one epoch.
        let support = MetaLearningTests.tasks()[0].data.rows(labelled: 0).x.rows(at: 0..<6)
        var tuning = FineTuning()
        tuning.epochs = 1
        let tunedModel = try MetaSGD.adapted(model, rates: rates, on: DomainData(x: support, labels: nil), tuning: tuning)
        let tuned = try #require(tunedModel.detector as? FittedAutoEncoder)
        var rng = SeededGenerator(seed: UInt64(detector.training.seed) &+ tuning.seed)
        let (_, g) = NeuralFitting.lossGradients(detector, loaded.model, x: loaded.model.prepared(support), labels: nil, seed: rng.next())
        for name in rates.names {
            let expected = zip(loaded.model.parameters[name]!.values, zip(rates[name]!.values, g[name]!.values)).map { $0 - $1.0 * $1.1 }
            #expect(tuned.model.parameters[name]!.values == expected, "\(name)")
        }
    }
}
