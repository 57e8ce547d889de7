import AnomalyKit
import Foundation
import Testing
import TestSupport
import CVectorKernels
@testable import AnomalyImage

/// The fixtures `scripts/fixtures/make_tiny_efficientnet.py` writes: a tiny random
/// EfficientNet-Lite made by the PyTorch peer, and its outputs on three generated images.
enum NetworkFixtures {
    static func tinyDirectory() throws -> URL {
        try #require(Bundle.module.url(forResource: "tiny-efficientnet", withExtension: nil, subdirectory: "Fixtures"))
    }

    struct Answers: Decodable {
        let side: Int
        let features: [[Float]]
        let logits: [[Float]]
        let map_side: Int
    }

    static func answers() throws -> Answers {
        let url = try #require(Bundle.module.url(forResource: "tiny-efficientnet-answers", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Answers.self, from: Data(contentsOf: url))
    }

    /// The generator's pixels: p[i] = (37·i + 11·image + 5) mod 256, HWC.
    static func pixels(images: Int, side: Int) -> [Float] {
        var pixels: [Float] = []
        for image in 0..<images {
            for i in 0..<(side * side * 3) { pixels.append(Float((37 * i + 11 * image + 5) % 256)) }
        }
        return pixels
    }
}

@Suite struct EfficientNetTests {
    /// Largest |Δ| relative to the largest magnitude (float32 GEMMs in another order than PyTorch's).
    private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map(abs).max() ?? 1, 1e-6)
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    @Test func tinyNetworkMatchesPyTorch() throws {
        let net = try EfficientNet(directory: try NetworkFixtures.tinyDirectory())
        let answers = try NetworkFixtures.answers()
        #expect(net.config.sides().blocks.last == answers.map_side)
        let out = try net.forward(pixels: NetworkFixtures.pixels(images: 3, side: answers.side), count: 3, classify: true)
        #expect(out.features.count == 3 * 1280)
        #expect(relativeError(out.features, answers.features.flatMap { $0 }) < 1e-5)
        #expect(relativeError(out.logits, answers.logits.flatMap { $0 }) < 1e-5)
    }

    @Test func groupsAndThreadsGiveTheSameFeatures() throws {
        let net = try EfficientNet(directory: try NetworkFixtures.tinyDirectory())
        let side = net.config.imageSize
        let pixels = NetworkFixtures.pixels(images: 3, side: side)
        let one = try net.forward(pixels: pixels, count: 3, groupSize: 1)
        let all = try net.forward(pixels: pixels, count: 3, groupSize: 3)
        #expect(relativeError(one.features, all.features) < 1e-5)
        // The second image alone: the same as in the batch.
        let second = try net.forward(pixels: Array(pixels[(side * side * 3)..<(2 * side * side * 3)]), count: 1)
        #expect(relativeError(second.features, Array(all.features[1280..<2560])) < 1e-5)
    }

    @Test func portableDepthwiseAgreesWithTheVectorKernel() throws {
        // Two odd-sized maps, stride 1 and 2, kernels 3 and 5, a channel count with a tail (37).
        for (side, channels, kernel, stride) in [(9, 37, 3, 1), (11, 48, 5, 2)] {
            var rng = SeededGenerator(seed: 4)
            let x = (0..<(side * side * channels)).map { _ in Float.random(in: -2...2, using: &rng) }
            let w = (0..<(kernel * kernel * channels)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<channels).map { _ in Float.random(in: -1...1, using: &rng) }
            let outSide = (side + stride - 1) / stride
            let pad = EfficientNet.padBefore(side: side, out: outSide, kernel: kernel, stride: stride)
            var reference = [Float](repeating: 0, count: outSide * outSide * channels)
            for oy in 0..<outSide {
                for ox in 0..<outSide {
                    for c in 0..<channels {
                        var s = Double(b[c])
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let iy = oy * stride + ky - pad, ix = ox * stride + kx - pad
                                guard iy >= 0, iy < side, ix >= 0, ix < side else { continue }
                                s += Double(x[(iy * side + ix) * channels + c]) * Double(w[(ky * kernel + kx) * channels + c])
                            }
                        }
                        reference[(oy * outSide + ox) * channels + c] = Float(min(max(s, 0), 6))
                    }
                }
            }
            for vector in [true, false] where !vector || EfficientNet.usesVectorKernels {
                var out = [Float](repeating: -1, count: reference.count)
                x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        b.withUnsafeBufferPointer { bp in
                            out.withUnsafeMutableBufferPointer { op in
                                (vector ? ak_depthwise_conv_avx2 : ak_depthwise_conv_portable)(
                                    xp.baseAddress!, Int32(side), Int32(side), Int32(channels), wp.baseAddress!, bp.baseAddress!,
                                    Int32(kernel), Int32(stride), Int32(pad), Int32(pad), Int32(outSide), Int32(outSide), 1,
                                    op.baseAddress!)
                            }
                        }
                    }
                }
                #expect(zip(out, reference).allSatisfy { abs($0 - $1) <= 1e-5 }, "vector \(vector), side \(side)")
            }
        }
    }

    @Test func weightsOfTheWrongShapeAreRefusedByName() throws {
        let dir = TestSupport.temporaryDirectory()
        let source = try NetworkFixtures.tinyDirectory()
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"),
                                         to: URL(fileURLWithPath: dir + "/model.safetensors"))
        // The config says block 1 widens to 20 channels; the weights were made for 24.
        var config = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"out\": 24", with: "\"out\": 20").replacingOccurrences(of: "\"in\": 24", with: "\"in\": 20")
        try config.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        do {
            _ = try EfficientNet(directory: URL(fileURLWithPath: dir))
            Issue.record("a mismatched config loaded")
        } catch let e as AnomalyError {
            #expect(e.field == "_blocks.1._project_conv.weight", "\(e)")
            #expect(e.message.contains("[24, 96, 1, 1]") && e.message.contains("[20, 96, 1, 1]"), "\(e.message)")
            #expect(e.file?.hasSuffix("model.safetensors") == true)
        }
        // A config that is not EfficientNet-Lite, and one with a missing key.
        try #"{"architecture": "resnet"}"#.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        #expect(throws: AnomalyError.self) { try EfficientNet(directory: URL(fileURLWithPath: dir)) }
        try #"{"architecture": "efficientnet-lite", "image_size": 224}"#.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        do { _ = try EfficientNet(directory: URL(fileURLWithPath: dir)) } catch let e as AnomalyError {
            #expect(e.field == "resize_size", "\(e)")
        }
    }

    @Test func samePaddingIsTensorFlows() {
        // 224 → 112 with k3 s2: total 1, none before; 56 → 28 with k5 s2: total 3, 1 before; k3 s1: 1 each side.
        #expect(EfficientNet.padBefore(side: 224, out: 112, kernel: 3, stride: 2) == 0)
        #expect(EfficientNet.padBefore(side: 56, out: 28, kernel: 5, stride: 2) == 1)
        #expect(EfficientNet.padBefore(side: 9, out: 9, kernel: 3, stride: 1) == 1)
        #expect(EfficientNet.padBefore(side: 9, out: 5, kernel: 3, stride: 2) == 1)
    }

    @Test func liteZeroCountsItsMultiplyAdds() throws {
        let url = try #require(Bundle.module.url(forResource: "tiny-efficientnet", withExtension: nil, subdirectory: "Fixtures"))
        var config = try EfficientNetConfig(contentsOf: url.appendingPathComponent("config.json"))
        // EfficientNet-Lite0's published cost is about 0.39 G multiply-adds at 224 × 224.
        let stages = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
                      (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
        config.blocks = stages.flatMap { r, k, s, e, i, o in
            (0..<r).map { EfficientNetConfig.Block(kernel: k, stride: $0 == 0 ? s : 1, expandRatio: e,
                                                   inputChannels: $0 == 0 ? i : o, outputChannels: o) }
        }
        config.imageSize = 224
        #expect(config.sides().blocks.last == 7)
        #expect((0.38e9...0.41e9).contains(Double(config.multiplyAdds)))
    }
}
