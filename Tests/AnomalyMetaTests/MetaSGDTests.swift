import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import AnomalyNN
import Foundation
import Testing
import TestSupport

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
