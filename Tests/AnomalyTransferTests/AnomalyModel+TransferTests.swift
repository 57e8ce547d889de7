import AnomalyKit
import AnomalyNN
import AnomalyTransfer
import Foundation
import Testing
import TestSupport

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
