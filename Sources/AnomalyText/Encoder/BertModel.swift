import AnomalyKit
import Foundation

/// A BERT encoder for inference: its config and weights, and the forward pass from token ids to
/// the last hidden states (see `BertModel+Forward.swift`).
///
/// Weights are read in place from the memory-mapped safetensors file, except the query, key and
/// value projections of each layer, which are copied once into one fused `3·hidden × hidden`
/// matrix so the three projections are a single GEMM. No autodiff tape, no dropout.
public final class BertModel: Sendable {
    public let config: BertConfig
    /// The weights file (named in errors).
    public let file: String
    let embeddings: Embeddings
    let layers: [Layer]

    /// The embedding tables and their LayerNorm.
    struct Embeddings: Sendable {
        let words: FloatTensor         // vocab × hidden
        let positions: FloatTensor     // maxPositions × hidden
        let tokenTypes: FloatTensor    // typeVocab × hidden (row 0 is used)
        let normWeight: FloatTensor
        let normBias: FloatTensor
    }

    /// One encoder layer's weights; linear weights are `[out, in]` as in PyTorch.
    struct Layer: Sendable {
        let qkvWeight: [Float]         // 3·hidden × hidden: query, key, value rows stacked
        let qkvBias: [Float]           // 3·hidden
        let attentionOutWeight: FloatTensor   // hidden × hidden
        let attentionOutBias: FloatTensor
        let attentionNormWeight: FloatTensor
        let attentionNormBias: FloatTensor
        let intermediateWeight: FloatTensor   // intermediate × hidden
        let intermediateBias: FloatTensor
        let outputWeight: FloatTensor         // hidden × intermediate
        let outputBias: FloatTensor
        let outputNormWeight: FloatTensor
        let outputNormBias: FloatTensor
    }

    /// Loads the encoder in `directory`: `config.json` and `model.safetensors`.
    /// - Throws: `AnomalyError` (`.model`) naming the file and key or tensor at fault.
    public convenience init(directory: URL) throws {
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let weights = try MappedSafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        try self.init(config: config, weights: weights)
    }

    /// Loads the encoder in an `EncoderDirectory`.
    public convenience init(_ directory: EncoderDirectory) throws {
        try self.init(directory: directory.url)
    }

    /// Takes the weights `config` needs from `weights`. Names are accepted with or without the
    /// `bert.` prefix of `BertFor…` checkpoints; other tensors (the pooler, task heads,
    /// `position_ids`) are ignored.
    /// - Throws: `AnomalyError` (`.model`) naming the file and the tensor that is missing, of
    ///   another dtype, or of a shape other than the config implies (both shapes in the message),
    ///   or a layer beyond `num_hidden_layers`.
    public init(config: BertConfig, weights: MappedSafeTensors) throws {
        self.config = config
        self.file = weights.file
        let prefix = weights.entries["embeddings.word_embeddings.weight"] == nil
            && weights.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws -> FloatTensor {
            let full = prefix + name
            guard let entry = weights.entries[full] else {
                throw AnomalyError.model("the tensor is missing from the weights", file: weights.file, field: full)
            }
            guard entry.shape == shape else {
                throw AnomalyError.model("has shape \(entry.shape) but the config needs \(shape)", file: weights.file, field: full)
            }
            return try weights.floats(full)
        }
        let h = config.hiddenSize, inner = config.intermediateSize
        embeddings = Embeddings(
            words: try tensor("embeddings.word_embeddings.weight", [config.vocabSize, h]),
            positions: try tensor("embeddings.position_embeddings.weight", [config.maxPositions, h]),
            tokenTypes: try tensor("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h]),
            normWeight: try tensor("embeddings.LayerNorm.weight", [h]),
            normBias: try tensor("embeddings.LayerNorm.bias", [h]))
        let layerPrefix = prefix + "encoder.layer."
        for name in weights.entries.keys where name.hasPrefix(layerPrefix) {
            let index = name.dropFirst(layerPrefix.count).prefix { $0.isNumber }
            if let i = Int(index), i >= config.layerCount {
                throw AnomalyError.model("the weights hold layer \(i) but the config has \(config.layerCount) layers (num_hidden_layers)",
                                         file: weights.file, field: name)
            }
        }
        layers = try (0..<config.layerCount).map { i in
            let p = "encoder.layer.\(i)."
            var qkvWeight: [Float] = []
            var qkvBias: [Float] = []
            qkvWeight.reserveCapacity(3 * h * h)
            qkvBias.reserveCapacity(3 * h)
            for part in ["query", "key", "value"] {
                qkvWeight.append(contentsOf: try tensor(p + "attention.self.\(part).weight", [h, h]).buffer)
                qkvBias.append(contentsOf: try tensor(p + "attention.self.\(part).bias", [h]).buffer)
            }
            return Layer(
                qkvWeight: qkvWeight, qkvBias: qkvBias,
                attentionOutWeight: try tensor(p + "attention.output.dense.weight", [h, h]),
                attentionOutBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormWeight: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                intermediateWeight: try tensor(p + "intermediate.dense.weight", [inner, h]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [inner]),
                outputWeight: try tensor(p + "output.dense.weight", [h, inner]),
                outputBias: try tensor(p + "output.dense.bias", [h]),
                outputNormWeight: try tensor(p + "output.LayerNorm.weight", [h]),
                outputNormBias: try tensor(p + "output.LayerNorm.bias", [h]))
        }
    }

    /// Multiply-adds of one forward pass over sequences of `lengths` tokens: the four
    /// projections per token (`4·hidden² + 2·hidden·intermediate` per layer) and attention per
    /// sequence (`2·length²·hidden` per layer: scores and context). Embeddings, LayerNorm,
    /// softmax and the activation are not counted. Twice this is the flop count.
    /// - Complexity: O(lengths.count)
    public func multiplyAdds(lengths: [Int]) -> Int {
        let h = config.hiddenSize, inner = config.intermediateSize
        let tokens = lengths.reduce(0, +)
        let perToken = 4 * h * h + 2 * h * inner
        let attention = lengths.reduce(0) { $0 + 2 * $1 * $1 * h }
        return config.layerCount * (tokens * perToken + attention)
    }
}
