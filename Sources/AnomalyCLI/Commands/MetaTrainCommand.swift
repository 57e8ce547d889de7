import AnomalyImage
import AnomalyKit
import AnomalyText
import AnomalyMeta
import AnomalyNN
import AnomalyTransfer
import ArgumentParser
import Foundation

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
        let ((fitted, rates), seconds) = try Stopwatch.measure { try learning.train(anyDetector: resolved.detector, sampler: &sampler) }
        let m = try save(fitted, rates: rates, contamination: resolved.contamination, tasks: tasks)
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
    /// Names of the tasks' columns: `x0`…, with the encoder's `text[i]` last under `--encoder`.
    func taskFeatureNames(_ tasks: [MetaTask]) throws -> [String] {
        let columns = tasks.first?.data.x.cols ?? 0
        let first = tasks.first?.name ?? ""
        if input.imageEncoder(for: first) != nil { return (0..<columns).map { "image[\($0)]" } }
        guard input.encoder != nil || input.readsLog(first) else { return (0..<columns).map { "x\($0)" } }
        let dimension = try SentenceEncoder.shared(try EncoderDirectory(input.encoder ?? "minilm")).dimension
        let column = try input.rawTextColumn(for: first)
        return (0..<max(0, columns - dimension)).map { "x\($0)" } + (0..<dimension).map { "\(column)[\($0)]" }
    }

    /// The meta-trained detector as a model file at `model`, its threshold from `contamination`.
    @discardableResult
    func save(_ fitted: any FittedDetector, rates: ParameterSet?, contamination: Double, tasks: [MetaTask]) throws -> AnomalyModel {
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        let m = AnomalyModel(detector: fitted, threshold: threshold, trainingRows: tasks.reduce(0) { $0 + $1.data.x.rows })
            .attaching(rates.map(MetaSGD.attachments) ?? [:])
        try input.keepingEncoder(m, featureNames: taskFeatureNames(tasks), readFrom: tasks.first?.name ?? "").save(to: model)
        return m
    }

    /// `--method metric`: the learned distance as a `span` model without support rows; score
    /// it with `anomalykit score --model FILE --support NORMALS --data X`.
    func saveMetric(_ sampler: inout EpisodeSampler, tasks: [MetaTask], contamination: Double) throws {
        let (result, seconds) = try Stopwatch.measure { try MetricMetaLearning().train(sampler: &sampler) }
        let fitted = try FittedSpan.unfitted(settings: SpanDistance(ridge: result.model.ridge), directions: result.model.directions,
                                         typicalScores: result.normalQueryScores)
        // Without a task's support rows it cannot score yet: a pending model.
        let threshold = try ContaminationThreshold(contamination: contamination, trainingScores: fitted.trainingScores)
        let names = try taskFeatureNames(tasks)
        try input.keepingEncoder(PendingModel(awaiting: .supportRows, detector: fitted, featureNames: names,
                                              threshold: threshold, trainingRows: tasks.reduce(0) { $0 + $1.data.x.rows }),
                                 featureNames: names, readFrom: tasks.first?.name ?? "").save(to: model)
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
