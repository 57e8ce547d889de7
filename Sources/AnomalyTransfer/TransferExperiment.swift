import AnomalyKit
import AnomalyMath
import AnomalyNN
import Foundation

/// The transfer experiment behind `anomalykit transfer`: does reusing source domains help on a
/// target with only a few labelled rows, and by how much?
///
/// The target is split stratified 70/30 with the seed; `shots` normal rows and `anomalyShots`
/// anomalies are drawn from its training part, and its test part is the test set. Every mode is
/// scored on that test set:
/// - `scratch`: the detector trained on the shots only;
/// - `source_only`: pretrained on the sources, no target rows;
/// - `finetuned`: pretrained, then fine-tuned on the shots (small learning rate);
/// - `adapted`: with the chosen adaptation — `coral` pretrains on CORAL-aligned sources then
///   fine-tunes; `mmd`/`dann` train jointly on sources and shots with the penalty; `none` is plain
///   mixed training (sources and shots together, the shots weighted);
/// - `interpolated`: `α·source + (1−α)·fine-tuned` weights, α given or chosen on held-out shots;
/// - `relative_scratch` (with `adaptation = .relative` only): the detector trained on the shots read
///   in the relative frame, without the sources — what the frame gives without transfer;
/// - `knn_shots`: kNN with k = 1 fitted on the normal shots — the stronger of the simple
///   baselines with so few rows (on MVTec-AD with 10 shots, k = 1 gives ≈ 0.76 mean ROC-AUC
///   where PyOD's default k = 5 gives ≈ 0.73), so transfer is measured against the hard one.
public struct TransferExperiment: Sendable {
    public var shots: Int
    public var anomalyShots = 0
    public var adaptation: Adaptation = .none
    public var seed: UInt64 = 42
    public var testFraction = 0.3
    /// Fine-tuning: frozen prefixes, new head, learning rate (default: a tenth of the detector's),
    /// epochs (default: the detector's).
    public var freeze: [String] = []
    public var newHead = false
    public var fineTuneLearningRate: Double?
    public var fineTuneEpochs: Int?
    /// Weight interpolation α; nil = chosen on held-out shots.
    public var alpha: Double?
    /// Weight of the target rows in mixed/joint training.
    public var targetWeight = 1.0
    public var adaptationWeight = 1.0

    public init(shots: Int) { self.shots = shots }

    public struct Outcome: Sendable {
        public var modes: [(name: String, result: ModeResult?, reason: String?)]
        public var alpha: Double?
        public var testRows: Int
        public var testAnomalies: Int
        public var sourceRows: Int
    }

    public static let modeNames = ["scratch", "source_only", "finetuned", "adapted", "interpolated", "knn_shots"]

    /// Runs every mode. - Throws: on mismatched features, too few target rows for the shots, …
    public func run<D: NeuralDetector>(_ detector: D, sources: [DomainData], sourceNames: [String],
                                       target: DomainData, targetName: String) throws -> Outcome {
        for (s, name) in zip(sources, sourceNames) where s.x.cols != target.x.cols {
            throw AnomalyError.shape("has \(s.x.cols) features but the target \(targetName) has \(target.x.cols)", field: name)
        }
        let few = try FewShotSplit(target: target, targetName: targetName, shots: shots, anomalyShots: anomalyShots,
                                   testFraction: testFraction, seed: seed)
        let normalShots = few.normalShots, shotData = few.shots, testX = few.testX, testY = few.testY
        let pooled = DomainData.pooled(sources)

        func evaluate(_ fitted: D.Fitted, seconds: Double) throws -> ModeResult {
            ModeResult(labels: testY, scores: try fitted.scores(testX), fitSeconds: seconds)
        }
        var recorder = ModeRecorder()
        func attempt(_ name: String, _ body: () throws -> ModeResult) { recorder.attempt(name, body) }
        let shotLabels = D.labelUse == .unsupervised ? nil : shotData.labels
        var tuning = FineTuning()
        tuning.freeze = freeze
        tuning.newHead = newHead
        tuning.learningRate = fineTuneLearningRate ?? detector.training.learningRate / 10
        tuning.epochs = fineTuneEpochs
        tuning.seed = seed

        attempt("scratch") {
            let (m, t) = try Stopwatch.measure { try detector.fit(shotData.x, labels: shotLabels) }
            return try evaluate(m, seconds: t)
        }
        let (pretrained, pretrainSeconds) = try Stopwatch.measure { try TransferLearning.pretrain(detector, sources: pooled) }
        attempt("source_only") { try evaluate(pretrained, seconds: pretrainSeconds) }
        var tuned: D.Fitted?
        attempt("finetuned") {
            let (m, t) = try Stopwatch.measure { try TransferLearning.fineTune(detector, pretrained, on: shotData, tuning: tuning) }
            tuned = m
            return try evaluate(m, seconds: pretrainSeconds + t)
        }
        // A label-using model learns nothing about the boundary from normal rows alone.
        let oneClass = D.labelUse != .unsupervised && anomalyShots == 0
        let oneClassNote = oneClass ? "not fine-tuned: the shots have no anomalies" : nil
        // With `relative`, the target's frame, its shots and test rows read in it — built once
        // for `adapted` and `relative_scratch` (a failure is each mode's reason).
        let relative = adaptation != .relative ? nil : Result { () throws -> (shots: DomainData, test: Matrix, seconds: Double) in
            let ((frame, read), t) = try Stopwatch.measure { try relativeShots(target, few) }
            return (read, frame.apply(testX), t)
        }
        attempt("adapted") {
            switch adaptation {
            case .coral:
                let (m, t) = try Stopwatch.measure { () throws -> D.Fitted in
                    let aligned = try sources.map { s in DomainData(x: try CORAL.align(source: s.x, target: shotData.x), labels: s.labels) }
                    let base = try TransferLearning.pretrain(detector, sources: DomainData.pooled(aligned))
                    return try TransferLearning.fineTune(detector, base, on: shotData, tuning: tuning)
                }
                return try evaluate(m, seconds: t)
            case .center, .standardize:
                let norm = adaptation.domainNorm!
                // The target's normal frame, from its normal shots: the shots and test rows are read in it.
                let frame = DomainFrame(target.x, rows: normalShots, norm: norm)
                let (m, t) = try Stopwatch.measure { () throws -> D.Fitted in
                    let base = try TransferLearning.pretrain(detector, sources: DomainFrame.pooled(sources, norm: norm, count: shots, seed: seed))
                    return oneClass ? base : try TransferLearning.fineTune(detector, base, on: frame.apply(shotData), tuning: tuning)
                }
                var r = ModeResult(labels: testY, scores: try m.scores(frame.apply(testX)), fitSeconds: t)
                r.note = oneClassNote
                return r
            case .relative:
                let read = try relative!.get()
                let (m, t) = try Stopwatch.measure { () throws -> D.Fitted in
                    let base = try TransferLearning.pretrain(detector, sources: RelativeFrame.pooled(sources, count: shots, seed: seed))
                    return oneClass ? base : try TransferLearning.fineTune(detector, base, on: read.shots, tuning: tuning)
                }
                return ModeResult(labels: testY, scores: try m.scores(read.test), fitSeconds: read.seconds + t, note: oneClassNote)
            case .none, .mmd, .dann:
                let (m, t) = try Stopwatch.measure {
                    try TransferLearning.jointTrain(detector, source: pooled, target: shotData, adaptation: adaptation,
                                                    targetWeight: targetWeight, adaptationWeight: adaptationWeight)
                }
                return try evaluate(m, seconds: t)
            }
        }
        var chosenAlpha: Double?
        attempt("interpolated") {
            guard let tuned else { throw AnomalyError(.numeric, "needs the fine-tuned model, which failed") }
            let (m, t) = try Stopwatch.measure { () throws -> D.Fitted in
                let a = try alpha ?? chooseAlpha(detector, pretrained: pretrained, shots: shotData, sources: pooled.x, tuning: tuning)
                chosenAlpha = a
                return TransferLearning.interpolate(source: pretrained, tuned: tuned, alpha: a, rows: shotData.x)
            }
            var r = try evaluate(m, seconds: pretrainSeconds + t)
            r.note = "alpha \(chosenAlpha.map { String(format: "%.2f", $0) } ?? "?")"
            return r
        }
        if adaptation == .relative {
            // What the frame alone gives: the detector trained on the shots read relative to
            // themselves, no sources — so `adapted` − this is what the sources add.
            attempt("relative_scratch") {
                let read = try relative!.get()
                let (m, t) = try Stopwatch.measure {
                    try detector.fit(read.shots.x, labels: D.labelUse == .unsupervised ? nil : read.shots.labels)
                }
                return ModeResult(labels: testY, scores: try m.scores(read.test), fitSeconds: read.seconds + t)
            }
        }
        attempt("knn_shots") { try Self.knnShots(target.x.rows(at: normalShots), testX: testX, testY: testY) }
        return Outcome(modes: recorder.modes, alpha: chosenAlpha, testRows: testX.rows, testAnomalies: testY.filter { $0 == 1 }.count,
                       sourceRows: pooled.x.rows)
    }

    /// The target's relative frame (from its normal shots) and the shots read in it: the normal
    /// shots leave-one-out, the anomaly shots against all normal shots.
    func relativeShots(_ target: DomainData, _ few: FewShotSplit) throws -> (RelativeFrame, DomainData) {
        let normals = target.x.rows(at: few.normalShots)
        let frame = try RelativeFrame(shots: normals)
        let x = Matrix.vstack([try RelativeFrame.shotsLeaveOneOut(normals), frame.apply(target.x.rows(at: few.anomalyShots))])
        return (frame, DomainData(x: x, labels: few.shots.labels))
    }

    /// kNN with k = 1 on the normal shots, scored on the test rows.
    package static func knnShots(_ normals: Matrix, testX: Matrix, testY: [Int]) throws -> ModeResult {
        let (m, t) = try Stopwatch.measure { try KNN(neighbors: 1).fit(normals) }
        return ModeResult(labels: testY, scores: try m.scores(testX), fitSeconds: t, note: "k = 1")
    }

    /// α on held-out shots: fine-tune on ~80% of the shots, then pick α ∈ {0, 0.1, …, 1} by
    /// ROC-AUC on the held-out rows. When they hold only normal rows (A = 0, or no anomaly
    /// among the held-out), up to `referenceRows` seeded source rows stand in for anomalies: α
    /// is chosen by how well the model tells the target's held-out normals from other domains'
    /// rows (scoring held-out normals against the model's own training scores instead rewards
    /// a model that fits nothing well, and picked α ≈ 0.8 for the MVTec autoencoder).
    func chooseAlpha<D: NeuralDetector>(_ detector: D, pretrained: D.Fitted, shots: DomainData, sources: Matrix,
                                        tuning: FineTuning, referenceRows: Int = 200) throws -> Double {
        let n = shots.x.rows
        guard n >= 2 else { return 0.5 }
        var rng = SeededGenerator(seed: seed &+ 99)
        let order = rng.shuffled(Array(0..<n))
        let held = max(1, n / 5)
        let validation = Array(order[0..<held]), fitting = Array(order[held...])
        let fitData = DomainData(x: shots.x.rows(at: fitting), labels: shots.labels.map { l in fitting.map { l[$0] } })
        let tuned = try TransferLearning.fineTune(detector, pretrained, on: fitData, tuning: tuning)
        var vx = shots.x.rows(at: validation)
        var vy = shots.labels.map { l in validation.map { l[$0] } } ?? [Int](repeating: 0, count: validation.count)
        if Set(vy).count < 2 {
            // Held-out rows of one class: other domains' rows are the anomalies; held-out anomalies
            // join them, and with no held-out normal the fitting part's normals are the normals.
            let reference = sources.rows(at: rng.sample(min(referenceRows, sources.rows), from: sources.rows).sorted())
            let anomalies = vy.indices.filter { vy[$0] == 1 }
            var normals = vx.rows(at: vy.indices.filter { vy[$0] == 0 })
            if normals.rows == 0 {
                let fitLabels = fitData.labels ?? [Int](repeating: 0, count: fitData.x.rows)
                normals = fitData.x.rows(at: fitLabels.indices.filter { fitLabels[$0] == 0 })
            }
            vx = Matrix.vstack([normals, vx.rows(at: anomalies), reference])
            vy = [Int](repeating: 0, count: normals.rows) + [Int](repeating: 1, count: anomalies.count + reference.rows)
        }
        var best = (alpha: 0.0, value: -Double.infinity)
        for step in 0...10 {
            let a = Double(step) / 10
            let m = TransferLearning.interpolate(source: pretrained, tuned: tuned, alpha: a, rows: fitData.x)
            let value = Metrics.rocAUC(labels: vy, scores: try m.scores(vx))
            if value > best.value { best = (a, value) }
        }
        return best.alpha
    }
}

extension TransferExperiment {
    /// Runs the experiment for a detector given as an existential (the CLI's case).
    public func run(anyDetector detector: any Detector, sources: [DomainData], sourceNames: [String], target: DomainData,
                    targetName: String) throws -> Outcome {
        guard let neural = detector as? any NeuralDetector else {
            throw AnomalyError.parameter("detector", "transfer needs a neural detector (\(DetectorRegistry.neuralNames.joined(separator: ", "))), got '\(type(of: detector).descriptor.name)'")
        }
        return try run(neural, sources: sources, sourceNames: sourceNames, target: target, targetName: targetName)
    }
}
