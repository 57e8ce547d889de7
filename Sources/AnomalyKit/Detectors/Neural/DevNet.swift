import AnomalyMath
import AnomalyNN

/// Deviation network (Pang, Shen & van den Hengel, KDD 2019): semi-supervised — a few rows
/// labelled as anomalies (1) among unlabelled ones (0). A network outputs a score per row; the
/// deviation loss pulls unlabelled rows' scores to the mean of a N(0, 1) reference and pushes the
/// labelled anomalies at least `margin` standard deviations above it.
///
/// Defaults after the reference implementation: one hidden layer of 20 ReLU units, margin 5, a
/// reference of 5000 draws, 50 epochs of 20 balanced mini-batches of 512 (half unlabelled, half
/// labelled anomalies, drawn with replacement), Adam lr 1e-3 (the original used RMSprop) with
/// weight decay 0.01 (its L2 penalty). The score is the network's output.
public struct DevNet: NeuralDetector {
    public typealias Fitted = FittedNetwork<DevNet>
    public static var labelUse: LabelUse { .semiSupervised }

    public static let declaration = DetectorDeclaration<Self>(
        name: "devnet", summary: "deviation network: a few labelled anomalies plus unlabelled data (semi-supervised)",
        family: "neural", defaults: Self(),
        parameters: [
            .intList("hidden_neurons", \.hidden, max: 100_000, help: "hidden layer widths"),
            .choice("hidden_activation", \.activation, NeuralFitting.activations, help: "hidden activation"),
            .double("dropout_rate", \.dropout, min: 0, max: 1, openMax: true, help: "dropout after each hidden layer"),
            .double("margin", \.margin, min: 0, openMin: true, help: "how many reference deviations anomalies must exceed"),
            .int("reference_size", \.referenceSize, min: 2, max: 10_000_000, help: "draws from N(0,1) per batch for the reference"),
            .int("batches_per_epoch", \.batchesPerEpoch, min: 1, max: 1_000_000, help: "balanced mini-batches per epoch"),
        ] + NeuralFitting.trainingSpecs(\.training, epochs: "epochs", learningRate: "lr", weightDecay: "weight_decay"))

    public static let headPart = "head"

    public var hidden = [20]
    public var activation = "relu"
    public var dropout = 0.0
    public var margin = 5.0
    public var referenceSize = 5000
    public var batchesPerEpoch = 20
    public var training = NeuralTraining(epochs: 50, batchSize: 512, learningRate: 1e-3, weightDecay: 0.01, dropLast: false)
    public var stepsPerEpoch: Int? { batchesPerEpoch }

    /// The reference implementation's defaults (see above).
    public init() {}

    public func network(features d: Int) -> Network {
        NeuralFitting.scoringNetwork(features: d, hidden: hidden, activation: activation, dropout: dropout)
    }

    public func validateLabels(_ labels: [Int]?, rows: Int) throws {
        guard let labels else {
            throw AnomalyError.parameter("labels", "devnet needs labels: 1 for the known anomalies, 0 for the other rows", hint: .giveLabels)
        }
        let anomalies = labels.filter { $0 == 1 }.count
        guard anomalies > 0 else { throw AnomalyError.parameter("labels", "devnet needs at least one row labelled 1 (a known anomaly)") }
        guard anomalies < labels.count else { throw AnomalyError.parameter("labels", "devnet needs unlabelled rows (label 0) too") }
    }

    public func loss(_ model: TrainedNetwork, x: Matrix, labels: [Int]?, batch: ArraySlice<Int>, _ p: BoundParameters) -> Var {
        let tape = p.tape
        let index = model.labelIndex(for: labels)
        let anomalies = index.anomalies, unlabelled = index.others
        // Balanced batch: half unlabelled, half known anomalies, with replacement.
        let size = max(2, batch.count)
        var rows = [Int](), y = Matrix(rows: size, cols: 1)
        for i in 0..<size {
            if i % 2 == 0 || anomalies.isEmpty {
                rows.append(unlabelled[tape.rng.nextInt(below: unlabelled.count)])
            } else {
                rows.append(anomalies[tape.rng.nextInt(below: anomalies.count)])
                y.values[i] = 1
            }
        }
        var s = 0.0, sq = 0.0
        for _ in 0..<referenceSize { let g = tape.rng.nextGaussian(); s += g; sq += g * g }
        let mean = s / Double(referenceSize)
        let std = max(1e-6, (sq / Double(referenceSize) - mean * mean).squareRoot())
        let scores = NeuralFitting.score(model, tape.constant(x.rows(at: rows)), p)
        return Loss.deviation(scores, labels: y, referenceMean: Float(mean), referenceStd: Float(std), margin: Float(margin))
    }

    public func scores(_ model: TrainedNetwork, prepared x: Matrix) -> [Double] {
        NeuralScores.column(model.evaluate(x) { input, p in NeuralFitting.score(model, input, p) })
    }
}
