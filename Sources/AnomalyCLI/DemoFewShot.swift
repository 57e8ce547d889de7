import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import Foundation

/// The demo's first part, AnomalyKit's reason to exist: a new machine ("E") with only a few
/// normal rows, next to four machines ("A"–"D") with labelled history. The five are one bundled
/// dataset dealt out and recalibrated per machine (`Recalibration`), so they share features and
/// what an anomaly is, but not their raw values. Every approach is measured on E's test rows.
struct DemoFewShot {
    /// The labelled dataset the machines are made from.
    var domainFile: String
    /// Normal rows of machine E available for training (K).
    var shots: Int
    var seed: UInt64
    /// Fewer meta-learning episodes (the tests' setting).
    var quick = false

    static let sourceNames = ["machine A", "machine B", "machine C", "machine D"]
    static let targetName = "machine E"

    struct Outcome {
        var rows: [ComparisonRow]
        var domains: [RecalibratedDomain]
        var testRows: Int
        var testAnomalies: Int
        var seconds: Double
    }

    func run() throws -> Outcome {
        let started = Date()
        let base = try DataLoader.load(path: domainFile)
        guard let labels = base.labels else { throw AnomalyError.data("has no labels (array 'y')", file: domainFile) }
        try base.x.requireFinite(domainFile)
        // E gets two shares, so its test part (30 % of its rows) is large enough to measure on.
        let domains = try Recalibration().domains(x: base.x, labels: labels, shares: [1, 1, 1, 1, 2],
                                                  names: Self.sourceNames + [Self.targetName], seed: seed)
        let sources = domains.dropLast().map { DomainData(x: $0.x, labels: $0.labels) }
        let target = DomainData(x: domains[4].x, labels: domains[4].labels)

        // Transfer: a classifier learns from the sources' labelled rows what an anomaly looks like,
        // each source read in its own normal frame; E's K normal rows move it into E's frame.
        var transfer = TransferExperiment(shots: shots)
        transfer.adaptation = .standardize
        transfer.seed = seed
        let classifier = try DetectorRegistry.make("classifier", assignments: ["random_state": "\(seed)"])
        let t = try transfer.run(anyDetector: classifier, sources: sources, sourceNames: Self.sourceNames,
                                 target: target, targetName: Self.targetName)
        // Meta-learning (`metric`): a distance learned on episodes drawn from the sources,
        // measured from E's rows to its K normal rows; the experiment also gives scratch and kNN.
        var meta = MetaExperiment(method: .metric, shots: shots)
        meta.seed = seed
        if quick { meta.metric.episodes = 20 }
        let autoencoder = try DetectorRegistry.make("autoencoder", assignments: ["random_state": "\(seed)"])
        let tasks = zip(Self.sourceNames, sources).map { MetaTask(name: $0, data: $1) }
        let m = try meta.run(anyDetector: autoencoder, tasks: tasks, target: target, targetName: Self.targetName)

        func row(_ modes: [(name: String, result: ModeResult?, reason: String?)], _ mode: String, _ name: String,
                 _ explanation: String) -> ComparisonRow {
            guard let found = modes.first(where: { $0.name == mode }) else {
                return ComparisonRow(name: name, explanation: explanation, rocAUC: .nan, averagePrecision: .nan, fitSeconds: .nan,
                                     note: "mode '\(mode)' was not run")
            }
            guard let r = found.result else {
                return ComparisonRow(name: name, explanation: explanation, rocAUC: .nan, averagePrecision: .nan, fitSeconds: .nan,
                                     note: found.reason ?? "failed")
            }
            return ComparisonRow(name: name, explanation: explanation, rocAUC: r.rocAUC, averagePrecision: r.averagePrecision,
                                 fitSeconds: r.fitSeconds, note: r.note ?? "")
        }
        let k = shots
        let rows = [
            row(m.modes, "scratch", "scratch", "an autoencoder trained on E's \(k) normal rows alone"),
            row(m.modes, "knn_shots", "kNN on the shots", "distance to the nearest of E's \(k) normal rows"),
            row(t.modes, "source_only", "source model as is", "a classifier trained on A–D's labelled rows, applied to E's raw values"),
            row(t.modes, "adapted", "transfer", "the same classifier, each machine read in its own normal frame, moved to E by its \(k) rows"),
            row(m.modes, "meta", "meta-learning", "a distance learned on episodes from A–D, measured to E's \(k) normal rows"),
        ]
        return Outcome(rows: rows, domains: domains, testRows: t.testRows, testAnomalies: t.testAnomalies,
                       seconds: Date().timeIntervalSince(started))
    }
}
