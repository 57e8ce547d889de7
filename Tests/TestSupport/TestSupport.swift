@_exported import MathTestSupport
import AnomalyKit
import AnomalyMath
import Foundation

/// Shared helpers for AnomalyKit's test targets.
public enum TestSupport {
    /// `n × d` standard-normal rows with a few shifted outliers appended (`DataGenerators`).
    public static func gaussianWithOutliers(n: Int, d: Int, outliers: Int, seed: UInt64 = 1) -> (x: Matrix, y: [Int]) {
        DataGenerators.gaussianWithOutliers(n: n, d: d, outliers: outliers, seed: seed)
    }

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
        let path = URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared/datasets").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// A bundled dataset of `Data/`, by file name (`42_WBC.npz`).
    public static func bundledDataset(_ name: String) throws -> Dataset {
        try DataLoader.load(path: repositoryFile("Data/" + name))
    }

    /// Saves a fitted detector's state through the safetensors encoding and restores it.
    public static func roundTrip<F: FittedDetector>(_ fitted: F) throws -> F {
        var state = DetectorState()
        fitted.save(to: &state)
        let data = try SafeTensors.encode(tensors: state.tensors, metadata: [:])
        let (tensors, _) = try SafeTensors.decode(data, file: "roundtrip.safetensors")
        let restored = DetectorState(tensors: tensors, scalars: state.scalars)
        let settings = try F.Settings(parameters: fitted.settings.parameters)
        return try F(settings: settings, featureCount: fitted.featureCount, trainingScores: fitted.trainingScores,
                     state: restored)
    }

    /// The rows of `m` in reverse order.
    public static func reversed(_ m: Matrix) -> Matrix { m.rows(at: Array((0..<m.rows).reversed())) }

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

