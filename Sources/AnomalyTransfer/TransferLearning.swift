import AnomalyKit
import AnomalyMath
import AnomalyNN
import Foundation

/// Rows and labels of one domain.
public struct DomainData: Sendable {
    public var x: Matrix
    /// 1 = anomaly, 0 = normal or unlabelled; nil when unknown.
    public var labels: [Int]?

    public init(x: Matrix, labels: [Int]?) {
        self.x = x
        self.labels = labels
    }

    /// Rows with the given label.
    public func rows(labelled value: Int) -> DomainData {
        guard let labels else { return self }
        let keep = labels.indices.filter { labels[$0] == value }
        return DomainData(x: x.rows(at: keep), labels: keep.map { labels[$0] })
    }

    /// Several domains stacked (labels kept only when every domain has them).
    public static func pooled(_ parts: [DomainData]) -> DomainData {
        let labels: [Int]? = parts.allSatisfy { $0.labels != nil } ? parts.flatMap { $0.labels! } : nil
        return DomainData(x: Matrix.vstack(parts.map(\.x)), labels: labels)
    }
}

/// Transfer learning for the neural detectors: pretraining on source domains, fine-tuning on a
/// target, weight interpolation, mixed training and domain adaptation (CORAL, MMD, DANN).
public enum TransferLearning {
    /// The rows a detector pretrains on: all of them for detectors that learn from labels;
    /// for unsupervised ones the normal rows when labels are known (one-class pretraining).
    package static func trainingRows<D: NeuralDetector>(for detector: D, _ data: DomainData) -> DomainData {
        D.labelUse == .unsupervised ? data.rows(labelled: 0) : data
    }

    /// Pretrains `detector` on pooled source domains.
    public static func pretrain<D: NeuralDetector>(_ detector: D, sources: DomainData) throws -> D.Fitted {
        let rows = trainingRows(for: detector, sources)
        return try detector.fit(rows.x, labels: D.labelUse == .unsupervised ? nil : rows.labels)
    }

    /// Fine-tunes a pretrained model on target rows. Label-using detectors may fine-tune on a
    /// single class (e.g. target normals only) because the pretrained model already knows both.
    public static func fineTune<D: NeuralDetector>(_ detector: D, _ model: D.Fitted, on target: DomainData,
                                                   tuning: FineTuning) throws -> D.Fitted {
        try NeuralFitting.fit(detector, target.x, labels: D.labelUse == .unsupervised ? nil : target.labels,
                              start: model.model, tuning: tuning, checkLabels: false)
    }

    /// `w = α·w_source + (1 − α)·w_tuned`, tensor by tensor; training scores recomputed on `rows`.
    public static func interpolate<F: FittedNeuralDetector>(source: F, tuned: F, alpha: Double, rows: Matrix) -> F {
        let mixed = tuned.model.parameters.interpolated(towards: source.model.parameters, Float(alpha))
        return tuned.replacingParameters(mixed, trainingRows: rows)
    }

    /// Joint training on source and target rows: the detector's loss on a source batch, plus
    /// `targetWeight` × its loss on a target batch (drawn with replacement), plus the adaptation
    /// penalty between the two batches' representations (`mmd`: `weight`·MMD²; `dann`: a domain
    /// classifier behind gradient reversal, its weight ramped `2/(1+e^{−10p}) − 1` over training).
    /// With `.none` this is plain mixed training.
    public static func jointTrain<D: NeuralDetector>(_ detector: D, source: DomainData, target: DomainData,
                                                     adaptation: Adaptation, targetWeight: Double = 1,
                                                     adaptationWeight: Double = 1, start: D.Fitted? = nil) throws -> D.Fitted {
        let name = D.descriptor.name
        let src = trainingRows(for: detector, source)
        guard src.x.rows >= 2, target.x.rows >= 1 else {
            throw AnomalyError.shape("joint training needs source rows and at least one target row")
        }
        guard src.x.cols == target.x.cols else {
            throw AnomalyError.shape("source rows have \(src.x.cols) features, target rows \(target.x.cols)")
        }
        let usesLabels = D.labelUse != .unsupervised
        let combined = DomainData.pooled([src, DomainData(x: target.x, labels: target.labels ?? [Int](repeating: 0, count: target.x.rows))])
        let training = detector.training
        var model: TrainedNetwork
        if let start {
            model = start.model
        } else {
            let network = detector.network(features: src.x.cols)
            let (p, b) = network.initialise(seed: UInt64(training.seed))
            model = TrainedNetwork(network: network, parameters: p, buffers: b,
                                   standardizer: training.standardize ? Standardizer(fitting: src.x) : nil)
        }
        let x = model.prepared(combined.x)
        let labels = usesLabels ? combined.labels : nil
        try detector.prepare(&model, x: x.rows(at: 0..<src.x.rows), labels: labels.map { Array($0[0..<src.x.rows]) })
        model.labelIndex = labels.map(LabelIndex.init)
        let sourceCount = src.x.rows, targetRows = Array(sourceCount..<x.rows)
        // The domain classifier of DANN lives only during training, under `domain.`.
        var parameters = model.parameters
        let representationWidth = representationWidth(model, features: x.cols)
        let domainHead = Layer.perceptron(inputs: representationWidth, hidden: [32], outputs: 1)
        if adaptation == .dann {
            var rng = SeededGenerator(seed: UInt64(training.seed) &+ 77)
            var unused = ParameterSet()
            domainHead.initialise(prefix: "domain", parameters: &parameters, buffers: &unused, rng: &rng)
        }
        var optimizer = training.makeOptimizer()
        var options = TrainingOptions(epochs: training.epochs, batchSize: training.batchSize, seed: UInt64(training.seed),
                                      progressLabel: "\(name) joint (\(adaptation.rawValue))")
        options.dropLast = training.dropLast && sourceCount > training.batchSize
        let rowsPerEpoch = detector.stepsPerEpoch.map { $0 * training.batchSize } ?? sourceCount
        let totalSteps = Double(max(1, training.epochs * max(1, rowsPerEpoch / max(1, training.batchSize))))
        var step = 0.0
        let snapshot = model
        var buffers = model.buffers
        do {
            _ = try Trainer.train(parameters: &parameters, buffers: &buffers, rows: rowsPerEpoch, options: options,
                                  optimizer: &optimizer) { batch, p in
                var m = snapshot
                m.parameters = p.parameters
                let sourceBatch = batch.map { $0 % sourceCount }[...]
                let targetBatch = (0..<max(1, min(batch.count, targetRows.count * 4))).map { _ in
                    targetRows[p.tape.rng.nextInt(below: targetRows.count)]
                }[...]
                var loss = detector.loss(m, x: x, labels: labels, batch: sourceBatch, p)
                if targetWeight > 0 {
                    loss = loss + detector.loss(m, x: x, labels: labels, batch: targetBatch, p) * Float(targetWeight)
                }
                switch adaptation {
                case .none, .coral, .center, .standardize, .relative:
                    break
                case .mmd:
                    let zs = representation(m, p.tape.constant(x.rows(at: sourceBatch)), p)
                    let zt = representation(m, p.tape.constant(x.rows(at: targetBatch)), p)
                    loss = loss + Loss.maximumMeanDiscrepancy(zs, zt) * Float(adaptationWeight)
                case .dann:
                    let progress = min(1, step / totalSteps)
                    let lambda = Float(2 / (1 + Foundation.exp(-10 * progress)) - 1)
                    let zs = representation(m, p.tape.constant(x.rows(at: sourceBatch)), p)
                    let zt = representation(m, p.tape.constant(x.rows(at: targetBatch)), p)
                    let z = Var.concatRows([zs, zt]).reversingGradient(lambda: lambda)
                    let logits = domainHead.forward(z, prefix: "domain", p)
                    let domains = Matrix(rows: zs.rows + zt.rows, cols: 1,
                                         values: [Float](repeating: 0, count: zs.rows) + [Float](repeating: 1, count: zt.rows))
                    loss = loss + Loss.binaryCrossEntropyWithLogits(logits, targets: domains) * Float(adaptationWeight)
                }
                step += 1
                return loss
            }
        } catch let e as TrainingError {
            throw AnomalyError(.numeric, "\(name): \(e.description)")
        }
        var trained = model
        for n in model.parameters.names { trained.parameters.update(n, parameters[n]!) }
        trained.buffers = buffers
        trained.labelIndex = nil
        let scores = detector.scores(trained, prepared: x)
        return D.Fitted(settings: detector, model: trained, trainingScores: scores)
    }

    /// The `encoder` part's output: the representation adaptation aligns.
    static func representation(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        model.network("encoder", x, p)
    }

    static func representationWidth(_ model: TrainedNetwork, features: Int) -> Int {
        model.network.layer("encoder")?.outputFeatures(features) ?? features
    }
}
