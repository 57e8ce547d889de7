import AnomalyKit
import Foundation
import Testing
import TestSupport

/// The library workflow of the README, on a bundled dataset: load → fit → score → save → load
/// (AnomalyModel.swift, AnomalyModel+File.swift). The checks every detector must pass are in
/// `Core/DetectorContractTests.swift`.
@Suite struct AnomalyModelTests {
    static var wbc: String { TestSupport.repositoryFile("Data/42_WBC.npz") }

    @Test(arguments: DetectorRegistry.names)
    func everyDetectorFitsSavesAndReloadsWithIdenticalScores(name: String) throws {
        let data = try DataLoader.load(path: Self.wbc)
        let detector = try DetectorRegistry.make(name)
        let model = try AnomalyModel.fit(detector, on: try DetectorContract.training(for: name, data), contamination: 0.05)
        let scores = try model.scores(data.x)
        #expect(scores.count == data.rowCount)
        #expect(scores.allSatisfy { $0.isFinite })
        // Anomalies rank above normals on this easy dataset for every detector.
        #expect(Metrics.rocAUC(labels: data.labels!, scores: scores) > 0.75)
        let path = TestSupport.temporaryDirectory() + "/m.safetensors"
        try model.save(to: path)
        let loaded = try AnomalyModel.load(from: path)
        #expect(try loaded.scores(data.x) == scores)
        #expect(loaded.threshold == model.threshold)
        #expect(loaded.parameters == model.parameters)
        #expect(loaded.labels(forScores: scores) == model.labels(forScores: scores))
        let flagged = model.labels(forScores: model.detector.trainingScores).reduce(0, +)
        #expect(flagged <= Int((0.05 * Double(model.detector.trainingScores.count)).rounded(.up)) + 1)
    }

    @Test func modelFileFromAnotherFormatVersionIsRefused() throws {
        let data = try DataLoader.load(path: Self.wbc)
        let model = try AnomalyModel.fit(try DetectorRegistry.make("hbos"), on: data)
        var bytes = try model.serialized()
        let needle = Data("\\\"format_version\\\":2".utf8)
        let range = try #require(bytes.range(of: needle))
        bytes[range.upperBound - 1] = UInt8(ascii: "7")
        let error = #expect(throws: AnomalyError.self) { try AnomalyModel.load(data: bytes, file: "old.safetensors") }
        #expect(error?.field == "format_version")
        #expect(error?.description.contains("old.safetensors") == true)
    }

    @Test func scoringDataWithOtherColumnsIsRefused() throws {
        let data = try DataLoader.load(path: Self.wbc)
        let model = try AnomalyModel.fit(try DetectorRegistry.make("knn"), on: data)
        #expect(throws: AnomalyError.self) { try model.scores(data.x.columns(at: [0, 1])) }
    }

    @Test func outOfRangeParametersAreRefused() throws {
        let data = try DataLoader.load(path: Self.wbc)
        #expect(throws: AnomalyError.self) { try AnomalyModel.fit(try DetectorRegistry.make("knn"), on: data, contamination: 0.6) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("knn", assignments: ["n_neighbors": "0"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("knn", assignments: ["k": "3"]) }
        #expect(throws: AnomalyError.self) { try DetectorRegistry.make("nope") }
        let tiny = Dataset(x: data.x.rows(at: [0, 1, 2, 3]))
        #expect(throws: AnomalyError.self) { try AnomalyModel.fit(try DetectorRegistry.make("knn"), on: tiny) }
    }
}

@Suite struct LinearModelFileTests {
    @Test(arguments: ["pca", "iforest", "ocsvm"])
    func modelFileRoundTrip(_ name: String) throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 150, d: 5, outliers: 4, seed: 11)
        let detector = try DetectorRegistry.make(name)
        let model = try AnomalyModel.fit(detector, on: Dataset(x: x))
        let loaded = try AnomalyModel.load(data: try model.serialized(), file: "\(name).safetensors")
        #expect(loaded.detectorName == name)
        #expect(try loaded.scores(x) == (try model.scores(x)))
    }
}
