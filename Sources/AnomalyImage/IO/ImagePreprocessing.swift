import AnomalyKit
import Foundation

/// Turns a decoded image into a model input: torchvision's `Resize(resizeSize)` (the shorter side
/// to `resizeSize`, the other to `Int(resizeSize · long / short)`) with Pillow's antialiased
/// bilinear resampling (separable, horizontal pass first; see `ResampleAxis`), then
/// `CenterCrop(inputSize)` — the timm/torchvision evaluation transform for EfficientNet-Lite0
/// (224 of 256: crop fraction 0.875).
///
/// By default the resampling is Pillow's to the byte (`Rounding.pillow`: fixed-point weights and a
/// `UInt8` after each pass), so a model input equals the Python pipeline's exactly and features
/// agree end to end; `Rounding.none` keeps both passes in `Float` (closer to the ideal filter, but
/// up to 1 level from Pillow, mean ≈ 0.3, which moves EfficientNet-Lite0's features to cosine
/// ≈ 0.995 on real photos). Only the cropped outputs are computed.
public struct ImagePreprocessing: Sendable, Equatable {
    /// How the resampling passes round.
    public enum Rounding: String, Sendable, Equatable, CaseIterable {
        /// Pillow's 8-bit arithmetic, byte for byte.
        case pillow
        /// Float throughout, no intermediate rounding.
        case none
    }

    /// How the passes round (default `.pillow`).
    public var rounding: Rounding = .pillow
    /// The side of the square model input (224).
    public let inputSize: Int
    /// The shorter side after resizing, before the centre crop (256).
    public let resizeSize: Int

    /// EfficientNet-Lite0's transform: 256 then a 224 centre crop.
    public init() {
        inputSize = 224
        resizeSize = 256
    }

    /// - Throws: `AnomalyError` (`.parameter`) when a size is outside 1…4096.
    public init(inputSize: Int, resizeSize: Int) throws {
        for (name, value) in [("inputSize", inputSize), ("resizeSize", resizeSize)] where !(1...4096).contains(value) {
            throw AnomalyError.parameter(name, "expected a size between 1 and 4096 pixels, got \(value)")
        }
        self.inputSize = inputSize
        self.resizeSize = resizeSize
    }

    /// The size `image` is resized to before the crop, as torchvision computes it.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        if width <= height {
            return (resizeSize, max(1, Int(Double(resizeSize * height) / Double(width))))
        }
        return (max(1, Int(Double(resizeSize * width) / Double(height))), resizeSize)
    }

    /// `inputSize × inputSize × 3` samples in 0…255, row-major HWC, RGB (grey is replicated).
    /// Single-threaded, no shared state: call it from many threads at once.
    /// - Complexity: O(rows read × inputSize × horizontal support + inputSize² × vertical support),
    ///   per channel; the weights are computed once per axis per call, O(inputSize × support).
    public func pixels(_ image: DecodedImage) -> [Float] {
        let resized = resizedSize(width: image.width, height: image.height)
        let xs = ResampleAxis(source: image.width, resized: resized.width, crop: inputSize)
        let ys = ResampleAxis(source: image.height, resized: resized.height, crop: inputSize)
        let resampler = Resampler(image: image, xs: xs, ys: ys, size: inputSize)
        let resampled = rounding == .pillow ? resampler.runPillow() : resampler.run()
        guard image.channels == 1 else { return resampled }
        var rgb = [Float](repeating: 0, count: resampled.count * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            for (i, v) in resampled.enumerated() {
                out[3 &* i] = v
                out[3 &* i &+ 1] = v
                out[3 &* i &+ 2] = v
            }
        }
        return rgb
    }

    /// Reads, decodes and preprocesses the image file at `url` (see `ImageDecoder`).
    /// - Throws: `AnomalyError` (`.data`) naming the file.
    public func modelInput(contentsOf url: URL) throws -> [Float] {
        pixels(try ImageDecoder.decode(contentsOf: url))
    }
}
