import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyText

@Suite struct SentenceEncoderTests {
    private func encoder() throws -> SentenceEncoder {
        try SentenceEncoder(directory: EncoderDirectory(try EncoderFixtures.tinyBertDirectory().path))
    }

    @Test func repeatedTextsAreEncodedOnceAndGetTheSameRow() throws {
        let e = try encoder()
        let texts = ["the server disk error", "", "user login failed", "the server disk error", "", "the server disk error"]
        let many = try e.embed(texts, batchSize: 2)
        #expect(many.matrix.rows == texts.count)
        #expect(many.distinctTexts == 3)
        #expect(abs(many.cacheHitRate - 0.5) < 1e-12)
        let once = try e.embed(["the server disk error", "", "user login failed"])
        for (row, k) in [0, 1, 2, 0, 1, 0].enumerated() {
            for j in 0..<e.dimension {
                #expect(abs(many.matrix[row, j] - once.matrix[k, j]) <= 1e-5 * (1 + abs(once.matrix[k, j])))
            }
        }
    }

    @Test func embeddingsComeBackInInputOrderWhateverTheBatch() throws {
        let e = try encoder()
        let texts = ["a", "the machine server disk error warning failed", "user", "network memory cpu high low"]
        let together = try e.embed(texts, batchSize: 3)
        for (i, text) in texts.enumerated() {
            let alone = try e.embed([text]).matrix
            for j in 0..<e.dimension {
                #expect(abs(together.matrix[i, j] - alone[0, j]) <= 1e-5 * (1 + abs(alone[0, j])))
            }
        }
        #expect(throws: AnomalyError.self) { try e.embed(texts, batchSize: 0) }
    }
}
