import AnomalyKit
import AnomalyMath
import Foundation

/// The pipeline step that turns images into their pooled CNN features: a raw column of image
/// references (file paths, or `file#index` for an image inside an IDX or `.npy` file) becomes
/// the encoder's `dimension` columns, after any numeric columns beside it.
///
/// Like the text encoder step it stores what identifies the encoder — its cache name (or
/// directory), its architecture and the SHA-256 of its weights — never the weights; the encoder
/// is loaded and checked the first time images pass through, so a model whose encoder is missing
/// or different fails with a message naming both digests rather than scoring with other weights.
public struct ImageEncoderStep: EncoderStep {
    public static let kind = "image_encoder"

    /// The raw column holding image references.
    public let column: String
    /// The encoder the step was fitted with: name, weights' SHA-256, width, architecture.
    public let identity: EncoderIdentity
    /// Numeric columns passed through before the embedding.
    public let numericInputs: Int

    public var rawColumns: [String] { [column] }
    public var inputCount: Int { numericInputs }
    public var outputCount: Int { numericInputs + dimension }

    /// A step reading `column` through `encoder`, with `numericInputs` numeric columns beside it.
    public init(column: String = "image", encoder: ImageEncoder, numericInputs: Int = 0) {
        self.column = column
        self.identity = EncoderIdentity(encoder: encoder.spec, weightsSHA256: encoder.weightsSHA256,
                                        dimension: encoder.dimension, architecture: encoder.architectureSummary)
        self.numericInputs = numericInputs
    }

    /// The same step reading its encoder from `spec` (a user moving the encoder elsewhere); the
    /// weights must still be the ones it was fitted with.
    public func locating(encoderAt spec: String) throws -> ImageEncoderStep {
        let loaded = try ImageEncoder.shared(spec)
        try check(loaded)
        return ImageEncoderStep(column: column, encoder: loaded, numericInputs: numericInputs)
    }

    /// The encoder this step was fitted with, loaded once per process and checked.
    /// - Throws: `.model` with the install hint when it is missing; `.model` naming both digests
    ///   when its weights differ.
    public func loadedEncoder() throws -> ImageEncoder {
        let loaded = try ImageEncoder.shared(encoder)
        try check(loaded)
        return loaded
    }

    private func check(_ loaded: ImageEncoder) throws {
        try identity.check(name: loaded.spec, weightsSHA256: loaded.weightsSHA256, dimension: loaded.dimension,
                           weightsFile: loaded.directory.appendingPathComponent("model.safetensors").path)
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        throw AnomalyError.shape("this model reads images through its encoder (the column '\(column)'): give it rows with that column",
                                 field: column)
    }

    public func transform(rows: PipelineRows) throws -> PipelineRows {
        guard rows.x.cols == numericInputs else {
            throw AnomalyError.shape("the image_encoder step takes \(numericInputs) numeric columns beside '\(column)', the data has \(rows.x.cols)")
        }
        let images = try ImageInput(references: try rows.textColumn(column))
        var rest = rows.texts
        rest[column] = nil
        return PipelineRows(x: try embed(images, beside: rows.x).x, texts: rest)
    }

    /// `images` through the encoder, after the numeric columns `x` (one row per image), with the
    /// encoding's counts. `progress` gets the images done.
    public func embed(_ images: ImageInput, beside x: Matrix? = nil, batchSize: Int = 32,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws
        -> (x: Matrix, embedding: ImageEncoder.Embedding) {
        let embedding = try images.embed(with: try loadedEncoder(), batchSize: batchSize, progress: progress)
        guard let x, numericInputs > 0 else { return (embedding.matrix, embedding) }
        return (x.concatenatingColumns(embedding.matrix), embedding)
    }

    public func save(to state: inout StepState) {
        state.settings = identity.settings.merging(["column": .string(column), "numeric_inputs": .int(numericInputs)]) { a, _ in a }
    }

    public init(restoring state: StepState) throws {
        column = try state.string("column")
        identity = try EncoderIdentity(restoring: state, kind: Self.kind)
        numericInputs = try state.int("numeric_inputs")
        guard !column.isEmpty, numericInputs >= 0 else {
            throw AnomalyError.model("the image_encoder step's settings are out of range", field: "steps")
        }
    }
}
