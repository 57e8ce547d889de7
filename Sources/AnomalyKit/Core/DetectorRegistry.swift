import AnomalyMath

/// Every detector the CLI and model files know, by name.
public enum DetectorRegistry {
    /// All detector types, in the order `anomalykit detectors` lists them.
    public static let all: [any Detector.Type] = [
        KNN.self, LOF.self,                                   // proximity
        IsolationForest.self,                                 // ensemble
        PCA.self, OCSVM.self,                                 // linear
        ECOD.self, COPOD.self, HBOS.self, GMM.self, MCD.self, // probabilistic
        AutoEncoder.self, VAE.self, DeepSVDD.self,            // neural, unsupervised
        DevNet.self, Classifier.self,                         // neural, with labels
        SpanDistance.self,                                    // few-shot
        RankEnsembleDetector.self,                            // combination
    ]

    /// The names of all detectors.
    public static var names: [String] { all.map { $0.descriptor.name } }

    /// The detectors that learn without labels from a full training set (the default set of
    /// `benchmark` and `demo`; few-shot detectors and ensembles of the others are left out).
    public static var unsupervisedNames: [String] {
        all.filter { $0.labelUse == .unsupervised && !["few-shot", "combination"].contains($0.descriptor.family) }.map { $0.descriptor.name }
    }

    /// The detector type called `name`, or a parameter error listing the known names.
    public static func type(named name: String) throws -> any Detector.Type {
        guard let t = all.first(where: { $0.descriptor.name == name }) else {
            throw AnomalyError.parameter("detector", "unknown detector '\(name)'; known: \(names.joined(separator: ", "))")
        }
        return t
    }

    /// Settings for `name` from `name=value` assignments (unknown names and bad values throw).
    public static func make(_ name: String, assignments: [String: String] = [:]) throws -> any Detector {
        let t = try type(named: name)
        return try t.init(assignments: assignments)
    }

    /// Restores a fitted detector from its saved settings and arrays.
    static func restore(_ name: String, parameters: [String: ParameterValue], featureCount: Int,
                        trainingScores: [Double], state: DetectorState) throws -> any FittedDetector {
        let t = try type(named: name)
        return try restore(t, parameters: parameters, featureCount: featureCount, trainingScores: trainingScores, state: state)
    }

    private static func restore<D: Detector>(_ type: D.Type, parameters: [String: ParameterValue], featureCount: Int,
                                             trainingScores: [Double], state: DetectorState) throws -> any FittedDetector {
        // Checked against the specs; 0.1.0's sentinels (e.g. `"gamma": 0`) read back as nil.
        let settings = try D(parameters: ParameterValues(parameters))
        return try D.Fitted(settings: settings, featureCount: featureCount, trainingScores: trainingScores, state: state)
    }
}
