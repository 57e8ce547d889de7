@testable import AnomalyCLI
import AnomalyKit
import AnomalyMath
import AnomalyText
import Foundation
import Testing
import TestSupport

/// The files the raw-text command tests share (issue 14), made once per test process: texts in
/// the three input layouts, train/test CSVs with a numeric column beside the text, damaged copies
/// of the tiny random BERT, and a kNN model fitted with the tiny BERT in front.
final class TextWorkspace: Sendable {
    static let shared = TextWorkspace()

    /// The committed tiny random BERT (sentence-transformers layout, 32 dimensions, 32 tokens).
    static let tinyBert = TestSupport.repositoryFile("Tests/AnomalyTextTests/Fixtures/tiny-bert")

    /// The folder holding the files (`$T` in command lines).
    let dir = TestSupport.temporaryDirectory()
    /// SHA-256 of the tiny BERT's weights and of `enc-other`'s (one bit flipped), from `embed --json`.
    let tinySHA: String
    let otherSHA: String

    func path(_ name: String) -> String { dir + "/" + name }

    /// `line` with `$T` (this folder), `$E` (the tiny BERT), `$W` (the shared numeric workspace),
    /// `$O` (a case's output folder) and the two weights' digests replaced.
    func expand(_ line: String, out: String = "") -> String {
        line.replacingOccurrences(of: "$T", with: dir).replacingOccurrences(of: "$E", with: Self.tinyBert)
            .replacingOccurrences(of: "$W", with: Workspace.shared.dir).replacingOccurrences(of: "$O", with: out)
            .replacingOccurrences(of: "$SHA_TINY", with: tinySHA).replacingOccurrences(of: "$SHA_OTHER", with: otherSHA)
    }

    /// A text longer than the tiny BERT's 32 tokens.
    static let longText = Array(repeating: "machine", count: 40).joined(separator: " ")
    /// Texts with an empty one, a long one and one holding a comma (quoted in CSV).
    static let texts = ["disk error on server", "", "user login failed", longText, "payment failed, card not read"]

    /// Training rows: id, amount and a log text; test rows end with two anomalies.
    static let phrases = ["user login", "disk error on server", "connection timeout", "machine started", "machine stopped",
                          "user login failed", "new connection", "memory high"]
    static var trainCSV: String {
        var s = "id,amount,text\n"
        for i in 0..<40 { s += "r\(i),\(10 + Double(i % 7) * 0.3),\(phrases[i % phrases.count])\n" }
        return s
    }
    static let testCSV = """
        id,amount,text
        t0,10.2,user login
        t1,11.1,machine started
        t2,10.8,"connection timeout"
        t3,11.5,disk error on server
        t4,10.0,memory high
        t5,12.0,new connection
        t6,250.0,high temperature sensor failed
        t7,300.0,"payment card bank anomaly, value not normal"

        """
    static let testLabels = [0, 0, 0, 0, 0, 0, 1, 1]

    private init() {
        let d = dir
        func p(_ name: String) -> String { d + "/" + name }
        let fm = FileManager.default
        write(Self.texts.joined(separator: "\n") + "\n", "texts.txt", in: dir)
        write(Self.texts.map(Self.jsonString).joined(separator: "\n") + "\n", "texts.jsonl", in: dir)
        write("id,text\n" + Self.texts.enumerated().map { "\($0.offset),\(csvField($0.element))" }.joined(separator: "\n") + "\n",
              "texts.csv", in: dir)
        write(Self.trainCSV, "train.csv", in: dir)
        write(Self.testCSV, "test.csv", in: dir)
        write(Self.testCSV.replacingOccurrences(of: "id,amount,text", with: "id,amount,message"), "renamed.csv", in: dir)
        write("id,amount\nt0,10.2\nt1,11.1\n", "notext.csv", in: dir)
        try? NumPy.write(labels: Self.testLabels, to: p("y.npy"))
        // Invalid UTF-8 on line 3 of a text file and in the text cell of line 3 of a CSV file.
        _ = fm.createFile(atPath: p("bad.txt"), contents: Data("user login\ndisk error\n".utf8) + Data([0x61, 0xC3, 0x28, 0x0A]))
        _ = fm.createFile(atPath: p("bad.csv"), contents: Data("id,amount,text\nr0,10,user login\nr1,11,".utf8)
            + Data([0x61, 0xFF, 0x62]) + Data("\nr2,12,machine started\n".utf8))
        try? fm.createDirectory(atPath: p("empty-home"), withIntermediateDirectories: true)

        // Damaged encoders: no vocab.txt; a config whose hidden size the weights do not have; a
        // RoBERTa config; the same encoder with one bit of its weights flipped.
        Self.copyTinyBert(to: p("enc-novocab"))
        try? fm.removeItem(atPath: p("enc-novocab/vocab.txt"))
        Self.copyTinyBert(to: p("enc-wide"))
        Self.editConfig(p("enc-wide"), "\"hidden_size\": 32", "\"hidden_size\": 64")
        Self.copyTinyBert(to: p("enc-roberta"))
        Self.editConfig(p("enc-roberta"), "\"model_type\": \"bert\"", "\"model_type\": \"roberta\"")
        Self.copyTinyBert(to: p("enc-other"))
        Self.flipWeightBit(p("enc-other/model.safetensors"))

        tinySHA = Self.weightsSHA(Self.tinyBert, scratch: dir)
        otherSHA = Self.weightsSHA(p("enc-other"), scratch: dir)

        _ = anomalykit(line: "fit --detector knn --train \(p("train.csv")) --drop id --encoder \(Self.tinyBert) --text-column text --out \(p("text.safetensors"))")
    }

    static func jsonString(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed])) ?? Data(), as: UTF8.self)
    }

    static func copyTinyBert(to target: String) {
        try? FileManager.default.copyItem(atPath: tinyBert, toPath: target)
    }

    static func editConfig(_ encoder: String, _ old: String, _ new: String) {
        let file = encoder + "/config.json"
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        precondition(text.contains(old), "config.json lacks \(old)")
        try? text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// Flips the lowest mantissa bit of the last float of a safetensors file: the layout (header,
    /// offsets, length) stays valid, the weights and their digest change.
    static func flipWeightBit(_ file: String) {
        guard var bytes = FileManager.default.contents(atPath: file).map([UInt8].init), bytes.count > 16 else { return }
        bytes[bytes.count - 4] ^= 1
        try? Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    /// The weights' digest `embed --json` reports for an encoder.
    static func weightsSHA(_ encoder: String, scratch: String) -> String {
        let name = UUID().uuidString
        let data = write("user login\n", name + ".txt", in: scratch)
        defer {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: scratch + "/" + name + ".npy")
        }
        let r = anomalykit("embed", "--encoder", encoder, "--data", data, "--out", scratch + "/" + name + ".npy", "--json")
        let object = (try? JSONSerialization.jsonObject(with: Data(r.output.utf8))) as? [String: Any]
        return object?["weights_sha256"] as? String ?? "(embed failed: \(r.error))"
    }
}

/// The rows of a 2-D `.npy` file.
private func readMatrix(_ path: String) throws -> Matrix { try NumPy.read(path: path).matrix() }

/// The `score` column of a scores CSV written with `--keep id` (id first), as (id, score) pairs.
private func readScores(_ path: String) throws -> [(id: String, score: Double)] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "id,score,label,probability")
    return try lines.dropFirst().map { line in
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return (fields[0], try #require(Double(fields[1]), "not a score: \(line)"))
    }
}

private func maxRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-12) }.max() ?? 0
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}

@Suite struct TextCommandTests {
    let w = TextWorkspace.shared
    let tiny = TextWorkspace.tinyBert

    // MARK: - embed

    @Test func embedsTextJSONLinesAndACSVColumnAlike() throws {
        let out = TestSupport.temporaryDirectory()
        let r = anomalykit("embed", "--encoder", tiny, "--data", w.path("texts.txt"), "--out", out + "/txt.npy", "--json")
        expectSuccess(r, "embed .txt")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        for key in ["texts", "tokens", "truncated_texts", "seconds", "sentences_per_second"] {
            #expect(summary[key] != nil, "--json lacks '\(key)': \(r.output)")
        }
        #expect(summary["texts"] as? Int == 5)
        #expect(summary["truncated_texts"] as? Int == 1)
        // [CLS] … [SEP]: 6 + 2 (the empty text) + 5 + 32 (cut at max_seq_length) + 8.
        #expect(summary["tokens"] as? Int == 53)
        #expect(summary["dimensions"] as? Int == 32)
        #expect(summary["max_length"] as? Int == 32)
        #expect((summary["seconds"] as? Double).map { $0 >= 0 } == true)
        #expect((summary["sentences_per_second"] as? Double).map { $0 >= 0 } == true)

        let txt = try readMatrix(out + "/txt.npy")
        #expect(txt.rows == 5 && txt.cols == 32)
        for i in 0..<txt.rows {
            let norm = txt.row(i).reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4, "row \(i) (\(TextWorkspace.texts[i].debugDescription)) has norm \(norm)")
        }

        expectSuccess(anomalykit("embed", "--encoder", tiny, "--data", w.path("texts.jsonl"), "--out", out + "/jsonl.npy"), "embed .jsonl")
        expectSuccess(anomalykit("embed", "--encoder", tiny, "--data", w.path("texts.csv"), "--text-column", "text",
                                 "--out", out + "/csv.npy"), "embed .csv")
        let jsonl = try readMatrix(out + "/jsonl.npy"), csv = try readMatrix(out + "/csv.npy")
        #expect(jsonl.rows == 5 && jsonl.cols == 32 && csv.rows == 5 && csv.cols == 32)
        #expect(maxDifference(jsonl.values, txt.values) <= 1e-6)
        #expect(maxDifference(csv.values, txt.values) <= 1e-6)
        #expect(files(in: out) == ["csv.npy", "jsonl.npy", "txt.npy"])
    }

    /// Each row is its own text's embedding, in input order, whether the text is encoded alone or
    /// in a length-sorted batch with the others.
    @Test func aTextsEmbeddingDoesNotDependOnItsBatch() throws {
        let out = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit("embed", "--encoder", tiny, "--data", w.path("texts.txt"), "--out", out + "/batch.npy"))
        expectSuccess(anomalykit("embed", "--encoder", tiny, "--data", w.path("texts.txt"), "--batch-size", "1",
                                 "--out", out + "/ones.npy"))
        let batch = try readMatrix(out + "/batch.npy"), ones = try readMatrix(out + "/ones.npy")
        #expect(maxDifference(batch.values, ones.values) <= 1e-5)
        for (i, text) in TextWorkspace.texts.enumerated() {
            let file = write(TextWorkspace.jsonString(text) + "\n", "alone\(i).jsonl", in: out)
            expectSuccess(anomalykit("embed", "--encoder", tiny, "--data", file, "--out", out + "/alone\(i).npy"))
            let alone = try readMatrix(out + "/alone\(i).npy")
            #expect(alone.rows == 1 && alone.cols == 32)
            #expect(maxDifference(alone.values, batch.row(i)) <= 1e-5, "row \(i) (\(text.debugDescription)) differs from its text alone")
        }
        // The rows differ from each other, so a permutation would have been caught.
        for i in 0..<batch.rows { for j in 0..<i { #expect(maxDifference(batch.row(i), batch.row(j)) > 1e-3, "rows \(j) and \(i)") } }
    }

    // MARK: - fit, score, evaluate

    @Test func fitThenScoreGivesOneScorePerRowAndMatchesEvaluate() throws {
        let out = TestSupport.temporaryDirectory()
        let model = w.path("text.safetensors")
        #expect(FileManager.default.fileExists(atPath: model), "the shared text model was not fitted")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        let header = String(decoding: bytes.prefix(200_000), as: UTF8.self)
        #expect(header.contains("text_encoder"))
        #expect(header.contains(w.tinySHA), "the model file does not record the encoder's sha256 \(w.tinySHA)")

        let s = anomalykit("score", "--model", model, "--data", w.path("test.csv"), "--keep", "id", "--out", out + "/s.csv")
        expectSuccess(s, "score")
        let scored = try readScores(out + "/s.csv")
        #expect(scored.map(\.id) == (0..<8).map { "t\($0)" })
        #expect(scored.allSatisfy { $0.score.isFinite })
        // The two rows with outlying amounts score highest.
        let ranked = scored.sorted { $0.score > $1.score }.prefix(2).map(\.id)
        #expect(Set(ranked) == ["t6", "t7"], "top scores: \(ranked)")

        let e = anomalykit("evaluate", "--detector", "knn", "--train", w.path("train.csv"), "--test", w.path("test.csv"),
                           "--test-labels", w.path("y.npy"), "--drop", "id", "--encoder", tiny, "--text-column", "text",
                           "--scores-out", out + "/e.npy", "--json")
        expectSuccess(e, "evaluate")
        let metrics = try #require(JSONSerialization.jsonObject(with: Data(e.output.utf8)) as? [String: Any], "\(e.output)")
        #expect(metrics["n_test"] as? Int == 8)
        #expect(metrics["n_features"] as? Int == 1 + 32)
        #expect((metrics["roc_auc"] as? Double).map { $0 == 1 } == true, "roc_auc \(metrics["roc_auc"] ?? "none")")
        let evaluated = try NumPy.read(path: out + "/e.npy").doubles()
        #expect(evaluated.count == 8)
        #expect(maxRelativeDifference(scored.map(\.score), evaluated) <= 1e-6, "score \(scored.map(\.score)) vs evaluate \(evaluated)")
    }

    /// `evaluate --model` keeps the encoder in front too: the saved model scores the test file as
    /// evaluate did.
    @Test func evaluateSavesAModelThatScoresAsItDid() throws {
        let out = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit("evaluate", "--detector", "knn", "--train", w.path("train.csv"), "--test", w.path("test.csv"),
                                 "--test-labels", w.path("y.npy"), "--drop", "id", "--encoder", tiny, "--text-column", "text",
                                 "--scores-out", out + "/e.npy", "--model", out + "/m.safetensors"), "evaluate --model")
        expectSuccess(anomalykit("score", "--model", out + "/m.safetensors", "--data", w.path("test.csv"), "--keep", "id",
                                 "--out", out + "/s.csv"), "score")
        let evaluated = try NumPy.read(path: out + "/e.npy").doubles()
        #expect(maxRelativeDifference(try readScores(out + "/s.csv").map(\.score), evaluated) <= 1e-6)
    }

    @Test func autoWithAnEncoderSavesAModelThatScoresText() throws {
        let out = TestSupport.temporaryDirectory()
        var labelled = TextWorkspace.trainCSV.replacingOccurrences(of: "id,amount,text\n", with: "id,amount,text,y\n")
            .replacingOccurrences(of: "\n", with: ",0\n").replacingOccurrences(of: "id,amount,text,y,0\n", with: "id,amount,text,y\n")
        for i in 0..<6 { labelled += "a\(i),\(200 + i),high temperature sensor failed,1\n" }
        let data = write(labelled, "labelled.csv", in: out)
        expectSuccess(anomalykit("auto", "--data", data, "--label-column", "y", "--drop", "id", "--encoder", tiny,
                                 "--text-column", "text", "--ensemble", "2", "--model", out + "/a.safetensors"), "auto")
        expectSuccess(anomalykit("score", "--model", out + "/a.safetensors", "--data", w.path("test.csv"), "--keep", "id",
                                 "--out", out + "/s.csv"), "score")
        let scored = try readScores(out + "/s.csv")
        #expect(scored.map(\.id) == (0..<8).map { "t\($0)" })
        #expect(scored.allSatisfy { $0.score.isFinite })
    }

    @Test func scoreReadsARenamedTextColumnWithTextColumn() throws {
        let out = TestSupport.temporaryDirectory()
        let model = w.path("text.safetensors")
        expectSuccess(anomalykit("score", "--model", model, "--data", w.path("test.csv"), "--keep", "id", "--out", out + "/a.csv"))
        expectSuccess(anomalykit("score", "--model", model, "--data", w.path("renamed.csv"), "--text-column", "message",
                                 "--keep", "id", "--out", out + "/b.csv"), "score --text-column message")
        #expect(maxRelativeDifference(try readScores(out + "/b.csv").map(\.score), try readScores(out + "/a.csv").map(\.score)) <= 1e-12)
    }

    /// `score --encoder DIR` finds a moved encoder; without it the message names the old place.
    @Test func scoreRelocatesTheEncoder() throws {
        let out = TestSupport.temporaryDirectory()
        let original = out + "/enc-a", moved = out + "/enc-b", copy = out + "/enc-copy"
        TextWorkspace.copyTinyBert(to: original)
        TextWorkspace.copyTinyBert(to: copy)
        expectSuccess(anomalykit("fit", "--detector", "knn", "--train", w.path("train.csv"), "--drop", "id", "--encoder", original,
                                 "--text-column", "text", "--out", out + "/m.safetensors"), "fit")
        expectSuccess(anomalykit("score", "--model", out + "/m.safetensors", "--data", w.path("test.csv"), "--keep", "id",
                                 "--out", out + "/before.csv"), "score in place")
        expectSuccess(anomalykit("score", "--model", out + "/m.safetensors", "--data", w.path("test.csv"), "--keep", "id",
                                 "--encoder", copy, "--out", out + "/copy.csv"), "score --encoder COPY")
        try FileManager.default.moveItem(atPath: original, toPath: moved)
        let gone = anomalykit("score", "--model", out + "/m.safetensors", "--data", w.path("test.csv"), "--out", out + "/gone.csv")
        #expect(gone.status == 65, "exit \(gone.status): \(gone.error)")
        #expect(gone.error.contains(original) && gone.error.contains("'encoder'"), "\(gone.error)")
        #expect(!FileManager.default.fileExists(atPath: out + "/gone.csv"))
        expectSuccess(anomalykit("score", "--model", out + "/m.safetensors", "--data", w.path("test.csv"), "--keep", "id",
                                 "--encoder", moved, "--out", out + "/after.csv"), "score --encoder MOVED")
        let before = try readScores(out + "/before.csv").map(\.score)
        #expect(maxRelativeDifference(try readScores(out + "/copy.csv").map(\.score), before) <= 1e-12)
        #expect(maxRelativeDifference(try readScores(out + "/after.csv").map(\.score), before) <= 1e-12)
    }

    // MARK: - An empty model cache (ANOMALYKIT_HOME)

    /// The in-process runner shares the process's environment, so the cache is checked through
    /// `EncoderDirectory`'s environment and the CLI's rendering of the hint.
    @Test func minilmInAnEmptyCacheHintsAtFetchModels() throws {
        let home = w.path("empty-home")
        do {
            _ = try EncoderDirectory("minilm", environment: ["ANOMALYKIT_HOME": home])
            Issue.record("expected an error for minilm in an empty cache")
        } catch let e as AnomalyError {
            #expect(e.kind == .model)
            #expect(e.field == "encoder")
            #expect(e.summary.contains("encoder 'minilm' is not installed (looked in \(home)/models/all-MiniLM-L6-v2)"), "\(e.summary)")
            let hint = try #require(e.hint).commandLineText(for: nil)
            #expect(hint.contains("scripts/fetch-models minilm"), "\(hint)")
        }
    }

    /// The same through the built `anomalykit` executable, with `ANOMALYKIT_HOME` set for it alone.
    @Test(.enabled(if: anomalykitExecutable != nil, "the anomalykit executable is not built next to the tests"))
    func minilmInAnEmptyCacheFailsWithTheInstallHint() throws {
        let out = TestSupport.temporaryDirectory()
        let r = try runExecutable(["embed", "--encoder", "minilm", "--data", w.path("texts.txt"), "--out", out + "/e.npy"],
                                  environment: ["ANOMALYKIT_HOME": w.path("empty-home")])
        #expect(r.status == 65, "exit \(r.status): \(r.error)")
        #expect(r.error.contains("'encoder': encoder 'minilm' is not installed"), "\(r.error)")
        #expect(r.error.contains("install it with scripts/fetch-models minilm"), "\(r.error)")
        #expect(files(in: out).isEmpty)
    }

    /// A model whose encoder's weights were replaced after fitting (in a fresh process: this
    /// process keeps the encoders it loaded).
    @Test(.enabled(if: anomalykitExecutable != nil, "the anomalykit executable is not built next to the tests"))
    func replacedWeightsAreRefusedNamingBothDigests() throws {
        let out = TestSupport.temporaryDirectory()
        let encoder = out + "/enc"
        TextWorkspace.copyTinyBert(to: encoder)
        expectSuccess(anomalykit("fit", "--detector", "knn", "--train", w.path("train.csv"), "--drop", "id", "--encoder", encoder,
                                 "--text-column", "text", "--out", out + "/m.safetensors"), "fit")
        TextWorkspace.flipWeightBit(encoder + "/model.safetensors")
        let r = try runExecutable(["score", "--model", out + "/m.safetensors", "--data", w.path("test.csv"), "--out", out + "/s.csv"])
        #expect(r.status == 65, "exit \(r.status): \(r.error)")
        #expect(r.error.contains(w.tinySHA) && r.error.contains(w.otherSHA), "message lacks a digest: \(r.error)")
        #expect(r.error.contains("model.safetensors"), "\(r.error)")
        #expect(!FileManager.default.fileExists(atPath: out + "/s.csv"))
    }
}

// MARK: - Running the built executable

/// `anomalykit` next to the test bundle (`.build/<triple>/debug/`), if it was built.
let anomalykitExecutable: String? = {
    var candidates: [String] = []
    if let exe = Bundle.main.executableURL {
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("anomalykit").path)
    }
    candidates.append(TestSupport.repositoryFile(".build/debug/anomalykit"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// Runs the built executable with `environment` added to this process's.
func runExecutable(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try #require(anomalykitExecutable))
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let stdout = Pipe(), stderr = Pipe()
    p.standardOutput = stdout
    p.standardError = stderr
    try p.run()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let error = stderr.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus, output: String(decoding: output, as: UTF8.self),
                         error: String(decoding: error, as: UTF8.self))
}

// MARK: - Bad input (issue 14 §6)

/// One bad raw-text command line (see `BadInput`; `$T`, `$E`, `$W`, `$O` as in
/// `TextWorkspace.expand`), with every fragment its message must hold.
struct TextBadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let line: String
    let status: Int32
    let fragments: [String]

    init(_ name: String, _ line: String, _ status: Int32, _ fragments: String...) {
        self.name = name
        self.line = line
        self.status = status
        self.fragments = fragments
    }

    var testDescription: String { name }
}

@Suite struct TextBadInputTests {
    static let data: [TextBadInput] = [
        // The encoder.
        .init("embed: no encoder directory", "embed --encoder $T/no-encoder --data $T/texts.txt --out $O/e.npy", 65,
              "$T/no-encoder: 'encoder': no encoder directory at this path, and not a known encoder name (minilm)"),
        .init("fit: no encoder directory", "fit --detector knn --train $T/train.csv --drop id --encoder $T/no-encoder --text-column text --out $O/m.safetensors", 65,
              "$T/no-encoder: 'encoder': no encoder directory"),
        .init("embed: no vocab.txt", "embed --encoder $T/enc-novocab --data $T/texts.txt --out $O/e.npy", 65,
              "enc-novocab", "'vocab.txt': the encoder directory is incomplete: vocab.txt is missing"),
        .init("fit: no vocab.txt", "fit --detector knn --train $T/train.csv --drop id --encoder $T/enc-novocab --text-column text --out $O/m.safetensors", 65,
              "enc-novocab", "vocab.txt is missing"),
        .init("embed: weights do not match config.json", "embed --encoder $T/enc-wide --data $T/texts.txt --out $O/e.npy", 65,
              "$T/enc-wide/model.safetensors", "but the config needs"),
        .init("embed: a RoBERTa encoder", "embed --encoder $T/enc-roberta --data $T/texts.txt --out $O/e.npy", 65,
              "$T/enc-roberta/config.json: 'model_type': the encoder is a 'roberta' model; only BERT ('bert') encoders are supported"),
        .init("fit: a RoBERTa encoder", "fit --detector knn --train $T/train.csv --drop id --encoder $T/enc-roberta --text-column text --out $O/m.safetensors", 65,
              "enc-roberta/config.json", "'roberta'"),
        .init("score: an encoder with other weights", "score --model $T/text.safetensors --data $T/test.csv --encoder $T/enc-other --out $O/s.csv", 65,
              "$SHA_TINY", "$SHA_OTHER", "$T/enc-other/model.safetensors", "other weights"),
        .init("score: --encoder for a numeric model", "score --model $W/m.safetensors --data $W/train.csv --encoder $E --out $O/s.csv", 64,
              "'encoder': the model was fitted on numeric columns, without a text encoder: leave --encoder out"),

        // The text column.
        .init("embed: no such text column", "embed --encoder $E --data $T/texts.csv --text-column message --out $O/e.npy", 65,
              "texts.csv:1: 'message': no such column (the columns are: id, text)"),
        .init("fit: no such text column", "fit --detector knn --train $T/train.csv --drop id --encoder $E --text-column message --out $O/m.safetensors", 65,
              "train.csv", "'message'"),
        .init("evaluate: no such text column", "evaluate --detector knn --train $T/train.csv --test $T/test.csv --test-labels $T/y.npy --drop id --encoder $E --text-column message --scores-out $O/e.npy", 65,
              "train.csv", "'message'"),
        .init("score: the scoring file lacks the text column", "score --model $T/text.safetensors --data $T/notext.csv --out $O/s.csv", 65,
              "notext.csv", "'text'"),
        .init("fit: --text-column without --encoder", "fit --detector knn --train $T/train.csv --drop id --text-column text --out $O/m.safetensors", 64,
              "'text-column': --text-column names the text an encoder reads: give --encoder too"),
        .init("evaluate: --text-column without --encoder", "evaluate --detector knn --train $T/train.csv --test $T/test.csv --test-labels $T/y.npy --drop id --text-column text --scores-out $O/e.npy", 64,
              "give --encoder too"),
        .init("fit: --encoder on a CSV without --text-column", "fit --detector knn --train $T/train.csv --drop id --encoder $E --out $O/m.safetensors", 64,
              "name it with --text-column"),
        .init("fit: --encoder on a .npy file", "fit --detector knn --train $W/ok.npy --encoder $E --text-column text --out $O/m.safetensors", 64,
              "ok.npy"),
        .init("embed: a CSV without --text-column", "embed --encoder $E --data $T/texts.csv --out $O/e.npy", 64,
              "--text-column: name the CSV column of $T/texts.csv"),
        .init("embed: --text-column on a .txt file", "embed --encoder $E --data $T/texts.txt --text-column text --out $O/e.npy", 64,
              "holds one text per line"),

        // Invalid UTF-8.
        .init("embed: invalid UTF-8 in a .txt", "embed --encoder $E --data $T/bad.txt --out $O/e.npy", 65,
              "bad.txt:3: the line is not valid UTF-8"),
        .init("embed: invalid UTF-8 in a CSV cell", "embed --encoder $E --data $T/bad.csv --text-column text --out $O/e.npy", 65,
              "bad.csv:3:3: 'text': the text is not valid UTF-8"),
        .init("fit: invalid UTF-8 in a CSV cell", "fit --detector knn --param n_neighbors=1 --train $T/bad.csv --drop id --encoder $E --text-column text --out $O/m.safetensors", 65,
              "bad.csv:3:3: 'text': the text is not valid UTF-8"),

        // embed's own options.
        .init("embed: --out not .npy", "embed --encoder $E --data $T/texts.txt --out $O/e.csv", 64,
              "--out: the embeddings are written as .npy, got '$O/e.csv'"),
        .init("embed: --batch-size 0", "embed --encoder $E --data $T/texts.txt --batch-size 0 --out $O/e.npy", 64,
              "--batch-size must be in 1…4096, got 0"),
    ]

    @Test(arguments: data)
    func failsClearlyAndWritesNothing(_ c: TextBadInput) {
        let w = TextWorkspace.shared
        let out = TestSupport.temporaryDirectory()
        let r = anomalykit(line: w.expand(c.line, out: out))
        #expect(r.status == c.status, "exit \(r.status), expected \(c.status): \(r.error)")
        for fragment in c.fragments {
            #expect(r.error.contains(w.expand(fragment, out: out)), "message lacks '\(w.expand(fragment, out: out))': \(r.error)")
        }
        #expect(!r.error.contains("Fatal error"))
        #expect(files(in: out).isEmpty, "a failed command wrote \(files(in: out))")
    }

    /// fit and evaluate name a missing --text-column as the missing column, not as one to drop.
    @Test(arguments: ["fit --detector knn --train $T/train.csv --drop id --encoder $E --text-column message --out $O/m.safetensors",
                      "evaluate --detector knn --train $T/train.csv --test $T/test.csv --test-labels $T/y.npy --drop id --encoder $E --text-column message"])
    func aMissingTextColumnIsNamedAsTheTextColumn(_ line: String) {
        let w = TextWorkspace.shared
        let out = TestSupport.temporaryDirectory()
        let r = anomalykit(line: w.expand(line, out: out))
        #expect(r.status == 65)
        #expect(r.error.contains(w.expand("$T/train.csv:1: 'message': no such column (the columns are: id, amount, text)")), "\(r.error)")
        #expect(!r.error.contains("drop"), "\(r.error)")
    }

    /// `score --encoder OTHER` with other weights names OTHER, the encoder that has them.
    @Test
    func otherWeightsNameTheEncoderThatHasThem() {
        let w = TextWorkspace.shared
        let out = TestSupport.temporaryDirectory()
        let r = anomalykit(line: w.expand("score --model $T/text.safetensors --data $T/test.csv --encoder $T/enc-other --out $O/s.csv", out: out))
        #expect(r.status == 65)
        #expect(r.error.contains(w.expand("the encoder '$T/enc-other' has other weights (sha256 $SHA_OTHER) than the model was fitted with ($SHA_TINY)")), "\(r.error)")
        #expect(!r.error.contains("the encoder '\(TextWorkspace.tinyBert)' has other weights"), "\(r.error)")
    }

    /// The fixtures the table relies on exist (a failed setup would make cases vacuous).
    @Test func theSharedTextFilesExist() {
        let w = TextWorkspace.shared
        #expect(FileManager.default.fileExists(atPath: w.path("text.safetensors")))
        #expect(w.tinySHA.count == 64 && w.otherSHA.count == 64 && w.tinySHA != w.otherSHA, "\(w.tinySHA) / \(w.otherSHA)")
    }
}
