import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyText

/// The encoder fixtures of `Fixtures/` (written by `scripts/fixtures/make_tiny_bert.py`) and
/// helpers shared by the encoder tests.
enum EncoderFixtures {
    /// The tiny random BERT's sentence-transformers directory.
    static func tinyBertDirectory() throws -> URL {
        try #require(Bundle.module.url(forResource: "tiny-bert", withExtension: nil, subdirectory: "Fixtures"),
                     "no Fixtures/tiny-bert")
    }

    static func tinyBert() throws -> BertModel { try BertModel(directory: tinyBertDirectory()) }

    /// One recorded batch: its id sequences, transformers' last hidden states at each row's real
    /// positions (flattened `length × hidden`), and the mean-pooled, normalised embeddings.
    struct Batch: Decodable {
        let ids: [[Int32]]
        let last_hidden_state: [[Float]]
        let embedding: [[Float]]

        /// The batch padded with id 0 to its longest row (or `length`).
        func padded(to length: Int? = nil) -> (ids: [Int32], rows: Int, length: Int, lengths: [Int]) {
            let n = length ?? ids.map(\.count).max()!
            return (ids.flatMap { $0 + [Int32](repeating: 0, count: n - $0.count) }, ids.count, n, ids.map(\.count))
        }
    }

    struct TinyAnswers: Decodable {
        let hidden_size: Int
        let batches: [Batch]
    }

    static func tinyAnswers() throws -> TinyAnswers {
        let url = try #require(Bundle.module.url(forResource: "tiny-bert-answers", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(TinyAnswers.self, from: Data(contentsOf: url))
    }

    /// The largest `|a − b| / (1 + |b|)`: absolute error for values up to 1, relative above.
    static func maxError<A: Collection, B: Collection>(_ a: A, _ b: B) -> Float where A.Element == Float, B.Element == Float {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
        return zip(a, b).reduce(Float(0)) { Swift.max($0, abs($1.0 - $1.1) / (1 + abs($1.1))) }
    }

    /// A copy of the tiny BERT directory in a fresh temporary folder, to damage or edit.
    static func tinyBertCopy() throws -> URL {
        let target = URL(fileURLWithPath: TestSupport.temporaryDirectory()).appendingPathComponent("tiny-bert")
        try FileManager.default.copyItem(at: tinyBertDirectory(), to: target)
        return target
    }

    /// Writes a safetensors file from raw entries (name, dtype, shape, little-endian bytes).
    static func writeSafeTensors(_ entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])], to url: URL) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for e in entries {
            header[e.name] = ["dtype": e.dtype, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]]
            offset += e.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for e in entries { out.append(contentsOf: e.bytes) }
        try out.write(to: url)
    }

    /// The error `body` throws, as an `AnomalyError` (records an issue when it throws none).
    static func error(_ body: () throws -> Void) -> AnomalyError? {
        do {
            try body()
            Issue.record("expected an AnomalyError")
            return nil
        } catch let e as AnomalyError {
            return e
        } catch {
            Issue.record("expected an AnomalyError, got \(error)")
            return nil
        }
    }
}
