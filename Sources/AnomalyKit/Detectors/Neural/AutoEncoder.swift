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
    public typealias Fitted = FittedNetwork<AutoEncoder>

    public static let declaration = DetectorDeclaration<Self>(
        name: "autoencoder", summary: "reconstruction error of a neural autoencoder", family: "neural", defaults: Self(),
        parameters: [
            .intList("hidden_neuron_list", \.hidden, max: 100_000, help: "encoder widths; the decoder mirrors them"),
            .choice("hidden_activation_name", \.activation, NeuralFitting.activations, help: "hidden activation"),
            .bool("batch_norm", \.batchNorm, help: "batch normalisation in each hidden block"),
            .double("dropout_rate", \.dropout, min: 0, max: 1, openMax: true, help: "dropout after each hidden block"),
        ] + NeuralFitting.trainingSpecs(\.training, epochs: "epoch_num", learningRate: "lr", weightDecay: "weight_decay"))

    public static let headPart = "decoder"

    public var hidden = [64, 32]
    public var activation = "relu"
    public var batchNorm = true
    public var dropout = 0.2
    public var training = NeuralTraining(epochs: 10, learningRate: 1e-3, weightDecay: 1e-5, dropLast: true)

    /// PyOD's defaults.
    public init() {}

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
