import AnomalyKit
import AnomalyNN
import AnomalyTransfer
import Foundation
import Testing
import TestSupport

@Suite struct FineTuningTests {
    static let source = TestSupport.gaussianWithOutliers(n: 150, d: 5, outliers: 15, seed: 1)
    static let target = TestSupport.gaussianWithOutliers(n: 60, d: 5, outliers: 6, seed: 2)

    @Test func frozenLayersStayFixedAndTheNewHeadIsRetrained() throws {
        let detector = try #require(try quick("classifier") as? Classifier)
        let base = try detector.fit(Self.source.x, labels: Self.source.y)
        var tuning = FineTuning()
        tuning.freeze = ["encoder"]
        tuning.newHead = true
        tuning.epochs = 2
        let tuned = try detector.fineTune(base, on: Self.target.x, labels: Self.target.y, tuning: tuning)
        for name in base.model.parameters.names(under: "encoder") {
            #expect(tuned.model.parameters[name] == base.model.parameters[name], "\(name) must not change")
        }
        #expect(tuned.model.parameters["head.weight"] != base.model.parameters["head.weight"])
    }

    @Test func aFreezeNameThatMatchesNoLayerIsRefused() throws {
        let detector = try #require(try quick("autoencoder") as? AutoEncoder)
        let base = try detector.fit(Self.source.x)
        var tuning = FineTuning()
        tuning.freeze = ["encodr"]
        let e = #expect(throws: AnomalyError.self) { try detector.fineTune(base, on: Self.target.x, labels: nil, tuning: tuning) }
        #expect(e?.description.contains("'encodr' matches no layer") == true)
        #expect(e?.description.contains("encoder, decoder") == true)
    }

    @Test func fineTuningOnOtherFeaturesIsRefused() throws {
        let detector = try #require(try quick("autoencoder") as? AutoEncoder)
        let base = try detector.fit(Self.source.x)
        #expect(throws: AnomalyError.self) {
            try detector.fineTune(base, on: Self.target.x.columns(at: [0, 1, 2]), labels: nil, tuning: FineTuning())
        }
    }

    @Test func interpolationEndsAreTheTwoModels() throws {
        let detector = try #require(try quick("autoencoder") as? AutoEncoder)
        let base = try detector.fit(Self.source.x)
        let tuned = try detector.fineTune(base, on: Self.target.x, labels: nil, tuning: FineTuning())
        let atSource = TransferLearning.interpolate(source: base, tuned: tuned, alpha: 1, rows: Self.target.x)
        let atTuned = TransferLearning.interpolate(source: base, tuned: tuned, alpha: 0, rows: Self.target.x)
        #expect(atSource.model.parameters == base.model.parameters)
        #expect(atTuned.model.parameters == tuned.model.parameters)
        let half = TransferLearning.interpolate(source: base, tuned: tuned, alpha: 0.5, rows: Self.target.x)
        let w = "encoder.0.weight"
        let expected = zip(base.model.parameters[w]!.values, tuned.model.parameters[w]!.values).map { 0.5 * $0 + 0.5 * $1 }
        #expect(zip(half.model.parameters[w]!.values, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func modelFileRoundTripAfterFineTuning() throws {
        let base = try AnomalyModel.pretrain(try quick("deepsvdd"), sources: DomainData(x: Self.source.x, labels: Self.source.y))
        var tuning = FineTuning()
        tuning.epochs = 2
        let tuned = try base.fineTuned(on: DomainData(x: Self.target.x, labels: nil), tuning: tuning)
        let path = TestSupport.temporaryDirectory() + "/tuned.safetensors"
        try tuned.save(to: path)
        #expect(try AnomalyModel.load(from: path).scores(Self.target.x) == tuned.scores(Self.target.x))
    }

    @Test func classicModelsCannotBeFineTuned() throws {
        let knn = try AnomalyModel.fit(try DetectorRegistry.make("knn"), on: Dataset(x: Self.source.x))
        let e = #expect(throws: AnomalyError.self) { try knn.fineTuned(on: DomainData(x: Self.target.x, labels: nil), tuning: FineTuning()) }
        #expect(e?.description.contains("needs a neural model") == true)
    }
}

@Suite struct DomainAdaptationTests {
    @Test func coralMatchesTheTargetCovariance() throws {
        var rng = SeededGenerator(seed: 4)
        func sample(_ n: Int, _ f: (Double, Double) -> (Double, Double)) -> Matrix {
            var m = Matrix(rows: n, cols: 2)
            for i in 0..<n { let (a, b) = f(rng.nextGaussian(), rng.nextGaussian()); m[i, 0] = Float(a); m[i, 1] = Float(b) }
            return m
        }
        let source = sample(4000) { a, b in (3 * a, 0.5 * b + 1) }
        let target = sample(4000) { a, b in (a + b, b - 2) }
        let aligned = try CORAL.align(source: source, target: target, regularisation: 1e-9)
        let (ma, ca) = Statistics.covariance(aligned, ddof: 0)
        let (mt, ct) = Statistics.covariance(target, ddof: 0)
        for j in 0..<2 { #expect(abs(ma[j] - mt[j]) < 1e-3) }
        for i in 0..<4 { #expect(abs(ca[i] - ct[i]) < 0.01 * max(1, abs(ct[i]))) }
    }

    @Test func centringPutsEachSourcesNormalMeanAtTheOrigin() throws {
        let a = TestSupport.gaussianWithOutliers(n: 80, d: 3, outliers: 8, seed: 11)
        var shifted = a.x
        for i in 0..<shifted.rows { for j in 0..<3 { shifted[i, j] += Float(10 * (j + 1)) } }
        let pooled = DomainFrame.pooled([DomainData(x: a.x, labels: a.y), DomainData(x: shifted, labels: a.y)],
                                        norm: .standardize, count: nil, seed: 0)
        let normals = a.y.indices.filter { a.y[$0] == 0 }
        for part in 0..<2 {
            let frame = DomainFrame(pooled.x, rows: normals.map { $0 + part * a.x.rows }, norm: .standardize)
            for m in frame.mean { #expect(abs(m) < 1e-4) }
            for s in frame.scale { #expect(abs(s - 1) < 1e-4) }
        }
        // Centring on a few rows is seeded: the same seed draws the same rows.
        let p1 = DomainFrame.pooled([DomainData(x: a.x, labels: a.y)], norm: .center, count: 5, seed: 3)
        let p2 = DomainFrame.pooled([DomainData(x: a.x, labels: a.y)], norm: .center, count: 5, seed: 3)
        #expect(p1.x == p2.x)
    }

    /// A domain frame (μ, σ) in front of a detector makes it score `σ·x + μ` as the original
    /// scores `x`, and the frame travels with the model file as a pipeline step.
    @Test(arguments: ["autoencoder", "devnet"])
    func aDomainFrameStepMovesTheModelToTheNewCentre(name: String) throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 120, d: 6, outliers: 12, seed: 3)
        let detector = try quick(name, ["preprocessing": "false"])
        let fitted = try detector.fit(x, labels: y)
        let frame = DomainFrame(norm: .standardize, mean: (0..<x.cols).map { Double($0) * 3 - 5 },
                                scale: (0..<x.cols).map { 0.5 + Double($0) })
        var moved = x
        for i in 0..<x.rows { for j in 0..<x.cols { moved[i, j] = Float(frame.scale[j] * Double(x[i, j]) + frame.mean[j]) } }
        let threshold = try ContaminationThreshold(contamination: 0.1, trainingScores: fitted.trainingScores)
        let model = AnomalyModel(detector: fitted, pipeline: Pipeline([frame]), threshold: threshold, trainingRows: x.rows)
        let a = try fitted.scores(x), b = try model.scores(moved)
        for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-3 * max(1, abs(u))) }
        let file = TestSupport.temporaryDirectory() + "/recentred.safetensors"
        try model.save(to: file)
        #expect(try AnomalyModel.load(from: file).scores(moved) == (try model.scores(moved)))
    }

    @Test(arguments: [Adaptation.none, .mmd, .dann])
    func jointTrainingRuns(adaptation: Adaptation) throws {
        let source = TestSupport.gaussianWithOutliers(n: 100, d: 4, outliers: 10, seed: 5)
        let target = TestSupport.gaussianWithOutliers(n: 30, d: 4, outliers: 3, seed: 6)
        let detector = try #require(try quick("autoencoder") as? AutoEncoder)
        let m = try TransferLearning.jointTrain(detector, source: DomainData(x: source.x, labels: source.y),
                                                target: DomainData(x: target.x.rows(at: 0..<10), labels: nil), adaptation: adaptation)
        let scores = try m.scores(target.x)
        #expect(scores.allSatisfy { $0.isFinite })
        // Trained parameters only: no domain classifier left in the model.
        #expect(!m.model.parameters.names.contains { $0.hasPrefix("domain") })
    }
}

@Suite struct TransferExperimentTests {
    static func domains() -> ([DomainData], DomainData) {
        let a = TestSupport.gaussianWithOutliers(n: 120, d: 4, outliers: 12, seed: 7)
        let b = TestSupport.gaussianWithOutliers(n: 120, d: 4, outliers: 12, seed: 8)
        let t = TestSupport.gaussianWithOutliers(n: 100, d: 4, outliers: 20, seed: 9)
        return ([DomainData(x: a.x, labels: a.y), DomainData(x: b.x, labels: b.y)], DomainData(x: t.x, labels: t.y))
    }

    @Test func reportsEveryMode() throws {
        let (sources, target) = Self.domains()
        var e = TransferExperiment(shots: 10)
        e.adaptation = .coral
        let out = try e.run(anyDetector: try quick("autoencoder"), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        #expect(out.modes.map(\.name) == TransferExperiment.modeNames)
        for m in out.modes { #expect(m.result != nil, "\(m.name): \(m.reason ?? "")") }
        #expect(out.testRows == 36 && out.testAnomalies == 6)  // 30% of 100 normal + 20 outlier rows
    }

    @Test(arguments: ["autoencoder", "devnet"])
    func domainNormAdaptationRunsAndIsSeeded(name: String) throws {
        let (sources, target) = Self.domains()
        var e = TransferExperiment(shots: 10)
        e.adaptation = name == "devnet" ? .center : .standardize
        e.anomalyShots = name == "devnet" ? 3 : 0
        let run = { try e.run(anyDetector: try quick(name), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t") }
        let first = try run(), second = try run()
        let adapted = try #require(first.modes.first { $0.name == "adapted" }?.result)
        #expect(adapted.rocAUC > 0.5)
        #expect(adapted.rocAUC == second.modes.first { $0.name == "adapted" }?.result?.rocAUC)
    }

    @Test func relativeAdaptationRunsIsSeededAndReportsTheFrameAlone() throws {
        let (sources, target) = Self.domains()
        var e = TransferExperiment(shots: 10)
        e.adaptation = .relative
        e.anomalyShots = 3
        let run = { try e.run(anyDetector: try quick("devnet"), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t") }
        let first = try run(), second = try run()
        #expect(first.modes.map(\.name) == ["scratch", "source_only", "finetuned", "adapted", "interpolated", "relative_scratch", "knn_shots"])
        let adapted = try #require(first.modes.first { $0.name == "adapted" }?.result)
        #expect(adapted.rocAUC > 0.7)
        #expect(adapted.rocAUC == second.modes.first { $0.name == "adapted" }?.result?.rocAUC)
        #expect(first.modes.first { $0.name == "relative_scratch" }?.result != nil)
        // Too few shots for the frame: that mode reports why, the others still run.
        var few = TransferExperiment(shots: 3)
        few.adaptation = .relative
        let out = try few.run(anyDetector: try quick("autoencoder"), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        #expect(out.modes.first { $0.name == "adapted" }?.reason?.contains("more than 3 normal rows") == true)
        #expect(out.modes.first { $0.name == "scratch" }?.result != nil)
    }

    @Test func badRequestsAreExplained() throws {
        let (sources, target) = Self.domains()
        let ae = try quick("autoencoder")
        let tooMany = #expect(throws: AnomalyError.self) {
            try TransferExperiment(shots: 1000).run(anyDetector: ae, sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        }
        #expect(tooMany?.description.contains("normal shots requested") == true)
        var e = TransferExperiment(shots: 5)
        e.anomalyShots = 500
        let tooManyAnomalies = #expect(throws: AnomalyError.self) {
            try e.run(anyDetector: ae, sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        }
        #expect(tooManyAnomalies?.description.contains("anomaly shots requested") == true)
        let narrow = DomainData(x: sources[0].x.columns(at: [0, 1]), labels: sources[0].labels)
        let features = #expect(throws: AnomalyError.self) {
            try TransferExperiment(shots: 5).run(anyDetector: ae, sources: [narrow], sourceNames: ["narrow.npz"], target: target, targetName: "t")
        }
        #expect(features?.description.contains("narrow.npz") == true)
        #expect(throws: AnomalyError.self) {
            try TransferExperiment(shots: 5).run(anyDetector: try DetectorRegistry.make("knn"), sources: sources, sourceNames: ["a", "b"],
                                                 target: target, targetName: "t")
        }
    }

    @Test func classifierScratchWithoutAnomalyShotsIsReportedNotFatal() throws {
        let (sources, target) = Self.domains()
        let out = try TransferExperiment(shots: 10).run(anyDetector: try quick("classifier"), sources: sources,
                                                        sourceNames: ["a", "b"], target: target, targetName: "t")
        let scratch = try #require(out.modes.first { $0.name == "scratch" })
        #expect(scratch.result == nil && scratch.reason?.contains("both classes") == true)
        #expect(out.modes.first { $0.name == "finetuned" }?.result != nil)
    }
}

@Suite struct RelativeModelFileTests {
    @Test func pretrainFineTuneSaveLoadAndScore() throws {
        let (sources, target) = TransferExperimentTests.domains()
        let devnet = try quick("devnet")
        let base = try AnomalyModel.pretrainRelative(devnet, sources: sources, shots: 8, seed: 1)
        let dir = TestSupport.temporaryDirectory()
        try base.save(to: dir + "/base.safetensors")
        // No target frame yet: loading it for scoring is refused with the reason.
        let pending = #expect(throws: AnomalyError.self) { try AnomalyModel.load(from: dir + "/base.safetensors") }
        #expect(pending?.description.contains("no target frame yet") == true)
        #expect(pending?.field == "awaiting")
        guard case .pending(let loadedBase) = try ModelFile.load(from: dir + "/base.safetensors") else {
            Issue.record("a pretrained relative model loads as pending")
            return
        }
        #expect(loadedBase.awaiting == .relativeFrame)
        var tuning = FineTuning()
        tuning.seed = 3
        let tuned = try loadedBase.fineTunedRelative(on: target, shots: 10, tuning: tuning)
        #expect(tuned.featureCount == 4)
        #expect(tuned.pipeline.steps.last is RelativeFrame)
        let scores = try tuned.scores(target.x)
        #expect(Metrics.rocAUC(labels: target.labels!, scores: scores) > 0.8)
        try tuned.save(to: dir + "/tuned.safetensors")
        #expect(try AnomalyModel.load(from: dir + "/tuned.safetensors").scores(target.x) == scores)
        // A file that lost its frame's rows is refused, naming the tensor.
        var (tensors, metadata) = try SafeTensors.decode(try tuned.serialized(), file: "tuned.safetensors")
        tensors["steps.0.shots"] = nil
        let broken = #expect(throws: AnomalyError.self) {
            try AnomalyModel.load(data: try SafeTensors.encode(tensors: tensors, metadata: metadata), file: "tuned.safetensors")
        }
        #expect(broken?.field == "steps.0.shots" && broken?.file == "tuned.safetensors")
        // Fine-tuning the fitted model again replaces its frame.
        #expect(try tuned.fineTunedRelative(on: target, shots: 10, tuning: tuning).pipeline.steps.count == 1)
        // Seeded: the same seed draws the same frame.
        #expect(try loadedBase.fineTunedRelative(on: target, shots: 10, tuning: tuning).scores(target.x) == scores)
    }

    @Test func badRelativeRequestsAreExplained() throws {
        let (sources, target) = TransferExperimentTests.domains()
        let plain = try AnomalyModel.pretrain(try quick("autoencoder"), sources: DomainData.pooled(sources))
        let direct = #expect(throws: AnomalyError.self) { try plain.fineTunedRelative(on: target, shots: 10, tuning: FineTuning()) }
        #expect(direct?.description.contains("needs a model pretrained in it") == true)
        let base = try AnomalyModel.pretrainRelative(try quick("autoencoder"), sources: sources, shots: 8)
        let few = #expect(throws: AnomalyError.self) { try base.fineTunedRelative(on: target, shots: 3, tuning: FineTuning()) }
        #expect(few?.field == "shots")
        let many = #expect(throws: AnomalyError.self) { try base.fineTunedRelative(on: target, shots: 5000, tuning: FineTuning()) }
        #expect(many?.field == "shots")
    }
}
