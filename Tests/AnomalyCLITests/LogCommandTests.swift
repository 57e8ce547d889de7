@testable import AnomalyCLI
import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// Logs through the command line (issue 14, §4): a BGL-style log whose first field is `-` for a
/// normal line and an alert category otherwise, with a node name to group sessions by.
@Suite struct LogCommandTests {
    let tiny = TextWorkspace.tinyBert
    static let label = #"^(\S+) "#
    static let session = #"req=(\d+)"#

    /// 48 normal lines of requests 700…705, a blank line (line 25), and 4 alerts of request 799.
    /// The request number is masked in the templates, so the lines have 8 templates.
    static let log: String = {
        let normal = ["RAS KERNEL INFO instruction cache parity error corrected", "user %d login accepted",
                      "job %d finished in %d ms", "ciod: generated %d core files"]
        var lines: [String] = []
        for i in 0..<48 {
            let text = normal[i % normal.count].replacingOccurrences(of: "%d", with: String(100 + i))
            lines.append("- 11178\(i) req=\(700 + i % 6) \(text)")
            if i == 23 { lines.append("") }
        }
        for (i, alert) in ["KERNDTLB data TLB error interrupt", "APPREAD ciod: failed to read message prefix on control stream",
                           "KERNSTOR machine check: disk array unavailable", "APPSEV fatal kernel panic, halting"].enumerated() {
            let parts = alert.split(separator: " ", maxSplits: 1)
            lines.append("\(parts[0]) 11179\(i) req=799 \(parts[1])")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    private func workspace() -> (dir: String, log: String) {
        let dir = TestSupport.temporaryDirectory()
        return (dir, write(Self.log, "system.log", in: dir))
    }

    private func scoresCSV(_ path: String) throws -> (header: String, rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines.first ?? "", lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
    }

    @Test func aLogIsFittedAndScoredPerLineWithItsLineNumber() throws {
        let (dir, log) = workspace()
        let fit = anomalykit("fit", "--detector", "knn", "--log", log, "--label-regex", Self.label, "--encoder", tiny,
                             "--out", dir + "/m.safetensors")
        expectSuccess(fit, "fit --log")
        #expect(fit.error.contains("52 lines") && fit.error.contains("cache hit rate"), "\(fit.error)")
        let score = anomalykit("score", "--model", dir + "/m.safetensors", "--log", log, "--label-regex", Self.label,
                               "--out", dir + "/s.csv")
        expectSuccess(score, "score --log")
        let (header, rows) = try scoresCSV(dir + "/s.csv")
        #expect(header == "line,score,label,probability")
        // Line 25 is blank: not a record, but the numbering keeps it.
        #expect(rows.map { $0[0] } == (Array(1...24) + Array(26...53)).map(String.init))
        // The alerts (lines 50–53) score above every normal line.
        let scores = rows.map { Double($0[1]) ?? .nan }
        #expect(scores.suffix(4).min()! > scores.prefix(48).max()!, "\(scores)")
    }

    @Test func evaluateReadsLabelsFromTheLabelField() throws {
        let (_, log) = workspace()
        let r = anomalykit("evaluate", "--detector", "knn", "--log", log, "--label-regex", Self.label, "--encoder", tiny, "--json")
        expectSuccess(r, "evaluate --log")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        // Stratified 30 %: 14 of the 48 normal lines and 1 of the 4 alerts.
        #expect(object["n_test"] as? Int == 15, "\(r.output)")
        let auc = try #require(object["roc_auc"] as? Double)
        #expect(auc > 0.9, "\(r.output)")
    }

    @Test func theOneClassProtocolTakesTestLabelsFromTheLog() throws {
        let (dir, log) = workspace()
        let lines = Self.log.split(separator: "\n").map(String.init)
        let normal = write(lines.prefix(30).joined(separator: "\n") + "\n", "normal.log", in: dir)
        let r = anomalykit("evaluate", "--detector", "knn", "--train", normal, "--test", log, "--label-regex", Self.label,
                           "--encoder", tiny, "--json")
        expectSuccess(r, "evaluate --train normal.log --test system.log")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        #expect(object["n_test"] as? Int == 52)
        #expect((object["roc_auc"] as? Double ?? 0) > 0.9, "\(r.output)")
    }

    @Test func sessionsAreScoredPerSessionWithTheModelsOwnGrouping() throws {
        let (dir, log) = workspace()
        let fit = anomalykit("fit", "--detector", "knn", "--param", "n_neighbors=2", "--log", log, "--session-regex", Self.session,
                             "--label-regex", Self.label, "--encoder", tiny, "--out", dir + "/s.safetensors")
        expectSuccess(fit, "fit --session-regex")
        #expect(fit.output.contains("on 7 rows"), "\(fit.output)")
        // Scoring groups by the pattern saved in the model, and removes the label field the model
        // was fitted without: neither --session-regex nor --label-regex is needed.
        let score = anomalykit("score", "--model", dir + "/s.safetensors", "--log", log, "--out", dir + "/s.csv")
        expectSuccess(score, "score sessions")
        let (header, rows) = try scoresCSV(dir + "/s.csv")
        #expect(header == "session,first_line,lines,score,label,probability")
        #expect(rows.map { $0[0] } == ["700", "701", "702", "703", "704", "705", "799"])
        #expect(rows.map { $0[1] } == ["1", "2", "3", "4", "5", "6", "50"])
        #expect(rows.map { $0[2] } == ["8", "8", "8", "8", "8", "8", "4"])
        let scores = rows.map { Double($0[3]) ?? .nan }
        #expect(scores[6] > scores[..<6].max()!, "\(scores)")

        let other = anomalykit("score", "--model", dir + "/s.safetensors", "--log", log, "--session-regex", #"(\d+)"#, "--out", dir + "/o.csv")
        #expect(other.status != 0 && other.error.contains("the model groups sessions by"), "\(other.error)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.csv"))
    }

    @Test func benchmarkRunsOnTheLogsOfAFolder() throws {
        let (dir, _) = workspace()
        let r = anomalykit("benchmark", "--datasets", dir, "--label-regex", Self.label, "--encoder", tiny,
                           "--detectors", "knn,iforest", "--json")
        expectSuccess(r, "benchmark --label-regex")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0["roc_auc"] is Double && $0["error"] == nil }, "\(runs)")
        #expect((runs.first { $0["detector"] as? String == "knn" }?["roc_auc"] as? Double).map { $0 > 0.9 } == true, "\(runs)")
        // Without --label-regex a folder of logs holds no dataset.
        let none = anomalykit("benchmark", "--datasets", dir, "--encoder", tiny)
        #expect(none.status != 0 && none.error.contains("--label-regex"), "\(none.error)")
    }

    @Test func embedOfALogReportsItsTemplatesAndCacheHitRate() throws {
        let (dir, log) = workspace()
        let r = anomalykit("embed", "--encoder", tiny, "--log", log, "--label-regex", Self.label, "--out", dir + "/e.npy", "--json")
        expectSuccess(r, "embed --log")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        #expect(object["lines"] as? Int == 52 && object["rows"] as? Int == 52)
        // 4 normal templates (the numbers masked) and 4 alerts.
        #expect(object["distinct_templates"] as? Int == 8, "\(r.output)")
        #expect(abs((object["cache_hit_rate"] as? Double ?? 0) - (1 - 8.0 / 52)) < 1e-9)
        let e = try NumPy.read(path: dir + "/e.npy").matrix()
        #expect(e.rows == 52 && e.cols == 32)
    }

    @Test(arguments: [
        (["fit", "--detector", "knn", "--log", "$L", "--session-regex", "(unclosed", "--encoder", "$E", "--out", "$O/m.safetensors"],
         "'session-regex'", "does not compile"),
        (["fit", "--detector", "knn", "--log", "$L", "--label-regex", #"^\S+"#, "--encoder", "$E", "--out", "$O/m.safetensors"],
         "'label-regex'", "exactly one capture group"),
        (["fit", "--detector", "knn", "--log", "$L", "--session-regex", "(nomatch)", "--encoder", "$E", "--out", "$O/m.safetensors"],
         "session", "no session to read"),
        (["fit", "--detector", "knn", "--log", "$L", "--text-column", "text", "--encoder", "$E", "--out", "$O/m.safetensors"],
         "--text-column", "is read as a log"),
        (["fit", "--detector", "knn", "--train", "$L", "--log", "$O/other.log", "--encoder", "$E", "--out", "$O/m.safetensors"],
         "--train", "not both"),
        (["fit", "--detector", "knn", "--out", "$O/m.safetensors"], "--train", "give the data"),
        (["fit", "--detector", "knn", "--train", "$CSV", "--label-regex", "(x)", "--out", "$O/m.safetensors"],
         "--label-regex", "reads log lines"),
        (["score", "--model", "$NUM", "--log", "$L", "--out", "$O/s.csv"], "'log'", "not on a log"),
        (["score", "--model", "$NUM", "--log", "$L", "--keep", "id", "--out", "$O/s.csv"], "--keep", "is read as a log"),
    ] as [([String], String, String)])
    func badLogInputIsRefusedByName(_ arguments: [String], _ option: String, _ message: String) {
        let (_, log) = workspace()
        let out = TestSupport.temporaryDirectory()
        let w = Workspace.shared
        let expanded = arguments.map {
            $0.replacingOccurrences(of: "$L", with: log).replacingOccurrences(of: "$E", with: tiny).replacingOccurrences(of: "$O", with: out)
                .replacingOccurrences(of: "$CSV", with: w.path("train.csv")).replacingOccurrences(of: "$NUM", with: w.path("m.safetensors"))
        }
        let r = anomalykit(expanded)
        #expect(r.status != 0, "\(expanded) succeeded")
        #expect(r.error.contains(option) && r.error.contains(message), "\(expanded): \(r.error)")
        #expect(files(in: out).isEmpty, "\(expanded) wrote \(files(in: out))")
    }
}
