import AnomalyMath
import AnomalyNN

/// Autoencoder outlier detector, as PyOD's `AutoEncoder`: a network learns to reconstruct the
/// (standardised) training rows through a bottleneck; a row's score is the Euclidean distance
/// between it and its reconstruction.
///
/// Architecture and defaults follow PyOD: encoder blocks `d → 64 → 32` and decoder `32 → 64 → d`,
/// each hidden block linear → batch norm → ReLU → dropout 0.2 (Kaiming-uniform weights), a plain
/// linear output; MSE loss, Adam (lr 1e-3, weight decay 1e-5), 10 epochs of batch 32 with the last
/// incomplete batch dropped. Weights differ from PyOD's (its initialisation comes from PyTorch's
/// generator), so scores agree in distribution, not digit for digit.
public struct AutoEncoder: NeuralDetector {
    public typealias Fitted = FittedAutoEncoder

    public static let descriptor = DetectorDescriptor(
        name: "autoencoder", summary: "reconstruction error of a neural autoencoder", family: "neural",
        parameters: [
            .intList("hidden_neuron_list", default: [64, 32], max: 100_000, help: "encoder widths; the decoder mirrors them"),
            .choice("hidden_activation_name", default: "relu", NeuralFitting.activations, help: "hidden activation"),
            .bool("batch_norm", default: true, help: "batch normalisation in each hidden block"),
            .double("dropout_rate", default: 0.2, min: 0, max: 1, openMax: true, help: "dropout after each hidden block"),
        ] + NeuralFitting.trainingSpecs(epochs: ("epoch_num", 10), learningRate: ("lr", 1e-3), weightDecay: ("weight_decay", 1e-5)))

    public static let headPart = "decoder"

    public var hidden: [Int]
    public var activation: String
    public var batchNorm: Bool
    public var dropout: Double
    public var training: NeuralTraining

    public init(parameters p: ParameterValues) throws {
        hidden = try p.integers("hidden_neuron_list")
        activation = try p.string("hidden_activation_name")
        batchNorm = try p.bool("batch_norm")
        dropout = try p.double("dropout_rate")
        training = try NeuralFitting.training(p, epochs: "epoch_num", learningRate: "lr", weightDecay: "weight_decay", dropLast: true)
    }

    public var parameters: ParameterValues {
        ParameterValues(training.values(epochs: "epoch_num", learningRate: "lr", weightDecay: "weight_decay").merging([
            "hidden_neuron_list": .list(hidden), "hidden_activation_name": .string(activation),
            "batch_norm": .bool(batchNorm), "dropout_rate": .double(dropout),
        ]) { $1 })
    }

    public func network(features d: Int) -> Network {
        let act = NeuralFitting.activation(activation)
        let encoder = Layer.perceptron(inputs: d, hidden: hidden, outputs: nil, activation: act, batchNorm: batchNorm,
                                       dropout: Float(dropout), initialisation: .kaimingUniform)
        let decoder = Layer.perceptron(inputs: hidden.last ?? d, hidden: Array(hidden.dropLast().reversed()), outputs: d,
                                       activation: act, batchNorm: batchNorm, dropout: Float(dropout),
                                       initialisation: .kaimingUniform)
        return Network([.init("encoder", encoder), .init("decoder", decoder)])
    }

    func reconstruct(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        model.network("decoder", model.network("encoder", x, p), p)
    }

    public func loss(_ model: TrainedNetwork, x: Matrix, labels: [Int]?, batch: ArraySlice<Int>, _ p: BoundParameters) -> Var {
        let input = p.tape.constant(x.rows(at: batch))
        return Loss.meanSquaredError(reconstruct(model, input, p), input)
    }

    public func scores(_ model: TrainedNetwork, prepared x: Matrix) -> [Double] {
        let recon = model.evaluate(x) { input, p in self.reconstruct(model, input, p) }
        return NeuralScores.rowDistances(x, recon)
    }
}

public struct FittedAutoEncoder: FittedNeuralDetector {
    public let settings: AutoEncoder
    public let model: TrainedNetwork
    public let trainingScores: [Double]

    public init(settings: AutoEncoder, model: TrainedNetwork, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }
}

/// Score helpers shared by the neural detectors.
enum NeuralScores {
    /// Euclidean distance between matching rows (PyOD's `pairwise_distances_no_broadcast`).
    static func rowDistances(_ a: Matrix, _ b: Matrix) -> [Double] {
        precondition(a.rows == b.rows && a.cols == b.cols, "row distances need equal shapes")
        var out = [Double](repeating: 0, count: a.rows)
        a.values.withUnsafeBufferPointer { x in
            b.values.withUnsafeBufferPointer { y in
                for r in 0..<a.rows {
                    var s = 0.0
                    for c in 0..<a.cols { let t = Double(x[r &* a.cols &+ c]) - Double(y[r &* a.cols &+ c]); s += t * t }
                    out[r] = s.squareRoot()
                }
            }
        }
        return out
    }

    /// The single column of an `n × 1` matrix as doubles.
    static func column(_ m: Matrix) -> [Double] { m.values.map(Double.init) }
}
