import AnomalyMath
import AnomalyNN

/// A supervised multilayer perceptron: every training row labelled anomaly (1) or normal (0),
/// trained with binary cross-entropy; the score is the logit (higher = more anomalous). Classes
/// are balanced by weighting the anomalies by `#normal / #anomalies` unless
/// `class_weight=none`. The seeds' fraud example: a labelled history, a classifier, and —
/// through `finetune` — reuse of that classifier on a new market with a few labels.
public struct Classifier: NeuralDetector {
    public typealias Fitted = FittedClassifier
    public static var labelUse: LabelUse { .supervised }

    public static let descriptor = DetectorDescriptor(
        name: "classifier", summary: "supervised MLP classifier (binary cross-entropy); needs labels", family: "neural",
        parameters: [
            .intList("hidden_neurons", default: [64, 32], max: 100_000, help: "hidden layer widths"),
            .choice("hidden_activation", default: "relu", NeuralFitting.activations, help: "hidden activation"),
            .double("dropout_rate", default: 0.2, min: 0, max: 1, openMax: true, help: "dropout after each hidden layer"),
            .choice("class_weight", default: "balanced", ["balanced", "none"], help: "weight anomalies by #normal/#anomalies"),
        ] + NeuralFitting.trainingSpecs(epochs: ("epochs", 20), learningRate: ("lr", 1e-3), weightDecay: ("weight_decay", 1e-5)))

    public static let headPart = "head"

    public var hidden: [Int]
    public var activation: String
    public var dropout: Double
    public var balanced: Bool
    public var training: NeuralTraining

    public init(parameters p: ParameterValues) throws {
        hidden = try p.integers("hidden_neurons")
        activation = try p.string("hidden_activation")
        dropout = try p.double("dropout_rate")
        balanced = try p.string("class_weight") == "balanced"
        training = try NeuralFitting.training(p, epochs: "epochs", learningRate: "lr", weightDecay: "weight_decay", dropLast: false)
    }

    public var parameters: ParameterValues {
        ParameterValues(training.values(epochs: "epochs", learningRate: "lr", weightDecay: "weight_decay").merging([
            "hidden_neurons": .list(hidden), "hidden_activation": .string(activation), "dropout_rate": .double(dropout),
            "class_weight": .string(balanced ? "balanced" : "none"),
        ]) { $1 })
    }

    public func network(features d: Int) -> Network {
        NeuralFitting.scoringNetwork(features: d, hidden: hidden, activation: activation, dropout: dropout)
    }

    public func validateLabels(_ labels: [Int]?, rows: Int) throws {
        guard let labels else {
            throw AnomalyError.parameter("labels", "classifier needs a label for every training row (--label-column)")
        }
        let anomalies = labels.filter { $0 == 1 }.count
        guard anomalies > 0, anomalies < labels.count else {
            throw AnomalyError.parameter("labels", "classifier needs both classes in the training labels (found \(anomalies) anomalies in \(labels.count) rows)")
        }
    }

    public func loss(_ model: TrainedNetwork, x: Matrix, labels: [Int]?, batch: ArraySlice<Int>, _ p: BoundParameters) -> Var {
        let labels = labels ?? []
        let y = Matrix(rows: batch.count, cols: 1, values: batch.map { labels[$0] == 1 ? 1 : 0 })
        let index = model.labelIndex(for: labels)
        let positives = index.anomalies.count
        let weight: Float = balanced && positives > 0 ? Float(index.others.count) / Float(positives) : 1
        let logits = NeuralFitting.score(model, p.tape.constant(x.rows(at: batch)), p)
        return Loss.binaryCrossEntropyWithLogits(logits, targets: y, positiveWeight: weight)
    }

    public func scores(_ model: TrainedNetwork, prepared x: Matrix) -> [Double] {
        NeuralScores.column(model.evaluate(x) { input, p in NeuralFitting.score(model, input, p) })
    }
}

public struct FittedClassifier: FittedNeuralDetector {
    public let settings: Classifier
    public let model: TrainedNetwork
    public let trainingScores: [Double]

    public init(settings: Classifier, model: TrainedNetwork, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }
}
