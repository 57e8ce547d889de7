import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// Adversarial training of the neural detectors: its settings (parameters, model files, old
/// files), seeding, and its effect against the attack it trains for.
@Suite struct AdversarialTrainingTests {
    static let data = TestSupport.gaussianWithOutliers(n: 160, d: 4, outliers: 16, seed: 9)

    @Test func settingsAreParametersOfEveryNeuralDetector() throws {
        for name in ["autoencoder", "vae", "deepsvdd", "devnet", "classifier"] {
            let d = try DetectorRegistry.make(name, assignments: ["adversarial": "pgd", "adversarial_epsilon": "0.2",
                                                                  "adversarial_steps": "3"])
            #expect(d.parameters["adversarial"] == .string("pgd"), "\(name)")
            #expect(d.parameters["adversarial_epsilon"] == .double(0.2), "\(name)")
            #expect(d.parameters["adversarial_steps"] == .int(3), "\(name)")
            let plain = try DetectorRegistry.make(name, assignments: [:])
            #expect(plain.parameters["adversarial"] == .string("none"))
        }
        for bad in ["0", "-1", "nan", "inf"] {
            #expect(throws: AnomalyError.self) { try DetectorRegistry.make("classifier", assignments: ["adversarial_epsilon": bad]) }
        }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("classifier", assignments: ["adversarial": "fgsm"]) }
    }

    @Test func modelFilesKeepTheSettingsAndOldFilesLoadWithout() throws {
        let (x, y) = Self.data
        let detector = try quick("devnet", ["adversarial": "pgd", "adversarial_epsilon": "0.2", "adversarial_steps": "2"])
        let model = try AnomalyModel.fit(detector, on: Dataset(x: x, labels: y))
        let loaded = try AnomalyModel.load(data: model.serialized(), file: "m.safetensors")
        #expect(loaded.parameters["adversarial"] == .string("pgd"))
        #expect(loaded.parameters["adversarial_epsilon"] == .double(0.2))
        #expect(loaded.parameters["adversarial_steps"] == .int(2))
        #expect(try loaded.scores(x) == model.scores(x))
        let old = try AnomalyModel.load(from: TestSupport.repositoryFile("Tests/AnomalyKitTests/Fixtures/v1-models/autoencoder.safetensors"))
        #expect(old.parameters["adversarial"] == .string("none"))
    }

    @Test(arguments: ["autoencoder", "deepsvdd", "devnet", "classifier", "vae"])
    func trainingIsSeededAndChangesTheModel(name: String) throws {
        let (x, y) = Self.data
        let adversarial = ["adversarial": "pgd", "adversarial_epsilon": "0.3", "adversarial_steps": "2"]
        let a = try quick(name, adversarial).fit(x, labels: y).scores(x)
        let b = try quick(name, adversarial).fit(x, labels: y).scores(x)
        let plain = try quick(name).fit(x, labels: y).scores(x)
        #expect(a == b)
        #expect(a != plain)
        #expect(a.allSatisfy { $0.isFinite })
    }

    @Test func aRobustClassifierLosesLessUnderPGD() throws {
        // Anomalies 1.5 standard deviations out in one feature: a ball of 0.75 can hide many.
        var rng = SeededGenerator(seed: 4)
        var x = Matrix(rows: 300, cols: 3)
        var y = [Int](repeating: 0, count: 300)
        for r in 0..<300 {
            for c in 0..<3 { x[r, c] = Float(rng.nextGaussian()) }
            if r % 10 == 0 { y[r] = 1; x[r, 0] += 2.5 }
        }
        let settings = ["epochs": "40", "hidden_neurons": "32"]
        let attack = EvasionAttack(method: .pgd, epsilon: 0.75, steps: 10, seed: 1)
        let plain = try AnomalyModel.fit(quick("classifier", settings), on: Dataset(x: x, labels: y), scaling: .standard)
        let robust = try AnomalyModel.fit(quick("classifier", settings.merging(["adversarial": "pgd", "adversarial_epsilon": "0.75"]) { $1 }),
                                          on: Dataset(x: x, labels: y), scaling: .standard)
        let p = try attack.run(plain, x: x, labels: y), q = try attack.run(robust, x: x, labels: y)
        #expect(q.rocAUCAttacked > p.rocAUCAttacked, "attacked AUC plain \(p.rocAUCAttacked) robust \(q.rocAUCAttacked)")
    }
}
