import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `--contamination`: the expected share of anomalies, which sets a fitted model's threshold.
/// One option on every command that fits a detector; `--param contamination=` is the older
/// spelling and keeps working (giving both is an error).
struct ContaminationOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Expected share of anomalies in the training data, in (0, 0.5]; sets the threshold (default 0.1; also --param contamination=).", valueName: "share"))
    var contamination: Double?

    func validate() throws {
        if let contamination { try validateContamination(contamination) }
    }
}

/// Checks a contamination value against the threshold's declared range, as a usage error.
func validateContamination(_ value: Double) throws {
    do { try ContaminationThreshold.contaminationSpec.validate(.double(value)) } catch let e as AnomalyError {
        throw ValidationError("--contamination: \(e.message)")
    }
}

/// The detector of a command: `--detector`, `--param name=value`, `--contamination`.
struct DetectorChoice: ParsableArguments {
    @Option(name: .long, help: "Detector name (see `anomalykit detectors`).")
    var detector: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A detector parameter as name=value (repeatable); also contamination=0.1.", valueName: "name=value"))
    var params: [String] = []

    @OptionGroup var threshold: ContaminationOption

    /// The validated detector settings and the contamination.
    func resolve() throws -> (detector: any Detector, contamination: Double) {
        let r = try resolveDetector(detector, params: params, contamination: threshold.contamination)
        return (r.detector, r.contamination)
    }
}

/// Options every command that fits a detector on one table shares: the detector and its
/// threshold, and the preprocessing fitted on the training rows.
struct DetectorOptions: ParsableArguments {
    @OptionGroup var choice: DetectorChoice

    @Option(name: .long, help: "Scaling fitted on the training rows.")
    var preprocess: Preprocessor.Scaling = .none

    @Option(name: .long, help: "Fill missing values (empty CSV cells, NaN) with the training column's mean or median.")
    var impute: Preprocessor.Imputation = .none

    @OptionGroup var augmentation: AugmentationOptions

    @OptionGroup var adversarial: AdversarialOptions

    var detector: String { choice.detector }
    var params: [String] { choice.params }

    /// The detector settings, the contamination and the preprocessing choices, all validated.
    func resolve() throws -> ResolvedDetector {
        try resolveDetector(choice.detector, params: choice.params + adversarial.params(for: choice.detector),
                            contamination: choice.threshold.contamination,
                            scaling: preprocess, imputation: impute)
    }
}

/// A validated detector choice: settings, contamination and preprocessing.
typealias ResolvedDetector = (detector: any Detector, contamination: Double, imputation: Preprocessor.Imputation, scaling: Preprocessor.Scaling)

/// `name=value` assignments by name; a name given twice, or text without `=`, is an error.
func parseAssignments(_ params: [String]) throws -> [String: String] {
    var assignments: [String: String] = [:]
    for p in params {
        guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
            throw AnomalyError.parameter(p, "expected name=value")
        }
        let key = String(p[..<eq]).trimmingCharacters(in: .whitespaces)
        if assignments[key] != nil { throw AnomalyError.parameter(key, "given more than once") }
        assignments[key] = String(p[p.index(after: eq)...])
    }
    return assignments
}

/// Validates a detector name, its `name=value` parameters, the contamination (`--contamination`
/// or `--param contamination=`, not both; 0.1 when neither) and the preprocessing.
func resolveDetector(_ name: String, params: [String], contamination option: Double? = nil,
                     scaling: Preprocessor.Scaling = .none, imputation: Preprocessor.Imputation = .none) throws -> ResolvedDetector {
    var assignments = try parseAssignments(params)
    var contamination = option ?? 0.1
    if let c = assignments.removeValue(forKey: "contamination") {
        guard option == nil else {
            throw AnomalyError.parameter("--contamination", "given both as --contamination and as --param contamination=; give one")
        }
        guard case .double(let v) = try ContaminationThreshold.contaminationSpec.parse(c) else { throw AnomalyError.parameter("contamination", "expected a number") }
        contamination = v
    }
    let d = try DetectorRegistry.make(name, assignments: assignments)
    return (d, contamination, imputation, scaling)
}

/// Refuses `--param contamination=` where no threshold is set (the experiments report ROC-AUC and
/// average precision, which need none), so it is not accepted and then ignored.
func refuseContamination(_ params: [String], command: String) throws {
    if try parseAssignments(params)["contamination"] != nil {
        throw AnomalyError.parameter("contamination", "\(command) reports ROC-AUC and average precision, which need no threshold; contamination has no effect here, leave it out")
    }
}
