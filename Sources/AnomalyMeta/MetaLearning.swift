import AnomalyKit
import AnomalyTransfer
import AnomalyMath
import AnomalyNN
import Foundation

/// Episodic meta-learning methods over the neural detectors.
public enum MetaMethod: String, Sendable, CaseIterable {
    /// Reptile (Nichol et al., 2018): adapt on an episode's support, move the initialisation a
    /// step `ε` towards the adapted weights, averaged over the tasks of an iteration.
    case reptile
    /// First-order MAML (Finn et al., 2017): adapt on the support, take the gradient of the
    /// detector's loss on the query rows at the adapted weights, and apply it (Adam) to the
    /// initialisation.
    case fomaml
    /// Meta-SGD (Li et al., 2017), first order: besides the initialisation, every parameter
    /// learns its own inner-loop learning rate — a learned optimiser for the base learner. The
    /// adaptation is `innerEpochs` full-batch SGD steps with those rates (saved with the model
    /// as `meta_lr.*`, so `finetune` adapts the same way).
    case metasgd
    /// A distance learned from the tasks (`MetricMetaLearning`): rows scored by their distance
    /// to the span of the new task's K normal support rows and the family's directions of
    /// normal variation; no gradient steps on the new task.
    case metric

    /// The methods that learn a neural initialisation (`MetaLearning`).
    public static let initialisations: [MetaMethod] = [.reptile, .fomaml, .metasgd]
}

/// Meta-training: learns an initialisation from which a few steps on a new task's support rows
/// give a good detector for that task. The adaptation (inner loop) is exactly `finetune`'s:
/// the model is moved into the support's normal frame (`domainNorm`), then trained with the
/// detector's optimiser for `innerEpochs` epochs at `innerLearningRate` — so
/// `anomalykit finetune --domain-norm center --lr <inner lr> --epochs <inner epochs>` adapts a
/// meta-trained model file the same way the meta-training assumed.
public struct MetaLearning: Sendable {
    public var method: MetaMethod
    public var iterations = 200
    public var tasksPerIteration = 4
    public var innerEpochs = 5
    public var innerLearningRate = 0.01
    /// Reptile's step `ε` towards the adapted weights, or FOMAML's Adam learning rate; nil =
    /// 0.1 for Reptile, 0.001 for FOMAML.
    public var outerLearningRate: Double?
    /// Each episode is read in its support's normal frame (nil: raw features).
    public var domainNorm: DomainNorm? = .center
    /// Start from a model pretrained on all task rows (framed) rather than a fresh network.
    public var startFromPretrained = true
    public var seed: UInt64 = 0
    /// Called after each meta-iteration with (done, total) — for a progress bar.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(method: MetaMethod) { self.method = method }

    /// The fine-tuning that adapts a model to a task's support rows.
    public var innerTuning: FineTuning {
        var t = FineTuning()
        t.learningRate = innerLearningRate
        t.epochs = innerEpochs
        t.quiet = true
        t.seed = seed
        return t
    }

    /// Meta-trains `detector` on episodes from `sampler`; returns the meta-learned model, which
    /// reads rows in the frame of a task's normal rows (`adapt` reads a new task in its own), and
    /// for `metasgd` its learned per-parameter rates.
    /// - Complexity: iterations × tasksPerIteration inner fine-tunings on K + A rows.
    public func train<D: NeuralDetector>(_ detector: D, sampler: inout EpisodeSampler) throws -> (fitted: D.Fitted, rates: ParameterSet?) {
        guard method != .metric else {
            throw AnomalyError.parameter("method", "metric learns a distance, not an initialisation (MetricMetaLearning)")
        }
        for (field, value) in [("iterations", iterations), ("tasksPerIteration", tasksPerIteration), ("innerEpochs", innerEpochs)] where value < 1 {
            throw AnomalyError.parameter(field, "must be ≥ 1, got \(value)")
        }
        guard innerLearningRate > 0, innerLearningRate.isFinite else {
            throw AnomalyError.parameter("innerLearningRate", "must be > 0, got \(innerLearningRate)")
        }
        let framed = framedTasks(sampler)
        var meta: D.Fitted
        if startFromPretrained {
            meta = try TransferLearning.pretrain(detector, sources: framed)
        } else {
            let network = detector.network(features: sampler.features)
            let (p, b) = network.initialise(seed: UInt64(detector.training.seed))
            let rows = TransferLearning.trainingRows(for: detector, framed)
            let model = TrainedNetwork(network: network, parameters: p, buffers: b,
                                       standardizer: detector.training.standardize ? Standardizer(fitting: rows.x) : nil)
            meta = D.Fitted(settings: detector, model: model, trainingScores: [])
        }
        let outerRate = outerLearningRate ?? (method == .reptile ? 0.1 : 0.001)
        var outer = Optimizer(.adam(), learningRate: Float(outerRate))
        if method == .metasgd { return try trainMetaSGD(detector, start: meta, sampler: &sampler, framed: framed, outer: &outer) }
        var rng = SeededGenerator(seed: seed &+ 0x3e7a)
        for iteration in 0..<iterations {
            var sum: [String: Matrix] = [:]
            for _ in 0..<tasksPerIteration {
                let episode = sampler.next()
                let (support, query) = inFrame(episode)
                var tuning = innerTuning
                tuning.seed = rng.next()
                let adapted = try TransferLearning.fineTune(detector, meta, on: support, tuning: tuning)
                let contribution: [String: Matrix]
                switch method {
                case .reptile:
                    contribution = difference(adapted.model.parameters, meta.model.parameters)
                case .fomaml, .metasgd, .metric:
                    contribution = queryGradients(detector, adapted.model, query: query, seed: rng.next())
                }
                for (name, m) in contribution { sum[name] = sum[name].map { add($0, m) } ?? m }
            }
            let scale = 1 / Float(tasksPerIteration)
            var parameters = meta.model.parameters
            switch method {
            case .reptile:
                for (name, delta) in sum { parameters.modify(name) { v in for i in v.indices { v[i] += Float(outerRate) * scale * delta.values[i] } } }
            case .fomaml, .metasgd, .metric:
                let mean = sum.mapValues { m in Matrix(rows: m.rows, cols: m.cols, values: m.values.map { $0 * scale }) }
                guard mean.values.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
                    throw AnomalyError.numeric("meta-training: the query gradient became non-finite at iteration \(iteration + 1)", hint: .smallerLearningRate(field: "innerLearningRate"))
                }
                outer.step(&parameters, gradients: mean)
            }
            var model = meta.model
            model.parameters = parameters
            meta = D.Fitted(settings: detector, model: model, trainingScores: [])
            progress?(iteration + 1, iterations)
        }
        // Training scores on the framed task rows, for the model file's threshold.
        let rows = TransferLearning.trainingRows(for: detector, framed)
        return (D.Fitted(settings: detector, model: meta.model,
                         trainingScores: detector.scores(meta.model, prepared: meta.model.prepared(rows.x))), nil)
    }

    /// Adapts a meta-trained model to a new task: into the support's normal frame, then the
    /// inner loop on the support rows.
    /// Returns the adapted detector and the frame its rows are read in (nil without `domainNorm`).
    public func adapt<D: NeuralDetector>(_ detector: D, _ meta: D.Fitted, support: DomainData,
                                         rates: ParameterSet? = nil) throws -> (D.Fitted, DomainFrame?) {
        var frame: DomainFrame?
        var rows = support
        if let domainNorm {
            var rng = SeededGenerator(seed: seed)
            frame = DomainFrame(support, norm: domainNorm, rng: &rng)
            rows = frame!.apply(support)
        }
        let adapted = try rates.map { try MetaSGD.adapt(meta, rows: rows, rates: $0, tuning: innerTuning) }
            ?? TransferLearning.fineTune(detector, meta, on: rows, tuning: innerTuning)
        return (adapted, frame)
    }

    /// All task rows, each task in its own normal frame (from `shots` normal rows, as episodes see it).
    func framedTasks(_ sampler: EpisodeSampler) -> DomainData {
        let data = sampler.tasks.map(\.data)
        guard let domainNorm else { return DomainData.pooled(data) }
        return DomainFrame.pooled(data, norm: domainNorm, count: sampler.shots, seed: seed)
    }

    /// An episode's support and query in the support's normal frame.
    func inFrame(_ e: Episode) -> (DomainData, DomainData) {
        guard let domainNorm else { return (e.support, e.query) }
        var rng = SeededGenerator(seed: 0)
        let frame = DomainFrame(e.support, norm: domainNorm, rng: &rng)
        return (DomainData(x: frame.apply(e.support.x), labels: e.support.labels),
                DomainData(x: frame.apply(e.query.x), labels: e.query.labels))
    }

    /// Gradients of the detector's loss on the query rows (normal rows for unsupervised
    /// detectors) at the given weights.
    func queryGradients<D: NeuralDetector>(_ detector: D, _ model: TrainedNetwork, query: DomainData, seed: UInt64) -> [String: Matrix] {
        let (x, labels) = lossRows(detector, model, query)
        return NeuralFitting.lossGradients(detector, model, x: x, labels: labels, seed: seed).1
    }

    /// The prepared rows (normal rows for unsupervised detectors) and labels a loss is taken on.
    func lossRows<D: NeuralDetector>(_ detector: D, _ model: TrainedNetwork, _ data: DomainData) -> (Matrix, [Int]?) {
        let usesLabels = D.labelUse != .unsupervised
        let rows = usesLabels ? data : data.rows(labelled: 0)
        return (model.prepared(rows.x), usesLabels ? rows.labels : nil)
    }

    /// First-order Meta-SGD: per episode, `innerEpochs` SGD steps with the learned rates α on
    /// the support; the query gradient g_q at the adapted weights updates θ (Adam), and
    /// −g_q ⊙ Σ g_support updates α (Adam at a twentieth of the rate, α kept ≥ 0).
    func trainMetaSGD<D: NeuralDetector>(_ detector: D, start: D.Fitted, sampler: inout EpisodeSampler, framed: DomainData,
                                        outer: inout Optimizer) throws -> (D.Fitted, ParameterSet) {
        var model = start.model
        var rates = ParameterSet()
        for name in model.parameters.names {
            let p = model.parameters[name]!
            rates.set(name, Matrix(rows: p.rows, cols: p.cols, values: [Float](repeating: Float(innerLearningRate), count: p.values.count)),
                      shape: model.parameters.shape(of: name))
        }
        var rateOptimizer = Optimizer(.adam(), learningRate: outer.learningRate / 20)
        var rng = SeededGenerator(seed: seed &+ 0x56d)
        let scale = 1 / Float(tasksPerIteration)
        for iteration in 0..<iterations {
            var gTheta: [String: Matrix] = [:], gRate: [String: Matrix] = [:]
            for _ in 0..<tasksPerIteration {
                let (support, query) = inFrame(sampler.next())
                var adapted = model
                let (sx, sy) = lossRows(detector, model, support)
                let supportSum = try MetaSGD.steps(detector, &adapted, x: sx, labels: sy, rates: rates, steps: innerEpochs, seed: rng.next())
                let q = queryGradients(detector, adapted, query: query, seed: rng.next())
                for (name, m) in q {
                    gTheta[name] = gTheta[name].map { add($0, m) } ?? m
                    if let s = supportSum[name] {
                        let product = Matrix(rows: m.rows, cols: m.cols, values: zip(m.values, s.values).map { -$0 * $1 })
                        gRate[name] = gRate[name].map { add($0, product) } ?? product
                    }
                }
            }
            let meanTheta = gTheta.mapValues { m in Matrix(rows: m.rows, cols: m.cols, values: m.values.map { $0 * scale }) }
            let meanRate = gRate.mapValues { m in Matrix(rows: m.rows, cols: m.cols, values: m.values.map { $0 * scale }) }
            guard meanTheta.values.allSatisfy({ $0.values.allSatisfy(\.isFinite) }), meanRate.values.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
                throw AnomalyError.numeric("meta-training: a gradient became non-finite at iteration \(iteration + 1)", hint: .smallerLearningRate(field: "innerLearningRate"))
            }
            outer.step(&model.parameters, gradients: meanTheta)
            rateOptimizer.step(&rates, gradients: meanRate)
            for name in rates.names { rates.modify(name) { v in for i in v.indices { v[i] = max(0, v[i]) } } }
            progress?(iteration + 1, iterations)
        }
        let rows = TransferLearning.trainingRows(for: detector, framed)
        return (D.Fitted(settings: detector, model: model, trainingScores: detector.scores(model, prepared: model.prepared(rows.x))), rates)
    }

    func difference(_ a: ParameterSet, _ b: ParameterSet) -> [String: Matrix] {
        var out: [String: Matrix] = [:]
        for name in a.names {
            let x = a[name]!, y = b[name]!
            out[name] = Matrix(rows: x.rows, cols: x.cols, values: zip(x.values, y.values).map { $0 - $1 })
        }
        return out
    }

    func add(_ a: Matrix, _ b: Matrix) -> Matrix {
        Matrix(rows: a.rows, cols: a.cols, values: zip(a.values, b.values).map { $0 + $1 })
    }
}
