import AnomalyKit
import Foundation

/// The shape and settings of a BERT encoder, as a Hugging Face `config.json` gives them.
///
/// Only BERT proper is accepted (`model_type` "bert", or `architectures` naming `Bert…` classes
/// when `model_type` is absent): RoBERTa, DistilBERT and the other relatives differ in their
/// embeddings or layers, so they are refused by name rather than run wrongly.
public struct BertConfig: Sendable, Equatable {
    /// The feed-forward activation (`hidden_act`).
    public enum Activation: String, Sendable, CaseIterable {
        /// `gelu`: x·Φ(x) with the exact normal CDF, `0.5·x·(1 + erf(x/√2))`.
        case gelu
        /// `gelu_new` / `gelu_pytorch_tanh`: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
        case geluTanh = "gelu_new"
        /// `relu`: max(x, 0).
        case relu
    }

    public var vocabSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var activation: Activation

    /// The width of one attention head, `hiddenSize / headCount`.
    public var headSize: Int { hiddenSize / headCount }

    /// A configuration from its values; they must be positive and `hiddenSize` a multiple of
    /// `headCount`.
    /// - Throws: `AnomalyError` (`.parameter`) naming the first value out of range.
    public init(vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
                activation: Activation = .gelu) throws {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.activation = activation
        if let (key, message) = problem() { throw AnomalyError.parameter(key, message) }
    }

    /// Reads `config.json` at `url`.
    /// - Throws: `AnomalyError` (`.model`) naming the file and the key that is missing, invalid
    ///   or unsupported.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AnomalyError.model("cannot read the encoder's config: \(error.localizedDescription)", file: url.path)
        }
        try self.init(json: data, file: url.path)
    }

    /// Parses a `config.json` document; `file` is named in errors.
    ///
    /// The sizes are required. `type_vocab_size` (2), `layer_norm_eps` (1e-12), `hidden_act`
    /// ("gelu") and `position_embedding_type` ("absolute") take transformers' `BertConfig`
    /// defaults when absent, as older checkpoints rely on them.
    public init(json: Data, file: String) throws {
        func fail(_ key: String, _ message: String) -> AnomalyError { .model(message, file: file, field: key) }
        guard let object = try? JSONSerialization.jsonObject(with: json), let doc = object as? [String: Any] else {
            throw AnomalyError.model("the encoder's config is not a JSON object", file: file)
        }
        try Self.requireBert(doc, fail)
        func integer(_ key: String, default fallback: Int? = nil) throws -> Int {
            guard let value = doc[key] else {
                if let fallback { return fallback }
                throw fail(key, "missing from the encoder's config")
            }
            guard let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded(), n.doubleValue >= 1,
                  n.doubleValue < 1e9 else {
                throw fail(key, "must be a positive integer, got \(value)")
            }
            return n.intValue
        }
        func string(_ key: String, default fallback: String) throws -> String {
            guard let value = doc[key] else { return fallback }
            guard let s = value as? String else { throw fail(key, "must be a string, got \(value)") }
            return s
        }
        let act = try string("hidden_act", default: "gelu")
        let activation: Activation
        switch act {
        case "gelu": activation = .gelu
        case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
        case "relu": activation = .relu
        default:
            throw fail("hidden_act", "activation '\(act)' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)")
        }
        let positions = try string("position_embedding_type", default: "absolute")
        guard positions == "absolute" else {
            throw fail("position_embedding_type", "'\(positions)' position embeddings are not supported (only 'absolute')")
        }
        var eps: Float = 1e-12
        if let value = doc["layer_norm_eps"] {
            guard let n = value as? NSNumber, n.doubleValue > 0, n.doubleValue < 1 else {
                throw fail("layer_norm_eps", "must be a positive number below 1, got \(value)")
            }
            eps = n.floatValue
        }
        do {
            try self.init(vocabSize: integer("vocab_size"), hiddenSize: integer("hidden_size"),
                          layerCount: integer("num_hidden_layers"), headCount: integer("num_attention_heads"),
                          intermediateSize: integer("intermediate_size"),
                          maxPositions: integer("max_position_embeddings"),
                          typeVocabSize: integer("type_vocab_size", default: 2), layerNormEps: eps,
                          activation: activation)
        } catch let error as AnomalyError where error.kind == .parameter {
            throw AnomalyError.model(error.message, file: file, field: error.field.map(Self.jsonKey))
        }
    }

    /// Refuses other architectures by name: `model_type` must be "bert"; without it, every
    /// name in `architectures` must be a `Bert…` class.
    private static func requireBert(_ doc: [String: Any], _ fail: (String, String) -> AnomalyError) throws {
        if let type = doc["model_type"] {
            guard let name = type as? String else { throw fail("model_type", "must be a string, got \(type)") }
            guard name == "bert" else {
                throw fail("model_type", "the encoder is a '\(name)' model; only BERT ('bert') encoders are supported")
            }
            return
        }
        guard let architectures = doc["architectures"] as? [String], !architectures.isEmpty else {
            throw fail("model_type", "missing from the encoder's config (and no architectures): cannot tell it is a BERT model")
        }
        for name in architectures where !name.hasPrefix("Bert") {
            throw fail("architectures", "the encoder is a '\(name)' model; only BERT (Bert…) encoders are supported")
        }
    }

    /// The first value out of range, as (Swift name, message).
    private func problem() -> (String, String)? {
        let sizes: [(String, Int)] = [
            ("vocabSize", vocabSize), ("hiddenSize", hiddenSize), ("layerCount", layerCount),
            ("headCount", headCount), ("intermediateSize", intermediateSize), ("maxPositions", maxPositions),
            ("typeVocabSize", typeVocabSize),
        ]
        for (name, value) in sizes where value < 1 { return (name, "must be at least 1, got \(value)") }
        if hiddenSize % headCount != 0 {
            return ("headCount", "hidden size \(hiddenSize) is not a multiple of the \(headCount) attention heads")
        }
        if !(layerNormEps > 0) { return ("layerNormEps", "must be positive, got \(layerNormEps)") }
        return nil
    }

    /// The `config.json` key of a Swift property name.
    private static func jsonKey(_ swiftName: String) -> String {
        [
            "vocabSize": "vocab_size", "hiddenSize": "hidden_size", "layerCount": "num_hidden_layers",
            "headCount": "num_attention_heads", "intermediateSize": "intermediate_size",
            "maxPositions": "max_position_embeddings", "typeVocabSize": "type_vocab_size",
            "layerNormEps": "layer_norm_eps",
        ][swiftName] ?? swiftName
    }
}
