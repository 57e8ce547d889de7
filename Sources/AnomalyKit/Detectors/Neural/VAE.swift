import AnomalyMath
import AnomalyNN

/// Variational autoencoder outlier detector, as PyOD's `VAE`: the encoder gives a Gaussian
/// posterior (mean, log-variance) over a small latent space, the decoder reconstructs from a
/// sample of it; the score is the Euclidean reconstruction error.
///
/// PyOD's defaults: encoder `d → 128 → 64 → 32`, latent 2, decoder `2 → 32 → 64 → 128 → d`, ReLU,
/// dropout 0.2, no batch norm, identity output; loss `MSE + β·clamp(KL, 0, capacity)` with β = 1
/// and capacity 0 — so by default the KL term is clamped to zero, exactly as in PyOD; set
/// `capacity` > 0 to let it act. Adam (lr 1e-3, weight decay 1e-5), 30 epochs of batch 32.
/// Scoring decodes the posterior mean (PyOD samples even at scoring time, which makes its
/// scores vary from call to call; ours are deterministic).
public struct VAE: NeuralDetector {
    public typealias Fitted = FittedVAE

    public static let descriptor = DetectorDescriptor(
        name: "vae", summary: "reconstruction error of a variational autoencoder", family: "neural",
        parameters: [
            .intList("encoder_neuron_list", default: [128, 64, 32], max: 100_000, help: "encoder widths"),
            .intList("decoder_neuron_list", default: [32, 64, 128], max: 100_000, help: "decoder widths"),
            .int("latent_dim", default: 2, min: 1, max: 100_000, help: "latent dimensions"),
            .choice("hidden_activation_name", default: "relu", NeuralFitting.activations, help: "hidden activation"),
            .choice("output_activation_name", default: "identity", NeuralFitting.activations, help: "output activation"),
            .bool("batch_norm", default: false, help: "batch normalisation in each hidden block"),
            .double("dropout_rate", default: 0.2, min: 0, max: 1, openMax: true, help: "dropout after each hidden block"),
            .double("beta", default: 1, min: 0, help: "weight of the KL term"),
            .double("capacity", default: 0, min: 0, help: "the KL term is clamped to [0, capacity] (0 switches it off, as PyOD)"),
        ] + NeuralFitting.trainingSpecs(epochs: ("epoch_num", 30), learningRate: ("lr", 1e-3), weightDecay: ("weight_decay", 1e-5)))

    public static let headPart = "decoder"

    public var encoder: [Int]
    public var decoder: [Int]
    public var latent: Int
    public var activation: String
    public var outputActivation: String
    public var batchNorm: Bool
    public var dropout: Double
    public var beta: Double
    public var capacity: Double
    public var training: NeuralTraining

    public init(parameters p: ParameterValues) throws {
        encoder = try p.integers("encoder_neuron_list")
        decoder = try p.integers("decoder_neuron_list")
        latent = try p.int("latent_dim")
        activation = try p.string("hidden_activation_name")
        outputActivation = try p.string("output_activation_name")
        batchNorm = try p.bool("batch_norm")
        dropout = try p.double("dropout_rate")
        beta = try p.double("beta")
        capacity = try p.double("capacity")
        training = try NeuralFitting.training(p, epochs: "epoch_num", learningRate: "lr", weightDecay: "weight_decay", dropLast: true)
    }

    public var parameters: ParameterValues {
        ParameterValues(training.values(epochs: "epoch_num", learningRate: "lr", weightDecay: "weight_decay").merging([
            "encoder_neuron_list": .list(encoder), "decoder_neuron_list": .list(decoder), "latent_dim": .int(latent),
            "hidden_activation_name": .string(activation), "output_activation_name": .string(outputActivation),
            "batch_norm": .bool(batchNorm), "dropout_rate": .double(dropout), "beta": .double(beta), "capacity": .double(capacity),
        ]) { $1 })
    }

    public func network(features d: Int) -> Network {
        let act = NeuralFitting.activation(activation)
        let hiddenOut = encoder.last ?? d
        var decoderLayer = Layer.perceptron(inputs: latent, hidden: decoder, outputs: d, activation: act,
                                            batchNorm: batchNorm, dropout: Float(dropout), initialisation: .kaimingUniform)
        if outputActivation != "identity", case .sequential(var layers) = decoderLayer {
            layers.append(NeuralFitting.activation(outputActivation))
            decoderLayer = .sequential(layers)
        }
        return Network([
            .init("encoder", .perceptron(inputs: d, hidden: encoder, outputs: nil, activation: act, batchNorm: batchNorm,
                                         dropout: Float(dropout), initialisation: .kaimingUniform)),
            .init("encoder_mu", .dense(inputs: hiddenOut, outputs: latent)),
            .init("encoder_logvar", .dense(inputs: hiddenOut, outputs: latent)),
            .init("decoder", decoderLayer),
        ])
    }

    /// Log-variances are clamped to PyOD's `logvar_clip` range.
    static let logVarianceRange: (Float, Float) = (-30, 20)

    public func loss(_ model: TrainedNetwork, x: Matrix, labels: [Int]?, batch: ArraySlice<Int>, _ p: BoundParameters) -> Var {
        let tape = p.tape
        let input = tape.constant(x.rows(at: batch))
        let h = model.network("encoder", input, p)
        let mu = model.network("encoder_mu", h, p)
        let logVar = model.network("encoder_logvar", h, p).clamped(Self.logVarianceRange.0, Self.logVarianceRange.1)
        var noise = Matrix(rows: mu.rows, cols: mu.cols)
        for i in 0..<noise.values.count { noise.values[i] = Float(tape.rng.nextGaussian()) }
        let z = mu + tape.constant(noise) * (logVar * 0.5).exp()
        let reconstruction = Loss.meanSquaredError(model.network("decoder", z, p), input)
        guard capacity > 0 else { return reconstruction }
        let kl = Loss.gaussianKL(mean: mu, logVariance: logVar).clamped(0, Float(capacity))
        return reconstruction + kl * Float(beta)
    }

    public func scores(_ model: TrainedNetwork, prepared x: Matrix) -> [Double] {
        let recon = model.evaluate(x) { input, p in
            model.network("decoder", model.network("encoder_mu", model.network("encoder", input, p), p), p)
        }
        return NeuralScores.rowDistances(x, recon)
    }
}

public struct FittedVAE: FittedNeuralDetector {
    public let settings: VAE
    public let model: TrainedNetwork
    public let trainingScores: [Double]

    public init(settings: VAE, model: TrainedNetwork, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }
}
