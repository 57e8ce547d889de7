@testable import AnomalyCLI
import AnomalyKit
import Foundation
import Testing
import TestSupport

/// `--synthetic-anomalies` and `--augment` (issue 16 §2) on fit, evaluate and benchmark.
@Suite struct AugmentationCommandTests {
    private func json(_ r: CommandResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
    }

    @Test func outlierExposureFitsAClassifierWithoutLabels() throws {
        let dir = TestSupport.temporaryDirectory()
        // The bundled WBC file's features only (its labels left out): the classifier has no label.
        let arrays = try NumPy.readArchive(path: bundled("42_WBC.npz"), names: ["X"])
        try NumPy.write(try #require(arrays["X"]).matrix(), to: dir + "/x.npy")
        let r = anomalykit("fit", "--detector", "classifier", "--train", dir + "/x.npy", "--synthetic-anomalies", "global,local",
                           "--param", "epochs=5", "--out", dir + "/m.safetensors", "--json")
        expectSuccess(r, "fit with --synthetic-anomalies")
        let o = try json(r)
        #expect((o["augmentation"] as? String)?.contains("global,local") == true)
        // The threshold comes from the 223 real rows: 10 % of them flagged.
        #expect(o["n_flagged_train"] as? Int == 22 || o["n_flagged_train"] as? Int == 23)
        expectSuccess(anomalykit("score", "--model", dir + "/m.safetensors", "--data", dir + "/x.npy", "--out", dir + "/s.csv"))
    }

    @Test func augmentingTheLabelledAnomaliesChangesTheModelAndKeepsItsSeed() throws {
        let dir = TestSupport.temporaryDirectory()
        func fit(_ extra: [String], _ name: String) -> CommandResult {
            anomalykit(["evaluate", "--detector", "devnet", "--data", bundled("42_WBC.npz"), "--param", "epochs=3", "--json"] + extra
                       + ["--model", dir + "/" + name])
        }
        let plain = fit([], "a.safetensors"), smote = fit(["--augment", "smote"], "b.safetensors"),
            again = fit(["--augment", "smote"], "c.safetensors")
        for r in [plain, smote, again] { expectSuccess(r) }
        let a = try json(plain)["roc_auc"] as? Double, b = try json(smote)["roc_auc"] as? Double, c = try json(again)["roc_auc"] as? Double
        #expect(a != nil && b != nil && b == c, "the same seed gives the same model")
    }

    @Test(arguments: [
        ("an unsupervised detector", ["fit", "--detector", "knn", "--synthetic-anomalies", "global"], 64, "unsupervised"),
        ("an unknown type", ["fit", "--detector", "classifier", "--synthetic-anomalies", "weird"], 64, "weird"),
        ("a ratio without types", ["fit", "--detector", "classifier", "--synthetic-ratio", "0.5"], 64, "--synthetic-anomalies"),
        ("a factor without a method", ["fit", "--detector", "devnet", "--augment-factor", "3"], 64, "--augment"),
        ("a factor of 0", ["fit", "--detector", "devnet", "--augment", "jitter", "--augment-factor", "0"], 64, "--augment-factor"),
        ("no labelled anomaly", ["fit", "--detector", "devnet", "--augment", "smote"], 65, "labelled"),
    ])
    func badInputIsRefusedAndNothingIsWritten(_ what: String, _ args: [String], _ status: Int32, _ expected: String) throws {
        let dir = TestSupport.temporaryDirectory()
        let arrays = try NumPy.readArchive(path: bundled("42_WBC.npz"), names: ["X"])
        try NumPy.write(try #require(arrays["X"]).matrix(), to: dir + "/x.npy")
        let r = anomalykit(args + ["--train", dir + "/x.npy", "--out", dir + "/m.safetensors"])
        #expect(r.status == status, "\(what): exit \(r.status): \(r.error)")
        #expect(r.error.contains(expected), "\(what): \(r.error)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.safetensors"))
    }

    @Test func benchmarkHidesOrThinsTheTrainingLabels() throws {
        let dir = TestSupport.temporaryDirectory()
        try FileManager.default.copyItem(atPath: bundled("29_Pima.npz"), toPath: dir + "/29_Pima.npz")
        func auc(_ extra: [String]) throws -> Double {
            let r = anomalykit(["benchmark", "--datasets", dir, "--detectors", "classifier", "--param", "epochs=5", "--json", "--quiet"] + extra)
            expectSuccess(r, extra.joined(separator: " "))
            let runs = try #require(try json(r)["runs"] as? [[String: Any]])
            return try #require(runs.first?["roc_auc"] as? Double)
        }
        let full = try auc([]), exposed = try auc(["--synthetic-anomalies", "global"])
        let thin = try auc(["--labelled-anomalies", "0.1"]), thinSmote = try auc(["--labelled-anomalies", "0.1", "--augment", "smote"])
        // All are real runs on the same split; the settings change what the classifier learns from.
        #expect(Set([full, exposed, thin]).count == 3, "\(full) \(exposed) \(thin)")
        #expect(thin != thinSmote)
        let bad = anomalykit("benchmark", "--datasets", dir, "--detectors", "classifier", "--labelled-anomalies", "0", "--json", "--quiet")
        #expect(bad.status != 0)
    }
}
