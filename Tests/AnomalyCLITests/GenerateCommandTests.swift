@testable import AnomalyCLI
import AnomalyKit
import Foundation
import Testing
import TestSupport

/// `anomalykit generate` (issue 16 §1): ADBench's four synthetic anomaly types from a bundled dataset.
@Suite struct GenerateCommandTests {
    @Test(arguments: SyntheticAnomalyType.allCases)
    func eachTypeWritesAnADBenchStyleArchive(_ type: SyntheticAnomalyType) throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit("generate", "--data", bundled("42_WBC.npz"), "--type", type.rawValue, "--seed", "3",
                           "--out", dir + "/g.npz", "--json")
        expectSuccess(r, "generate --type \(type)")
        let arrays = try NumPy.readArchive(path: dir + "/g.npz", names: ["X", "y"])
        let x = try #require(arrays["X"]), y = try #require(arrays["y"])
        // WBC: 213 normal rows and 10 anomalies, 9 features; the output keeps the counts.
        #expect(x.shape == [223, 9])
        #expect(y.doubles().map { Int($0) } == [Int](repeating: 0, count: 213) + [Int](repeating: 1, count: 10))
        #expect(x.floats().allSatisfy { $0.isFinite })
        // The generated dataset is one every command reads.
        expectSuccess(anomalykit("evaluate", "--data", dir + "/g.npz", "--detector", "knn"), "evaluate the generated data")
    }

    @Test func ratioSetsTheShareOfAnomalies() throws {
        let dir = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit("generate", "--data", bundled("42_WBC.npz"), "--type", "global", "--ratio", "0.2", "--out", dir + "/g.npz"))
        let y = try #require(try NumPy.readArchive(path: dir + "/g.npz", names: ["y"])["y"]).doubles()
        #expect(y.count == 223 && Int(y.reduce(0, +)) == 45)
    }

    @Test(arguments: [
        ("an unknown type", "--type weird", "weird"),
        ("a ratio of 1", "--type local --ratio 1", "--ratio"),
        ("alpha 0", "--type local --alpha 0", "--alpha"),
        ("not .npz", "--type local --out-ext npy", "--out"),
    ])
    func badOptionsAreRefused(_ what: String, _ options: String, _ expected: String) {
        let dir = TestSupport.temporaryDirectory()
        var args = ["generate", "--data", bundled("42_WBC.npz")]
        var out = dir + "/g.npz"
        for part in options.split(separator: " ").map(String.init) where part != "--out-ext" && part != "npy" { args.append(part) }
        if options.contains("--out-ext") { out = dir + "/g.npy" }
        let r = anomalykit(args + ["--out", out])
        #expect(r.status == 64, "\(what): exit \(r.status)")
        #expect(r.error.contains(expected), "\(what): \(r.error)")
        #expect(files(in: dir).isEmpty)
    }

    @Test func benchmarkReplacesEachDatasetsAnomaliesWithGeneratedOnes() throws {
        let dir = TestSupport.temporaryDirectory()
        try FileManager.default.copyItem(atPath: bundled("42_WBC.npz"), toPath: dir + "/42_WBC.npz")
        let plain = anomalykit("benchmark", "--datasets", dir, "--detectors", "ecod", "--json", "--quiet")
        let global = anomalykit("benchmark", "--datasets", dir, "--detectors", "ecod", "--anomaly-type", "global", "--json", "--quiet")
        expectSuccess(plain)
        expectSuccess(global, "benchmark --anomaly-type global")
        func auc(_ r: CommandResult) throws -> Double {
            let o = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
            let runs = try #require(o["runs"] as? [[String: Any]])
            return try #require(runs.first?["roc_auc"] as? Double)
        }
        // Global anomalies lie beyond the normals' range in many features: ECOD's tails find them.
        #expect(try auc(global) > 0.9)
        #expect(try auc(global) != auc(plain))
    }

    @Test func benchmarkTakesADBenchsRobustnessSettings() throws {
        let dir = TestSupport.temporaryDirectory()
        try FileManager.default.copyItem(atPath: bundled("42_WBC.npz"), toPath: dir + "/42_WBC.npz")
        let r = anomalykit("benchmark", "--datasets", dir, "--detectors", "knn", "--duplicate-anomalies", "3", "--noise-features", "0.5",
                           "--label-noise", "0.1", "--json", "--quiet")
        expectSuccess(r, "benchmark with robustness settings")
        let o = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        let run = try #require((o["runs"] as? [[String: Any]])?.first)
        // 223 rows with 10 anomalies → 243 rows with 30; 30 % of them tested.
        #expect(run["n_test"] as? Int == 73, "\(run)")
        let bad = anomalykit("benchmark", "--datasets", dir, "--detectors", "knn", "--noise-features", "1", "--quiet")
        #expect(bad.status == 64 && bad.error.contains("noise-features"), "\(bad.error)")
    }

    @Test func tooFewNormalRowsAreADataError() {
        let dir = TestSupport.temporaryDirectory()
        let csv = write("a,b,c,label\n1,2,3,0\n2,3,4,0\n3,4,5,0\n9,9,9,1\n", "tiny.csv", in: dir)
        let r = anomalykit("generate", "--data", csv, "--label-column", "label", "--type", "local", "--out", dir + "/g.npz")
        #expect(r.status == 65)
        #expect(r.error.contains("too few") && r.error.contains("tiny.csv"), "\(r.error)")
        #expect(!files(in: dir).contains("g.npz"))
    }
}
