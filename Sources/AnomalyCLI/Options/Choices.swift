import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

// Enum-like options are typed: argument-parser checks the value, and `--help` lists the choices
// (from `CaseIterable`). The library's enums get their conformance here, in the CLI module.

extension Preprocessor.Scaling: ExpressibleByArgument {}
extension Preprocessor.Imputation: ExpressibleByArgument {}
extension ProbabilityMethod: ExpressibleByArgument {}
extension Adaptation: ExpressibleByArgument {}
extension MetaMethod: ExpressibleByArgument {}
extension SyntheticAnomalyType: ExpressibleByArgument {}
extension DomainNorm: ExpressibleByArgument {}

/// `--domain-norm` of `pretrain`, `finetune` (and, refused there, `transfer`): a per-domain
/// normalisation, or `relative` (every row read as distances to a few normal rows of its domain).
enum FrameChoice: String, CaseIterable, ExpressibleByArgument {
    case center, standardize, relative

    /// The library's normalisation; nil for `relative`, which is a reading, not a `DomainNorm`.
    var domainNorm: DomainNorm? {
        switch self {
        case .center: return .center
        case .standardize: return .standardize
        case .relative: return nil
        }
    }
}

/// `--domain-norm` of `meta-train` and `meta`: the frame each episode is read in.
enum EpisodeNormChoice: String, CaseIterable, ExpressibleByArgument {
    case center, standardize, none

    var domainNorm: DomainNorm? { self == .none ? nil : DomainNorm(rawValue: rawValue) }
}

/// `--delimiter`: by name, or the character itself (`,` `;` a tab, or `\t`).
enum DelimiterChoice: String, CaseIterable, ExpressibleByArgument {
    case comma, semicolon, tab

    init?(argument: String) {
        switch argument.lowercased() {
        case "comma", ",": self = .comma
        case "semicolon", ";": self = .semicolon
        case "tab", "\\t", "\t": self = .tab
        default: return nil
        }
    }

    var character: Character {
        switch self {
        case .comma: return ","
        case .semicolon: return ";"
        case .tab: return "\t"
        }
    }
}

/// Parses `a,b,c` for options that take a comma-separated list (the `transform:` of `--source`,
/// `--tasks`, `--keep`, `--categorical` …): trimmed, empty items dropped, at least one item.
func commaList(_ text: String) throws -> [String] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !parts.isEmpty else { throw ValidationError("expected a comma-separated list, got '\(text)'") }
    return parts
}

/// A comma-separated list of positive integers (`--hidden 64,32`).
func positiveIntegerList(_ text: String) throws -> [Int] {
    guard let values = ParameterSpec.integers(text), !values.isEmpty, values.allSatisfy({ $0 >= 1 }) else {
        throw ValidationError("expected comma-separated positive integers, got '\(text)'")
    }
    return values
}
