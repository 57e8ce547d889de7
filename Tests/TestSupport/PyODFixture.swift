import AnomalyMath
import Foundation
import Testing

/// A reference fixture written by `scripts/fixtures/make_*_fixtures.py` (PyOD / scikit-learn scores).
///
/// Every fixture holds the `train` and `test` rows; the rest depends on its family:
/// - `linear_*`: `train_labels`, `test_labels`, `train_scores`, `test_scores`, `assignments` and
///   extras such as `rho`, `n_support`, `pyod_mean_test_auc`;
/// - `probabilistic_*`: `test_labels` and `detectors` (name → params, train and test scores …);
/// - `proximity_*`: `cases` (detector, params, train and test scores, LOF's neighbours).
///
/// The common parts are properties; a family's own part is read with `decode(_:)` into a
/// `Decodable` type of that family, or untyped through `document`.
public struct PyODFixture: @unchecked Sendable {
    public let name: String
    public let train: Matrix
    public let test: Matrix
    public let trainLabels: [Int]?
    public let testLabels: [Int]?
    /// The whole JSON document.
    public let document: [String: Any]
    private let bytes: Data

    /// Loads `name.json` from `bundle`'s `Fixtures` folder (pass the test target's `Bundle.module`).
    public init(_ name: String, in bundle: Bundle) throws {
        let url = try #require(bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")
                               ?? bundle.url(forResource: name, withExtension: "json"), "no fixture \(name).json")
        try self.init(name, data: Data(contentsOf: url))
    }

    public init(_ name: String, data: Data) throws {
        self.name = name
        bytes = data
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name): not a JSON object")
        func matrix(_ key: String) throws -> Matrix { Matrix(try #require(doc[key] as? [[Double]], "\(name): no '\(key)' rows")) }
        document = doc
        train = try matrix("train")
        test = try matrix("test")
        trainLabels = doc["train_labels"] as? [Int]
        testLabels = doc["test_labels"] as? [Int]
    }

    /// The family-specific part of the fixture, decoded as `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: bytes) }

    /// A top-level array of numbers, such as `train_scores`.
    public func doubles(_ key: String) throws -> [Double] { try #require(document[key] as? [Double], "\(name): no '\(key)'") }

    /// `train_scores` and `test_scores` (linear fixtures).
    public var trainScores: [Double] { get throws { try doubles("train_scores") } }
    public var testScores: [Double] { get throws { try doubles("test_scores") } }

    /// The fixture's detector parameters as `name=value` text assignments (linear fixtures).
    public var assignments: [String: String] { document["assignments"] as? [String: String] ?? [:] }
}
