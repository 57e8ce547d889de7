import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyImage

/// The real EfficientNet-Lite0 (`scripts/fetch-models efficientnet-lite0`) against the PyTorch
/// peer's answers for two fixture photos (`Fixtures/lite0-answers.json`, written by
/// `scripts/fixtures/make_tiny_efficientnet.py lite0`): the files are read, decoded and resized
/// here, so the comparison covers the whole path. Skipped when the weights are not installed.
@Suite struct LiteZeroTests {
    struct Answer: Decodable {
        let file: String
        let features: [Float]
        let top5: [Int]
    }

    static var installed: Bool {
        FileManager.default.fileExists(atPath: ModelCache.folder("efficientnet-lite0").appendingPathComponent("model.safetensors").path)
    }

    @Test(.enabled(if: LiteZeroTests.installed, "EfficientNet-Lite0 is not installed (scripts/fetch-models efficientnet-lite0)"))
    func photosGetThePeersFeaturesAndClasses() throws {
        let url = try #require(Bundle.module.url(forResource: "lite0-answers", withExtension: "json", subdirectory: "Fixtures"))
        let answers = try JSONDecoder().decode([Answer].self, from: Data(contentsOf: url))
        let fixtures = url.deletingLastPathComponent()
        let encoder = try ImageEncoder.shared("efficientnet-lite0")
        let embedding = try encoder.embed(files: answers.map { fixtures.appendingPathComponent($0.file) }, classify: true)
        for (i, answer) in answers.enumerated() {
            let row = Array(embedding.matrix.values[(i * 1280)..<((i + 1) * 1280)])
            let dot = zip(row, answer.features).map { Double($0) * Double($1) }.reduce(0, +)
            let norms = (row.map { Double($0 * $0) }.reduce(0, +) * answer.features.map { Double($0 * $0) }.reduce(0, +)).squareRoot()
            // The resize is Pillow's byte for byte, so only float rounding in the network is left.
            #expect(dot / norms > 0.99999, "\(answer.file): cosine \(dot / norms)")
            #expect(embedding.classes[i] == answer.top5[0], "\(answer.file): top-1 \(embedding.classes[i]), PyTorch \(answer.top5)")
        }
    }
}
