import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyText

/// The known answers of `Fixtures/tokenizer/`: a small vocabulary and the ids Hugging Face's
/// BertTokenizerFast gives on it (written by `scripts/fixtures/make_tokenizer_fixture.py`).
struct TokenizerFixture: Sendable {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let ids: [Int32]
        var testDescription: String { text.debugDescription }
    }

    struct Setting: Sendable, CustomTestStringConvertible {
        let name: String
        let lowercase: Bool
        let stripAccents: Bool?
        let cases: [Case]
        var testDescription: String { name }
    }

    let vocabulary: [String]
    let vocabularyURL: URL
    let settings: [Setting]
    let truncationLength: Int
    let truncation: [Case]
    let batchTexts: [String]
    let batchIDs: [[Int32]]
    let batchMask: [[Int32]]

    static let shared: TokenizerFixture = {
        do { return try load() } catch { fatalError("the tokenizer fixture cannot be read: \(error)") }
    }()

    private static func load() throws -> TokenizerFixture {
        guard let folder = Bundle.module.url(forResource: "tokenizer", withExtension: nil, subdirectory: "Fixtures") else {
            throw AnomalyError.data("no Fixtures/tokenizer in the test bundle")
        }
        let vocabURL = folder.appendingPathComponent("vocab.txt")
        let vocab = try WordPieceVocabulary.read(vocabURL).tokens
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("expected.json"))) as! [String: Any]
        func cases(_ list: Any?) -> [Case] {
            (list as! [[String: Any]]).map { Case(text: $0["text"] as! String, ids: ($0["ids"] as! [Int]).map(Int32.init)) }
        }
        let configs = json["configs"] as! [String: [String: Any]]
        let settings = configs.keys.sorted().map { name -> Setting in
            let settings = configs[name]!["settings"] as! [String: Any]
            return Setting(name: name, lowercase: settings["do_lower_case"] as! Bool,
                           stripAccents: settings["strip_accents"] as? Bool, cases: cases(configs[name]!["cases"]))
        }
        let truncation = json["truncation"] as! [String: Any]
        let batch = json["batch"] as! [String: Any]
        return TokenizerFixture(
            vocabulary: vocab, vocabularyURL: vocabURL, settings: settings,
            truncationLength: truncation["max_length"] as! Int, truncation: cases(truncation["cases"]),
            batchTexts: batch["texts"] as! [String],
            batchIDs: (batch["input_ids"] as! [[Int]]).map { $0.map(Int32.init) },
            batchMask: (batch["attention_mask"] as! [[Int]]).map { $0.map(Int32.init) })
    }

    func tokenizer(_ setting: Setting? = nil, maxLength: Int = 512) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: vocabulary, lowercase: setting?.lowercase ?? true,
                               stripAccents: setting?.stripAccents, maxLength: maxLength)
    }
}

/// An encoder directory in a fresh temporary folder: `vocab.txt` from `vocabulary` (or the given
/// bytes), the placeholder `config.json` and `model.safetensors` EncoderDirectory requires, and
/// the optional JSON files.
func encoderDirectory(vocabulary: [String]? = nil, vocabBytes: [UInt8]? = nil, tokenizerConfig: String? = nil,
                      sentenceBertConfig: String? = nil) throws -> URL {
    let dir = URL(fileURLWithPath: TestSupport.temporaryDirectory())
    let vocab = vocabBytes ?? Array((vocabulary ?? TokenizerFixture.shared.vocabulary).map { $0 + "\n" }.joined().utf8)
    try Data(vocab).write(to: dir.appendingPathComponent("vocab.txt"))
    try Data("{}".utf8).write(to: dir.appendingPathComponent("config.json"))
    try Data().write(to: dir.appendingPathComponent("model.safetensors"))
    if let tokenizerConfig { try Data(tokenizerConfig.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json")) }
    if let sentenceBertConfig { try Data(sentenceBertConfig.utf8).write(to: dir.appendingPathComponent("sentence_bert_config.json")) }
    return dir
}

@Suite struct WordPieceTokenizerTests {
    static let fixture = TokenizerFixture.shared

    @Test(arguments: fixture.settings)
    func idsMatchHuggingFace(_ setting: TokenizerFixture.Setting) throws {
        let tokenizer = try Self.fixture.tokenizer(setting)
        #expect(setting.cases.count > 70)
        for c in setting.cases {
            let encoded = tokenizer.encode(c.text)
            #expect(encoded.ids == c.ids, "\(setting.name): \(c.text.debugDescription)")
            #expect(!encoded.wasTruncated)
            let pieces = tokenizer.wordPieces(c.text)
            #expect(pieces == c.ids.dropFirst().dropLast().map { tokenizer.token(for: $0)! })
        }
    }

    @Test(arguments: fixture.settings)
    func aDirectoryReadsItsSettings(_ setting: TokenizerFixture.Setting) throws {
        let strip = setting.stripAccents.map { $0 ? "true" : "false" } ?? "null"
        let dir = try encoderDirectory(tokenizerConfig: #"{"do_lower_case": \#(setting.lowercase), "strip_accents": \#(strip), "tokenize_chinese_chars": true}"#,
                                       sentenceBertConfig: #"{"max_seq_length": 256, "do_lower_case": false}"#)
        let tokenizer = try WordPieceTokenizer(directory: EncoderDirectory(dir.path))
        #expect(tokenizer.maxLength == 256)
        #expect(tokenizer.lowercase == setting.lowercase)
        #expect(tokenizer.stripAccents == (setting.stripAccents ?? setting.lowercase))
        for c in setting.cases { #expect(tokenizer.encode(c.text).ids == c.ids, "\(c.text.debugDescription)") }
    }

    @Test func withoutConfigFilesADirectoryIsUncasedWith512() throws {
        let tokenizer = try WordPieceTokenizer(directory: EncoderDirectory(encoderDirectory().path))
        #expect(tokenizer.lowercase && tokenizer.stripAccents && tokenizer.splitCJK)
        #expect(tokenizer.maxLength == 512)
        #expect(try WordPieceTokenizer(directory: EncoderDirectory(encoderDirectory().path), maxLength: 8).maxLength == 8)
        let uncased = Self.fixture.settings.first { $0.name == "uncased" }!
        for c in uncased.cases { #expect(tokenizer.encode(c.text).ids == c.ids) }
    }

    @Test func specialTokenIDsAndSize() throws {
        let tokenizer = try Self.fixture.tokenizer()
        #expect(tokenizer.vocabularySize == Self.fixture.vocabulary.count)
        #expect(tokenizer.token(for: tokenizer.clsID) == "[CLS]")
        #expect(tokenizer.token(for: tokenizer.sepID) == "[SEP]")
        #expect(tokenizer.token(for: tokenizer.padID) == "[PAD]")
        #expect(tokenizer.token(for: tokenizer.unkID) == "[UNK]")
        #expect(tokenizer.token(for: -1) == nil && tokenizer.token(for: Int32(tokenizer.vocabularySize)) == nil)
    }

    @Test func truncationKeepsCLSAndSEP() throws {
        let tokenizer = try Self.fixture.tokenizer(maxLength: Self.fixture.truncationLength)
        for c in Self.fixture.truncation {
            let encoded = tokenizer.encode(c.text)
            #expect(encoded.ids == c.ids, "\(c.text)")
            #expect(encoded.ids.count <= Self.fixture.truncationLength)
            #expect(encoded.wasTruncated == (tokenizer.wordPieces(c.text).count > Self.fixture.truncationLength - 2))
        }
        let two = try Self.fixture.tokenizer(maxLength: 2).encode("the quick brown fox")
        #expect(two.ids == [tokenizer.clsID, tokenizer.sepID] && two.wasTruncated)
    }

    @Test func aBatchIsPaddedWithAMask() throws {
        let tokenizer = try Self.fixture.tokenizer()
        let batch = tokenizer.encode(Self.fixture.batchTexts)
        #expect(batch.rows == Self.fixture.batchTexts.count)
        #expect(batch.length == Self.fixture.batchIDs[0].count)
        #expect(batch.ids == Self.fixture.batchIDs.flatMap { $0 })
        #expect(batch.attentionMask == Self.fixture.batchMask.flatMap { $0 })
        #expect(batch.lengths == Self.fixture.batchMask.map { Int($0.reduce(0, +)) })
        #expect(Array(batch.row(1)) == Self.fixture.batchIDs[1])
        #expect(batch.wasTruncated == [false, false, false, false])
        let empty = tokenizer.encode([String]())
        #expect(empty.rows == 0 && empty.length == 0 && empty.ids.isEmpty)
    }

    @Test func aParallelBatchEqualsOneByOne() throws {
        let tokenizer = try Self.fixture.tokenizer(maxLength: 16)
        let texts = (0..<500).map { i in
            Self.fixture.settings[0].cases[i % Self.fixture.settings[0].cases.count].text + String(repeating: " fox", count: i % 9)
        }
        let batch = tokenizer.encode(texts)
        for (r, text) in texts.enumerated() {
            let one = tokenizer.encode(text)
            #expect(Array(batch.row(r).prefix(one.ids.count)) == one.ids)
            #expect(batch.lengths[r] == one.ids.count && batch.wasTruncated[r] == one.wasTruncated)
        }
    }

    @Test func aMixedCaseLongWordIsCountedInScalars() throws {
        // 100 scalars is allowed, 101 is [UNK]; 'é' is one scalar and two UTF-8 bytes.
        let tokenizer = try Self.fixture.tokenizer(TokenizerFixture.Setting(name: "cased", lowercase: false, stripAccents: nil, cases: []))
        #expect(tokenizer.wordPieces(String(repeating: "é", count: 100)) == ["é"] + Array(repeating: "##é", count: 99))
        #expect(tokenizer.wordPieces(String(repeating: "é", count: 101)) == ["[UNK]"])
    }
}

@Suite struct WordPieceTokenizerInputTests {
    @Test func vocabularyLineBreaks() throws {
        for text in ["a\nb\n", "a\nb", "a\r\nb\r\n"] {
            let dir = try encoderDirectory(vocabBytes: Array(text.utf8))
            #expect(try WordPieceVocabulary.read(dir.appendingPathComponent("vocab.txt")).tokens == ["a", "b"])
        }
        let dir = try encoderDirectory(vocabBytes: Array("a\n\nb\n".utf8))
        #expect(try WordPieceVocabulary.read(dir.appendingPathComponent("vocab.txt")).tokens == ["a", "", "b"])
    }

    @Test func anEmptyOrMissingVocabularyNamesTheFile() throws {
        let dir = try encoderDirectory(vocabBytes: [])
        let empty = DataFiles.error { _ = try WordPieceTokenizer(directory: EncoderDirectory(dir.path)) }
        #expect(empty?.kind == .model)
        #expect(empty?.file == dir.appendingPathComponent("vocab.txt").path)
        #expect(empty?.message.contains("empty") == true)
        let missing = DataFiles.error { _ = try WordPieceVocabulary.read(dir.appendingPathComponent("nope.txt")) }
        #expect(missing?.file?.hasSuffix("nope.txt") == true)
        #expect(missing?.message.contains("missing") == true)
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let dir = try encoderDirectory(vocabBytes: Array("[PAD]\n[UNK]\n".utf8) + [0x61, 0xFF, 0x0A])
        let e = DataFiles.error { _ = try WordPieceTokenizer(directory: EncoderDirectory(dir.path)) }
        #expect(e?.line == 3)
        #expect(e?.description.contains("vocab.txt:3") == true)
    }

    @Test func aVocabularyWithoutSpecialTokensIsRefused() throws {
        let e = DataFiles.error { _ = try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[SEP]", "a"]) }
        #expect(e?.kind == .model)
        #expect(e?.field == "cls_token")
        #expect(e?.message.contains("[CLS]") == true)
        // Special tokens spelt otherwise in tokenizer_config.json.
        let dir = try encoderDirectory(vocabulary: ["<pad>", "<unk>", "<s>", "</s>", "a", "##b"],
                                       tokenizerConfig: #"{"cls_token": "<s>", "sep_token": {"content": "</s>"}, "pad_token": "<pad>", "unk_token": "<unk>"}"#)
        let tokenizer = try WordPieceTokenizer(directory: EncoderDirectory(dir.path))
        #expect(tokenizer.encode("ab <s> c").ids == [2, 4, 5, 2, 1, 3])
    }

    @Test func badSettingsNameTheField() throws {
        let e = DataFiles.error { _ = try Self.tokenizer(config: #"{"do_lower_case": "yes"}"#) }
        #expect(e?.field == "do_lower_case")
        #expect(e?.file?.hasSuffix("tokenizer_config.json") == true)
        #expect(DataFiles.error { _ = try Self.tokenizer(config: "[1, 2]") }?.field == "tokenizer_config.json")
        #expect(DataFiles.error { _ = try Self.tokenizer(config: "{not json") }?.kind == .model)
        #expect(DataFiles.error { _ = try Self.tokenizer(sbert: #"{"max_seq_length": 1}"#) }?.field == "max_seq_length")
        #expect(DataFiles.error { _ = try Self.tokenizer(sbert: #"{"max_seq_length": "256"}"#) }?.field == "max_seq_length")
        let length = DataFiles.error { _ = try WordPieceTokenizer(vocabulary: TokenizerFixture.shared.vocabulary, maxLength: 1) }
        #expect(length?.kind == .parameter && length?.field == "maxLength")
        // model_max_length is used when there is no sentence-transformers setting; the "unset" huge value is not.
        #expect(try Self.tokenizer(config: #"{"model_max_length": 128}"#).maxLength == 128)
        #expect(try Self.tokenizer(config: #"{"model_max_length": 1000000000000000019884624838656}"#).maxLength == 512)
    }

    @Test func withoutCJKSplittingIdeographsJoinWords() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "中", "##文", "文"], splitCJK: false)
        #expect(tokenizer.wordPieces("中文") == ["中", "##文"])
        let split = try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "中", "##文", "文"])
        #expect(split.wordPieces("中文") == ["中", "文"])
    }

    private static func tokenizer(config: String? = nil, sbert: String? = nil) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(directory: EncoderDirectory(encoderDirectory(tokenizerConfig: config, sentenceBertConfig: sbert).path))
    }
}

/// The installed all-MiniLM-L6-v2 (`scripts/fetch-models minilm`), if any.
enum InstalledMiniLM {
    static let directory: EncoderDirectory? = try? EncoderDirectory("minilm")
}

@Suite(.enabled(if: InstalledMiniLM.directory != nil, "all-MiniLM-L6-v2 is not installed (scripts/fetch-models minilm)"))
struct MiniLMTokenizerTests {
    @Test func knownIDs() throws {
        let tokenizer = try WordPieceTokenizer(directory: #require(InstalledMiniLM.directory))
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.maxLength == 256)
        #expect([tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID] == [0, 100, 101, 102])
        // Recorded from transformers' BertTokenizerFast on the same model directory.
        let expected: [(String, [Int32])] = [
            ("hello [MASK] world", [101, 7592, 103, 2088, 102]),
            ("İstanbul straße ΣΑΣ", [101, 9960, 2358, 27807, 1173, 14608, 29733, 102]),
            ("日本語テキスト", [101, 1864, 1876, 1950, 1713, 30227, 30233, 30240, 102]),
            ("😀👍🏽 👨\u{200D}👩\u{200D}👧", [101, 100, 100, 102]),
            ("\u{85}a\u{2028}b\u{0B}c", [101, 1037, 4647, 102]),
            ("", [101, 102]),
        ]
        for (text, ids) in expected { #expect(tokenizer.encode(text).ids == ids, "\(text.debugDescription)") }
        let long = tokenizer.encode(String(repeating: "anomaly detection ", count: 300))
        #expect(long.ids.count == 256 && long.wasTruncated && long.ids.last == tokenizer.sepID)
    }
}
