import AnomalyMath
import AnomalyNN

/// Deep Support Vector Data Description (Ruff et al., 2018), as PyOD's `DeepSVDD`: a bias-free
/// network maps normal rows close to a centre `c`; the score is the squared distance to `c`.
///
/// PyOD's defaults: layers `d → 64 → 32` without biases, ReLU after each (dropout only between
/// middle layers), `c` = the mean output of the untrained network with entries nudged to ±0.1
/// when smaller, loss `mean ‖φ(x) − c‖² + 10⁻⁶·Σ‖W‖_F`, Adam (lr 1e-4, weight decay 5e-7),
/// 100 epochs of batch 32, and the weights of the epoch with the lowest training loss are kept.
public struct DeepSVDD: NeuralDetector {
    public typealias Fitted = FittedNetwork<DeepSVDD>

    public static let declaration = DetectorDeclaration<Self>(
        name: "deepsvdd", summary: "distance to a learned hypersphere centre (Deep SVDD)", family: "neural", defaults: Self(),
        parameters: [
            .intList("hidden_neurons", \.hidden, minCount: 2, max: 100_000, help: "layer widths; the last is the representation"),
            .choice("hidden_activation", \.activation, NeuralFitting.activations, help: "activation after each layer"),
            .double("dropout_rate", \.dropout, min: 0, max: 1, openMax: true, help: "dropout between middle layers"),
        ] + NeuralFitting.trainingSpecs(\.training, epochs: "epochs", learningRate: "learning_rate", weightDecay: "l2_regularizer"))

    public static let headPart = "head"

    public var hidden = [64, 32]
    public var activation = "relu"
    public var dropout = 0.2
    public var training = NeuralTraining(epochs: 100, learningRate: 1e-4, weightDecay: 0.5e-6, dropLast: false)
    public var keepsBestTrainingEpoch: Bool { true }

    /// PyOD's defaults.
    public init() {}

    /// The centre is saved with the weights.
    public func extraShapes(features: Int) -> [String: [Int]] { ["center": [1, hidden.last!]] }

    public func network(features d: Int) -> Network {
        let act = NeuralFitting.activation(activation)
        var body: [Layer] = [.dense(inputs: d, outputs: hidden[0], bias: false), act]
        for i in 1..<(hidden.count - 1) {
            body += [.dense(inputs: hidden[i - 1], outputs: hidden[i], bias: false), act]
            if dropout > 0 { body.append(.dropout(Float(dropout))) }
        }
        let head = Layer.sequential([.dense(inputs: hidden[hidden.count - 2], outputs: hidden[hidden.count - 1], bias: false), act])
        return Network([.init("encoder", .sequential(body)), .init(Self.headPart, head)])
    }

    func represent(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        model.network(Self.headPart, model.network("encoder", x, p), p)
    }

    /// The centre: the mean representation of the training rows, entries below 0.1 in magnitude
    /// pushed to ±0.1 (a zero centre would let all-zero weights win).
    public func prepare(_ model: inout TrainedNetwork, x: Matrix, labels: [Int]?) throws {
        let m = model
        let z = m.evaluate(x) { input, p in self.represent(m, input, p) }
        var c = Matrix(rows: 1, cols: z.cols)
        for r in 0..<z.rows { for j in 0..<z.cols { c.values[j] += z[r, j] } }
        for j in 0..<z.cols {
            c.values[j] /= Float(max(1, z.rows))
            if abs(c.values[j]) < 0.1 && c.values[j] != 0 { c.values[j] = c.values[j] < 0 ? -0.1 : 0.1 }
        }
        model.extras["center"] = c
    }

    public func loss(_ model: TrainedNetwork, x: Matrix, labels: [Int]?, batch: ArraySlice<Int>, _ p: BoundParameters) -> Var {
        let z = represent(model, p.tape.constant(x.rows(at: batch)), p)
        var loss = Loss.hypersphere(z, centre: model.extras["center"]!)
        for name in model.parameters.names { loss = loss + p(name).square().sum().sqrt() * 1e-6 }
        return loss
    }

    public func scores(_ model: TrainedNetwork, prepared x: Matrix) -> [Double] {
        let c = model.extras["center"]!
        let z = model.evaluate(x) { input, p in self.represent(model, input, p) }
        return (0..<z.rows).map { r in
            var s = 0.0
            for j in 0..<z.cols { let t = Double(z[r, j] - c.values[j]); s += t * t }
            return s
        }
    }
}

extension FittedNetwork where Settings == DeepSVDD {
    /// The hypersphere centre.
    public var center: [Float] { model.extras["center"]?.values ?? [] }
}
