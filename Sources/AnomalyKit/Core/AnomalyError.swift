/// Every error AnomalyKit reports to a user: what went wrong and where (file, line, column, field).
///
/// The description is one line meant for a terminal, e.g.
/// `data.csv:3:2: column 'amount': expected a number, got "abc"`.
///
/// The library names fields and values, never command-line flags: where there is a remedy, it is
/// a typed `hint` that each front end renders in its own words (the CLI with its flags).
public struct AnomalyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A remedy the user can apply, named by the data it concerns rather than by a flag.
    public enum Hint: Sendable, Equatable {
        /// The column mixes numbers and text: declare it categorical (one-hot encode its texts).
        case declareCategorical(column: String)
        /// The column cannot be used as it is: leave it out of the features.
        case dropColumn(String)
        /// Missing values: fill them with the training column's mean or median, or remove the row.
        case impute
        /// A model pretrained in the relative frame: fine-tune it on a target's rows in that frame.
        case fineTuneInRelativeFrame
        /// A few-shot model: give it a few normal rows of the task to score against.
        case giveSupportRows
        /// A count of normal rows (shots) outside what is possible: choose one in `range`.
        case chooseShots(ClosedRange<Int>)
        /// The detector learns from labels: give one per training row (1 = anomaly, 0 = other).
        case giveLabels
        /// Training diverged: lower the learning rate named by `field` (a Swift argument label
        /// such as `innerLearningRate`, or a detector parameter such as `lr`).
        case smallerLearningRate(field: String)
        /// No selector is available: train one from benchmark results and give its file.
        case giveSelectorFile
        /// The selector file is from another version or feature set: train it again from its
        /// benchmark results with this version.
        case retrainSelector
        /// A pretrained encoder named `name` is not installed in the model cache: fetch it.
        case installEncoder(name: String)
    }

    public enum Kind: String, Sendable, Equatable {
        /// A data file cannot be read or has the wrong content.
        case data
        /// A detector, parameter or option is unknown or out of range.
        case parameter
        /// Inputs that do not fit together (shapes, feature counts, columns).
        case shape
        /// A model file is missing, damaged or from another format version.
        case model
        /// Fitting or scoring failed numerically.
        case numeric
        /// Writing an output failed.
        case io
    }

    public var kind: Kind
    public var message: String
    /// The file involved, if any.
    public var file: String?
    /// 1-based line (CSV) or record number, if known.
    public var line: Int?
    /// 1-based column, if known.
    public var column: Int?
    /// A named field: a parameter, a CSV column, a tensor, a JSON key.
    public var field: String?
    /// What the user can do about it, if there is a remedy (see `Hint`).
    public var hint: Hint?

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil,
                column: Int? = nil, field: String? = nil, hint: Hint? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.hint = hint
    }

    /// The location, field and message, then the hint in plain words (front ends that spell the
    /// remedy their own way use `summary` and render `hint` themselves).
    public var description: String {
        guard let hint else { return summary }
        return summary + "; " + hint.description
    }

    /// `file:line:column: 'field': message`, without the hint.
    public var summary: String {
        var location = ""
        if let file {
            location = file
            if let line { location += ":\(line)" }
            if let column { location += ":\(column)" }
            location += ": "
        } else if let line {
            location = "line \(line)" + (column.map { ", column \($0)" } ?? "") + ": "
        }
        let fieldPart = field.map { "'\($0)': " } ?? ""
        return location + fieldPart + message
    }

    /// The same error, attributed to `file` when it names none yet.
    public func inFile(_ path: String) -> AnomalyError {
        var e = self
        if e.file == nil { e.file = path }
        return e
    }

    // Convenience constructors.
    public static func parameter(_ name: String, _ message: String, hint: Hint? = nil) -> AnomalyError {
        AnomalyError(.parameter, message, field: name, hint: hint)
    }
    public static func data(_ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                            field: String? = nil, hint: Hint? = nil) -> AnomalyError {
        AnomalyError(.data, message, file: file, line: line, column: column, field: field, hint: hint)
    }
    public static func shape(_ message: String, field: String? = nil) -> AnomalyError {
        AnomalyError(.shape, message, field: field)
    }
    public static func model(_ message: String, file: String? = nil, field: String? = nil, hint: Hint? = nil) -> AnomalyError {
        AnomalyError(.model, message, file: file, field: field, hint: hint)
    }
    public static func numeric(_ message: String, field: String? = nil, hint: Hint? = nil) -> AnomalyError {
        AnomalyError(.numeric, message, field: field, hint: hint)
    }
}

extension AnomalyError.Hint: CustomStringConvertible {
    /// The remedy in plain words, naming no flag.
    public var description: String {
        switch self {
        case .declareCategorical(let column): return "declare the column '\(column)' categorical to one-hot encode its values"
        case .dropColumn(let column): return "leave the column '\(column)' out of the features"
        case .impute: return "impute missing values (mean or median of the training column) or remove the row"
        case .fineTuneInRelativeFrame: return "fine-tune it on a target's rows in the relative frame first"
        case .giveSupportRows: return "give it a few normal rows of the task (support rows)"
        case .chooseShots(let range): return "choose between \(range.lowerBound) and \(range.upperBound) shots"
        case .giveLabels: return "give a label per training row (1 = anomaly, 0 = other)"
        case .smallerLearningRate(let field): return "try a smaller \(field)"
        case .giveSelectorFile: return "train a selector from benchmark results and give its file"
        case .retrainSelector: return "train it again from its benchmark results with this version"
        case .installEncoder(let name): return "install the encoder '\(name)' into the model cache"
        }
    }
}

extension Matrix {
    /// Throws a data error naming the first NaN or infinite value (1-based row and column).
    package func requireFinite(_ what: String = "data") throws {
        if let (r, c) = firstNonFinite() {
            let v = self[r, c]
            throw AnomalyError.data("\(what) contains \(v.isNaN ? "NaN" : "infinity") at row \(r + 1), column \(c + 1)",
                                    line: nil, hint: v.isNaN ? .impute : nil)
        }
    }
}

import AnomalyMath
