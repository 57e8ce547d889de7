import AnomalyKit

/// A decoded image: 8-bit grey (`channels` 1) or RGB (`channels` 3) samples, row-major HWC
/// (`pixels[(y * width + x) * channels + c]`).
public struct DecodedImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// `height × width × channels` samples.
    public let pixels: [UInt8]

    /// - Throws: `AnomalyError` (`.shape`) when a size is not positive, `channels` is not 1 or 3,
    ///   or `pixels` does not hold `height × width × channels` samples.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, channels == 1 || channels == 3 else {
            throw AnomalyError.shape("an image needs positive sizes and 1 or 3 channels, got \(width)×\(height)×\(channels)",
                                     field: "pixels")
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        let (count, overflow3) = area.multipliedReportingOverflow(by: channels)
        guard !overflow, !overflow3, count == pixels.count else {
            let needed = overflow || overflow3 ? "more samples than memory holds" : "\(count) samples"
            throw AnomalyError.shape("\(width)×\(height)×\(channels) needs \(needed), got \(pixels.count)", field: "pixels")
        }
        self.init(unchecked: width, height: height, channels: channels, pixels: pixels)
    }

    /// For decoders that produced the samples themselves (sizes already consistent).
    init(unchecked width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
