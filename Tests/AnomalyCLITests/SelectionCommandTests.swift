import Foundation
import Testing
import TestSupport

/// `select`, `auto` and `select-train`.
@Suite struct SelectionCommandTests {
    func json(_ r: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.error)")
    }

    /// `auto` rank-averages the top 5 by default; `--ensemble 1` is the top choice alone.
    @Test(arguments: [([String](), 5), (["--ensemble", "1"], 1), (["--ensemble", "3"], 3)])
    func autoEnsemblesTheTopFiveByDefault(_ extra: [String], _ count: Int) throws {
        let o = try json(anomalykit(["auto", "--data", bundled("29_Pima.npz"), "--json"] + extra))
        #expect((o["selected"] as? [String])?.count == count)
        for key in ["roc_auc", "average_precision", "n_train", "n_test", "fit_seconds"] { #expect(o[key] != nil, "auto --json lacks \(key)") }
    }

    @Test func autoSavesAModelThatScores() {
        let dir = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit("auto", "--data", bundled("29_Pima.npz"), "--ensemble", "3", "--contamination", "0.2", "--out", dir + "/e.safetensors"))
        expectSuccess(anomalykit("score", "--model", dir + "/e.safetensors", "--data", bundled("29_Pima.npz"), "--out", dir + "/e.csv"))
        let both = anomalykit("auto", "--data", bundled("29_Pima.npz"), "--out", dir + "/a.safetensors", "--model", dir + "/b.safetensors")
        #expect(both.status == 64 && both.error.contains("not both"))
    }

    @Test func selectTrainThenSelect() throws {
        let dir = TestSupport.temporaryDirectory(), bench = dir + "/bench"
        try FileManager.default.createDirectory(atPath: bench, withIntermediateDirectories: true)
        for name in ["29_Pima.npz", "45_wine.npz", "14_glass.npz"] { try FileManager.default.copyItem(atPath: bundled(name), toPath: bench + "/" + name) }
        expectSuccess(anomalykit("select", "--data", bundled("29_Pima.npz")))
        let b = anomalykit("benchmark", "--datasets", bench, "--detectors", "hbos,iforest,pca", "--json", "--quiet")
        expectSuccess(b)
        write(b.output, "bench.json", in: dir)
        expectSuccess(anomalykit("select-train", "--benchmark", dir + "/bench.json", "--datasets", bench, "--out", dir + "/s.safetensors"))
        expectSuccess(anomalykit("select", "--data", bundled("4_breastw.npz"), "--selector", dir + "/s.safetensors"))
        let missing = anomalykit("select-train", "--benchmark", dir + "/bench.json," + dir + "/bench9.json", "--datasets", bench, "--out", dir + "/x.safetensors")
        #expect(missing.status == 65 && missing.error.contains("bench9.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.safetensors"))
        // A selector of another format version, and one trained on a detector AnomalyKit lacks.
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.safetensors"))
        try Workspace.withFormatVersion9(raw).write(to: URL(fileURLWithPath: dir + "/v9.safetensors"))
        let v9 = anomalykit("select", "--data", bundled("4_breastw.npz"), "--selector", dir + "/v9.safetensors")
        #expect(v9.status == 65 && v9.error.contains("format_version"), "\(v9.error)")
        try Workspace.replacing(raw, "\\\"hbos\\\"", with: "\\\"xgbd\\\"").write(to: URL(fileURLWithPath: dir + "/xgbd.safetensors"))
        let other = anomalykit("select", "--data", bundled("4_breastw.npz"), "--selector", dir + "/xgbd.safetensors")
        #expect(other.status == 65 && other.error.contains("'xgbd'"), "\(other.error)")
    }
}
