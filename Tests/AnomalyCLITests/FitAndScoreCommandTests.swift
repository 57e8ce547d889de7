import AnomalyKit
import Foundation
import Testing
import TestSupport

@Suite struct FitAndScoreCommandTests {
    @Test func fitThenScoreWritesOneScorePerRow() throws {
        let dir = TestSupport.temporaryDirectory()
        let fit = anomalykit("fit", "--detector", "iforest", "--train", bundled("42_WBC.npz"), "--out", dir + "/m.safetensors")
        #expect(fit.status == 0, "\(fit.error)")
        #expect(fit.output.contains("model written to"))
        let score = anomalykit("score", "--model", dir + "/m.safetensors", "--data", bundled("42_WBC.npz"), "--out", dir + "/s.csv")
        #expect(score.status == 0, "\(score.error)")
        let lines = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "score,label,probability")
        #expect(lines.count == 224)
    }

    @Test func anUnknownDetectorExitsWith64AndNamesTheKnownOnes() {
        let r = anomalykit("fit", "--detector", "nope", "--train", bundled("42_WBC.npz"), "--model", "/tmp/never.safetensors")
        #expect(r.status == 64)
        #expect(r.error.contains("unknown detector 'nope'"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.safetensors"))
    }

    @Test func aMissingOptionIsAUsageError() {
        let r = anomalykit("fit", "--detector", "knn")
        #expect(r.status == 64)
        #expect(r.error.contains("--train"))
    }

    /// The CSV round trip: the fraud row scores highest; `.npy` output writes the labels beside it.
    @Test func csvModelScoresTheFraudRowHighest() throws {
        let w = Workspace.shared, dir = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit(line: w.expand("score --model $T/m.safetensors --data $T/train.csv --out $O/s.csv", out: dir)))
        let rows = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.count == 10)
        let scores = rows.map { Double($0.split(separator: ",")[0]) ?? .nan }
        #expect(scores.firstIndex(of: scores.max()!) == 7)
        expectSuccess(anomalykit(line: w.expand("score --model $T/m.safetensors --data $T/train.csv --out $O/s.npy", out: dir)))
        #expect(FileManager.default.fileExists(atPath: dir + "/s.labels.npy"))
    }

    /// `--out` is the output of every model-writing command; `--model` keeps working as its old spelling.
    @Test(arguments: ["--out", "--model"])
    func fitWritesTheModelWithEitherSpelling(_ flag: String) throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit("fit", "--detector", "hbos", "--train", bundled("42_WBC.npz"), flag, dir + "/m.safetensors", "--json")
        expectSuccess(r)
        #expect(FileManager.default.fileExists(atPath: dir + "/m.safetensors"))
        let o = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any]
        #expect(o?["model"] as? String == dir + "/m.safetensors")
    }

    /// `--contamination 0.2` and `--param contamination=0.2` give the same threshold.
    @Test func contaminationOptionEqualsTheParameter() throws {
        let dir = TestSupport.temporaryDirectory()
        let a = anomalykit("fit", "--detector", "hbos", "--train", bundled("42_WBC.npz"), "--contamination", "0.2", "--out", dir + "/a.safetensors", "--json")
        let b = anomalykit("fit", "--detector", "hbos", "--train", bundled("42_WBC.npz"), "--param", "contamination=0.2", "--out", dir + "/b.safetensors", "--json")
        expectSuccess(a); expectSuccess(b)
        func threshold(_ r: CommandResult) throws -> Double {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
            #expect(o["contamination"] as? Double == 0.2)
            return try #require(o["threshold"] as? Double)
        }
        #expect(try threshold(a) == threshold(b))
    }

    /// `score --keep` copies input columns — one the model never saw and a dropped one — as text,
    /// CSV-quoted where needed, before `score,label,probability`, in row order.
    @Test func keepCopiesIdentifiersIntoTheScoresFile() throws {
        let dir = TestSupport.temporaryDirectory()
        var train = "id,amount,hour\n"
        for i in 0..<30 { train += "t\(i),\(10 + Double(i % 7) / 3),\(8 + i % 9)\n" }
        write(train, "train.csv", in: dir)
        expectSuccess(anomalykit("fit", "--detector", "knn", "--train", dir + "/train.csv", "--drop", "id", "--out", dir + "/m.safetensors"))
        write("ref,id,amount,hour\n\"A, 1\",t1,10.5,12\n\"say \"\"hi\"\"\",t2,900,3\nC3,t3,11,9\n", "new.csv", in: dir)
        let r = anomalykit("score", "--model", dir + "/m.safetensors", "--data", dir + "/new.csv", "--drop", "ref",
                           "--keep", "ref,id", "--out", dir + "/s.csv")
        expectSuccess(r)
        let lines = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "ref,id,score,label,probability")
        #expect(lines[1].hasPrefix("\"A, 1\",t1,"))
        #expect(lines[2].hasPrefix("\"say \"\"hi\"\"\",t2,"))
        #expect(lines[3].hasPrefix("C3,t3,"))
        // The scores are the same as without --keep.
        expectSuccess(anomalykit("score", "--model", dir + "/m.safetensors", "--data", dir + "/new.csv", "--drop", "ref", "--out", dir + "/plain.csv"))
        let plain = try String(contentsOfFile: dir + "/plain.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines[2].hasSuffix(plain[2]) && lines[2].split(separator: ",").count == 5 + 0)
        // The file read back by the library's own CSV reader gives the ids as they were.
        let back = try CSVReader.columnTexts(["ref", "id"], path: dir + "/s.csv")
        #expect(back == [["A, 1", "t1"], ["say \"hi\"", "t2"], ["C3", "t3"]])
    }

    /// A numeric-looking column declared `--categorical` is one-hot encoded, and the model's schema
    /// makes scoring encode it the same way (no need to repeat the flag).
    @Test func categoricalDeclarationIsSavedInTheModel() throws {
        let w = Workspace.shared, dir = TestSupport.temporaryDirectory()
        let fit = anomalykit(line: w.expand("fit --detector knn --train $T/mixed.csv --categorical a --out $O/m.safetensors --json", out: dir))
        expectSuccess(fit)
        #expect(fit.output.contains("\"n_features\":26"))
        let model = try AnomalyModel.load(from: dir + "/m.safetensors")
        guard case .categorical(let cats)? = model.schema?.columns.first?.kind else { Issue.record("a is not categorical"); return }
        #expect(cats.contains("x1") && cats.count == 25)
        write("a,b\nx1,3\n0.5,4\nnew,5\n", "new.csv", in: dir)
        expectSuccess(anomalykit("score", "--model", dir + "/m.safetensors", "--data", dir + "/new.csv", "--out", dir + "/s.csv"))
        #expect(try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n").count == 4)
    }

    @Test func missingValuesImputeWhenAsked() {
        let w = Workspace.shared, dir = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit(line: w.expand("fit --detector knn --param n_neighbors=1 --impute mean --train $T/nan.csv --out $O/m.safetensors", out: dir)))
    }

    /// Typed options list their values in `--help`.
    @Test(arguments: [
        (["fit", "--help"], "values: none, standard, minmax, robust"),
        (["fit", "--help"], "values: none, mean, median"),
        (["fit", "--help"], "values: comma, semicolon, tab"),
        (["score", "--help"], "values: linear, unify"),
        (["meta-train", "--help"], "values: reptile, fomaml, metasgd, metric"),
        (["meta", "--help"], "values: center, standardize, none"),
        (["pretrain", "--help"], "values: center, standardize, relative"),
        (["transfer", "--help"], "values: none, coral, mmd, dann"),
    ])
    func helpListsTheChoices(_ arguments: [String], _ fragment: String) {
        let r = anomalykit(arguments)
        #expect(r.status == 0)
        let text = r.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(text.contains(fragment), "\(r.output)")
    }

    @Test func evaluateJSONHasItsKeysOnOneLine() throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit("evaluate", "--detector", "iforest", "--data", bundled("42_WBC.npz"), "--json", "--scores-out", dir + "/s.npy")
        expectSuccess(r)
        #expect(r.output.split(separator: "\n").count == 1)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        for key in ["detector", "params", "n_train", "n_test", "n_features", "roc_auc", "average_precision", "precision", "recall", "f1", "fit_seconds", "score_seconds"] {
            #expect(o[key] != nil, "evaluate --json lacks \(key)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/s.npy"))
        expectSuccess(anomalykit("detectors"))
    }

    @Test func benchmarkWritesItsReportAndScores() throws {
        let dir = TestSupport.temporaryDirectory(), bench = dir + "/bench"
        try FileManager.default.createDirectory(atPath: bench, withIntermediateDirectories: true)
        for name in ["42_WBC.npz", "14_glass.npz"] { try FileManager.default.copyItem(atPath: bundled(name), toPath: bench + "/" + name) }
        expectSuccess(anomalykit("benchmark", "--datasets", bench, "--detectors", "knn,hbos", "--report", dir + "/report.md",
                                 "--scores", dir + "/scores", "--contamination", "0.2", "--quiet"))
        #expect(((try? Data(contentsOf: URL(fileURLWithPath: dir + "/report.md")))?.count ?? 0) > 0)
        let wbc = try String(contentsOfFile: dir + "/scores/42_WBC.csv", encoding: .utf8)
        #expect(wbc.hasPrefix("label,knn,hbos\n"))
        #expect(try String(contentsOfFile: dir + "/scores/14_glass.csv", encoding: .utf8).split(separator: "\n").count > 60)
    }
}

@Suite struct InputOptionTests {
    /// `--delimiter` by name or as the character; `--drop` takes a comma list.
    @Test(arguments: ["semicolon", ";"])
    func delimiterByNameOrCharacter(_ value: String) throws {
        let dir = TestSupport.temporaryDirectory()
        let rows = (0..<20).map { "r\($0);\(Double($0) / 3);\($0 % 4);x" }
        write("id;a;b;note\n" + rows.joined(separator: "\n") + "\n", "semi.csv", in: dir)
        let r = anomalykit("fit", "--detector", "knn", "--train", dir + "/semi.csv", "--delimiter", value, "--drop", "id,note",
                           "--out", dir + "/m.safetensors", "--json")
        expectSuccess(r)
        let o = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any]
        #expect(o?["n_features"] as? Int == 2)
    }
}
