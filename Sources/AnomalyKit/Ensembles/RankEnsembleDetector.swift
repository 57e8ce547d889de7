import AnomalyMath

/// Several detectors, each with its default settings, combined by `RankEnsemble`: a row's
/// score is the mean of its positions among each member's training scores. What `auto
/// --ensemble n` fits and saves; a model file holds every member's arrays under `member<i>.`.
public struct RankEnsembleDetector: Detector {
    /// The detectors an ensemble may hold (unsupervised ones that fit on a full training set).
    package static let memberChoices = ["knn", "lof", "iforest", "pca", "ocsvm", "ecod", "copod", "hbos", "gmm", "mcd",
                                       "autoencoder", "vae", "deepsvdd"]
    public var members: [String]

    public static let declaration = DetectorDeclaration<Self>(
        name: "ensemble",
        summary: "rank average of several detectors (their default settings), as a selector's top choices are combined",
        family: "combination",
        defaults: Self(),
        parameters: [
            .names("members", \.members, choices: memberChoices, help: "comma-separated detectors, each with its default settings"),
        ]
    )

    /// Checked against `memberChoices` when fitted (`validateParameters`).
    public init(members: [String] = ["iforest", "copod", "hbos"]) {
        self.members = members
    }

    /// An ensemble of `members`, checked as the `members` parameter is (known, each once).
    public static func make(members: [String]) throws -> RankEnsembleDetector {
        let ensemble = RankEnsembleDetector(members: members)
        try ensemble.validateParameters()
        return ensemble
    }

    /// Fits every member on `data`. - Complexity: the members' fits.
    public func fit(_ data: Matrix) throws -> FittedRankEnsemble {
        try validateParameters()
        let fitted = try members.map { try DetectorRegistry.make($0).fit(data) }
        return FittedRankEnsemble(settings: self, members: fitted)
    }
}

/// A fitted `RankEnsembleDetector`: its fitted members.
public struct FittedRankEnsemble: FittedDetector {
    public let settings: RankEnsembleDetector
    public let members: [any FittedDetector]
    public let trainingScores: [Double]
    /// Each member's training scores, sorted once for scoring.
    let sortedReference: [[Double]]
    public var featureCount: Int { members[0].featureCount }

    init(settings: RankEnsembleDetector, members: [any FittedDetector]) {
        self.settings = settings
        self.members = members
        sortedReference = members.map { $0.trainingScores.sorted() }
        trainingScores = RankEnsemble.average(members.map(\.trainingScores), sortedReference: sortedReference)
    }

    public func scores(_ data: Matrix) throws -> [Double] {
        try validateForScoring(data)
        return RankEnsemble.average(try members.map { try $0.scores(data) }, sortedReference: sortedReference)
    }

    public func save(to state: inout DetectorState) {
        for (i, m) in members.enumerated() {
            var own = DetectorState()
            m.save(to: &own)
            for (name, t) in own.tensors { state.tensors["member\(i)." + name] = t }
            for (name, v) in own.scalars { state.scalars["member\(i)." + name] = v }
            state.set("member\(i).training_scores", Tensor(doubles: m.trainingScores))
        }
    }

    public init(settings: RankEnsembleDetector, featureCount: Int, trainingScores: [Double], state: DetectorState) throws {
        var members: [any FittedDetector] = []
        for (i, name) in settings.members.enumerated() {
            let prefix = "member\(i)."
            var own = DetectorState()
            for (key, t) in state.tensors where key.hasPrefix(prefix) { own.tensors[String(key.dropFirst(prefix.count))] = t }
            for (key, v) in state.scalars where key.hasPrefix(prefix) { own.scalars[String(key.dropFirst(prefix.count))] = v }
            do {
                // Every member scored the same training rows as the ensemble itself.
                let scores = try own.doubles("training_scores", count: trainingScores.count)
                own.tensors["training_scores"] = nil
                let defaults = try DetectorRegistry.make(name).parameters.values
                members.append(try DetectorRegistry.restore(name, parameters: defaults, featureCount: featureCount,
                                                            trainingScores: scores, state: own))
            } catch var e as AnomalyError {
                // Name the tensor as the model file has it: under the member's prefix.
                if e.kind == .model, let field = e.field { e.field = prefix + field }
                throw e
            }
        }
        self.init(settings: settings, members: members)
    }
}
