import AnomalyKit
import Foundation
import Testing
import TestSupport

/// The library workflow of the README, on a bundled dataset: load → fit → score → save → load.
@Suite struct EndToEndTests {
    static var wbc: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Data/42_WBC.npz").path
    }

    /// The training data for `name`: all of WBC, or 20 of its normal rows for few-shot detectors.
    static func training(for name: String, _ data: Dataset) throws -> Dataset {
        guard try DetectorRegistry.type(named: name).descriptor.family == "few-shot" else { return data }
        let normals = data.labels!.indices.filter { data.labels![$0] == 0 }.prefix(20)
        return Dataset(x: data.x.rows(at: Array(normals)), featureNames: data.featureNames)
    }

    @Test(arguments: DetectorRegistry.names)
    func everyDetectorFitsSavesAndReloadsWithIdenticalScores(name: String) throws {
        let data = try DataLoader.load(path: Self.wbc)
        let detector = try DetectorRegistry.make(name)
        let model = try AnomalyModel.fit(detector, on: try Self.training(for: name, data), contamination: 0.05)
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

    @Test func scoresDoNotDependOnTheBatch() throws {
        let data = try DataLoader.load(path: Self.wbc)
        for name in DetectorRegistry.names {
            let model = try AnomalyModel.fit(try DetectorRegistry.make(name), on: try Self.training(for: name, data))
            let all = try model.scores(data.x)
            let some = try model.scores(data.x.rows(at: [5, 17, 3]))
            #expect(some == [all[5], all[17], all[3]], "\(name)")
        }
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
