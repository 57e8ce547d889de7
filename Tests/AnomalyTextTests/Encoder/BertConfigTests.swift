import AnomalyKit
import Foundation
import Testing
@testable import AnomalyText

@Suite struct BertConfigTests {
    /// all-MiniLM-L6-v2's config.json, trimmed to the keys that matter.
    static var miniLM: [String: Any] { [
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu", "hidden_size": 384,
        "intermediate_size": 1536, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
        "num_attention_heads": 12, "num_hidden_layers": 6, "position_embedding_type": "absolute",
        "type_vocab_size": 2, "vocab_size": 30522,
    ] }

    private func parse(_ doc: [String: Any]) throws -> BertConfig {
        try BertConfig(json: JSONSerialization.data(withJSONObject: doc), file: "enc/config.json")
    }

    private func parse(changing changes: [String: Any?]) throws -> BertConfig {
        var doc = Self.miniLM
        for (key, value) in changes { doc[key] = value }
        return try parse(doc)
    }

    @Test func readsMiniLMsConfig() throws {
        let config = try parse(Self.miniLM)
        #expect(config == (try BertConfig(vocabSize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
                                           intermediateSize: 1536, maxPositions: 512)))
        #expect(config.headSize == 32)
        #expect(config.activation == .gelu)
        #expect(config.layerNormEps == 1e-12)
    }

    @Test func readsTheTinyFixture() throws {
        let config = try BertConfig(contentsOf: EncoderFixtures.tinyBertDirectory().appendingPathComponent("config.json"))
        #expect(config.hiddenSize == 32 && config.layerCount == 2 && config.headCount == 4 && config.vocabSize == 100)
    }

    @Test(arguments: [("roberta", "model_type"), ("distilbert", "model_type"), ("electra", "model_type")])
    func otherArchitecturesAreRefusedByName(name: String, key: String) throws {
        let error = EncoderFixtures.error { _ = try parse(changing: ["model_type": name]) }
        #expect(error?.kind == .model)
        #expect(error?.field == key)
        #expect(error?.file == "enc/config.json")
        #expect(error?.message.contains("'\(name)'") == true)
    }

    @Test func withoutModelTypeTheArchitecturesDecide() throws {
        #expect(try parse(changing: ["model_type": nil, "architectures": ["BertForMaskedLM"]]).hiddenSize == 384)
        let error = EncoderFixtures.error { _ = try parse(changing: ["model_type": nil, "architectures": ["RobertaModel"]]) }
        #expect(error?.field == "architectures")
        #expect(error?.message.contains("RobertaModel") == true)
        #expect(EncoderFixtures.error { _ = try parse(changing: ["model_type": nil, "architectures": nil]) }?.field == "model_type")
    }

    @Test(arguments: ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                      "max_position_embeddings", "vocab_size"])
    func aMissingSizeIsNamed(key: String) throws {
        let error = EncoderFixtures.error { _ = try parse(changing: [key: nil]) }
        #expect(error?.field == key)
        #expect(error?.file == "enc/config.json")
        #expect(error?.message.contains("missing") == true)
    }

    @Test func invalidValuesAreNamed() throws {
        #expect(EncoderFixtures.error { _ = try parse(changing: ["hidden_size": "384"]) }?.field == "hidden_size")
        #expect(EncoderFixtures.error { _ = try parse(changing: ["num_hidden_layers": 0]) }?.field == "num_hidden_layers")
        #expect(EncoderFixtures.error { _ = try parse(changing: ["intermediate_size": 1.5]) }?.field == "intermediate_size")
        #expect(EncoderFixtures.error { _ = try parse(changing: ["layer_norm_eps": -1]) }?.field == "layer_norm_eps")
        let heads = EncoderFixtures.error { _ = try parse(changing: ["num_attention_heads": 7]) }
        #expect(heads?.field == "num_attention_heads")
        #expect(heads?.file == "enc/config.json")
        let act = EncoderFixtures.error { _ = try parse(changing: ["hidden_act": "swish"]) }
        #expect(act?.field == "hidden_act")
        #expect(act?.message.contains("swish") == true)
        let positions = EncoderFixtures.error { _ = try parse(changing: ["position_embedding_type": "relative_key"]) }
        #expect(positions?.field == "position_embedding_type")
        #expect(EncoderFixtures.error { _ = try BertConfig(json: Data("[1]".utf8), file: "x.json") }?.file == "x.json")
        #expect(EncoderFixtures.error { _ = try BertConfig(contentsOf: URL(fileURLWithPath: "/nonexistent/config.json")) }?.file
                == "/nonexistent/config.json")
    }

    @Test func activationsAndDefaults() throws {
        #expect(try parse(changing: ["hidden_act": "gelu_new"]).activation == .geluTanh)
        #expect(try parse(changing: ["hidden_act": "gelu_pytorch_tanh"]).activation == .geluTanh)
        #expect(try parse(changing: ["hidden_act": "relu"]).activation == .relu)
        // transformers' defaults for keys older configs leave out.
        let defaults = try parse(changing: ["hidden_act": nil, "layer_norm_eps": nil, "type_vocab_size": nil, "position_embedding_type": nil])
        #expect(defaults.activation == .gelu && defaults.layerNormEps == 1e-12 && defaults.typeVocabSize == 2)
    }

    @Test func theMemberwiseInitChecksItsValues() {
        #expect(throws: AnomalyError.self) {
            try BertConfig(vocabSize: 10, hiddenSize: 30, layerCount: 1, headCount: 4, intermediateSize: 8, maxPositions: 8)
        }
        #expect(throws: AnomalyError.self) {
            try BertConfig(vocabSize: 0, hiddenSize: 32, layerCount: 1, headCount: 4, intermediateSize: 8, maxPositions: 8)
        }
    }
}
