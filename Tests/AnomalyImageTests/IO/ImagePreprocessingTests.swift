import AnomalyKit
import Foundation
import Testing
@testable import AnomalyImage

@Suite struct ImagePreprocessingTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String, file: String, resize: Int, crop: Int, hasFloat: Bool, grey: Bool
        var description: String { name }
    }

    static let cases: [Case] = {
        guard let entries = try? ImageFixtures.manifest("preprocess") else { return [] }
        return entries.compactMap { e in
            guard let name = e["name"] as? String, let file = e["file"] as? String, let resize = e["resize"] as? Int,
                  let crop = e["crop"] as? Int, let hasFloat = e["float"] as? Bool, let grey = e["grey"] as? Bool
            else { return nil }
            return Case(name: name, file: file, resize: resize, crop: crop, hasFloat: hasFloat, grey: grey)
        }
    }()

    private func run(_ c: Case, rounding: ImagePreprocessing.Rounding = .pillow) throws -> [Float] {
        var settings = try ImagePreprocessing(inputSize: c.crop, resizeSize: c.resize)
        settings.rounding = rounding
        return try settings.modelInput(contentsOf: try ImageFixtures.url("preprocess/" + c.file))
    }

    @Test func theManifestListsTheCases() {
        #expect(Self.cases.count == 7)
    }

    /// `Rounding.none` against the same resize computed in float64 by the fixture script (Pillow's
    /// weights, no rounding): only Float accumulation separates the two (measured max |Δ| 5e-5).
    @Test(arguments: cases.filter(\.hasFloat)) func matchesTheFloatReference(_ c: Case) throws {
        let reference = try #require(try ImageFixtures.arrays("preprocess/expected.npz")[c.name + ".float"]).floats()
        let got = try run(c, rounding: .none)
        #expect(got.count == c.crop * c.crop * 3)
        let mine = c.grey ? stride(from: 0, to: got.count, by: 3).map { got[$0] } : got
        let d = ImageFixtures.difference(mine, reference)
        #expect(d.max < 1e-3, "\(c.name): max |Δ| \(d.max)")
    }

    /// The default (`Rounding.pillow`) equals Pillow's resize and crop byte for byte.
    @Test(arguments: cases) func equalsPillow(_ c: Case) throws {
        let pillow = try ImageDecoder.decode(contentsOf: try ImageFixtures.url("preprocess/\(c.name).pillow.png"))
        #expect(pillow.width == c.crop && pillow.height == c.crop && pillow.channels == (c.grey ? 1 : 3))
        let expected = ImageFixtures.rgb(pillow).map(Float.init)
        let d = ImageFixtures.difference(try run(c), expected)
        #expect(d.max == 0, "\(c.name): mean |Δ| \(d.mean), max |Δ| \(d.max)")
    }

    /// `Rounding.none` stays within a level of Pillow: measured on these fixtures mean |Δ|
    /// 0.23–0.30 and max |Δ| 0.79–0.98; the test allows mean < 0.6, max ≤ 1.5.
    @Test(arguments: cases) func unroundedStaysCloseToPillow(_ c: Case) throws {
        let pillow = try ImageDecoder.decode(contentsOf: try ImageFixtures.url("preprocess/\(c.name).pillow.png"))
        let expected = ImageFixtures.rgb(pillow).map(Float.init)
        let d = ImageFixtures.difference(try run(c, rounding: .none), expected)
        #expect(d.mean < 0.6 && d.max <= 1.5, "\(c.name): mean |Δ| \(d.mean), max |Δ| \(d.max)")
    }

    @Test func theDefaultsAreEfficientNetLite0s() {
        let p = ImagePreprocessing()
        #expect(p.inputSize == 224 && p.resizeSize == 256)
        #expect(p.resizedSize(width: 640, height: 427) == (383, 256))  // int(256 · 640 / 427)
        #expect(p.resizedSize(width: 28, height: 28) == (256, 256))
        #expect(p.resizedSize(width: 199, height: 301) == (256, 387))
    }

    @Test func aConstantImageStaysConstant() throws {
        for (w, h, channels) in [(300, 199, 3), (28, 28, 1), (1000, 9, 3), (9, 640, 1)] {
            let image = try DecodedImage(width: w, height: h, channels: channels,
                                         pixels: [UInt8](repeating: 173, count: w * h * channels))
            let out = ImagePreprocessing().pixels(image)
            #expect(out.count == 224 * 224 * 3)
            #expect(out.allSatisfy { abs($0 - 173) < 1e-3 }, "\(w)×\(h)")
        }
    }

    /// Fashion-MNIST: 28×28 grey upsampled to 256, cropped to 224, replicated to RGB; values stay in
    /// the input's range (the triangle filter has no negative lobes).
    @Test func upsamplesAFashionMNISTImage() throws {
        let pixels = (0..<(28 * 28)).map { UInt8(($0 * 37) % 256) }
        let out = ImagePreprocessing().pixels(try DecodedImage(width: 28, height: 28, channels: 1, pixels: pixels))
        #expect(out.count == 224 * 224 * 3)
        #expect(out.allSatisfy { $0 >= 0 && $0 <= 255 })
        let replicated = stride(from: 0, to: out.count, by: 3).allSatisfy { (i: Int) -> Bool in
            out[i] == out[i + 1] && out[i] == out[i + 2]
        }
        #expect(replicated)
    }

    /// A crop larger than the resized image pads with zeros, as torchvision's CenterCrop does.
    @Test func aCropLargerThanTheImagePadsWithZeros() throws {
        let image = try DecodedImage(width: 10, height: 10, channels: 1, pixels: [UInt8](repeating: 200, count: 100))
        let out = try ImagePreprocessing(inputSize: 8, resizeSize: 4).pixels(image)
        #expect(out.count == 8 * 8 * 3)
        // 4×4 resized, padded by 2 on each side.
        #expect(out[0] == 0 && abs(out[(2 * 8 + 2) * 3] - 200) < 1e-3 && out[(6 * 8 + 6) * 3] == 0)
    }

    @Test func sizesOutsideTheRangeAreRefused() {
        #expect(throws: AnomalyError.self) { try ImagePreprocessing(inputSize: 0, resizeSize: 256) }
        #expect(throws: AnomalyError.self) { try ImagePreprocessing(inputSize: 224, resizeSize: 5000) }
    }

    @Test func modelInputNamesABadFile() throws {
        let url = try ImageFixtures.url("bad/image.gif")
        let error = ImageFixtures.error { _ = try ImagePreprocessing().modelInput(contentsOf: url) }
        #expect(error?.file == url.path)
    }
}
