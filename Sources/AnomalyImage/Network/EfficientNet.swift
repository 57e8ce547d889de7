import AnomalyKit
import Foundation

/// An EfficientNet-Lite network for inference: its config, and its convolutions with batch norm
/// folded in at load (see `EfficientNet+Forward.swift` for the forward pass).
///
/// Folding: a convolution `W` followed by batch norm (γ, β, running mean μ, variance σ²) is the
/// convolution `W · s` with bias `β − μ · s`, `s = γ / √(σ² + eps)` per output channel, computed
/// in Double. Weights are laid out once for the kernels: pointwise and stem weights `[out × in]`
/// (the stem's `in` ordered (ky, kx, channel) like its im2col rows), depthwise weights
/// `[ky][kx][channel]`. No autodiff tape, no dropout.
public final class EfficientNet: Sendable {
    public let config: EfficientNetConfig
    /// The weights file (named in errors).
    public let file: String

    /// A convolution with its folded bias.
    struct Convolution: Sendable {
        let weights: [Float]
        let bias: [Float]
        let inputs: Int
        let outputs: Int
        let kernel: Int
        let stride: Int
    }

    /// One MBConv block's convolutions.
    struct Block: Sendable {
        let spec: EfficientNetConfig.Block
        let expand: Convolution?
        let depthwise: Convolution
        let project: Convolution
    }

    let stem: Convolution
    let blocks: [Block]
    let head: Convolution
    /// The ImageNet classifier `[classes × features]` and its bias, when the weights have one.
    let classifier: (weights: [Float], bias: [Float])?

    /// Loads the network in `directory`: `config.json` and `model.safetensors`.
    /// - Throws: `AnomalyError` (`.model`) naming the file and the key or tensor at fault.
    public convenience init(directory: URL) throws {
        let config = try EfficientNetConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let weights = try MappedSafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        try self.init(config: config, weights: weights)
    }

    /// Takes the tensors `config` needs from `weights`, named as the PyTorch EfficientNet-Lite
    /// checkpoints name them (`_conv_stem`, `_bn0`, `_blocks.N._expand_conv`, `_bn0`, `_bn1`,
    /// `_bn2`, `_depthwise_conv`, `_project_conv`, `_conv_head`, `_bn1`, `_fc`).
    /// - Throws: `AnomalyError` (`.model`) naming the file and the tensor that is missing or of
    ///   another shape than the config implies (both shapes in the message), or a block beyond
    ///   the config's.
    public init(config: EfficientNetConfig, weights: MappedSafeTensors) throws {
        self.config = config
        self.file = weights.file
        func tensor(_ name: String, _ shape: [Int]) throws -> FloatTensor {
            guard let entry = weights.entries[name] else {
                throw AnomalyError.model("the tensor is missing from the weights", file: weights.file, field: name)
            }
            guard entry.shape == shape else {
                throw AnomalyError.model("has shape \(entry.shape) but the config needs \(shape)", file: weights.file, field: name)
            }
            return try weights.floats(name)
        }
        /// `conv` [out, in/groups, k, k] folded with batch norm `bn`, laid out by `layout`.
        func folded(_ conv: String, _ bn: String, outputs: Int, inputs: Int, kernel: Int, stride: Int,
                    depthwise: Bool = false) throws -> Convolution {
            let perOutput = (depthwise ? 1 : inputs) * kernel * kernel
            let w = try tensor(conv + ".weight", [outputs, depthwise ? 1 : inputs, kernel, kernel])
            let gamma = try tensor(bn + ".weight", [outputs]), beta = try tensor(bn + ".bias", [outputs])
            let mean = try tensor(bn + ".running_mean", [outputs]), variance = try tensor(bn + ".running_var", [outputs])
            var weights = [Float](repeating: 0, count: outputs * perOutput)
            var bias = [Float](repeating: 0, count: outputs)
            for o in 0..<outputs {
                let scale = Double(gamma.buffer[o]) / (Double(variance.buffer[o]) + Double(config.batchNormEps)).squareRoot()
                bias[o] = Float(Double(beta.buffer[o]) - Double(mean.buffer[o]) * scale)
                for i in 0..<(depthwise ? 1 : inputs) {
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let value = Float(Double(w.buffer[((o * (depthwise ? 1 : inputs) + i) * kernel + ky) * kernel + kx]) * scale)
                            if depthwise {
                                weights[(ky * kernel + kx) * outputs + o] = value       // [ky][kx][channel]
                            } else {
                                weights[o * perOutput + (ky * kernel + kx) * inputs + i] = value  // [out][ky][kx][in]
                            }
                        }
                    }
                }
            }
            return Convolution(weights: weights, bias: bias, inputs: depthwise ? outputs : inputs, outputs: outputs,
                               kernel: kernel, stride: stride)
        }
        stem = try folded("_conv_stem", "_bn0", outputs: config.stemChannels, inputs: 3, kernel: 3, stride: 2)
        for name in weights.entries.keys where name.hasPrefix("_blocks.") {
            let index = name.dropFirst("_blocks.".count).prefix { $0.isNumber }
            if let i = Int(index), i >= config.blocks.count {
                throw AnomalyError.model("the weights hold block \(i) but the config has \(config.blocks.count) blocks",
                                         file: weights.file, field: name)
            }
        }
        blocks = try config.blocks.enumerated().map { i, spec in
            let p = "_blocks.\(i)."
            let e = spec.expandedChannels
            if spec.expandRatio == 1, weights.entries[p + "_expand_conv.weight"] != nil {
                throw AnomalyError.model("block \(i) has an expansion convolution but the config's expand_ratio is 1",
                                         file: weights.file, field: p + "_expand_conv.weight")
            }
            let expand = spec.expandRatio == 1 ? nil
                : try folded(p + "_expand_conv", p + "_bn0", outputs: e, inputs: spec.inputChannels, kernel: 1, stride: 1)
            return Block(spec: spec, expand: expand,
                         depthwise: try folded(p + "_depthwise_conv", p + "_bn1", outputs: e, inputs: e, kernel: spec.kernel,
                                               stride: spec.stride, depthwise: true),
                         project: try folded(p + "_project_conv", p + "_bn2", outputs: spec.outputChannels, inputs: e,
                                             kernel: 1, stride: 1))
        }
        head = try folded("_conv_head", "_bn1", outputs: config.headChannels,
                          inputs: config.blocks.last!.outputChannels, kernel: 1, stride: 1)
        if config.classCount > 0 {
            classifier = (Array(try tensor("_fc.weight", [config.classCount, config.headChannels]).buffer),
                          Array(try tensor("_fc.bias", [config.classCount]).buffer))
        } else {
            classifier = nil
        }
    }
}
