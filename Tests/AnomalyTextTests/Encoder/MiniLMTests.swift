import AnomalyKit
import Foundation
import Testing
@testable import AnomalyText

/// all-MiniLM-L6-v2 from the model cache (`scripts/fetch-models minilm`) against the
/// sentence-transformers embeddings recorded in `Fixtures/minilm-embeddings.json` (ids from its
/// own tokenizer, batched with padding). Skipped when the model is not installed.
@Suite struct MiniLMTests {
    static var installed: EncoderDirectory? { try? EncoderDirectory("minilm") }

    struct Recorded: Decodable {
        let sentences: [String]
        let ids: [[Int32]]
        let embedding: [[Float]]
    }

    @Test(.enabled(if: installed != nil, "all-MiniLM-L6-v2 is not in the model cache"))
    func embeddingsMatchSentenceTransformers() throws {
        let directory = try #require(Self.installed)
        let url = try #require(Bundle.module.url(forResource: "minilm-embeddings", withExtension: "json", subdirectory: "Fixtures"))
        let recorded = try JSONDecoder().decode(Recorded.self, from: Data(contentsOf: url))
        let model = try BertModel(directory)
        let pooling = try SentencePooling(directory: directory.url)
        #expect(pooling == .normalizedMean)
        let got = try model.embeddings(recorded.ids, pooling: pooling)
        for (r, want) in recorded.embedding.enumerated() {
            let row = got.row(r)
            let dot = zip(row, want).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let norms = (row.reduce(0.0) { $0 + Double($1) * Double($1) } * want.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
            let largest = zip(row, want).map { abs($0 - $1) }.max()!
            #expect(dot / norms >= 0.99999, "'\(recorded.sentences[r])': cosine \(dot / norms)")
            #expect(largest <= 1e-4, "'\(recorded.sentences[r])': max |Δ| \(largest)")
        }
    }
}
