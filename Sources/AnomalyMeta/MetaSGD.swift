import AnomalyKit
import AnomalyMath
import AnomalyNN
import AnomalyTransfer

/// Meta-SGD's adaptation (Li et al., 2017): every parameter of a meta-trained network has its
/// own learned inner-loop learning rate, kept with the model as attachments `meta_lr.<name>`
/// (shaped like the parameter); a new task adapts by full-batch SGD steps `θ ← θ − α ⊙ ∇L`.
public enum MetaSGD {
    static let attachmentPrefix = "meta_lr."

    /// The rates as model attachments.
    package static func attachments(_ rates: ParameterSet) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in rates.names {
            out[attachmentPrefix + name] = Tensor(floats: rates[name]!.values, shape: rates.shape(of: name))
        }
        return out
    }

    /// The learned rates a model carries, checked against its network; nil when it has none.
    public static func rates(of model: AnomalyModel) throws -> ParameterSet? {
        guard model.attachments.keys.contains(where: { $0.hasPrefix(attachmentPrefix) }) else { return nil }
        guard let neural = model.detector as? any FittedNeuralDetector else {
            throw AnomalyError.model("learned rates need a neural model; this one is '\(model.detectorName)'", field: "attachments")
        }
        let parameters = neural.model.parameters
        var rates = ParameterSet()
        for name in parameters.names {
            let key = attachmentPrefix + name
            let shape = parameters.shape(of: name)!
            guard let t = model.attachments[key], t.shape == shape else {
                throw AnomalyError.model("missing, or not shaped \(shape)", field: key)
            }
            let values = t.floats()
            guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw AnomalyError.model("learned rates must be finite and ≥ 0", field: key)
            }
            let p = parameters[name]!
            rates.set(name, Matrix(rows: p.rows, cols: p.cols, values: values), shape: shape)
        }
        return rates
    }

    /// `model` adapted to target rows by `tuning.epochs` (default: the detector's) full-batch
    /// steps with its learned rates; frozen prefixes stay fixed. The model's steps are applied to
    /// the rows first; with `domainNorm` a frame of the target's normal rows is appended, as
    /// `AnomalyModel.fineTuned` does.
    public static func adapted(_ model: AnomalyModel, rates: ParameterSet, on target: DomainData, tuning: FineTuning,
                               domainNorm: DomainNorm? = nil) throws -> AnomalyModel {
        guard let neural = model.detector as? any FittedNeuralDetector else {
            throw AnomalyError.model("learned rates need a neural model; this one is '\(model.detectorName)'", field: "detector")
        }
        guard !tuning.newHead, !tuning.refitStandardizer else {
            throw AnomalyError.parameter("newHead", "a Meta-SGD model adapts every parameter with its learned rate; a new head has none")
        }
        guard tuning.learningRate == nil else {
            throw AnomalyError.parameter("learningRate", "a Meta-SGD model adapts with its own learned per-parameter rates; a learning rate would be ignored, so leave it out")
        }
        let (pipeline, rows) = try model.targetRows(target, domainNorm: domainNorm, seed: tuning.seed)
        let fitted = try adaptOpened(neural, rows: rows, rates: rates, tuning: tuning)
        let threshold = try ContaminationThreshold(contamination: model.threshold.contamination, trainingScores: fitted.trainingScores)
        return model.replacingDetector(fitted, threshold: threshold, trainingRows: target.x.rows, pipeline: pipeline)
    }

    private static func adaptOpened<F: FittedNeuralDetector>(_ fitted: F, rows: DomainData, rates: ParameterSet,
                                                             tuning: FineTuning) throws -> any FittedDetector {
        try adapt(fitted, rows: rows, rates: rates, tuning: tuning)
    }

    /// `fitted` adapted to `rows` (already read in the model's frame) with learned rates.
    static func adapt<F: FittedNeuralDetector>(_ fitted: F, rows: DomainData, rates: ParameterSet,
                                               tuning: FineTuning) throws -> F {
        let detector = fitted.settings
        let data = TransferLearning.trainingRows(for: detector, rows)
        let labels = F.Settings.labelUse == .unsupervised ? nil : data.labels
        try detector.validateForFitting(data.x, minimumRows: 2)
        var model = fitted.model
        let x = model.prepared(data.x)
        try detector.prepare(&model, x: x, labels: labels)
        let frozen = tuning.freeze
        for prefix in frozen where model.parameters.names(under: prefix).isEmpty {
            let parts = model.network.parts.map(\.name).joined(separator: ", ")
            throw AnomalyError.parameter("freeze", "'\(prefix)' matches no layer of the \(F.Settings.descriptor.name) network (parts: \(parts))")
        }
        let trainable: @Sendable (String) -> Bool = { n in !frozen.contains { n == $0 || n.hasPrefix($0 + ".") } }
        try steps(detector, &model, x: x, labels: labels, rates: rates, steps: tuning.epochs ?? detector.training.epochs,
                  seed: UInt64(detector.training.seed) &+ tuning.seed, trainable: trainable)
        let scores = detector.scores(model, prepared: x)
        guard scores.allSatisfy(\.isFinite) else {
            throw AnomalyError(.numeric, "\(F.Settings.descriptor.name): adaptation produced non-finite scores")
        }
        return F(settings: detector, model: model, trainingScores: scores)
    }

    /// `steps` full-batch SGD steps, each parameter moved by its learned rate times its gradient.
    /// Returns the gradients summed over the steps (the first-order rate update needs them).
    /// - Throws: when a loss turns non-finite. - Complexity: `steps` forward and backward passes.
    @discardableResult
    static func steps<D: NeuralDetector>(_ detector: D, _ model: inout TrainedNetwork, x: Matrix, labels: [Int]?,
                                         rates: ParameterSet, steps: Int, seed: UInt64,
                                         trainable: @escaping @Sendable (String) -> Bool = { _ in true }) throws -> [String: Matrix] {
        var rng = SeededGenerator(seed: seed)
        var summed: [String: Matrix] = [:]
        for step in 0..<steps {
            let (loss, gradients) = NeuralFitting.lossGradients(detector, model, x: x, labels: labels, seed: rng.next(), trainable: trainable)
            guard loss.isFinite else { throw AnomalyError(.numeric, "\(D.descriptor.name): the loss became non-finite at adaptation step \(step + 1)") }
            for (name, g) in gradients {
                let rate = rates[name]!.values
                model.parameters.modify(name) { v in for i in v.indices { v[i] -= rate[i] * g.values[i] } }
                summed[name] = summed[name].map { s in Matrix(rows: s.rows, cols: s.cols, values: zip(s.values, g.values).map { $0 + $1 }) } ?? g
            }
        }
        return summed
    }
}
