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
