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
