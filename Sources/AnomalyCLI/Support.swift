import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
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

/// Options every command that fits a detector shares.
struct DetectorOptions: ParsableArguments {
    @Option(name: .long, help: "Detector name (see `anomalykit detectors`).")
    var detector: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A detector parameter as name=value (repeatable); also contamination=0.1.", valueName: "name=value"))
    var params: [String] = []

    @Option(name: .long, help: "Scaling fitted on the training rows: none, standard, minmax, robust.")
    var preprocess: String = "none"

    @Option(name: .long, help: "Fill missing values (empty CSV cells, NaN) with the training column's mean or median: none, mean, median.")
    var impute: String = "none"

    /// The detector settings, the contamination and the preprocessing choices, all validated.
    func resolve() throws -> ResolvedDetector {
        try resolveDetector(detector, params: params, preprocess: preprocess, impute: impute)
    }
}

/// A validated detector choice: settings, contamination and preprocessing.
typealias ResolvedDetector = (detector: any Detector, contamination: Double, imputation: Preprocessor.Imputation, scaling: Preprocessor.Scaling)

/// Validates a detector name, its `name=value` parameters (plus contamination) and preprocessing.
func resolveDetector(_ name: String, params: [String], preprocess: String = "none", impute: String = "none") throws -> ResolvedDetector {
    var assignments: [String: String] = [:]
    for p in params {
        guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
            throw AnomalyError.parameter(p, "expected name=value")
        }
        let key = String(p[..<eq]).trimmingCharacters(in: .whitespaces)
        if assignments[key] != nil { throw AnomalyError.parameter(key, "given more than once") }
        assignments[key] = String(p[p.index(after: eq)...])
    }
    var contamination = 0.1
    if let c = assignments.removeValue(forKey: "contamination") {
        guard case .double(let v) = try ContaminationThreshold.contaminationSpec.parse(c) else { throw AnomalyError.parameter("contamination", "expected a number") }
        contamination = v
    }
    let d = try DetectorRegistry.make(name, assignments: assignments)
    guard let scaling = Preprocessor.Scaling(rawValue: preprocess) else {
        throw AnomalyError.parameter("--preprocess", "expected one of \(Preprocessor.Scaling.allCases.map(\.rawValue).joined(separator: ", ")), got '\(preprocess)'")
    }
    guard let imputation = Preprocessor.Imputation(rawValue: impute) else {
        throw AnomalyError.parameter("--impute", "expected one of \(Preprocessor.Imputation.allCases.map(\.rawValue).joined(separator: ", ")), got '\(impute)'")
    }
    return (d, contamination, imputation, scaling)
}

/// Options for reading tabular input files.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "CSV: the name of the label column (1 = anomaly, 0 = normal); excluded from the features.")
    var labelColumn: String?

    @Option(name: .long, help: "CSV: comma-separated column names to ignore.")
    var drop: String?

    @Option(name: .long, help: "CSV delimiter: comma, semicolon, tab (default: detected from the header).")
    var delimiter: String?

    var dropList: [String] { drop.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? [] }
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
    try DataLoader.load(path: path, labelColumn: input.labelColumn, drop: input.dropList,
                        delimiter: try input.delimiterCharacter, schema: schema, allowMissing: allowMissing)
}

/// Reads a labels file (1-D .npy of 0/1).
func loadLabels(_ path: String) throws -> [Int] { try DataLoader.loadLabels(path: path) }

extension InputOptions {
    /// The delimiter option as a character; names (comma, semicolon, tab) or the character itself.
    var delimiterCharacter: Character? {
        get throws {
            guard let d = delimiter else { return nil }
            switch d.lowercased() {
            case "comma", ",": return ","
            case "semicolon", ";": return ";"
            case "tab", "\\t", "\t": return "\t"
            default: throw AnomalyError.parameter("--delimiter", "expected comma, semicolon or tab, got '\(d)'")
            }
        }
    }
}
