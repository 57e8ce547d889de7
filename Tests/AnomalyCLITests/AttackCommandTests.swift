import AnomalyKit
import Foundation
import Testing
import TestSupport

/// `anomalykit attack`: the report (text and JSON), the perturbed rows, gradient and search
/// guidance, every bad input (nothing written), and `--adversarial` on the fitting commands.
@Suite struct AttackCommandTests {
    static let ws = Workspace.shared

    /// A folder with a classifier and a kNN model fitted on the workspace's labelled `tgt.npz`.
    static let dir: String = {
        let dir = TestSupport.temporaryDirectory()
        _ = anomalykit(line: ws.expand("fit --detector classifier --param epochs=10 --preprocess standard --train $T/tgt.npz --model \(dir)/c.safetensors"))
        _ = anomalykit(line: ws.expand("fit --detector knn --train $T/tgt.npz --model \(dir)/k.safetensors"))
        return dir
    }()

    static func json(_ r: CommandResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
    }

    @Test func gradientAttackReportsBeforeAndAfter() throws {
        let out = Self.dir + "/adv.npz"
        let r = anomalykit(line: Self.ws.expand("attack --model \(Self.dir)/c.safetensors --data $T/tgt.npz --epsilon 0.3 --steps 5 --json --out \(out)"))
        expectSuccess(r, "attack")
        let j = try Self.json(r)
        #expect(j["method"] as? String == "pgd")
        #expect(j["guidance"] as? String == "gradient")
        #expect(j["unit_source"] as? String == "scaler")
        #expect(j["n_anomalies"] as? Int == 12)
        #expect(j["steps"] as? Int == 5)
        #expect(j["epsilon"] as? Double == 0.3)
        let clean = try #require(j["roc_auc_clean"] as? Double), attacked = try #require(j["roc_auc_attacked"] as? Double)
        #expect(attacked <= clean)
        #expect(try #require(j["mean_score_drop"] as? Double) >= 0)
        #expect(try #require(j["max_standardised_change"] as? Double) <= 0.3 * (1 + 1e-4))
        for key in ["average_precision_clean", "average_precision_attacked", "step_size", "n_rows", "seed"] { #expect(j[key] != nil, "\(key)") }
        let arrays = try NumPy.readArchive(path: out)
        #expect(arrays["X"]?.shape == [92, 4])
        #expect(arrays["y"]?.shape == [92])
    }

    @Test func textReportAndCSVRows() throws {
        let out = Self.dir + "/adv.csv"
        let r = anomalykit(line: Self.ws.expand("attack --model \(Self.dir)/c.safetensors --data $T/tgt.npz --method fgsm --epsilon 0.2 --out \(out)"))
        expectSuccess(r, "attack fgsm")
        #expect(r.output.contains("FGSM on classifier"))
        #expect(r.output.contains("ROC-AUC"))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 93)
        #expect(lines[0] == "x0,x1,x2,x3,label")
    }

    @Test func modelsWithoutGradientsAreSearched() throws {
        let r = anomalykit(line: Self.ws.expand("attack --model \(Self.dir)/k.safetensors --data $T/tgt.npz --epsilon 0.3 --steps 3 --samples 4 --json"))
        expectSuccess(r, "attack knn")
        let j = try Self.json(r)
        #expect(j["guidance"] as? String == "search")
        #expect(j["samples"] as? Int == 4)
        #expect(j["unit_source"] as? String == "clean_normal_rows")
        let forced = anomalykit(line: Self.ws.expand("attack --model \(Self.dir)/k.safetensors --data $T/tgt.npz --guidance gradient"))
        #expect(forced.status == 65)
        #expect(forced.error.contains("no score gradients"))
    }

    @Test(arguments: ["0", "-0.1", "nan", "inf"])
    func badEpsilonIsAUsageError(epsilon: String) throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit(["attack", "--model", Self.dir + "/c.safetensors", "--data", Self.ws.path("tgt.npz"), "--epsilon", epsilon,
                            "--out", dir + "/adv.npz"])
        #expect(r.status == 64, "\(epsilon): \(r.error)")
        #expect(r.error.contains("--epsilon"))
        #expect(files(in: dir).isEmpty)
    }

    @Test func nothingToAttackIsAnErrorAndWritesNothing() throws {
        let dir = TestSupport.temporaryDirectory()
        // A pending model (pretrained in the relative frame): no scores to attack.
        let pending = anomalykit(line: Self.ws.expand("attack --model $T/base-r.safetensors --data $T/tgt.npz --out \(dir)/a.npz"))
        #expect(pending.status == 65)
        #expect(pending.error.contains("no scores to attack"))
        // Data without labels.
        let x = TestSupport.gaussianWithOutliers(n: 20, d: 4, outliers: 0, seed: 2).x
        try NumPy.write(x, to: dir + "/plain.npy")
        let unlabelled = anomalykit(line: "attack --model \(Self.dir)/c.safetensors --data \(dir)/plain.npy --out \(dir)/b.npz")
        #expect(unlabelled.status == 65)
        #expect(unlabelled.error.contains("has no labels"))
        // Labels without anomalies.
        try NumPy.writeArchive(["X": NumPyArray(x), "y": NumPyArray(labels: [Int](repeating: 0, count: 20))], to: dir + "/normal.npz")
        let normal = anomalykit(line: "attack --model \(Self.dir)/c.safetensors --data \(dir)/normal.npz --out \(dir)/c.npz")
        #expect(normal.status == 65)
        #expect(normal.error.contains("nothing to attack"))
        #expect(files(in: dir) == ["normal.npz", "plain.npy"])
        // A wrong output extension is refused before anything runs.
        #expect(anomalykit(line: Self.ws.expand("attack --model \(Self.dir)/c.safetensors --data $T/tgt.npz --out \(dir)/a.txt")).status == 64)
    }

    @Test func fitRecordsAdversarialTraining() throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit(line: Self.ws.expand("fit --detector classifier --param epochs=3 --train $T/tgt.npz --adversarial pgd --epsilon 0.2 --adversarial-steps 2 --model \(dir)/r.safetensors --json"))
        expectSuccess(r, "fit --adversarial")
        let params = try #require(try Self.json(r)["params"] as? [String: Any])
        #expect(params["adversarial"] as? String == "pgd")
        #expect(params["adversarial_epsilon"] as? Double == 0.2)
        #expect(params["adversarial_steps"] as? Int == 2)
        let model = try AnomalyModel.load(from: dir + "/r.safetensors")
        #expect(model.parameters["adversarial"] == .string("pgd"))
        // Not for detectors without gradients, and --epsilon alone means nothing.
        let knn = anomalykit(line: Self.ws.expand("fit --detector knn --train $T/tgt.npz --adversarial pgd --model \(dir)/k.safetensors"))
        #expect(knn.status == 64)
        #expect(knn.error.contains("neural"))
        #expect(anomalykit(line: Self.ws.expand("fit --detector classifier --train $T/tgt.npz --epsilon 0.1 --model \(dir)/e.safetensors")).status == 64)
        #expect(anomalykit(line: Self.ws.expand("evaluate --detector classifier --param epochs=2 --train $T/tgt.npz --adversarial pgd --epsilon 0 --test $T/tgt.npz")).status == 64)
        #expect(files(in: dir) == ["r.safetensors"])
    }
}
