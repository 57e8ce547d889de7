import AnomalyMath
import AnomalyNN
import Foundation

/// Per-feature standardisation learned on the training rows (PyOD's `preprocessing=True`):
/// `(x − mean) / std`, with a zero standard deviation treated as 1.
package struct Standardizer: Sendable, Equatable {
    package var mean: [Float]
    package var scale: [Float]

    /// - Complexity: O(n·d), accumulated in `Double`.
    package init(fitting x: Matrix) {
        let n = max(1, x.rows), d = x.cols
        var mean = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        x.values.withUnsafeBufferPointer { v in
            for r in 0..<x.rows { for c in 0..<d { mean[c] += Double(v[r &* d &+ c]) } }
            for c in 0..<d { mean[c] /= Double(n) }
            for r in 0..<x.rows { for c in 0..<d { let t = Double(v[r &* d &+ c]) - mean[c]; sq[c] += t * t } }
        }
        self.mean = mean.map { Float($0) }
        self.scale = sq.map { s in let sd = (s / Double(n)).squareRoot(); return sd > 0 ? Float(sd) : 1 }
    }

    package init(mean: [Float], scale: [Float]) {
        self.mean = mean
        self.scale = scale
    }

    package func transform(_ x: Matrix) -> Matrix {
        var out = x
        let d = x.cols
        out.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<x.rows { for c in 0..<d { v[r &* d &+ c] = (v[r &* d &+ c] - mean[c]) / scale[c] } }
        }
        return out
    }
}

/// The training labels split once by class (1 = anomaly), so per-batch losses never rescan them.
package struct LabelIndex: Sendable {
    package let anomalies: [Int]
    package let others: [Int]

    package init(_ labels: [Int]) {
        anomalies = labels.indices.filter { labels[$0] == 1 }
        others = labels.indices.filter { labels[$0] != 1 }
    }
}

/// A neural detector's fitted state: its network, weights, batch-norm statistics, input
/// standardisation and detector-specific arrays (a hypersphere centre, …).
public struct TrainedNetwork: Sendable {
    public var network: Network
    public var parameters: ParameterSet
    public var buffers: ParameterSet
    package var standardizer: Standardizer?
    public var extras: [String: Matrix]
    /// The labels of the rows being trained on, indexed by class (training only; not saved).
    package var labelIndex: LabelIndex?

    /// The label index for `labels`: the precomputed one during training, else built now.
    package func labelIndex(for labels: [Int]?) -> LabelIndex { labelIndex ?? LabelIndex(labels ?? []) }

    package init(network: Network, parameters: ParameterSet, buffers: ParameterSet, standardizer: Standardizer?,
                extras: [String: Matrix] = [:]) {
        self.network = network
        self.parameters = parameters
        self.buffers = buffers
        self.standardizer = standardizer
        self.extras = extras
    }

    /// The network's input width.
    public var featureCount: Int { network.parts.first?.layer.inputFeatures ?? standardizer?.mean.count ?? 0 }

    /// Rows as the network sees them (standardised when the detector standardises).
    public func prepared(_ x: Matrix) -> Matrix { standardizer?.transform(x) ?? x }

    /// Runs `body` in evaluation mode over blocks of rows (in parallel) and stacks the results.
    ///
    /// Every block has exactly `block` rows (the last is padded with zeros, whose outputs are
    /// dropped), so each row goes through GEMMs of the same shape whatever the batch: BLAS
    /// kernels round differently for different shapes, and a row's score must not depend on the
    /// rows scored with it. `body` must treat rows independently.
    /// - Complexity: one forward pass over all rows (plus < `block` padding rows).
    public func evaluate(_ x: Matrix, block: Int = 64, _ body: @escaping @Sendable (Var, BoundParameters) -> Var) -> Matrix {
        let n = x.rows
        guard n > 0 else { return Matrix(rows: 0, cols: 0) }
        let blocks = (n + block - 1) / block
        let results = BLAS.withSingleThread {
            parallelMap(blocks) { b -> Matrix in
                let start = b * block, count = min(block, n - start)
                var rows = Matrix(rows: block, cols: x.cols)
                x.values.withUnsafeBufferPointer { src in
                    rows.values.withUnsafeMutableBufferPointer { dst in
                        for i in 0..<(count * x.cols) { dst[i] = src[start * x.cols + i] }
                    }
                }
                let tape = Tape(training: false)
                let bound = BoundParameters(parameters, buffers: buffers, tape: tape) { _ in false }
                let out = body(tape.constant(rows), bound).value
                return count == block ? out : out.rows(at: 0..<count)
            }
        }
        return Matrix.vstack(results)
    }

    // MARK: Saving

    /// Writes every tensor into a detector state: `net.<name>`, `buffer.<name>`, `scaler.mean`,
    /// `scaler.scale`, `extra.<name>`; parameter names are PyTorch-style.
    public func save(to state: inout DetectorState) {
        for name in parameters.names {
            state.set("net." + name, Tensor(floats: parameters[name]!.values, shape: parameters.shape(of: name)))
        }
        for name in buffers.names {
            state.set("buffer." + name, Tensor(floats: buffers[name]!.values, shape: buffers.shape(of: name)))
        }
        if let standardizer {
            state.set("scaler.mean", floats: standardizer.mean, shape: [standardizer.mean.count])
            state.set("scaler.scale", floats: standardizer.scale, shape: [standardizer.scale.count])
        }
        for (name, m) in extras { state.set("extra." + name, m) }
    }

    /// Reads the tensors for `network` back, checking every name and shape.
    package init(network: Network, state: DetectorState, standardized: Bool, extras: [String: [Int]] = [:],
                seed: UInt64 = 0) throws {
        let template = network.initialise(seed: seed)
        func load(_ set: ParameterSet, prefix: String) throws -> ParameterSet {
            var out = ParameterSet()
            for name in set.names {
                let shape = set.shape(of: name)!
                let t = try state.tensor(prefix + name, shape: shape.map { Optional($0) })
                let m = set[name]!
                out.set(name, Matrix(rows: m.rows, cols: m.cols, values: t.floats()), shape: shape)
            }
            return out
        }
        let parameters = try load(template.parameters, prefix: "net.")
        let buffers = try load(template.buffers, prefix: "buffer.")
        var standardizer: Standardizer?
        // A version-1 model moved to a domain frame (its mean and scale folded into the scaler) carries
        // a scaler even when not standardising.
        if standardized || state.tensors["scaler.mean"] != nil {
            let d = network.parts.first?.layer.inputFeatures ?? 0
            standardizer = Standardizer(mean: try state.tensor("scaler.mean", shape: [d]).floats(),
                                        scale: try state.tensor("scaler.scale", shape: [d]).floats())
            guard standardizer!.scale.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw AnomalyError.model("standard deviations must be positive", field: "scaler.scale")
            }
        }
        var loaded: [String: Matrix] = [:]
        for (name, shape) in extras {
            let t = try state.tensor("extra." + name, shape: shape.map { Optional($0) })
            loaded[name] = Matrix(rows: shape.count == 2 ? shape[0] : 1, cols: shape.last ?? 1, values: t.floats())
        }
        for name in parameters.names where parameters[name]!.values.contains(where: { !$0.isFinite }) {
            throw AnomalyError.model("weights must be finite", field: "net." + name)
        }
        self.init(network: network, parameters: parameters, buffers: buffers, standardizer: standardizer, extras: loaded)
    }
}

/// Training settings every neural detector has (under PyOD's names for that detector).
public struct NeuralTraining: Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var optimizer: String
    public var weightDecay: Double
    public var seed: Int
    public var standardize: Bool
    /// PyOD's base class drops the last incomplete batch; DeepSVDD's loop does not.
    public var dropLast: Bool
    /// PGD examples mixed into training (none by default); see `AdversarialTraining`.
    public var adversarial = AdversarialTraining()

    /// A detector's training defaults; the shared ones are PyOD's base-class defaults.
    public init(epochs: Int, batchSize: Int = 32, learningRate: Double, optimizer: String = "adam", weightDecay: Double,
                seed: Int = 42, standardize: Bool = true, dropLast: Bool) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.weightDecay = weightDecay
        self.seed = seed
        self.standardize = standardize
        self.dropLast = dropLast
    }

    public func makeOptimizer() -> Optimizer {
        Optimizer.named(optimizer, learningRate: Float(learningRate), weightDecay: Float(weightDecay))
            ?? Optimizer(.adam(weightDecay: Float(weightDecay)), learningRate: Float(learningRate))
    }
}

/// How to continue training a fitted network on new data (fine-tuning on a target domain).
public struct FineTuning: Sendable {
    /// Parameter-name prefixes to keep fixed (`encoder`, `encoder.0`).
    public var freeze: [String] = []
    /// Re-initialise the output head before training.
    public var newHead = false
    public var learningRate: Double?
    public var epochs: Int?
    public var batchSize: Int?
    /// Held-out target rows (and labels) for early stopping; the best epoch's weights are kept.
    public var validation: (x: Matrix, labels: [Int]?)?
    public var patience = 5
    /// Refit the input standardisation on the new data instead of keeping the source's.
    public var refitStandardizer = false
    /// No progress bar (inner loops of meta-learning run thousands of short fine-tunings).
    public var quiet = false
    public var seed: UInt64 = 0

    public init() {}
}

/// What a neural detector defines; `NeuralFitting` trains, fine-tunes and scores it.
public protocol NeuralDetector: Detector where Fitted: FittedNeuralDetector {
    var training: NeuralTraining { get }
    /// The network for `features` input features.
    func network(features: Int) -> Network
    /// The part a new head re-initialises (`FineTuning.newHead`).
    static var headPart: String { get }
    /// Detector-specific arrays computed before training (e.g. Deep SVDD's centre) from the
    /// prepared (standardised) training rows.
    func prepare(_ model: inout TrainedNetwork, x: Matrix, labels: [Int]?) throws
    /// The loss of one mini-batch (`batch` indexes rows of `x`).
    func loss(_ model: TrainedNetwork, x: Matrix, labels: [Int]?, batch: ArraySlice<Int>, _ p: BoundParameters) -> Var
    /// Anomaly scores of prepared rows, higher = more anomalous.
    func scores(_ model: TrainedNetwork, prepared x: Matrix) -> [Double]
    /// Checks labels before training (counts of anomalies, …).
    func validateLabels(_ labels: [Int]?, rows: Int) throws
    /// Mini-batches per epoch when fixed (DevNet draws balanced batches); nil = one pass over the rows.
    var stepsPerEpoch: Int? { get }
    /// Keep the weights of the epoch with the lowest training loss (PyOD's DeepSVDD).
    var keepsBestTrainingEpoch: Bool { get }
    /// Detector-specific arrays saved with the weights (`extra.<name>`), by shape.
    func extraShapes(features: Int) -> [String: [Int]]
}

/// A fitted neural detector: its settings and trained network.
public protocol FittedNeuralDetector: FittedDetector where Settings: NeuralDetector {
    var model: TrainedNetwork { get }
    init(settings: Settings, model: TrainedNetwork, trainingScores: [Double])
}

extension NeuralDetector {
    public func prepare(_ model: inout TrainedNetwork, x: Matrix, labels: [Int]?) throws {}
    public func validateLabels(_ labels: [Int]?, rows: Int) throws {}
    public var stepsPerEpoch: Int? { nil }
    public var keepsBestTrainingEpoch: Bool { false }
    public func extraShapes(features: Int) -> [String: [Int]] { [:] }

    public func fit(_ data: Matrix) throws -> Fitted { try fit(data, labels: nil) }

    public func fit(_ data: Matrix, labels: [Int]?) throws -> Fitted {
        try NeuralFitting.fit(self, data, labels: labels, start: nil, tuning: nil)
    }

    /// Continues training `start` on `data` as `tuning` says.
    public func fineTune(_ start: Fitted, on data: Matrix, labels: [Int]?, tuning: FineTuning) throws -> Fitted {
        try NeuralFitting.fit(self, data, labels: labels, start: start.model, tuning: tuning)
    }
}

extension FittedNeuralDetector {
    public var featureCount: Int { model.featureCount }

    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return settings.scores(model, prepared: model.prepared(data))
    }

    public func save(to state: inout DetectorState) { model.save(to: &state) }

    /// Loads the weights saved by `save(to:)`, for the network the settings describe.
    public init(settings: Settings, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        let model = try TrainedNetwork(network: settings.network(features: featureCount), state: state,
                                       standardized: settings.training.standardize,
                                       extras: settings.extraShapes(features: featureCount))
        self.init(settings: settings, model: model, trainingScores: trainingScores)
    }

    /// The same detector with other weights (e.g. interpolated); training scores recomputed on `x`.
    public func replacingParameters(_ parameters: ParameterSet, trainingRows x: Matrix) -> Self {
        var m = model
        m.parameters = parameters
        return Self(settings: settings, model: m, trainingScores: settings.scores(m, prepared: m.prepared(x)))
    }
}

/// The shared training procedure of the neural detectors.
package enum NeuralFitting {
    package static func fit<D: NeuralDetector>(_ detector: D, _ data: Matrix, labels: [Int]?, start: TrainedNetwork?,
                                              tuning: FineTuning?, checkLabels: Bool = true) throws -> D.Fitted {
        let name = D.descriptor.name
        try detector.validateForFitting(data, minimumRows: 2)
        if let labels, labels.count != data.rows {
            throw AnomalyError.shape("\(labels.count) labels for \(data.rows) training rows")
        }
        if checkLabels { try detector.validateLabels(labels, rows: data.rows) }
        let training = detector.training
        var model: TrainedNetwork
        if var start {
            guard start.featureCount == data.cols else {
                throw AnomalyError.shape("the \(name) model takes \(start.featureCount) features, the data has \(data.cols)")
            }
            let tuning = tuning ?? FineTuning()
            if tuning.refitStandardizer && start.standardizer != nil { start.standardizer = Standardizer(fitting: data) }
            if tuning.newHead {
                guard let head = start.network.layer(D.headPart) else {
                    throw AnomalyError.parameter("newHead", "the \(name) network has no '\(D.headPart)' part")
                }
                var rng = SeededGenerator(seed: tuning.seed &+ 0x5eed)
                var fresh = ParameterSet(), freshBuffers = ParameterSet()
                head.initialise(prefix: D.headPart, parameters: &fresh, buffers: &freshBuffers, rng: &rng)
                for n in fresh.names { start.parameters.update(n, fresh[n]!) }
                for n in freshBuffers.names { start.buffers.update(n, freshBuffers[n]!) }
            }
            model = start
        } else {
            let network = detector.network(features: data.cols)
            let (p, b) = network.initialise(seed: UInt64(training.seed))
            model = TrainedNetwork(network: network, parameters: p, buffers: b,
                                   standardizer: training.standardize ? Standardizer(fitting: data) : nil)
        }
        let x = model.prepared(data)
        try detector.prepare(&model, x: x, labels: labels)
        model.labelIndex = labels.map(LabelIndex.init)

        let frozen = tuning?.freeze ?? []
        for prefix in frozen where model.parameters.names(under: prefix).isEmpty {
            let parts = model.network.parts.map(\.name).joined(separator: ", ")
            throw AnomalyError.parameter("freeze", "'\(prefix)' matches no layer of the \(name) network (parts: \(parts))")
        }
        let trainable: @Sendable (String) -> Bool = { n in !frozen.contains { n == $0 || n.hasPrefix($0 + ".") } }
        var optimizer = training.makeOptimizer()
        if let lr = tuning?.learningRate { optimizer.learningRate = Float(lr) }
        let epochs = tuning?.epochs ?? training.epochs
        let batch = tuning?.batchSize ?? training.batchSize
        var options = TrainingOptions(epochs: epochs, batchSize: batch,
                                      seed: UInt64(training.seed) &+ (tuning?.seed ?? 0),
                                      progressLabel: tuning == nil ? name : tuning!.quiet ? nil : name + " fine-tune")
        options.dropLast = training.dropLast && data.rows > batch
        options.keepBestTrainingEpoch = detector.keepsBestTrainingEpoch
        let rowsPerEpoch = detector.stepsPerEpoch.map { $0 * batch } ?? x.rows
        var validationLoss: ((ParameterSet, ParameterSet) -> Double)?
        if let validation = tuning?.validation, validation.x.rows > 0 {
            options.patience = tuning?.patience
            let vx = model.prepared(validation.x)
            let current = model
            validationLoss = { p, b in
                var m = current
                m.parameters = p
                m.buffers = b
                m.labelIndex = validation.labels.map(LabelIndex.init)
                let tape = Tape(training: false)
                let bound = BoundParameters(p, buffers: b, tape: tape) { _ in false }
                return Double(detector.loss(m, x: vx, labels: validation.labels, batch: Array(0..<vx.rows)[...], bound).scalar)
            }
        }
        let snapshot = model
        let batchesPerEpoch = options.dropLast ? rowsPerEpoch / batch : (rowsPerEpoch + batch - 1) / batch
        let adversary = try AdversarialExamples(detector, settings: training.adversarial, x: x, labels: labels,
                                                standardized: model.standardizer != nil, batchesPerEpoch: batchesPerEpoch,
                                                seed: options.seed ^ 0xad5e)
        do {
            _ = try Trainer.train(parameters: &model.parameters, buffers: &model.buffers, rows: rowsPerEpoch, options: options,
                                  optimizer: &optimizer, trainable: trainable,
                                  batchLoss: { batchRows, bound in
                                      var m = snapshot
                                      m.parameters = bound.parameters
                                      let clean = detector.loss(m, x: x, labels: labels, batch: batchRows, bound)
                                      guard let adversary else { return clean }
                                      // Half clean, half PGD-perturbed rows (AdversarialTraining).
                                      m.buffers = bound.buffers
                                      let perturbed = adversary.rows(for: m)
                                      return (clean + detector.loss(m, x: perturbed, labels: labels, batch: batchRows, bound)) * 0.5
                                  }, validationLoss: validationLoss)
        } catch let e as TrainingError {
            throw AnomalyError(.numeric, "\(name): \(e.description)")
        }
        model.labelIndex = nil
        let scores = detector.scores(model, prepared: x)
        guard scores.allSatisfy(\.isFinite) else {
            throw AnomalyError(.numeric, "\(name): training produced non-finite scores; try a smaller learning rate")
        }
        return D.Fitted(settings: detector, model: model, trainingScores: scores)
    }

    /// The detector's loss on all rows of `x` (prepared) and its gradients, by parameter name.
    package static func lossGradients<D: NeuralDetector>(_ detector: D, _ model: TrainedNetwork, x: Matrix, labels: [Int]?, seed: UInt64,
                                                        trainable: @escaping @Sendable (String) -> Bool = { _ in true })
        -> (Float, [String: Matrix]) {
        var m = model
        m.labelIndex = labels.map(LabelIndex.init)
        let tape = Tape(training: true, seed: seed)
        let bound = BoundParameters(m.parameters, buffers: m.buffers, tape: tape, trainable: trainable)
        let loss = detector.loss(m, x: x, labels: labels, batch: Array(0..<x.rows)[...], bound)
        tape.backward(from: loss)
        return (loss.scalar, bound.gradients())
    }

    /// The training parameters shared by the neural detectors, bound to `path` (the detector's
    /// `training`), under the detector's PyOD names for the epochs, learning rate and weight decay.
    static func trainingSpecs<D>(_ path: WritableKeyPath<D, NeuralTraining> & Sendable, epochs: String,
                                 learningRate: String, weightDecay: String) -> [ParameterBinding<D>] {
        let shared: [ParameterBinding<NeuralTraining>] = [
            .int(epochs, \.epochs, min: 1, max: 100_000, help: "training epochs"),
            .int("batch_size", \.batchSize, min: 1, max: 1_000_000, help: "rows per mini-batch"),
            .double(learningRate, \.learningRate, min: 0, max: 10, openMin: true, help: "learning rate"),
            .choice("optimizer_name", \.optimizer, ["adam", "adamw", "sgd"], help: "optimiser"),
            .double(weightDecay, \.weightDecay, min: 0, max: 1, help: "weight decay (L2; decoupled for adamw)"),
            .int("random_state", \.seed, min: 0, help: "seed for initialisation, shuffling and dropout"),
            .bool("preprocessing", \.standardize, help: "standardise features with the training mean and std"),
        ] + AdversarialTraining.bindings.map { $0.lifted(\NeuralTraining.adversarial) }
        return shared.map { $0.lifted(path) }
    }

    static func activation(_ name: String) -> Layer {
        switch name {
        case "tanh": .tanh
        case "sigmoid": .sigmoid
        case "leaky_relu": .leakyRelu(slope: 0.01)
        case "gelu": .gelu
        case "identity", "linear": .identity
        default: .relu
        }
    }

    static let activations = ["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "identity"]

    /// An `encoder` of hidden blocks and a one-output linear `head`: the scoring networks of
    /// DevNet and the classifier (so freezing `encoder` with a new head means the same for both).
    static func scoringNetwork(features d: Int, hidden: [Int], activation: String, dropout: Double) -> Network {
        Network([
            .init("encoder", .perceptron(inputs: d, hidden: hidden, outputs: nil, activation: Self.activation(activation),
                                         dropout: Float(dropout))),
            .init("head", .dense(inputs: hidden.last ?? d, outputs: 1)),
        ])
    }

    /// The one-column output of a scoring network.
    static func score(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        model.network("head", model.network("encoder", x, p), p)
    }
}
