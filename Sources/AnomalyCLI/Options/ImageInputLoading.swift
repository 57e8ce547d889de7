import AnomalyImage
import AnomalyKit
import Foundation

/// Reading images (a folder, a CSV of paths with `--image-column`, an IDX file, or a `.npy` of
/// preprocessed pixels) through an `ImageEncoderStep`, for every command that reads data.
extension InputOptions {
    /// The image encoder to read `path` with: `--encoder` when it names one; EfficientNet-Lite0
    /// for a folder or an IDX file given without `--encoder`; nil when `path` is not read as images.
    func imageEncoder(for path: String) -> String? {
        if let encoder { return ImageEncoder.recognizes(encoder) ? encoder : nil }
        if imageColumn != nil || ImageInput.isImageInput(path) { return ImageInput.defaultEncoder }
        return nil
    }

    /// Refuses the options that read text or logs, for images.
    func requireNoTextOptions(_ path: String) throws {
        let given: [(String, Bool)] = [("text-column", textColumn != nil), ("log", log != nil),
                                       ("session-regex", sessionRegex != nil), ("label-regex", labelRegex != nil),
                                       ("drop", !drop.isEmpty), ("categorical", !categorical.isEmpty)]
        if let (name, _) = given.first(where: \.1) {
            throw AnomalyError.parameter(name, "\(path) is read as images (through an image encoder): leave --\(name) out")
        }
    }

    /// The images at `path`, with a note of the files skipped.
    func readImages(_ path: String, inputSize: Int) throws -> ImageInput {
        try requireNoTextOptions(path)
        let images = try ImageInput.read(path, imageColumn: imageColumn, labelColumn: labelColumn, strict: strict,
                                         inputSize: inputSize)
        if images.skippedFiles > 0 {
            Console.current.write("note: \(path): \(images.skippedFiles) files that are not PNG or JPEG images were skipped (--strict refuses them)\n", to: .error)
        }
        return images
    }
}

/// Images read for fitting: their embeddings by the image encoder (features `image[i]`), labels
/// from sub-folder names or the CSV's label column, and the encoder step in front.
func loadImages(_ path: String, _ input: InputOptions, encoder spec: String) throws -> Dataset {
    let encoder = try ImageEncoder.shared(spec)
    let images = try input.readImages(path, inputSize: encoder.network.config.imageSize)
    let step = ImageEncoderStep(encoder: encoder)
    var data = Dataset(x: try encodeImages(images, step: step, file: path), labels: images.labels,
                       featureNames: (0..<step.dimension).map { "\(step.column)[\($0)]" })
    data.inputStep = step
    return data
}

/// Images read through a model's image step (`--encoder` relocating its encoder), named `names`.
func loadImages(_ path: String, _ input: InputOptions, through modelStep: ImageEncoderStep, names: [String]) throws -> Dataset {
    var step = modelStep
    if let encoder = input.encoder { step = try step.locating(encoderAt: encoder) }
    let images = try input.readImages(path, inputSize: try step.loadedEncoder().network.config.imageSize)
    var data = Dataset(x: try encodeImages(images, step: step, file: path), labels: images.labels, featureNames: names)
    data.rowIdentities = RowIdentities(header: ["path"], rows: images.paths.map { [$0] })
    return data
}

/// The images' features through `step`, with a progress line on a terminal.
func encodeImages(_ images: ImageInput, step: ImageEncoderStep, file: String) throws -> Matrix {
    guard images.count > 0 else { throw AnomalyError.data("holds no images", file: file) }
    let bar = stderrIsTerminal ? ProgressBar() : nil
    defer { bar?.draw("encode", done: 0, total: 0, finished: true) }
    do {
        return try step.embed(images) { done, total in bar?.draw("encode", done: done, total: total) }.x
    } catch let e as AnomalyError {
        throw e.inFile(file)
    }
}
