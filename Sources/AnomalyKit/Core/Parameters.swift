import AnomalyMath

/// A detector parameter's value: PyOD-style names map to one of these.
public enum ParameterValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    /// An integer list (`intList` parameter), stored as "64,32".
    public static func list(_ values: [Int]) -> ParameterValue { .string(values.map(String.init).joined(separator: ",")) }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .bool(let v): return v ? "true" : "false"
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        }
    }
}

/// The declaration of one detector parameter: name (PyOD's), kind, default, range and help.
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable {
        case int(min: Int?, max: Int?)
        /// A real number; `openMin`/`openMax` exclude the bound itself.
        case double(min: Double?, max: Double?, openMin: Bool, openMax: Bool)
        case choice([String])
        case bool
        /// Comma-separated positive integers (layer widths), stored as a string like "64,32".
        case intList(minCount: Int, max: Int?)
        /// Comma-separated names from `choices` (at least one, no repeats), stored as "a,b".
        case names([String])
        /// A value of `kind` where `none`, one of its values, means PyOD's `None` ('auto', 'all'):
        /// the setting is then nil. `none` is the 0 that model files and text assignments have always used.
        indirect case optional(Kind, none: ParameterValue)
    }
    public let name: String
    public let kind: Kind
    public let defaultValue: ParameterValue
    public let help: String

    public init(name: String, kind: Kind, defaultValue: ParameterValue, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    public static func int(_ name: String, default d: Int, min: Int? = nil, max: Int? = nil, help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .int(min: min, max: max), defaultValue: .int(d), help: help)
    }
    public static func double(_ name: String, default d: Double, min: Double? = nil, max: Double? = nil,
                              openMin: Bool = false, openMax: Bool = false, help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .double(min: min, max: max, openMin: openMin, openMax: openMax),
                      defaultValue: .double(d), help: help)
    }
    public static func choice(_ name: String, default d: String, _ options: [String], help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .choice(options), defaultValue: .string(d), help: help)
    }
    public static func bool(_ name: String, default d: Bool, help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .bool, defaultValue: .bool(d), help: help)
    }
    public static func names(_ name: String, default d: [String], choices: [String], help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .names(choices), defaultValue: .string(d.joined(separator: ",")), help: help)
    }
    public static func intList(_ name: String, default d: [Int], minCount: Int = 1, max: Int? = nil,
                               help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .intList(minCount: minCount, max: max),
                      defaultValue: .string(d.map(String.init).joined(separator: ",")), help: help)
    }

    /// The integers of an `intList` value ("64,32" → [64, 32]); nil if malformed.
    package static func integers(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        return values.count == parts.count && !text.trimmingCharacters(in: .whitespaces).isEmpty ? values : nil
    }

    /// A human-readable description of the accepted values, e.g. "integer ≥ 1".
    public var rangeDescription: String { Self.describe(kind) }

    private static func describe(_ kind: Kind) -> String {
        switch kind {
        case .int(let lo, let hi):
            switch (lo, hi) {
            case let (l?, h?): return "integer in [\(l), \(h)]"
            case let (l?, nil): return "integer ≥ \(l)"
            case let (nil, h?): return "integer ≤ \(h)"
            default: return "integer"
            }
        case .double(let lo, let hi, let om, let oM):
            let l = lo.map { (om ? "(" : "[") + "\($0)" } ?? "(-inf"
            let h = hi.map { "\($0)" + (oM ? ")" : "]") } ?? "inf)"
            return "number in \(l), \(h)"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .bool: return "true or false"
        case .intList(let minCount, let hi):
            return "comma-separated integers ≥ 1" + (hi.map { " and ≤ \($0)" } ?? "") + (minCount > 1 ? ", at least \(minCount)" : "")
        case .names(let choices):
            return "comma-separated names from " + choices.joined(separator: ", ")
        case .optional(let inner, _):
            return describe(inner)
        }
    }

    /// Parses and range-checks `text` for this parameter.
    public func parse(_ text: String) throws -> ParameterValue {
        let value = try parsed(text, as: kind)
        try validate(value)
        return value
    }

    /// `text` read as a value of `kind`, before any range check.
    private func parsed(_ text: String, as kind: Kind) throws -> ParameterValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        let value: ParameterValue
        switch kind {
        case .int:
            guard let v = Int(t) else { throw AnomalyError.parameter(name, "expected an integer, got '\(text)'") }
            value = .int(v)
        case .double:
            guard let v = Double(t), v.isFinite else { throw AnomalyError.parameter(name, "expected a finite number, got '\(text)'") }
            value = .double(v)
        case .choice(let options):
            guard options.contains(t) else {
                throw AnomalyError.parameter(name, "expected one of \(options.joined(separator: ", ")), got '\(text)'")
            }
            value = .string(t)
        case .bool:
            switch t.lowercased() {
            case "true", "1", "yes": value = .bool(true)
            case "false", "0", "no": value = .bool(false)
            default: throw AnomalyError.parameter(name, "expected true or false, got '\(text)'")
            }
        case .intList, .names:
            value = .string(t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ","))
        case .optional(let inner, _):
            value = try parsed(text, as: inner)
        }
        return value
    }

    /// Checks a typed value against the declared kind and range.
    public func validate(_ value: ParameterValue) throws { try validate(value, as: kind) }

    private func validate(_ value: ParameterValue, as kind: Kind) throws {
        switch (kind, value) {
        case (.int(let lo, let hi), .int(let v)):
            if let lo, v < lo { throw AnomalyError.parameter(name, "must be an \(rangeDescription), got \(v)") }
            if let hi, v > hi { throw AnomalyError.parameter(name, "must be an \(rangeDescription), got \(v)") }
        case (.double(let lo, let hi, let om, let oM), .double(let v)):
            let bad = !v.isFinite
                || (lo.map { om ? v <= $0 : v < $0 } ?? false)
                || (hi.map { oM ? v >= $0 : v > $0 } ?? false)
            if bad { throw AnomalyError.parameter(name, "must be a \(rangeDescription), got \(v)") }
        case (.double, .int(let v)):
            try validate(.double(Double(v)), as: kind)
        case (.choice(let options), .string(let v)):
            if !options.contains(v) { throw AnomalyError.parameter(name, "must be one of \(options.joined(separator: ", ")), got '\(v)'") }
        case (.bool, .bool):
            break
        case (.intList(let minCount, let hi), .string(let v)):
            guard let list = Self.integers(v), list.count >= minCount, list.allSatisfy({ v in v >= 1 && (hi.map { v <= $0 } ?? true) }) else {
                throw AnomalyError.parameter(name, "must be \(rangeDescription) (e.g. 64,32), got '\(v)'")
            }
        case (.names(let choices), .string(let v)):
            let list = v.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !v.isEmpty, list.allSatisfy(choices.contains), Set(list).count == list.count else {
                throw AnomalyError.parameter(name, "must be \(rangeDescription), each once (e.g. iforest,copod), got '\(v)'")
            }
        case (.optional(let inner, _), _):
            try validate(value, as: inner)
        default:
            throw AnomalyError.parameter(name, "has the wrong type: expected \(rangeDescription), got \(value)")
        }
    }
}

/// Resolved parameter values of one detector: every declared parameter has a value (its default
/// unless set), and no undeclared names exist.
public struct ParameterValues: Sendable, Equatable, Codable {
    public private(set) var values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue] = [:]) { self.values = values }

    /// Resolves `assignments` (name → text) against `specs`: unknown names and bad values throw.
    public static func resolve(_ assignments: [String: String], specs: [ParameterSpec], detector: String) throws -> ParameterValues {
        var out: [String: ParameterValue] = [:]
        for s in specs { out[s.name] = s.defaultValue }
        for (name, text) in assignments.sorted(by: { $0.key < $1.key }) {
            guard let spec = specs.first(where: { $0.name == name }) else {
                let known = specs.map(\.name).joined(separator: ", ")
                throw AnomalyError.parameter(name, "unknown parameter for \(detector); known: \(known.isEmpty ? "(none)" : known)")
            }
            out[name] = try spec.parse(text)
        }
        return ParameterValues(out)
    }

    /// Checks typed values (e.g. from a model file or library call) against `specs`.
    public static func validated(_ values: [String: ParameterValue], specs: [ParameterSpec], detector: String) throws -> ParameterValues {
        var out: [String: ParameterValue] = [:]
        for s in specs { out[s.name] = s.defaultValue }
        for (name, v) in values {
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw AnomalyError.parameter(name, "unknown parameter for \(detector)")
            }
            try spec.validate(v)
            out[name] = v
        }
        return ParameterValues(out)
    }

    public subscript(name: String) -> ParameterValue? { values[name] }

    public func int(_ name: String) throws -> Int {
        guard case .int(let v)? = values[name] else { throw AnomalyError.parameter(name, "missing or not an integer") }
        return v
    }
    public func double(_ name: String) throws -> Double {
        switch values[name] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: throw AnomalyError.parameter(name, "missing or not a number")
        }
    }
    public func string(_ name: String) throws -> String {
        guard case .string(let v)? = values[name] else { throw AnomalyError.parameter(name, "missing or not text") }
        return v
    }
    public func integers(_ name: String) throws -> [Int] {
        guard let list = ParameterSpec.integers(try string(name)) else {
            throw AnomalyError.parameter(name, "expected comma-separated integers")
        }
        return list
    }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let v)? = values[name] else { throw AnomalyError.parameter(name, "missing or not true/false") }
        return v
    }

    /// `name=value` pairs sorted by name, for display.
    public var summary: String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

import Foundation
