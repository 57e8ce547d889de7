import AnomalyKit
import Foundation

/// AnomalyKit's model cache: where `scripts/fetch-models` installs pretrained encoders
/// (`$ANOMALYKIT_HOME/models/<folder>`, `$ANOMALYKIT_HOME` defaulting to `~/.cache/anomalykit`).
/// Text and image encoders share it, each under the folder its short name maps to.
public enum ModelCache {
    /// The cache's root: `$ANOMALYKIT_HOME`, or `~/.cache/anomalykit`.
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["ANOMALYKIT_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        let userHome = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return userHome.appendingPathComponent(".cache/anomalykit", isDirectory: true)
    }

    /// The folder of an installed model: `root/models/<folder>`.
    public static func folder(_ folder: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        root(environment: environment).appendingPathComponent("models/\(folder)", isDirectory: true)
    }
}

/// Values loaded at most once per process, by key (an encoder by its directory: weights are
/// memory-mapped and their digest computed once). Thread-safe.
public final class LoadedOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var byKey: [String: Value] = [:]  // guarded by `lock`

    public init() {}

    /// The value kept for `key`, or the one `load` makes (kept for later calls). Two threads
    /// asking at once may both load; the first kept wins.
    public func value(for key: String, load: () throws -> Value) throws -> Value {
        if let v = lock.withLock({ byKey[key] }) { return v }
        let v = try load()
        return lock.withLock {
            if let kept = byKey[key] { return kept }
            byKey[key] = v
            return v
        }
    }

    /// Keeps `value` for `key`.
    public func remember(_ value: Value, for key: String) { lock.withLock { byKey[key] = value } }
}
