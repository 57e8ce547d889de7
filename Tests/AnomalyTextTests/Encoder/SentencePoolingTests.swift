import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyText

@Suite struct SentencePoolingTests {
    // Two sequences of hidden width 2: [[1, 2], [3, -4]] and [[5, 6]].
    let states: [Float] = [1, 2, 3, -4, 5, 6]

    @Test func modesConcatenateInSentenceTransformersOrder() {
        let pooling = SentencePooling(modes: [.mean, .cls, .meanSqrtLength, .max, .mean])
        #expect(pooling.modes == [.cls, .max, .mean, .meanSqrtLength])
        #expect(pooling.width(hidden: 2) == 8)
        let out = pooling.pool(states, lengths: [2, 1], hidden: 2)
        #expect(out.row(0) == [1, 2, 3, 2, 2, -1, Float(4 / 2.0.squareRoot()), Float(-2 / 2.0.squareRoot())])
        #expect(out.row(1) == [5, 6, 5, 6, 5, 6, 5, 6])
    }

    @Test func normalisationScalesToUnitLength() {
        let out = SentencePooling(modes: [.cls], normalize: true).pool([3, 4, 0, 0], lengths: [1, 1], hidden: 2)
        #expect(out.row(0) == [0.6, 0.8])
        #expect(out.row(1) == [0, 0])  // a zero vector stays zero (the 1e-12 floor)
    }

    private func directory(modules: String?, pooling: [String: Any]?, folder: String = "1_Pooling") throws -> URL {
        let url = URL(fileURLWithPath: TestSupport.temporaryDirectory())
        if let modules { try Data(modules.utf8).write(to: url.appendingPathComponent("modules.json")) }
        if let pooling {
            let dir = url.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: pooling).write(to: dir.appendingPathComponent("config.json"))
        }
        return url
    }

    @Test func readsModulesAndThePoolingConfig() throws {
        let plain = try directory(modules: nil, pooling: nil)
        #expect(try SentencePooling(directory: plain) == SentencePooling(modes: [.mean], normalize: false))
        let cls = try directory(modules: #"[{"type":"sentence_transformers.models.Transformer","path":""},{"type":"sentence_transformers.models.Pooling","path":"pool"}]"#,
                                pooling: ["pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false], folder: "pool")
        #expect(try SentencePooling(directory: cls) == SentencePooling(modes: [.cls], normalize: false))
        let both = try directory(modules: #"[{"type":"sentence_transformers.models.Pooling","path":"1_Pooling"},{"type":"sentence_transformers.models.Normalize","path":"2_Normalize"}]"#,
                                 pooling: ["pooling_mode_max_tokens": true, "pooling_mode_mean_tokens": true, "word_embedding_dimension": 4])
        #expect(try SentencePooling(directory: both) == SentencePooling(modes: [.max, .mean], normalize: true))
    }

    @Test func unsupportedModulesAndModesAreNamed() throws {
        let dense = try directory(modules: #"[{"type":"sentence_transformers.models.Pooling","path":"1_Pooling"},{"type":"sentence_transformers.models.Dense","path":"2_Dense"}]"#,
                                  pooling: nil)
        let denseError = EncoderFixtures.error { _ = try SentencePooling(directory: dense) }
        #expect(denseError?.message.contains("Dense") == true)
        #expect(denseError?.file?.hasSuffix("modules.json") == true)
        let weighted = try directory(modules: nil, pooling: ["pooling_mode_weightedmean_tokens": true])
        #expect(EncoderFixtures.error { _ = try SentencePooling(directory: weighted) }?.field == "pooling_mode_weightedmean_tokens")
        let none = try directory(modules: nil, pooling: ["pooling_mode_mean_tokens": false])
        #expect(EncoderFixtures.error { _ = try SentencePooling(directory: none) } != nil)
        let bad = try directory(modules: nil, pooling: ["pooling_mode_mean_tokens": "yes"])
        #expect(EncoderFixtures.error { _ = try SentencePooling(directory: bad) }?.field == "pooling_mode_mean_tokens")
        let broken = try directory(modules: "{", pooling: nil)
        #expect(EncoderFixtures.error { _ = try SentencePooling(directory: broken) }?.file?.hasSuffix("modules.json") == true)
    }
}
