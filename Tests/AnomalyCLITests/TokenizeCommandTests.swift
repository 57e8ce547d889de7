import Foundation
import Testing
import TestSupport

@Suite struct TokenizeCommandTests {
    /// An encoder directory with a tiny vocabulary (ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3,
    /// hello 4, world 5, ! 6, ##s 7).
    private func encoder() -> String {
        let dir = TestSupport.temporaryDirectory()
        write("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n!\n##s\n", "vocab.txt", in: dir)
        write("{}", "config.json", in: dir)
        write("", "model.safetensors", in: dir)
        write(#"{"max_seq_length": 4}"#, "sentence_bert_config.json", in: dir)
        return dir
    }

    @Test func textAndJSONLinesGiveOneArrayPerText() throws {
        let enc = encoder(), dir = TestSupport.temporaryDirectory()
        let txt = write("Hello worlds!\n\nhello hello hello\nbonjour\n", "texts.txt", in: dir)
        let r = anomalykit("tokenize", "--encoder", enc, "--data", txt, "--out", dir + "/ids.jsonl", "--json")
        expectSuccess(r)
        let ids = try String(contentsOfFile: dir + "/ids.jsonl", encoding: .utf8)
        #expect(ids == "[2,4,5,3]\n[2,3]\n[2,4,4,3]\n[2,1,3]\n")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        #expect(summary["texts"] as? Int == 4)
        #expect(summary["tokens"] as? Int == 13)
        #expect(summary["truncated_texts"] as? Int == 2)
        #expect(summary["max_length"] as? Int == 4)

        let jsonl = write(#""Hello\nworld\u0000!""# + "\n" + #""""# + "\n", "texts.jsonl", in: dir)
        expectSuccess(anomalykit("tokenize", "--encoder", enc, "--data", jsonl, "--out", dir + "/j.jsonl", "--max-length", "8"))
        #expect(try String(contentsOfFile: dir + "/j.jsonl", encoding: .utf8) == "[2,4,5,6,3]\n[2,3]\n")
    }

    @Test func badInputNamesTheLineAndWritesNothing() throws {
        let enc = encoder(), dir = TestSupport.temporaryDirectory()
        let bad = dir + "/bad.txt"
        _ = FileManager.default.createFile(atPath: bad, contents: Data("hello\nwor\u{FF}ld\n".utf8) + Data([0x61, 0xC3, 0x28, 0x0A]))
        let r = anomalykit("tokenize", "--encoder", enc, "--data", bad, "--out", dir + "/o.jsonl")
        #expect(r.status == 65)
        #expect(r.error.contains("bad.txt:3: the line is not valid UTF-8"))
        let jsonl = write("\"a\"\n{\"text\": 1}\n", "bad.jsonl", in: dir)
        let j = anomalykit("tokenize", "--encoder", enc, "--data", jsonl, "--out", dir + "/o.jsonl")
        #expect(j.status == 65)
        #expect(j.error.contains("bad.jsonl:2: expected a JSON string"))
        let empty = write("", "empty.jsonl", in: dir)
        #expect(anomalykit("tokenize", "--encoder", enc, "--data", empty, "--out", dir + "/o.jsonl").error.contains("empty.jsonl: empty file"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.jsonl"))

        #expect(anomalykit("tokenize", "--encoder", enc, "--data", jsonl, "--out", dir + "/o.csv").status == 64)
        #expect(anomalykit("tokenize", "--encoder", enc, "--data", dir + "/x.csv", "--out", dir + "/o.jsonl").status == 64)
        #expect(anomalykit("tokenize", "--encoder", enc, "--data", jsonl, "--out", dir + "/o.jsonl", "--max-length", "1").status == 64)
        let missing = anomalykit("tokenize", "--encoder", dir + "/none", "--data", jsonl, "--out", dir + "/o.jsonl")
        #expect(missing.status == 65 && missing.error.contains("'encoder'"))
        #expect(files(in: dir) == ["bad.jsonl", "bad.txt", "empty.jsonl"])
    }
}
