/// Every error AnomalyKit reports to a user: what went wrong and where (file, line, column, field).
///
/// The description is one line meant for a terminal, e.g.
/// `data.csv:3:2: column 'amount': expected a number, got "abc"`.
public struct AnomalyError: Error, Equatable, Sendable, CustomStringConvertible {
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

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil,
                column: Int? = nil, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    public var description: String {
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
    public static func parameter(_ name: String, _ message: String) -> AnomalyError {
        AnomalyError(.parameter, message, field: name)
    }
    public static func data(_ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                            field: String? = nil) -> AnomalyError {
        AnomalyError(.data, message, file: file, line: line, column: column, field: field)
    }
    public static func shape(_ message: String, field: String? = nil) -> AnomalyError {
        AnomalyError(.shape, message, field: field)
    }
    public static func model(_ message: String, file: String? = nil, field: String? = nil) -> AnomalyError {
        AnomalyError(.model, message, file: file, field: field)
    }
}

extension Matrix {
    /// Throws a data error naming the first NaN or infinite value (1-based row and column).
    public func requireFinite(_ what: String = "data") throws {
        if let (r, c) = firstNonFinite() {
            let v = self[r, c]
            throw AnomalyError.data("\(what) contains \(v.isNaN ? "NaN" : "infinity") at row \(r + 1), column \(c + 1); "
                                    + "impute it (--impute mean|median) or remove the row", line: nil)
        }
    }
}

import AnomalyMath
