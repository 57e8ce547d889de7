import AnomalyMath
import Foundation

/// A layer of a feed-forward network, described by value (so an architecture can be saved as
/// JSON next to its weights and compared when a model file is loaded for fine-tuning).
///
/// Parameter names follow PyTorch's `state_dict`: inside a `sequential`, layer `i` is named by
/// its index (`encoder.0.weight`), including parameter-free layers, so indices match the
/// equivalent `nn.Sequential`.
public indirect enum Layer: Codable, Sendable, Equatable {
    /// `y = x·Wᵀ + b`, weight `[outputs, inputs]`.
    case dense(inputs: Int, outputs: Int, bias: Bool = true, initialisation: Initialisation = .pytorchDefault)
    case relu
    case leakyRelu(slope: Float)
    case tanh
    case sigmoid
    case gelu
    case identity
    case dropout(Float)
    case layerNorm(features: Int, eps: Float = 1e-5)
    case batchNorm(features: Int, eps: Float = 1e-5, momentum: Float = 0.1)
    case sequential([Layer])

    /// How a dense layer's weight is drawn (the bias always uses PyTorch's `U(±1/√fan_in)`).
    public enum Initialisation: String, Codable, Sendable {
        /// PyTorch's `nn.Linear` default: `U(±1/√fan_in)`.
        case pytorchDefault
        /// He/Kaiming uniform for ReLU: `U(±√(6/fan_in))` (PyOD's `LinearBlock`).
        case kaimingUniform
        /// Glorot/Xavier uniform: `U(±√(6/(fan_in+fan_out)))`.
        case xavierUniform
    }

    /// The number of output features for `inputs` input features.
    public func outputFeatures(_ inputs: Int) -> Int {
        switch self {
        case .dense(_, let outputs, _, _): outputs
        case .sequential(let layers): layers.reduce(inputs) { $1.outputFeatures($0) }
        default: inputs
        }
    }

    /// The input width a layer expects, if it fixes one.
    public var inputFeatures: Int? {
        switch self {
        case .dense(let inputs, _, _, _): inputs
        case .layerNorm(let f, _), .batchNorm(let f, _, _): f
        case .sequential(let layers): layers.lazy.compactMap(\.inputFeatures).first
        default: nil
        }
    }

    /// Adds this layer's freshly initialised parameters (and buffers) under `prefix`.
    public func initialise(prefix: String, parameters: inout ParameterSet, buffers: inout ParameterSet,
                           rng: inout SeededGenerator) {
        func name(_ s: String) -> String { prefix.isEmpty ? s : prefix + "." + s }
        switch self {
        case .dense(let inputs, let outputs, let bias, let initialisation):
            let fanIn = Float(max(1, inputs))
            let bound: Float = switch initialisation {
            case .pytorchDefault: 1 / fanIn.squareRoot()
            case .kaimingUniform: (6 / fanIn).squareRoot()
            case .xavierUniform: (6 / Float(inputs + outputs)).squareRoot()
            }
            var w = Matrix(rows: outputs, cols: inputs)
            for i in 0..<w.values.count { w.values[i] = Float(rng.nextUniform() * 2 - 1) * bound }
            parameters.set(name("weight"), w, shape: [outputs, inputs])
            if bias {
                let bb = 1 / fanIn.squareRoot()
                var b = Matrix(rows: 1, cols: outputs)
                for i in 0..<outputs { b.values[i] = Float(rng.nextUniform() * 2 - 1) * bb }
                parameters.set(name("bias"), b, shape: [outputs])
            }
        case .layerNorm(let f, _):
            parameters.set(name("weight"), Matrix(rows: 1, cols: f, repeating: 1), shape: [f])
            parameters.set(name("bias"), Matrix(rows: 1, cols: f), shape: [f])
        case .batchNorm(let f, _, _):
            parameters.set(name("weight"), Matrix(rows: 1, cols: f, repeating: 1), shape: [f])
            parameters.set(name("bias"), Matrix(rows: 1, cols: f), shape: [f])
            buffers.set(name("running_mean"), Matrix(rows: 1, cols: f), shape: [f])
            buffers.set(name("running_var"), Matrix(rows: 1, cols: f, repeating: 1), shape: [f])
        case .sequential(let layers):
            for (i, layer) in layers.enumerated() {
                layer.initialise(prefix: name(String(i)), parameters: &parameters, buffers: &buffers, rng: &rng)
            }
        case .relu, .leakyRelu, .tanh, .sigmoid, .gelu, .identity, .dropout:
            break
        }
    }

    /// Runs the layer on `x` (`batch × features`) with the parameters under `prefix`.
    public func forward(_ x: Var, prefix: String, _ p: BoundParameters) -> Var {
        func name(_ s: String) -> String { prefix.isEmpty ? s : prefix + "." + s }
        switch self {
        case .dense(_, _, let bias, _):
            let y = x.matmul(p(name("weight")), transposeOther: true)
            return bias ? y + p(name("bias")) : y
        case .relu: return x.relu()
        case .leakyRelu(let slope): return x.leakyRelu(slope: slope)
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .gelu: return x.gelu()
        case .identity: return x
        case .dropout(let rate): return x.dropout(rate)
        case .layerNorm(_, let eps):
            return x.layerNorm(gamma: p(name("weight")), beta: p(name("bias")), eps: eps)
        case .batchNorm(_, let eps, let momentum):
            let meanName = name("running_mean"), varName = name("running_var")
            guard let runningMean = p.buffer(meanName), let runningVar = p.buffer(varName) else {
                preconditionFailure("batch norm buffers missing under \(prefix)")
            }
            if x.tape.training && x.rows > 1 {
                let (y, mean, variance) = x.batchNorm(gamma: p(name("weight")), beta: p(name("bias")), eps: eps)
                var m = runningMean, v = runningVar
                for i in 0..<m.values.count {
                    m.values[i] = (1 - momentum) * m.values[i] + momentum * mean[i]
                    v.values[i] = (1 - momentum) * v.values[i] + momentum * variance[i]
                }
                p.setBuffer(meanName, m)
                p.setBuffer(varName, v)
                return y
            }
            let inverse = runningVar.mapped { 1 / ($0 + eps).squareRoot() }
            let centred = x - x.tape.constant(runningMean)
            return centred * x.tape.constant(inverse) * p(name("weight")) + p(name("bias"))
        case .sequential(let layers):
            var h = x
            for (i, layer) in layers.enumerated() { h = layer.forward(h, prefix: name(String(i)), p) }
            return h
        }
    }

    /// A multilayer perceptron: `inputs → hidden… → outputs`, each hidden layer followed by
    /// optional batch norm, the activation and optional dropout (PyOD's `LinearBlock` order:
    /// linear, batch norm, activation, dropout); the last dense layer has no activation.
    public static func perceptron(inputs: Int, hidden: [Int], outputs: Int?, activation: Layer = .relu,
                                  batchNorm: Bool = false, dropout: Float = 0,
                                  initialisation: Initialisation = .pytorchDefault, bias: Bool = true) -> Layer {
        var layers: [Layer] = []
        var width = inputs
        for h in hidden {
            layers.append(.dense(inputs: width, outputs: h, bias: bias, initialisation: initialisation))
            if batchNorm { layers.append(.batchNorm(features: h)) }
            layers.append(activation)
            if dropout > 0 { layers.append(.dropout(dropout)) }
            width = h
        }
        if let outputs { layers.append(.dense(inputs: width, outputs: outputs, bias: bias)) }
        return .sequential(layers)
    }
}

/// A network made of named parts (`encoder`, `decoder`, `head`, …), each a `Layer`, with its
/// parameters and buffers. Parameter names are `part.index.weight`.
public struct Network: Codable, Sendable, Equatable {
    public struct Part: Codable, Sendable, Equatable {
        public var name: String
        public var layer: Layer
        public init(_ name: String, _ layer: Layer) { self.name = name; self.layer = layer }
    }

    public var parts: [Part]

    public init(_ parts: [Part]) { self.parts = parts }

    public func layer(_ name: String) -> Layer? { parts.first { $0.name == name }?.layer }

    /// Fresh parameters and buffers, drawn from `seed`.
    public func initialise(seed: UInt64) -> (parameters: ParameterSet, buffers: ParameterSet) {
        var rng = SeededGenerator(seed: seed)
        var parameters = ParameterSet(), buffers = ParameterSet()
        for part in parts { part.layer.initialise(prefix: part.name, parameters: &parameters, buffers: &buffers, rng: &rng) }
        return (parameters, buffers)
    }

    /// Runs part `name` on `x`.
    public func callAsFunction(_ name: String, _ x: Var, _ p: BoundParameters) -> Var {
        guard let layer = layer(name) else { preconditionFailure("network has no part \(name)") }
        return layer.forward(x, prefix: name, p)
    }

    /// Replaces part `name`'s layer (e.g. a new output head); its parameters must be re-initialised.
    public mutating func replace(_ name: String, with layer: Layer) {
        if let i = parts.firstIndex(where: { $0.name == name }) { parts[i].layer = layer } else { parts.append(Part(name, layer)) }
    }
}
