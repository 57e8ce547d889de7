import AnomalyKit
import Foundation

/// Where a pretrained text encoder lives: a directory in the Hugging Face / sentence-transformers
/// layout (`config.json`, `model.safetensors`, `vocab.txt`, optionally `tokenizer_config.json`,
/// `modules.json`, `1_Pooling/config.json`, `sentence_bert_config.json`).
///
/// An encoder is named either by a path to such a directory or by a short name installed in the
/// model cache (`$ANOMALYKIT_HOME/models/<name>`, `$ANOMALYKIT_HOME` defaulting to
/// `~/.cache/anomalykit`) by `scripts/fetch-models`.
public struct EncoderDirectory: Sendable, Equatable {
    /// The short name the cache knows the encoder by (`minilm`), or nil for a directory given by path.
    public let name: String?
    /// The directory holding the files.
    public let url: URL

    /// Short names `scripts/fetch-models` installs, and the directory each gets in the cache.
    public static let knownNames: [String: String] = ["minilm": "all-MiniLM-L6-v2"]

    /// The model cache's root: `$ANOMALYKIT_HOME`, or `~/.cache/anomalykit`.
    public static func cacheRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        ModelCache.root(environment: environment)
    }

    /// Resolves `spec`: a known short name (looked up in the cache) or a directory path.
    /// - Throws: `AnomalyError` (`.model`) naming the spec when the directory does not exist or
    ///   lacks a required file; for a short name, with the hint to install it.
    public init(_ spec: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let fm = FileManager.default
        if let folder = Self.knownNames[spec] {
            let url = ModelCache.folder(folder, environment: environment)
            guard fm.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
                throw AnomalyError.model("encoder '\(spec)' is not installed (looked in \(url.path))",
                                         field: "encoder", hint: .installEncoder(name: spec))
            }
            self.name = spec
            self.url = url
        } else {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: spec, isDirectory: &isDirectory), isDirectory.boolValue else {
                let names = Self.knownNames.keys.sorted().joined(separator: ", ")
                throw AnomalyError.model("no encoder directory at this path, and not a known encoder name (\(names))",
                                         file: spec, field: "encoder")
            }
            self.name = nil
            self.url = URL(fileURLWithPath: spec, isDirectory: true)
        }
        for required in ["config.json", "model.safetensors", "vocab.txt"] {
            guard fm.fileExists(atPath: url.appendingPathComponent(required).path) else {
                throw AnomalyError.model("the encoder directory is incomplete: \(required) is missing",
                                         file: url.path, field: required)
            }
        }
    }

    /// The path of a file inside the directory.
    public func file(_ relativePath: String) -> URL { url.appendingPathComponent(relativePath) }

    /// The JSON object in `relativePath`, or nil when the file does not exist.
    ///
    /// - Throws: `AnomalyError` (`.model`) naming the file when it cannot be read or is not a JSON
    ///   object.
    package func jsonObject(_ relativePath: String) throws -> [String: Any]? {
        let url = file(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed])
        } catch {
            throw AnomalyError.model("not valid JSON: \(error.localizedDescription)", file: url.path, field: relativePath)
        }
        guard let dictionary = object as? [String: Any] else {
            throw AnomalyError.model("expected a JSON object", file: url.path, field: relativePath)
        }
        return dictionary
    }
}
