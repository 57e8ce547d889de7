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
    public typealias Fitted = FittedNetwork<VAE>

    public static let declaration = DetectorDeclaration<Self>(
        name: "vae", summary: "reconstruction error of a variational autoencoder", family: "neural", defaults: Self(),
        parameters: [
            .intList("encoder_neuron_list", \.encoder, max: 100_000, help: "encoder widths"),
            .intList("decoder_neuron_list", \.decoder, max: 100_000, help: "decoder widths"),
            .int("latent_dim", \.latent, min: 1, max: 100_000, help: "latent dimensions"),
            .choice("hidden_activation_name", \.activation, NeuralFitting.activations, help: "hidden activation"),
            .choice("output_activation_name", \.outputActivation, NeuralFitting.activations, help: "output activation"),
            .bool("batch_norm", \.batchNorm, help: "batch normalisation in each hidden block"),
            .double("dropout_rate", \.dropout, min: 0, max: 1, openMax: true, help: "dropout after each hidden block"),
            .double("beta", \.beta, min: 0, help: "weight of the KL term"),
            .double("capacity", \.capacity, min: 0, help: "the KL term is clamped to [0, capacity] (0 switches it off, as PyOD)"),
        ] + NeuralFitting.trainingSpecs(\.training, epochs: "epoch_num", learningRate: "lr", weightDecay: "weight_decay"))

    public static let headPart = "decoder"

    public var encoder = [128, 64, 32]
    public var decoder = [32, 64, 128]
    public var latent = 2
    public var activation = "relu"
    public var outputActivation = "identity"
    public var batchNorm = false
    public var dropout = 0.2
    public var beta = 1.0
    public var capacity = 0.0
    public var training = NeuralTraining(epochs: 30, learningRate: 1e-3, weightDecay: 1e-5, dropLast: true)

    /// PyOD's defaults.
    public init() {}

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
