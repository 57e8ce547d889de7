import AnomalyKit
import CImageCodecs
import Foundation

/// Reads PNG and JPEG files into `DecodedImage`s, matching Pillow's `Image.open(p).convert("RGB")`.
///
/// The format comes from the magic bytes, never the extension. What is read, and how:
/// - **PNG**: every colour type and bit depth. Grey (1/2/4/8-bit, scaled to 8) and grey + alpha
///   decode to grey; RGB, RGBA and palettes (with or without tRNS) to RGB; interlaced images are
///   de-interlaced. Alpha is dropped, not composited, as Pillow's `convert("RGB")` does. 16-bit
///   samples keep their high byte (`v >> 8`), which is what Pillow does for 16-bit RGB(A) and
///   grey + alpha; for 16-bit grey Pillow instead clamps (`min(v, 255)`, so nearly all white) and
///   we keep the high byte. gAMA chunks and ICC profiles are ignored, as Pillow does.
/// - **JPEG**: 8-bit baseline and progressive, via libjpeg-turbo (islow IDCT, fancy upsampling —
///   Pillow's defaults). Grey stays grey, YCbCr/RGB become RGB, CMYK/YCCK are read as Adobe
///   (inverted) CMYK and converted with Pillow's formula. Pillow bundles its own libjpeg-turbo:
///   results are identical on the fixtures here, but another IDCT build may differ by ±1.
/// - **Refused** with `AnomalyError` (`.data`) naming the file: other formats (GIF, BMP, TIFF,
///   WebP …, named when recognised), 12-bit and lossless JPEGs, truncated or corrupt files,
///   images smaller than `minimumSide` on a side, and images over `maximumPixels` pixels.
public enum ImageDecoder {
    /// The smallest width and height accepted: smaller images carry too little to embed.
    public static let minimumSide = 8
    /// The largest image accepted, in pixels: Pillow's decompression-bomb error limit.
    public static let maximumPixels = 178_956_970

    /// Reads and decodes the file at `url`. - Throws: `AnomalyError` (`.data`) naming the file.
    /// - Complexity: O(file size + pixels)
    public static func decode(contentsOf url: URL) throws -> DecodedImage {
        let path = url.path
        return try decode(data: try NumPy.readFile(path), name: path)
    }

    /// Decodes PNG or JPEG bytes; errors name `name` (a path, or any label the caller shows).
    /// - Complexity: O(bytes + pixels)
    public static func decode(data: Data, name: String) throws -> DecodedImage {
        let format = try ImageFormat(sniffing: data, name: name)
        var image = ak_image()
        let (status, message) = CodecCall.run(data) { bytes, count, text in
            switch format {
            case .png: ak_decode_png(bytes, count, UInt64(maximumPixels), &image, text, CodecCall.messageSize)
            case .jpeg: ak_decode_jpeg(bytes, count, UInt64(maximumPixels), &image, text, CodecCall.messageSize)
            }
        }
        defer { ak_codec_free(image.pixels) }
        guard status == AK_CODEC_OK, let pixels = image.pixels else {
            throw failure(status, message, format: format, name: name)
        }
        let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
        guard width >= minimumSide, height >= minimumSide else {
            throw AnomalyError.data("the image is \(width)×\(height) pixels; images must be at least \(minimumSide)×\(minimumSide)",
                                    file: name)
        }
        let samples = Array(UnsafeBufferPointer(start: pixels, count: width * height * channels))
        return DecodedImage(unchecked: width, height: height, channels: channels, pixels: samples)
    }

    private static func failure(_ status: ak_codec_status, _ message: String, format: ImageFormat,
                                name: String) -> AnomalyError {
        let library = format == .png ? "libpng" : "libjpeg"
        switch status {
        case AK_CODEC_UNSUPPORTED:
            return .data("unsupported \(format.name) (\(library): \(message)); only 8-bit baseline or progressive JPEGs are read",
                         file: name)
        case AK_CODEC_TOO_LARGE:
            return .data("the \(format.name) image is too large to decode (\(message); the limit is \(maximumPixels) pixels)",
                         file: name)
        default:
            return .data("not a valid \(format.name) image: \(message)", file: name)
        }
    }
}
