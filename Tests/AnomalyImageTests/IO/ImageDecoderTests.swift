import AnomalyKit
import Foundation
import Testing
@testable import AnomalyImage

@Suite struct ImageDecoderTests {
    static let lossless = ["grey8.png", "grey_alpha.png", "rgb.png", "rgba.png", "palette.png", "palette_trns.png",
                           "grey1.png", "rgb16.png", "interlaced.png", "grey16.png"]
    static let jpegs = ["rgb.jpg", "grey.jpg", "cmyk.jpg", "progressive.jpg"]

    /// Every lossless PNG equals Pillow's `convert("RGB")` sample for sample (grey16.png: the
    /// high byte, our documented rule where Pillow clamps).
    @Test(arguments: lossless) func pngMatchesPillowExactly(_ name: String) throws {
        let expected = try #require(try ImageFixtures.arrays("decode/expected.npz")[name])
        let image = try ImageDecoder.decode(contentsOf: try ImageFixtures.url("decode/" + name))
        #expect(image.width == 40 && image.height == 32)
        #expect(ImageFixtures.rgb(image) == ImageFixtures.bytes(expected))
    }

    @Test func channelsFollowTheColourType() throws {
        let grey = ["grey8.png", "grey_alpha.png", "grey1.png", "grey16.png", "grey.jpg"]
        for name in Self.lossless + Self.jpegs {
            let image = try ImageDecoder.decode(contentsOf: try ImageFixtures.url("decode/" + name))
            #expect(image.channels == (grey.contains(name) ? 1 : 3), "\(name)")
            #expect(image.pixels.count == image.width * image.height * image.channels)
        }
    }

    /// JPEGs: the system libjpeg-turbo (2.1.5) against Pillow's bundled libjpeg-turbo, both with
    /// the islow IDCT and fancy upsampling: measured identical (max |Δ| 0) on all four fixtures,
    /// CMYK included; ±2 is allowed for other libjpeg builds.
    @Test(arguments: jpegs) func jpegMatchesPillowClosely(_ name: String) throws {
        let expected = ImageFixtures.bytes(try #require(try ImageFixtures.arrays("decode/expected.npz")[name]))
        let image = try ImageDecoder.decode(contentsOf: try ImageFixtures.url("decode/" + name))
        let got = ImageFixtures.rgb(image)
        try #require(got.count == expected.count)
        let largest = zip(got, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(largest <= 2, "\(name): max |Δ| \(largest)")
    }

    @Test func theFormatComesFromTheBytesNotTheName() throws {
        let data = try Data(contentsOf: try ImageFixtures.url("decode/rgb.jpg"))
        let image = try ImageDecoder.decode(data: data, name: "photo.png")
        #expect(image.channels == 3 && image.width == 40)
    }

    static let refused: [(file: String, says: String)] = [
        ("bad/corrupt.png", "not a valid PNG"),
        ("bad/truncated.png", "truncated"),
        ("bad/truncated.jpg", "truncated"),
        ("bad/precision12.jpg", "12"),
        ("bad/image.gif", "a GIF image"),
        ("bad/not-an-image.png", "not a PNG or JPEG"),
        ("bad/empty.jpg", "empty"),
        ("bad/tiny4x4.png", "4×4 pixels"),
        ("bad/no-such-file.png", "no such file"),
    ]

    @Test(arguments: refused) func badInputIsAnErrorNamingTheFile(_ file: String, _ says: String) throws {
        let url = try ImageFixtures.url(file)
        let error = ImageFixtures.error { _ = try ImageDecoder.decode(contentsOf: url) }
        #expect(error?.kind == .data)
        #expect(error?.file == url.path)
        #expect(error?.message.contains(says) == true, "\(error?.description ?? "no error")")
    }

    @Test func aTwelveBitJPEGIsCalledUnsupported() throws {
        let url = try ImageFixtures.url("bad/precision12.jpg")
        let error = ImageFixtures.error { _ = try ImageDecoder.decode(contentsOf: url) }
        #expect(error?.message.contains("unsupported JPEG") == true, "\(error?.description ?? "")")
    }

    @Test func everyPrefixOfAFileIsAnErrorNotACrash() throws {
        for name in ["rgb.png", "interlaced.png", "rgb.jpg", "progressive.jpg", "cmyk.jpg"] {
            let data = try Data(contentsOf: try ImageFixtures.url("decode/" + name))
            for length in stride(from: 0, to: data.count, by: max(1, data.count / 40)) {
                let error = ImageFixtures.error { _ = try ImageDecoder.decode(data: data.prefix(length), name: name) }
                #expect(error?.file == name)
            }
        }
    }

    @Test func decodedImageChecksItsSizes() {
        #expect(throws: AnomalyError.self) { try DecodedImage(width: 2, height: 2, channels: 3, pixels: [0, 1]) }
        #expect(throws: AnomalyError.self) { try DecodedImage(width: 1, height: 1, channels: 2, pixels: [0, 1]) }
        #expect(throws: AnomalyError.self) { try DecodedImage(width: .max, height: 2, channels: 3, pixels: [0]) }
        #expect(throws: Never.self) { try DecodedImage(width: 1, height: 2, channels: 1, pixels: [0, 1]) }
    }
}
