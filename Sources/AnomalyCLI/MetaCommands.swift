import AnomalyKit
import AnomalyMeta
import AnomalyNN
import AnomalyTransfer
import ArgumentParser
import Foundation

/// Meta-learning knobs shared by `meta-train` and `meta`.
struct MetaOptions: ParsableArguments {
    @Option(name: .long, help: "Comma-separated task files (one feature space, labelled).") var tasks: String
    @Option(name: .long, help: "Meta-learning method: reptile, fomaml, metasgd or metric.") var method: String = "reptile"
    @Option(name: .long, help: "Normal support rows per episode (K).") var shots: Int = 10
    @Option(name: .customLong("anomaly-shots"), help: "Anomalous support rows per episode (A).") var anomalyShots: Int = 0
    @Option(name: .long, help: "Neural detector.") var detector: String = "autoencoder"
    @Option(name: .customLong("param"), help: ArgumentHelp("A detector parameter as name=value (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(name: .long, help: "Meta-iterations.") var iterations: Int = 200
    @Option(name: .customLong("tasks-per-iteration"), help: "Episodes per meta-iteration.") var tasksPerIteration: Int = 4
    @Option(name: .customLong("inner-lr"), help: "Adaptation learning rate (the inner loop; finetune --lr).") var innerLR: Double = 0.01
    @Option(name: .customLong("inner-epochs"), help: "Adaptation epochs on the support (finetune --epochs).") var innerEpochs: Int = 5
    @Option(name: .customLong("outer-lr"), help: "Reptile's step towards the adapted weights (default 0.1) or FOMAML's Adam rate (default 0.001).")
    var outerLR: Double?
    @Option(name: .customLong("query-size"), help: "Query rows per episode.") var querySize: Int = 32
    @Option(name: .customLong("domain-norm"), help: "Read each episode in its support's normal frame: center, standardize or none.")
    var domainNorm: String = "center"
    @Option(name: .long, help: "Seed of the episodes, the split and training.") var seed: UInt64 = 42

    func learning() throws -> MetaLearning {
        guard let m = MetaMethod(rawValue: method) else {
            throw AnomalyError.parameter("--method", "expected one of \(MetaMethod.allCases.map(\.rawValue).joined(separator: ", ")); got '\(method)'")
        }
        var l = MetaLearning(method: m)
        guard (1...1_000_000).contains(iterations) else { throw AnomalyError.parameter("--iterations", "must be in [1, 1000000], got \(iterations)") }
        guard (1...1000).contains(tasksPerIteration) else {
            throw AnomalyError.parameter("--tasks-per-iteration", "must be in [1, 1000], got \(tasksPerIteration)")
        }
        guard innerLR > 0, innerLR <= 10, innerLR.isFinite else { throw AnomalyError.parameter("--inner-lr", "must be in (0, 10], got \(innerLR)") }
        guard (1...100_000).contains(innerEpochs) else { throw AnomalyError.parameter("--inner-epochs", "must be in [1, 100000], got \(innerEpochs)") }
        if let outerLR, !(outerLR > 0 && outerLR <= 10) { throw AnomalyError.parameter("--outer-lr", "must be in (0, 10], got \(outerLR)") }
        l.iterations = iterations
        l.tasksPerIteration = tasksPerIteration
        l.innerLearningRate = innerLR
        l.innerEpochs = innerEpochs
        l.outerLearningRate = outerLR
        l.domainNorm = try parseDomainNorm(domainNorm, allowNone: true)
        l.seed = seed
        if stderrIsTerminal {
            l.progress = { done, total in
                let width = 24, filled = width * done / max(1, total)
                let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
                FileHandle.standardError.write(Data("\rmeta-train [\(bar)] \(done)/\(total)\(done == total ? "\n" : "")".utf8))
            }
        }
        return l
    }

    /// The method's settings, the detector and the tasks (none of them `target`), all validated.
    func resolve(_ input: InputOptions, excluding target: String? = nil) throws -> (MetaLearning, ResolvedDetector, [MetaTask]) {
        (try learning(), try resolveDetector(detector, params: params), try loadTasks(input, excluding: target))
    }

    /// The task files, loaded; none may be `target`.
    func loadTasks(_ input: InputOptions, excluding target: String? = nil) throws -> [MetaTask] {
        let paths = try splitList(tasks, option: "--tasks")
        if let target {
            let t = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath()
            for p in paths where URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath() == t {
                throw AnomalyError.parameter("--tasks", "\(p) is the target itself; tasks must differ from the target")
            }
        }
        return try loadDomains(paths, input).map { MetaTask(name: $0.path, data: $0.data) }
    }
}

/// `anomalykit meta-train`: a meta-learned initialisation, saved as a model file for `finetune`.
struct MetaTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta-train",
        abstract: "Meta-train on a family of tasks: an initialisation (reptile, fomaml, metasgd) or a distance (metric).",
        discussion: "Adapt the saved model to a new task with: finetune --model meta.safetensors --train SUPPORT --domain-norm center --lr <inner-lr> --epochs <inner-epochs> --model tuned.safetensors")

    @OptionGroup var meta: MetaOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Where to write the model (.safetensors).") var model: String
    @Flag(help: "Print a JSON summary.") var json = false

    func run() throws {
        let (learning, resolved, tasks) = try meta.resolve(input)
        var sampler = try EpisodeSampler(tasks: tasks, shots: meta.shots, anomalyShots: meta.anomalyShots,
                                         querySize: meta.querySize, seed: meta.seed)
        if learning.method == .metric {
            try saveMetric(&sampler, tasks: tasks, contamination: resolved.contamination)
            return
        }
        let ((fitted, rates), seconds) = try Stopwatch.measure { try learning.train(anyDetector: resolved.detector, sampler: &sampler) }
        let m = try save(fitted, rates: rates, contamination: resolved.contamination, tasks: tasks)
        let summary: [String: Any] = ["detector": m.detectorName, "method": learning.method.rawValue, "tasks": tasks.map(\.name),
                                      "iterations": learning.iterations, "inner_lr": learning.innerLearningRate,
                                      "inner_epochs": learning.innerEpochs, "domain_norm": learning.domainNorm?.rawValue ?? "none",
                                      "fit_seconds": seconds, "model": model]
        if json { output(try jsonString(summary)) } else {
            output("meta-trained \(m.detectorName) (\(learning.method.rawValue)) on \(tasks.count) tasks, \(learning.iterations) iterations in \(fmt(seconds, 2)) s → \(model)")
            let rate = learning.method == .metasgd ? "" : " --lr \(learning.innerLearningRate)"  // metasgd: its learned rates
            output("adapt with: anomalykit finetune --model \(model) --train SUPPORT --domain-norm \(learning.domainNorm?.rawValue ?? "none")\(rate) --epochs \(learning.innerEpochs) --model tuned.safetensors")
        }
    }
}

extension MetaTrainCommand {
    /// The meta-trained detector as a model file at `model`, its threshold from `contamination`.
    @discardableResult
    func save(_ fitted: any FittedDetector, rates: ParameterSet?, contamination: Double, tasks: [MetaTask]) throws -> AnomalyModel {
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        let m = AnomalyModel(detector: fitted, threshold: threshold, trainingRows: tasks.reduce(0) { $0 + $1.data.x.rows })
            .attaching(rates.map(MetaSGD.attachments) ?? [:])
        try m.save(to: model)
        return m
    }

    /// `--method metric`: the learned distance as a `span` model without support rows; score
    /// it with `anomalykit score --model FILE --support NORMALS --data X`.
    func saveMetric(_ sampler: inout EpisodeSampler, tasks: [MetaTask], contamination: Double) throws {
        let (result, seconds) = try Stopwatch.measure { try MetricMetaLearning().train(sampler: &sampler) }
        let fitted = try FittedSpan.unfitted(settings: SpanDistance(ridge: result.model.ridge), directions: result.model.directions,
                                         typicalScores: result.normalQueryScores)
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        try PendingModel(awaiting: .supportRows, detector: fitted, featureNames: (0..<fitted.featureCount).map { "x\($0)" },
                         threshold: threshold, trainingRows: tasks.reduce(0) { $0 + $1.data.x.rows }).save(to: model)
        let summary: [String: Any] = ["detector": "span", "method": "metric", "tasks": tasks.map(\.name),
                                      "directions": result.directionCount, "scale": result.scale, "ridge": result.model.ridge,
                                      "episode_roc_auc": result.episodeAUC, "span_only_episode_roc_auc": result.spanOnlyEpisodeAUC,
                                      "fit_seconds": seconds, "model": model]
        if json { output(try jsonString(summary)) } else {
            output("meta-trained a metric on \(tasks.count) tasks in \(fmt(seconds, 2)) s: \(result.directionCount) directions × \(result.scale), ridge \(result.model.ridge); episode ROC-AUC \(fmt(result.episodeAUC)) (span of the shots alone \(fmt(result.spanOnlyEpisodeAUC))) → \(model)")
            output("score with: anomalykit score --model \(model) --support NORMAL_ROWS --data X --out scores.csv")
        }
    }
}

/// `anomalykit meta`: the leave-one-task-out meta experiment (see `MetaExperiment`).
struct MetaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Does meta-learning help on this target task? scratch, finetuned, meta and kNN on the shots.")

    @OptionGroup var meta: MetaOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Target file (labelled: split 70/30, support rows from the training part).") var target: String
    @Flag(help: "Print exactly one JSON object.") var json = false

    func run() throws {
        let (learning, resolved, tasks) = try meta.resolve(input, excluding: target)
        let targetData = try loadDomains([target], input)[0]
        var experiment = MetaExperiment(method: learning.method, shots: meta.shots)
        experiment.learning = learning
        experiment.anomalyShots = meta.anomalyShots
        experiment.querySize = meta.querySize
        experiment.seed = meta.seed
        let outcome = try experiment.run(anyDetector: resolved.detector, tasks: tasks, target: targetData.data, targetName: target)
        if json {
            var object: [String: Any] = [
                "detector": meta.detector, "method": learning.method.rawValue, "target": target, "tasks": tasks.map(\.name),
                "shots": meta.shots, "anomaly_shots": meta.anomalyShots, "seed": meta.seed,
                "n_test": outcome.testRows, "n_test_anomalies": outcome.testAnomalies,
            ]
            for (name, result, reason) in outcome.modes { object[name] = modeJSON(result, reason) }
            output(try jsonString(object))
        } else {
            output("meta: \(meta.detector), \(learning.method.rawValue), \(tasks.count) tasks → \(target)")
            output("K = \(meta.shots), A = \(meta.anomalyShots), seed \(meta.seed); test \(outcome.testRows) rows (\(outcome.testAnomalies) anomalies)")
            output(modeTable(outcome.modes))
        }
    }
}

/// One experiment mode as JSON: `{roc_auc, average_precision, fit_seconds[, note]}`, or nulls and `error`.
func modeJSON(_ result: ModeResult?, _ reason: String?) -> [String: Any] {
    guard let r = result else {
        return ["roc_auc": NSNull(), "average_precision": NSNull(), "fit_seconds": NSNull(), "error": reason ?? "failed"]
    }
    var entry: [String: Any] = ["roc_auc": r.rocAUC, "average_precision": r.averagePrecision, "fit_seconds": r.fitSeconds]
    if let note = r.note { entry["note"] = note }
    return entry
}

/// The modes of an experiment as a table.
func modeTable(_ modes: [(name: String, result: ModeResult?, reason: String?)]) -> String {
    renderTable(["mode", "ROC-AUC", "AP", "fit s", "note"], modes.map { name, r, reason in
        guard let r else { return [name, "—", "—", "—", reason ?? "failed"] }
        return [name, fmt(r.rocAUC), fmt(r.averagePrecision), fmt(r.fitSeconds, 2), r.note ?? ""]
    })
}
