import AnomalyKit
import ArgumentParser
import Foundation

/// Meta-learning knobs shared by `meta-train` and `meta`. The gradient-based methods (reptile,
/// fomaml, metasgd) use all of them; `metric` learns a distance from episodes alone, so the options
/// it has no use for are refused with it rather than ignored (`unusedWithMetric`).
struct MetaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Comma-separated task files (one feature space, labelled).", valueName: "file,…"), transform: commaList)
    var tasks: [String]
    @Option(name: .long, help: "Meta-learning method: an initialisation (reptile, fomaml, metasgd) or a distance (metric).") var method: MetaMethod = .reptile
    @Option(name: .long, help: "Normal support rows per episode (K).") var shots: Int = 10
    @Option(name: .customLong("anomaly-shots"), help: "Anomalous support rows per episode (A).") var anomalyShots: Int = 0
    @Option(name: .customLong("detector"), help: "Neural detector (default autoencoder; not with metric in meta-train).") var detectorOption: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("A detector parameter as name=value (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(name: .long, help: "Meta-iterations, 1…1000000 (default 200; not with metric).") var iterations: Int?
    @Option(name: .customLong("tasks-per-iteration"), help: "Episodes per meta-iteration, 1…1000 (default 4; not with metric).") var tasksPerIteration: Int?
    @Option(name: .customLong("inner-lr"), help: "Adaptation learning rate (the inner loop; finetune --lr), in (0, 10] (default 0.01).") var innerLR: Double?
    @Option(name: .customLong("inner-epochs"), help: "Adaptation epochs on the support (finetune --epochs), 1…100000 (default 5).") var innerEpochs: Int?
    @Option(name: .customLong("outer-lr"), help: "Reptile's step towards the adapted weights (default 0.1) or FOMAML's Adam rate (default 0.001); not with metric.")
    var outerLR: Double?
    @Option(name: .customLong("query-size"), help: "Query rows per episode.") var querySize: Int = 32
    @Option(name: .customLong("domain-norm"), help: "Read each episode in its support's normal frame (default center; not with metric).")
    var domainNorm: EpisodeNormChoice?
    @Option(name: .long, help: "Seed of the episodes, the split and training.") var seed: UInt64 = 42

    var detector: String { detectorOption ?? "autoencoder" }

    func validate() throws {
        if let iterations, !(1...1_000_000).contains(iterations) { throw ValidationError("--iterations must be in [1, 1000000], got \(iterations)") }
        if let tasksPerIteration, !(1...1000).contains(tasksPerIteration) {
            throw ValidationError("--tasks-per-iteration must be in [1, 1000], got \(tasksPerIteration)")
        }
        if let innerLR, !(innerLR > 0 && innerLR <= 10 && innerLR.isFinite) { throw ValidationError("--inner-lr must be in (0, 10], got \(innerLR)") }
        if let innerEpochs, !(1...100_000).contains(innerEpochs) { throw ValidationError("--inner-epochs must be in [1, 100000], got \(innerEpochs)") }
        if let outerLR, !(outerLR > 0 && outerLR <= 10) { throw ValidationError("--outer-lr must be in (0, 10], got \(outerLR)") }
    }

    /// The options given that `--method metric` does not use; `detector` says whether the command
    /// still trains a detector (the `meta` experiment does, for its scratch and finetuned modes).
    func unusedWithMetric(detector usesDetector: Bool) -> [String] {
        var unused: [String] = []
        if iterations != nil { unused.append("--iterations") }
        if tasksPerIteration != nil { unused.append("--tasks-per-iteration") }
        if outerLR != nil { unused.append("--outer-lr") }
        if domainNorm != nil { unused.append("--domain-norm") }
        if !usesDetector {
            if detectorOption != nil { unused.append("--detector") }
            if (try? parseAssignments(params).keys.contains { $0 != "contamination" }) ?? !params.isEmpty { unused.append("--param") }
            if innerLR != nil { unused.append("--inner-lr") }
            if innerEpochs != nil { unused.append("--inner-epochs") }
        }
        return unused
    }

    /// Refuses, with `--method metric`, the options it would ignore.
    func refuseUnusedWithMetric(detector usesDetector: Bool) throws {
        guard method == .metric else { return }
        let unused = unusedWithMetric(detector: usesDetector)
        if !unused.isEmpty {
            throw ValidationError("--method metric learns a distance from the episodes (--shots, --anomaly-shots, --query-size, --seed) and takes no \(unused.joined(separator: ", ")); leave \(unused.count == 1 ? "it" : "them") out, or choose reptile, fomaml or metasgd")
        }
    }

    func learning() throws -> MetaLearning {
        var l = MetaLearning(method: method)
        if let iterations { l.iterations = iterations } else { l.iterations = 200 }
        l.tasksPerIteration = tasksPerIteration ?? 4
        l.innerLearningRate = innerLR ?? 0.01
        l.innerEpochs = innerEpochs ?? 5
        l.outerLearningRate = outerLR
        l.domainNorm = (domainNorm ?? .center).domainNorm
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
        let paths = tasks
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
        discussion: "Adapt the saved model to a new task with: finetune --model meta.safetensors --train SUPPORT --domain-norm center --lr <inner-lr> --epochs <inner-epochs> --out tuned.safetensors. A metric model is scored directly: score --model FILE --support NORMAL_ROWS --data X.")

    @OptionGroup var meta: MetaOptions
    @OptionGroup var threshold: ContaminationOption
    @OptionGroup var input: InputOptions
    @OptionGroup var modelOutput: ModelOutput
    @Flag(help: "Print a JSON summary.") var json = false

    var model: String { modelOutput.path ?? "" }

    func validate() throws {
        _ = try modelOutput.required()
        try meta.refuseUnusedWithMetric(detector: false)
    }

    func run() throws {
        let learning = try meta.learning()
        let tasks = try meta.loadTasks(input)
        let resolved = try resolveDetector(meta.detector, params: meta.method == .metric ? meta.params.filter { $0.hasPrefix("contamination=") } : meta.params,
                                           contamination: threshold.contamination)
        var sampler = try EpisodeSampler(tasks: tasks, shots: meta.shots, anomalyShots: meta.anomalyShots,
                                         querySize: meta.querySize, seed: meta.seed)
        if learning.method == .metric {
            try saveMetric(&sampler, tasks: tasks, contamination: resolved.contamination)
            return
        }
        let (fitted, seconds) = try Stopwatch.measure { try learning.train(anyDetector: resolved.detector, sampler: &sampler) }
        let m = try save(fitted, contamination: resolved.contamination, tasks: tasks)
        let summary: [String: Any] = ["detector": m.detectorName, "method": learning.method.rawValue, "tasks": tasks.map(\.name),
                                      "iterations": learning.iterations, "inner_lr": learning.innerLearningRate,
                                      "inner_epochs": learning.innerEpochs, "domain_norm": learning.domainNorm?.rawValue ?? "none",
                                      "fit_seconds": seconds, "model": model]
        if json { output(try jsonString(summary)) } else {
            output("meta-trained \(m.detectorName) (\(learning.method.rawValue)) on \(tasks.count) tasks, \(learning.iterations) iterations in \(fmt(seconds, 2)) s → \(model)")
            let rate = learning.method == .metasgd ? "" : " --lr \(learning.innerLearningRate)"  // metasgd: its learned rates
            output("adapt with: anomalykit finetune --model \(model) --train SUPPORT --domain-norm \(learning.domainNorm?.rawValue ?? "none")\(rate) --epochs \(learning.innerEpochs) --out tuned.safetensors")
        }
    }
}

extension MetaTrainCommand {
    /// The meta-trained detector as a model file at `model`, its threshold from `contamination`.
    @discardableResult
    func save(_ fitted: any FittedDetector, contamination: Double, tasks: [MetaTask]) throws -> AnomalyModel {
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        let m = AnomalyModel(detector: fitted, threshold: threshold, trainingRows: tasks.reduce(0) { $0 + $1.data.x.rows })
        try m.save(to: model)
        return m
    }

    /// `--method metric`: the learned distance as a `span` model without support rows; score
    /// it with `anomalykit score --model FILE --support NORMALS --data X`.
    func saveMetric(_ sampler: inout EpisodeSampler, tasks: [MetaTask], contamination: Double) throws {
        let (result, seconds) = try Stopwatch.measure { try MetricMetaLearning().train(sampler: &sampler) }
        let fitted = try FittedSpan.unfitted(settings: SpanDistance(ridge: result.model.ridge), directions: result.model.directions,
                                         typicalScores: result.normalQueryScores)
        try save(fitted, contamination: contamination, tasks: tasks)
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

    func validate() throws { try meta.refuseUnusedWithMetric(detector: true) }

    func run() throws {
        try refuseContamination(meta.params, command: "meta")
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
