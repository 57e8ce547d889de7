import AnomalyKit
import AnomalyMath
import Foundation

/// How token states become one sentence embedding, as sentence-transformers does it: its
/// `Pooling` module (the CLS token, the max or the mean over the sentence's tokens, or several
/// concatenated) and an optional `Normalize` module (L2 norm 1).
public struct SentencePooling: Sendable, Equatable {
    /// A pooling of the tokens, named by its `1_Pooling/config.json` key.
    public enum Mode: String, Sendable, CaseIterable {
        /// The first token's state (`[CLS]`).
        case cls = "pooling_mode_cls_token"
        /// The element-wise maximum over the tokens.
        case max = "pooling_mode_max_tokens"
        /// The mean over the tokens.
        case mean = "pooling_mode_mean_tokens"
        /// The sum over the tokens divided by √length.
        case meanSqrtLength = "pooling_mode_mean_sqrt_len_tokens"
    }

    /// The poolings, concatenated in sentence-transformers' order (cls, max, mean, mean_sqrt_len).
    public let modes: [Mode]
    /// Whether the embedding is scaled to L2 norm 1 (`x / max(‖x‖, 1e-12)`).
    public let normalize: Bool

    /// Mean pooling, then L2 normalisation (all-MiniLM-L6-v2's).
    public static let normalizedMean = SentencePooling(modes: [.mean], normalize: true)

    /// The given poolings (at least one; order and repeats do not matter) and normalisation.
    public init(modes: [Mode] = [.mean], normalize: Bool = false) {
        let chosen = Set(modes.isEmpty ? [.mean] : modes)
        self.modes = Mode.allCases.filter { chosen.contains($0) }
        self.normalize = normalize
    }

    /// Reads a sentence-transformers directory: `modules.json` (when present) for the pooling
    /// module's folder and a `Normalize` module, and that folder's `config.json` for the modes.
    /// Without `modules.json`, `1_Pooling/config.json` is read if present; without a pooling
    /// config, mean pooling. No normalisation unless `modules.json` lists it.
    /// - Throws: `AnomalyError` (`.model`) naming the file and key for malformed files, a module
    ///   other than Transformer, Pooling and Normalize, or a pooling mode not supported
    ///   (weighted mean, last token).
    public init(directory: URL) throws {
        var poolingFolder = "1_Pooling"
        var normalize = false
        let modulesURL = directory.appendingPathComponent("modules.json")
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            let path = modulesURL.path
            guard let data = try? Data(contentsOf: modulesURL),
                  let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                throw AnomalyError.model("not a JSON list of modules", file: path)
            }
            for (i, module) in modules.enumerated() {
                guard let type = module["type"] as? String else {
                    throw AnomalyError.model("module \(i) has no type", file: path, field: "type")
                }
                switch type.split(separator: ".").last.map(String.init) ?? type {
                case "Transformer": break
                case "Pooling": poolingFolder = module["path"] as? String ?? poolingFolder
                case "Normalize": normalize = true
                default:
                    throw AnomalyError.model("module '\(type)' is not supported (Transformer, Pooling, Normalize)",
                                             file: path, field: "type")
                }
            }
        }
        let configURL = directory.appendingPathComponent(poolingFolder).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            self.init(modes: [.mean], normalize: normalize)
            return
        }
        let path = configURL.path
        guard let data = try? Data(contentsOf: configURL),
              let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AnomalyError.model("not a JSON object", file: path)
        }
        func flag(_ key: String) throws -> Bool {
            guard let value = config[key] else { return false }
            guard let b = value as? Bool else { throw AnomalyError.model("must be true or false, got \(value)", file: path, field: key) }
            return b
        }
        for key in ["pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"] where try flag(key) {
            throw AnomalyError.model("this pooling mode is not supported (cls, max, mean, mean_sqrt_len)", file: path, field: key)
        }
        let modes = try Mode.allCases.filter { try flag($0.rawValue) }
        guard !modes.isEmpty else {
            throw AnomalyError.model("no pooling mode is set", file: path, field: Mode.mean.rawValue)
        }
        self.init(modes: modes, normalize: normalize)
    }

    /// The embedding's width for token states of width `hidden`.
    public func width(hidden: Int) -> Int { modes.count * hidden }

    /// Pools packed token states (`Σ lengths × hidden`, one sequence after another) into one
    /// row per sequence. Sums accumulate in `Double`.
    /// - Complexity: O(Σ lengths · hidden)
    package func pool(_ states: [Float], lengths: [Int], hidden h: Int) -> Matrix {
        let width = width(hidden: h)
        var out = [Float](repeating: 0, count: lengths.count * width)
        var first = 0
        var sum = [Double](repeating: 0, count: h)
        for (r, n) in lengths.enumerated() {
            let row = r * width
            for (m, mode) in modes.enumerated() {
                let column = row + m * h
                switch mode {
                case .cls:
                    for j in 0..<h { out[column + j] = states[first * h + j] }
                case .max:
                    for j in 0..<h {
                        var v = -Float.infinity
                        for t in first..<(first + n) { v = Swift.max(v, states[t * h + j]) }
                        out[column + j] = v
                    }
                case .mean, .meanSqrtLength:
                    for j in 0..<h { sum[j] = 0 }
                    for t in first..<(first + n) {
                        for j in 0..<h { sum[j] += Double(states[t * h + j]) }
                    }
                    let divisor = mode == .mean ? Double(Swift.max(n, 1)) : Double(Swift.max(n, 1)).squareRoot()
                    for j in 0..<h { out[column + j] = Float(sum[j] / divisor) }
                }
            }
            if normalize {
                var squares = 0.0
                for j in 0..<width { squares += Double(out[row + j]) * Double(out[row + j]) }
                let scale = 1 / Swift.max(squares.squareRoot(), 1e-12)
                for j in 0..<width { out[row + j] = Float(Double(out[row + j]) * scale) }
            }
            first += n
        }
        return Matrix(rows: lengths.count, cols: width, values: out)
    }
}
