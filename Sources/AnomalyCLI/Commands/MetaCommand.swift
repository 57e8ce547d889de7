import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

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
