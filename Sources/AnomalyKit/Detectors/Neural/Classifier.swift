import AnomalyMath
import AnomalyNN

/// A supervised multilayer perceptron: every training row labelled anomaly (1) or normal (0),
/// trained with binary cross-entropy; the score is the logit (higher = more anomalous). Classes
/// are balanced by weighting the anomalies by `#normal / #anomalies` unless
/// `class_weight=none`. The seeds' fraud example: a labelled history, a classifier, and —
/// through `finetune` — reuse of that classifier on a new market with a few labels.
public struct Classifier: NeuralDetector {
    public typealias Fitted = FittedNetwork<Classifier>
    public static var labelUse: LabelUse { .supervised }

    /// How the loss weights the classes.
    public enum ClassWeight: String, Sendable, CaseIterable {
        /// Anomalies weighted by #normal / #anomalies.
        case balanced
        /// Every row weighted 1.
        case unweighted = "none"
    }

    public static let declaration = DetectorDeclaration<Self>(
        name: "classifier", summary: "supervised MLP classifier (binary cross-entropy); needs labels", family: "neural",
        defaults: Self(),
        parameters: [
            .intList("hidden_neurons", \.hidden, max: 100_000, help: "hidden layer widths"),
            .choice("hidden_activation", \.activation, NeuralFitting.activations, help: "hidden activation"),
            .double("dropout_rate", \.dropout, min: 0, max: 1, openMax: true, help: "dropout after each hidden layer"),
            .choice("class_weight", \.classWeight, help: "weight anomalies by #normal/#anomalies"),
        ] + NeuralFitting.trainingSpecs(\.training, epochs: "epochs", learningRate: "lr", weightDecay: "weight_decay"))

    public static let headPart = "head"

    public var hidden = [64, 32]
    public var activation = "relu"
    public var dropout = 0.2
    public var classWeight = ClassWeight.balanced
    public var training = NeuralTraining(epochs: 20, learningRate: 1e-3, weightDecay: 1e-5, dropLast: false)

    /// Weight anomalies by #normal / #anomalies (`class_weight=balanced`).
    public var balanced: Bool {
        get { classWeight == .balanced }
        set { classWeight = newValue ? .balanced : .unweighted }
    }

    /// The defaults (PyOD's training defaults, 20 epochs).
    public init() {}

    public func network(features d: Int) -> Network {
        NeuralFitting.scoringNetwork(features: d, hidden: hidden, activation: activation, dropout: dropout)
    }

    public func validateLabels(_ labels: [Int]?, rows: Int) throws {
        guard let labels else {
            throw AnomalyError.parameter("labels", "classifier needs a label for every training row", hint: .giveLabels)
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
