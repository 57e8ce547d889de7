import AnomalyKit
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to the command's standard output (tables, JSON).
func output(_ text: String = "") {
    Console.current.write(text + "\n", to: .output)
}

/// Writes a line to the command's standard error (progress and notes; stdout stays clean for
/// tables and JSON).
func note(_ text: String) {
    Console.current.write(text + "\n", to: .error)
}

/// True when stderr is a terminal (progress bars only then).
var stderrIsTerminal: Bool { Console.current.isTerminal && isatty(2) != 0 }

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

    var detector: String { choice.detector }
    var params: [String] { choice.params }

    /// The detector settings, the contamination and the preprocessing choices, all validated.
    func resolve() throws -> ResolvedDetector {
        try resolveDetector(choice.detector, params: choice.params, contamination: choice.threshold.contamination,
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

/// Options for reading tabular input files.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "CSV: the name of the label column (1 = anomaly, 0 = normal); excluded from the features.")
    var labelColumn: String?

    @Option(name: .long, help: ArgumentHelp("CSV: comma-separated column names to ignore.", valueName: "col,…"), transform: commaList)
    var drop: [String] = []

    @Option(name: .long, help: ArgumentHelp("CSV: comma-separated columns to one-hot encode by their text even where it is a number (saved in the model, so scoring encodes them alike).", valueName: "col,…"), transform: commaList)
    var categorical: [String] = []

    @Option(name: .long, help: "CSV delimiter (default: detected from the header); also the character itself.")
    var delimiter: DelimiterChoice?

    var dropList: [String] { drop }

    /// The delimiter option as a character, nil to detect it.
    var delimiterCharacter: Character? { delimiter?.character }

    /// Refuses the CSV-only options for a `.npy`/`.npz` file (they would have no effect).
    func requireCSV(_ path: String, _ option: String, _ given: Bool) throws {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        if given && (ext == "npy" || ext == "npz") {
            throw AnomalyError.parameter(option, "applies to CSV files; \(path) is a .\(ext) file with no named columns")
        }
    }
}

/// Formats a number for tables.
func fmt(_ v: Double, _ digits: Int = 4) -> String {
    v.isNaN ? "nan" : String(format: "%.\(digits)f", v)
}

/// Renders rows as a left-aligned text table with a header rule.
func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces)
    }
    return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n")
}

/// Serialises a JSON object with sorted keys; NaN and infinity become null.
func jsonString(_ object: Any) throws -> String {
    func clean(_ v: Any) -> Any {
        switch v {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let a as [Any]: return a.map(clean)
        case let m as [String: Any]: return m.mapValues(clean)
        default: return v
        }
    }
    let data = try JSONSerialization.data(withJSONObject: clean(object), options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

extension ParameterValues {
    /// Parameters as a JSON-ready dictionary.
    var jsonObject: [String: Any] {
        values.mapValues { v -> Any in
            switch v {
            case .int(let i): return i
            case .double(let d): return d
            case .string(let s): return s
            case .bool(let b): return b
            }
        }
    }
}

/// Reads a data file with the CLI's input options (see `DataLoader.load`).
func loadDataset(_ path: String, _ input: InputOptions, schema: TableSchema? = nil, allowMissing: Bool) throws -> Dataset {
    try DataLoader.load(path: path, labelColumn: input.labelColumn, drop: input.drop, delimiter: input.delimiterCharacter,
                        schema: schema, allowMissing: allowMissing, categorical: input.categorical)
}

/// Reads a labels file (1-D .npy of 0/1).
func loadLabels(_ path: String) throws -> [Int] { try DataLoader.loadLabels(path: path) }

