import AnomalyKit
import Foundation

/// The shape of an EfficientNet-Lite network and its input convention, as the image encoder's
/// `config.json` gives them (`scripts/fetch-models efficientnet-lite0` writes it).
///
/// EfficientNet-Lite is EfficientNet without squeeze-and-excitation and with ReLU6: a 3 × 3
/// stride-2 stem, MBConv blocks (1 × 1 expansion, k × k depthwise, 1 × 1 projection, a residual
/// when the stride is 1 and the widths agree), a 1 × 1 head, global average pooling and a linear
/// classifier. Every convolution pads like TensorFlow's "SAME"; batch norm follows each one.
///
/// ```json
/// {"architecture": "efficientnet-lite", "name": "efficientnet-lite0", "image_size": 224,
///  "resize_size": 256, "mean": [127, 127, 127], "std": [128, 128, 128], "batch_norm_eps": 0.001,
///  "stem_channels": 32, "head_channels": 1280, "num_classes": 1000,
///  "blocks": [{"kernel": 3, "stride": 1, "expand_ratio": 1, "in": 32, "out": 16}, …]}
/// ```
public struct EfficientNetConfig: Sendable, Equatable {
    /// One MBConv block.
    public struct Block: Sendable, Equatable {
        public var kernel: Int
        public var stride: Int
        public var expandRatio: Int
        public var inputChannels: Int
        public var outputChannels: Int

        /// Channels after the expansion (the depthwise convolution's width).
        public var expandedChannels: Int { inputChannels * expandRatio }
        /// Whether the block adds its input to its output.
        public var hasResidual: Bool { stride == 1 && inputChannels == outputChannels }
    }

    /// The network's name (`efficientnet-lite0`), for messages and model files.
    public var name: String
    /// Side of the square input the network was trained on.
    public var imageSize: Int
    /// Side the shorter image side is resized to before the centre crop.
    public var resizeSize: Int
    /// Per-channel (RGB) input normalisation: `(pixel − mean) / std` on 0…255 pixels.
    public var mean: [Float]
    public var std: [Float]
    public var batchNormEps: Float
    public var stemChannels: Int
    public var headChannels: Int
    /// Classes of the linear head (0 when the weights have none).
    public var classCount: Int
    public var blocks: [Block]

    /// Width of the pooled features (the head's channels).
    public var featureCount: Int { headChannels }

    /// Reads `config.json` at `url`.
    /// - Throws: `AnomalyError` (`.model`) naming the file and the key that is missing or out of range.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AnomalyError.model("cannot read the image encoder's config: \(error.localizedDescription)", file: url.path)
        }
        try self.init(json: data, file: url.path)
    }

    /// Parses a config's JSON; `file` is named in errors.
    public init(json: Data, file: String) throws {
        func fail(_ key: String, _ message: String) -> AnomalyError { .model(message, file: file, field: key) }
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw AnomalyError.model("not a JSON object", file: file)
        }
        guard let architecture = object["architecture"] as? String else { throw fail("architecture", "missing") }
        guard architecture == "efficientnet-lite" else {
            throw fail("architecture", "'\(architecture)' is not supported (only efficientnet-lite)")
        }
        func int(_ key: String, in dictionary: [String: Any], at path: String = "") throws -> Int {
            guard let number = dictionary[key] as? NSNumber, let value = Int(exactly: number.doubleValue), value > 0 else {
                throw fail(path + key, "missing or not a positive integer")
            }
            return value
        }
        func floats(_ key: String) throws -> [Float] {
            guard let values = object[key] as? [NSNumber], values.count == 3 else {
                throw fail(key, "expected three numbers (R, G, B)")
            }
            return values.map { $0.floatValue }
        }
        name = object["name"] as? String ?? "efficientnet-lite"
        imageSize = try int("image_size", in: object)
        resizeSize = try int("resize_size", in: object)
        mean = try floats("mean")
        std = try floats("std")
        guard std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw fail("std", "mean and std must be finite and std positive")
        }
        guard let eps = object["batch_norm_eps"] as? NSNumber, eps.doubleValue > 0 else {
            throw fail("batch_norm_eps", "missing or not positive")
        }
        batchNormEps = eps.floatValue
        stemChannels = try int("stem_channels", in: object)
        headChannels = try int("head_channels", in: object)
        classCount = (object["num_classes"] as? NSNumber)?.intValue ?? 0
        guard resizeSize >= imageSize else { throw fail("resize_size", "must be at least image_size (\(imageSize))") }
        guard let list = object["blocks"] as? [[String: Any]], !list.isEmpty else {
            throw fail("blocks", "missing or empty")
        }
        blocks = try list.enumerated().map { i, b in
            let at = "blocks[\(i)]."
            let block = Block(kernel: try int("kernel", in: b, at: at), stride: try int("stride", in: b, at: at),
                              expandRatio: try int("expand_ratio", in: b, at: at),
                              inputChannels: try int("in", in: b, at: at), outputChannels: try int("out", in: b, at: at))
            guard block.stride <= 2, block.kernel % 2 == 1 else {
                throw fail(at + "kernel", "kernel must be odd and stride 1 or 2")
            }
            return block
        }
        for i in blocks.indices {
            let expected = i == 0 ? stemChannels : blocks[i - 1].outputChannels
            guard blocks[i].inputChannels == expected else {
                throw fail("blocks[\(i)].in", "is \(blocks[i].inputChannels) but the layer before gives \(expected) channels")
            }
        }
    }

    /// Side of the feature map after each stage: the stem halves the input, each stride-2 block
    /// halves again (rounding up, as "SAME" padding does).
    public func sides() -> (stem: Int, blocks: [Int]) {
        let stem = (imageSize + 1) / 2
        var side = stem
        let after = blocks.map { block -> Int in
            side = (side + block.stride - 1) / block.stride
            return side
        }
        return (stem, after)
    }

    /// Multiply-adds of one image's forward pass to the pooled features (the convolutions; batch
    /// norm is folded into them, activations and pooling not counted). Twice this is the flop count.
    public var multiplyAdds: Int {
        let (stem, after) = sides()
        var total = stem * stem * 27 * stemChannels
        var side = stem
        for (block, out) in zip(blocks, after) {
            let e = block.expandedChannels
            if block.expandRatio != 1 { total += side * side * block.inputChannels * e }
            total += out * out * e * block.kernel * block.kernel
            total += out * out * e * block.outputChannels
            side = out
        }
        total += side * side * (blocks.last?.outputChannels ?? stemChannels) * headChannels
        return total
    }
}
