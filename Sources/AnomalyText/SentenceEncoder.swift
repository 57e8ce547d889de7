import AnomalyKit
import AnomalyMath
import Foundation

/// A sentence encoder in the sentence-transformers layout: the WordPiece tokenizer, the BERT
/// encoder and the pooling (with L2 normalisation where `modules.json` has it), run natively.
///
/// ```swift
/// let encoder = try SentenceEncoder(directory: "minilm")      // or a directory path
/// let embedding = try encoder.embed(["disk full on /var", "user logged in"])
/// embedding.matrix                                             // 2 × 384
/// ```
///
/// Texts are tokenized in parallel, sorted by length and encoded in batches of similar lengths,
/// so padding costs almost nothing; results come back in the input order. A text's embedding
/// does not depend on the batch it falls in beyond float rounding (1e-5 relative).
public final class SentenceEncoder: Sendable {
    public let directory: EncoderDirectory
    public let tokenizer: WordPieceTokenizer
    public let model: BertModel
    public let pooling: SentencePooling
    /// SHA-256 of `model.safetensors`: the identity a model file records.
    public let weightsSHA256: String

    /// Columns of an embedding.
    public var dimension: Int { pooling.width(hidden: model.config.hiddenSize) }

    /// A one-line description of the architecture, kept in model files for the reader.
    public var architectureSummary: String {
        let c = model.config
        return "bert hidden=\(c.hiddenSize) layers=\(c.layerCount) heads=\(c.headCount) max_length=\(tokenizer.maxLength) "
            + "pooling=\(pooling.modes.map(\.rawValue).joined(separator: "+"))\(pooling.normalize ? " normalized" : "")"
    }

    /// Loads the encoder named `spec`: a cache name (`minilm`) or a directory.
    public convenience init(directory spec: String) throws {
        try self.init(directory: try EncoderDirectory(spec))
    }

    /// Loads tokenizer, weights (memory-mapped) and pooling from `directory`, and checks that
    /// they fit together. - Throws: `AnomalyError` naming the file and field at fault.
    public init(directory: EncoderDirectory) throws {
        self.directory = directory
        model = try BertModel(directory)
        let maxPositions = model.config.maxPositions
        tokenizer = try WordPieceTokenizer(directory: directory)
        pooling = try SentencePooling(directory: directory.url)
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw AnomalyError.model("vocab.txt has \(tokenizer.vocabularySize) tokens, more than the model's vocab_size \(model.config.vocabSize)",
                                     file: directory.file("vocab.txt").path, field: "vocab_size")
        }
        guard tokenizer.maxLength <= maxPositions else {
            throw AnomalyError.model("max_seq_length \(tokenizer.maxLength) exceeds max_position_embeddings \(maxPositions)",
                                     file: directory.file("sentence_bert_config.json").path, field: "max_seq_length")
        }
        weightsSHA256 = try FileDigest.sha256(of: directory.file("model.safetensors"))
    }

    /// Embeddings of some texts, with what it took.
    public struct Embedding: Sendable {
        /// One row per text, in the input order.
        public var matrix: Matrix
        /// Tokens encoded, `[CLS]` and `[SEP]` included.
        public var tokens: Int
        /// Texts cut at the maximum length.
        public var truncated: Int
        /// Multiply-adds of the forward passes (for the fraction of sgemm peak).
        public var multiplyAdds: Int
        /// Distinct texts, each encoded once; `1 − distinctTexts / rows` is the cache hit rate.
        public var distinctTexts: Int
        /// Whether each distinct text was truncated.
        var truncatedDistinct: [Bool]

        /// The share of texts whose embedding was reused from an identical text.
        public var cacheHitRate: Double {
            matrix.rows == 0 ? 0 : 1 - Double(distinctTexts) / Double(matrix.rows)
        }
    }

    /// The embedding of every text (an empty text is `[CLS] [SEP]`, embedded like any other).
    /// Identical texts are encoded once. `progress` is called after each batch with the distinct
    /// texts done so far. `tokens` and `multiplyAdds` count the distinct texts' work; `truncated`
    /// counts every text.
    /// - Complexity: tokenizing is linear in the text; encoding `multiplyAdds` multiply-adds.
    public func embed(_ texts: [String], batchSize: Int = 32,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Embedding {
        guard batchSize >= 1 else { throw AnomalyError.parameter("batchSize", "must be ≥ 1, got \(batchSize)") }
        // Each distinct text is encoded once (log templates and short messages repeat a lot).
        var firstIndex: [String: Int] = [:]
        var distinct: [String] = []
        let slot = texts.map { text -> Int in
            if let k = firstIndex[text] { return k }
            firstIndex[text] = distinct.count
            distinct.append(text)
            return distinct.count - 1
        }
        var result = try embedDistinct(distinct, batchSize: batchSize, progress: progress)
        result.distinctTexts = distinct.count
        guard distinct.count < texts.count else { return result }
        let width = dimension
        var out = [Float](repeating: 0, count: texts.count * width)
        result.matrix.values.withUnsafeBufferPointer { src in
            for (row, k) in slot.enumerated() {
                for j in 0..<width { out[row * width + j] = src[k * width + j] }
            }
        }
        result.matrix = Matrix(rows: texts.count, cols: width, values: out)
        result.truncated = slot.reduce(0) { $0 + (result.truncatedDistinct[$1] ? 1 : 0) }
        return result
    }

    /// `embed` of texts that are all different.
    private func embedDistinct(_ texts: [String], batchSize: Int,
                               progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?) throws -> Embedding {
        let encoded = tokenizer.encodeSeparately(texts)
        // Longest first, as sentence-transformers orders them; ties keep the input order.
        let order = encoded.indices.sorted { (encoded[$0].ids.count, $1) > (encoded[$1].ids.count, $0) }
        let width = dimension
        var out = [Float](repeating: 0, count: texts.count * width)
        var tokens = 0, multiplyAdds = 0
        var start = 0
        while start < order.count {
            let batch = Array(order[start..<min(start + batchSize, order.count)])
            let sequences = batch.map { encoded[$0].ids }
            let lengths = sequences.map(\.count)
            let e = try model.embeddings(sequences, pooling: pooling)
            e.values.withUnsafeBufferPointer { src in
                for (k, row) in batch.enumerated() {
                    for j in 0..<width { out[row * width + j] = src[k * width + j] }
                }
            }
            tokens += lengths.reduce(0, +)
            multiplyAdds += model.multiplyAdds(lengths: lengths)
            start += batch.count
            progress?(start, order.count)
        }
        return Embedding(matrix: Matrix(rows: texts.count, cols: width, values: out), tokens: tokens,
                         truncated: encoded.lazy.filter(\.wasTruncated).count, multiplyAdds: multiplyAdds,
                         distinctTexts: texts.count, truncatedDistinct: encoded.map(\.wasTruncated))
    }

    // MARK: - One load per process

    private static let loaded = LoadedOnce<SentenceEncoder>()

    /// The encoder in `directory`, loaded once per process (weights are memory-mapped and the
    /// digest computed once).
    public static func shared(_ directory: EncoderDirectory) throws -> SentenceEncoder {
        try loaded.value(for: directory.url.standardizedFileURL.path) { try SentenceEncoder(directory: directory) }
    }

    /// Keeps `encoder` for later `shared` calls on its directory.
    static func remember(_ encoder: SentenceEncoder) {
        loaded.remember(encoder, for: encoder.directory.url.standardizedFileURL.path)
    }
}
