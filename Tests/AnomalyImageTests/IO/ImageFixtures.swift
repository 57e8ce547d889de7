import AnomalyKit
import Foundation
import Testing
@testable import AnomalyImage

/// The files of `Fixtures/` (written by scripts/fixtures/make_image_fixtures.py with Pillow 13.0.0).
enum ImageFixtures {
    static func url(_ relative: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent(relative)
    }

    /// The arrays of a `.npz` fixture by name.
    static func arrays(_ relative: String) throws -> [String: NumPyArray] {
        try NumPy.readArchive(path: try url(relative).path)
    }

    /// The `manifest.json` entries of one section (`decode` or `preprocess`).
    static func manifest(_ section: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: try url("manifest.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object[section] as? [[String: Any]])
    }

    /// A uint8 array's bytes.
    static func bytes(_ array: NumPyArray) -> [UInt8] { [UInt8](array.bytes) }

    /// The AnomalyError `body` throws (an issue is recorded when it throws none or another error).
    static func error(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> AnomalyError? {
        do {
            try body()
            Issue.record("expected an AnomalyError", sourceLocation: sourceLocation)
        } catch let error as AnomalyError {
            return error
        } catch {
            Issue.record("expected an AnomalyError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// The samples of `image` as RGB (grey replicated), as Pillow's `convert("RGB")` gives them.
    static func rgb(_ image: DecodedImage) -> [UInt8] {
        image.channels == 3 ? image.pixels : image.pixels.flatMap { [$0, $0, $0] }
    }

    /// Mean and max |a − b|.
    static func difference(_ a: [Float], _ b: [Float]) -> (mean: Double, max: Double) {
        var sum = 0.0, largest = 0.0
        for (x, y) in zip(a, b) {
            let d = Double(abs(x - y))
            sum += d
            largest = max(largest, d)
        }
        return (sum / Double(max(a.count, 1)), largest)
    }
}
