import AnomalyKit
import AnomalyMath
import Foundation

/// Shared helpers for AnomalyKit's test targets.
public enum TestSupport {
    /// A fresh empty temporary folder.
    public static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "anomalykit-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The repository's root folder (where Package.swift is).
    public static var repositoryRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// A file of the repository, by its path from the root (`Data/42_WBC.npz`).
    public static func repositoryFile(_ path: String) -> String { repositoryRoot + "/" + path }

    /// The shared benchmark datasets folder (`../shared/datasets` from the repo root), if present.
    public static var sharedDatasets: String? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let path = url.deletingLastPathComponent().appendingPathComponent("shared/datasets").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// `n × d` standard-normal rows with a few shifted outliers appended (deterministic per seed).
    public static func gaussianWithOutliers(n: Int, d: Int, outliers: Int, seed: UInt64 = 1) -> (x: Matrix, y: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var values = [Float]()
        for _ in 0..<(n * d) { values.append(Float(rng.nextGaussian())) }
        for _ in 0..<(outliers * d) { values.append(Float(rng.nextGaussian() + 6)) }
        return (Matrix(rows: n + outliers, cols: d, values: values),
                [Int](repeating: 0, count: n) + [Int](repeating: 1, count: outliers))
    }
}

/// Small, quick settings so every test trains in milliseconds.
public func quick(_ name: String, _ extra: [String: String] = [:]) throws -> any Detector {
    var a: [String: String] = [:]
    switch name {
    case "autoencoder", "vae": a = ["epoch_num": "3"]
    case "deepsvdd", "classifier": a = ["epochs": "3"]
    case "devnet": a = ["epochs": "3", "batches_per_epoch": "3", "batch_size": "16"]
    default: break
    }
    return try DetectorRegistry.make(name, assignments: a.merging(extra) { $1 })
}

/// Largest |a − b| / (|b| + atol) over the pairs: the relative error a comparison promises.
public func maxRelativeError(_ a: [Double], _ b: [Double], atol: Double = 1e-9) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / (abs($1) + atol) }.max() ?? 0
}
