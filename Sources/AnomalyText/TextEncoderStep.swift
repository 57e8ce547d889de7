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
public struct TextEncoderStep: EncoderStep {
    public static let kind = "text_encoder"

    /// The text column the step reads.
    public let column: String
    /// The encoder the step was fitted with: name, weights' SHA-256, width, architecture.
    public let identity: EncoderIdentity
    /// Numeric columns passed through before the embedding.
    public let numericInputs: Int

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
        self.identity = EncoderIdentity(encoder: encoder.directory.name ?? encoder.directory.url.path,
                                        weightsSHA256: encoder.weightsSHA256, dimension: encoder.dimension,
                                        architecture: encoder.architectureSummary)
        self.numericInputs = numericInputs
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
        try identity.check(name: loaded.directory.name ?? loaded.directory.url.path, weightsSHA256: loaded.weightsSHA256,
                           dimension: loaded.dimension, weightsFile: loaded.directory.file("model.safetensors").path)
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
        state.settings = identity.settings.merging(["column": .string(column), "numeric_inputs": .int(numericInputs)]) { a, _ in a }
    }

    public init(restoring state: StepState) throws {
        column = try state.string("column")
        identity = try EncoderIdentity(restoring: state, kind: Self.kind)
        numericInputs = try state.int("numeric_inputs")
        guard !column.isEmpty, numericInputs >= 0 else {
            throw AnomalyError.model("the text_encoder step's settings are out of range", field: "steps")
        }
    }
}
