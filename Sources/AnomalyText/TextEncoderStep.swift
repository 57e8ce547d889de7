import AnomalyKit
import AnomalyMath
import Foundation

/// The pipeline step that turns a raw text column into its sentence embedding: the numeric
/// columns pass through first, then the encoder's `dimension` columns.
///
/// It stores what identifies the encoder — its name in the model cache (or its directory), its
/// architecture and the SHA-256 of its weights — never the weights. On a model file it is
/// restored without loading anything; the encoder is loaded (and its weights' digest checked)
/// the first time rows pass through, so a model whose encoder is missing or different fails
/// with a message naming both digests rather than scoring with other weights.
public struct TextEncoderStep: InputStep {
    public static let kind = "text_encoder"

    /// The text column the step reads.
    public let column: String
    /// How the encoder is found: a cache name (`minilm`) or a directory path.
    public let encoder: String
    /// SHA-256 of `model.safetensors` the step was fitted with.
    public let weightsSHA256: String
    /// Embedding width.
    public let dimension: Int
    /// Numeric columns passed through before the embedding.
    public let numericInputs: Int
    /// A summary of the encoder's architecture (hidden size, layers, heads, max length, pooling).
    public let architecture: String

    public var rawColumns: [String] { [column] }

    /// "256 tokens", from the loaded encoder (for messages).
    public var maxLengthDescription: String {
        ((try? loadedEncoder().tokenizer.maxLength).map { "\($0) tokens" }) ?? "maximum length"
    }
    public var inputCount: Int { numericInputs }
    public var outputCount: Int { numericInputs + dimension }

    /// A step for `column` encoded by `encoder`, with `numericInputs` numeric columns beside it.
    public init(column: String, encoder: SentenceEncoder, numericInputs: Int) {
        self.column = column
        self.encoder = encoder.directory.name ?? encoder.directory.url.path
        self.weightsSHA256 = encoder.weightsSHA256
        self.dimension = encoder.dimension
        self.numericInputs = numericInputs
        self.architecture = encoder.architectureSummary
        SentenceEncoder.remember(encoder)
    }

    /// The same step reading its encoder from `directory` (a user moving the encoder elsewhere);
    /// the weights must still be the ones it was fitted with.
    public func locating(encoderAt directory: EncoderDirectory) throws -> TextEncoderStep {
        let loaded = try SentenceEncoder.shared(directory)
        try check(loaded)
        // The new step names the encoder where it was found.
        return TextEncoderStep(column: column, encoder: loaded, numericInputs: numericInputs)
    }

    /// The encoder this step was fitted with, loaded once per process and checked.
    /// - Throws: `.model` with the install hint when it is missing; `.model` naming both digests
    ///   when its weights differ.
    public func loadedEncoder() throws -> SentenceEncoder {
        let loaded = try SentenceEncoder.shared(try EncoderDirectory(encoder))
        try check(loaded)
        return loaded
    }

    private func check(_ loaded: SentenceEncoder) throws {
        guard loaded.weightsSHA256 == weightsSHA256 else {
            throw AnomalyError.model("the encoder '\(loaded.directory.name ?? loaded.directory.url.path)' has other weights (sha256 \(loaded.weightsSHA256)) than the model was fitted with (\(weightsSHA256))",
                                     file: loaded.directory.file("model.safetensors").path, field: "encoder")
        }
        guard loaded.dimension == dimension else {
            throw AnomalyError.model("the encoder gives \(loaded.dimension) dimensions, the model was fitted on \(dimension)", field: "encoder")
        }
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        throw AnomalyError.shape("this model reads the text column '\(column)' through its encoder: give it rows with that column",
                                 field: column)
    }

    public func transform(rows: PipelineRows) throws -> PipelineRows {
        try transform(rows: rows, progress: nil).rows
    }

    /// `transform(rows:)` reporting the batches done to `progress`, with the encoding's counts.
    public func transform(rows: PipelineRows, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?) throws
        -> (rows: PipelineRows, embedding: SentenceEncoder.Embedding) {
        guard rows.x.cols == numericInputs else {
            throw AnomalyError.shape("the text_encoder step takes \(numericInputs) numeric columns beside '\(column)', the data has \(rows.x.cols)")
        }
        let texts = try rows.textColumn(column)
        let embedding = try loadedEncoder().embed(texts, progress: progress)
        let embedded = embedding.matrix
        var rest = rows.texts
        rest[column] = nil
        return (PipelineRows(x: numericInputs == 0 ? embedded : rows.x.concatenatingColumns(embedded), texts: rest), embedding)
    }

    public func save(to state: inout StepState) {
        state.settings = ["column": .string(column), "encoder": .string(encoder), "weights_sha256": .string(weightsSHA256),
                          "dimension": .int(dimension), "numeric_inputs": .int(numericInputs),
                          "architecture": .string(architecture)]
    }

    public init(restoring state: StepState) throws {
        column = try state.string("column")
        encoder = try state.string("encoder")
        weightsSHA256 = try state.string("weights_sha256")
        dimension = try state.int("dimension")
        numericInputs = try state.int("numeric_inputs")
        architecture = (try? state.string("architecture")) ?? ""
        guard !column.isEmpty, !encoder.isEmpty, dimension > 0, numericInputs >= 0,
              weightsSHA256.count == 64, weightsSHA256.allSatisfy(\.isHexDigit) else {
            throw AnomalyError.model("the text_encoder step's settings are out of range", field: "steps")
        }
    }
}
