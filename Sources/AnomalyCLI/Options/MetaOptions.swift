import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
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
