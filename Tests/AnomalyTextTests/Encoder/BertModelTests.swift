import AnomalyKit
import AnomalyMath
import Foundation
import Testing
@testable import AnomalyText

/// The forward pass against transformers' output for the tiny random BERT
/// (`Fixtures/tiny-bert-answers.json`). Tolerance: 1e-5 on `|Δ| / (1 + |expected|)` — the
/// values are O(1) after each LayerNorm, and BLAS kernels and summation orders differ (eager and
/// SDPA attention in transformers itself differ by up to 1.4e-6 here).
@Suite struct BertModelTests {
    static let tolerance: Float = 1e-5

    @Test func hiddenStatesMatchTransformers() throws {
        let model = try EncoderFixtures.tinyBert()
        let answers = try EncoderFixtures.tinyAnswers()
        let h = answers.hidden_size
        for batch in answers.batches {
            let (ids, rows, length, lengths) = batch.padded()
            let states = try model.lastHiddenStates(ids: ids, rows: rows, length: length, lengths: lengths)
            #expect(states.count == rows * length * h)
            for r in 0..<rows {
                let got = states[(r * length * h)..<((r * length + lengths[r]) * h)]
                let error = EncoderFixtures.maxError(got, batch.last_hidden_state[r])
                #expect(error <= Self.tolerance, "batch \(lengths), row \(r + 1): error \(error)")
                // Padding positions are zero.
                #expect(states[((r * length + lengths[r]) * h)..<((r + 1) * length * h)].allSatisfy { $0 == 0 })
            }
        }
    }

    @Test func pooledEmbeddingsMatchTransformers() throws {
        let directory = try EncoderFixtures.tinyBertDirectory()
        let model = try BertModel(directory: directory)
        let pooling = try SentencePooling(directory: directory)
        #expect(pooling == .normalizedMean)
        for batch in try EncoderFixtures.tinyAnswers().batches {
            let (ids, rows, length, lengths) = batch.padded()
            let padded = try model.embeddings(ids: ids, rows: rows, length: length, lengths: lengths, pooling: pooling)
            let unpadded = try model.embeddings(batch.ids, pooling: pooling)
            #expect(padded.rows == rows && padded.cols == 32)
            for r in 0..<rows {
                #expect(EncoderFixtures.maxError(padded.row(r), batch.embedding[r]) <= Self.tolerance)
                #expect(EncoderFixtures.maxError(unpadded.row(r), batch.embedding[r]) <= Self.tolerance)
            }
        }
    }

    @Test func aRowDoesNotDependOnItsBatchOrPadding() throws {
        let model = try EncoderFixtures.tinyBert()
        let batches = try EncoderFixtures.tinyAnswers().batches
        let sequences = batches.flatMap(\.ids)
        let together = try model.embeddings(sequences, pooling: SentencePooling(modes: [.cls, .max, .mean]))
        let reversed = try model.embeddings(sequences.reversed(), pooling: SentencePooling(modes: [.cls, .max, .mean]))
        for (i, sequence) in sequences.enumerated() {
            let alone = try model.embeddings([sequence], pooling: SentencePooling(modes: [.cls, .max, .mean]))
            #expect(EncoderFixtures.maxError(together.row(i), alone.row(0)) <= Self.tolerance)
            #expect(EncoderFixtures.maxError(reversed.row(sequences.count - 1 - i), alone.row(0)) <= Self.tolerance)
        }
        // More padding changes nothing at the real positions.
        let batch = batches[0]
        let (ids, rows, length, lengths) = batch.padded()
        let (longIDs, _, longLength, _) = batch.padded(to: length + 7)
        let short = try model.lastHiddenStates(ids: ids, rows: rows, length: length, lengths: lengths)
        let long = try model.lastHiddenStates(ids: longIDs, rows: rows, length: longLength, lengths: lengths)
        for r in 0..<rows {
            let a = short[(r * length * 32)..<((r * length + lengths[r]) * 32)]
            let b = long[(r * longLength * 32)..<((r * longLength + lengths[r]) * 32)]
            #expect(EncoderFixtures.maxError(a, b) <= Self.tolerance)
        }
        // Whatever the padding ids are.
        var noisy = ids
        for r in 0..<rows { for p in lengths[r]..<length { noisy[r * length + p] = 42 } }
        #expect(try model.lastHiddenStates(ids: noisy, rows: rows, length: length, lengths: lengths) == short)
    }

    @Test func aBatchLargeEnoughForBlocksPerCoreGivesTheSameAnswers() throws {
        // 20 filler sequences of 64 tokens around the recorded ones: several blocks of whole
        // sequences, each encoded on one core (the recorded batches alone are one block).
        let model = try EncoderFixtures.tinyBert()
        let batches = try EncoderFixtures.tinyAnswers().batches
        var generator = SeededGenerator(seed: 3)
        let filler = (0..<20).map { _ in [Int32(2)] + (0..<62).map { _ in Int32.random(in: 5..<100, using: &generator) } + [Int32(3)] }
        let recorded = batches.flatMap(\.ids)
        let sequences = filler[0..<10] + recorded + filler[10...]
        let total = sequences.reduce(0) { $0 + $1.count }
        #expect(BertModel.blocks(lengths: sequences.map(\.count), target: BertModel.blockTokens(total: total, cores: 2)).count >= 4)
        let lengths = sequences.map(\.count), length = lengths.max()!
        let ids = sequences.flatMap { $0 + [Int32](repeating: 0, count: length - $0.count) }
        let states = try model.lastHiddenStates(ids: ids, rows: sequences.count, length: length, lengths: lengths)
        let expected = batches.flatMap(\.last_hidden_state)
        for (i, want) in expected.enumerated() {
            let r = 10 + i
            let got = states[(r * length * 32)..<((r * length + lengths[r]) * 32)]
            #expect(EncoderFixtures.maxError(got, want) <= Self.tolerance, "recorded row \(i + 1)")
        }
        let pooled = try model.embeddings(Array(sequences), pooling: .normalizedMean)
        for r in [0, 9, 10 + recorded.count, sequences.count - 1] {
            let alone = try model.embeddings([sequences[r]], pooling: .normalizedMean)
            #expect(EncoderFixtures.maxError(pooled.row(r), alone.row(0)) <= Self.tolerance)
        }
    }

    @Test func blocksHoldWholeSequences() {
        let blocks = BertModel.blocks(lengths: [100, 200, 50, 300, 10], target: 256)
        #expect(blocks.map(\.sequences) == [0..<2, 2..<4, 4..<5])
        #expect(blocks.map(\.tokens) == [0..<300, 300..<650, 650..<660])
        #expect(BertModel.blocks(lengths: [], target: 256).isEmpty)
        #expect(BertModel.blockTokens(total: 1024, cores: 2) == 256)
        #expect(BertModel.blockTokens(total: 8192, cores: 2) == 512)
    }

    @Test func weightsWithTheBertPrefixLoadTheSame() throws {
        let directory = try EncoderFixtures.tinyBertCopy()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let file = directory.appendingPathComponent("model.safetensors")
        let (tensors, metadata) = try SafeTensors.decode(Data(contentsOf: file), file: file.path)
        var prefixed = Dictionary(uniqueKeysWithValues: tensors.map { ("bert." + $0.key, $0.value) })
        prefixed["cls.predictions.bias"] = Tensor(floats: [Float](repeating: 1, count: 100))  // a task head, ignored
        try SafeTensors.encode(tensors: prefixed, metadata: metadata).write(to: file)
        let sequences: [[Int32]] = [[2, 10, 20, 30, 3], [2, 3]]
        let expected = try EncoderFixtures.tinyBert().embeddings(sequences, pooling: .normalizedMean)
        let got = try BertModel(directory: directory).embeddings(sequences, pooling: .normalizedMean)
        #expect(got == expected)
    }

    @Test func bfloat16WeightsLoadConverted() throws {
        // The tiny model with every float tensor rounded to BF16: the same network to BF16 precision.
        let directory = try EncoderFixtures.tinyBertCopy()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let file = directory.appendingPathComponent("model.safetensors")
        let mapped = try MappedSafeTensors(contentsOf: file)
        var entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
        for name in mapped.names where mapped.entries[name]!.dtype == .f32 {
            let t = try mapped.floats(name)
            let halves = t.buffer.map { UInt16(truncatingIfNeeded: ($0.bitPattern &+ 0x7FFF &+ (($0.bitPattern >> 16) & 1)) >> 16) }
            entries.append((name, "BF16", t.shape, halves.withUnsafeBytes { Array($0) }))
        }
        try EncoderFixtures.writeSafeTensors(entries, to: file)
        let sequences: [[Int32]] = [[2, 10, 20, 30, 40, 3], [2, 77, 3]]
        let exact = try EncoderFixtures.tinyBert().embeddings(sequences, pooling: .normalizedMean)
        let rounded = try BertModel(directory: directory).embeddings(sequences, pooling: .normalizedMean)
        let gap = EncoderFixtures.maxError(rounded.values, exact.values)
        #expect(gap > 0 && gap < 0.05, "BF16 vs F32 gap \(gap)")
    }

    @Test func badInputsAreRefused() throws {
        let model = try EncoderFixtures.tinyBert()
        let outside = EncoderFixtures.error { _ = try model.lastHiddenStates(ids: [2, 100, 3], rows: 1, length: 3, lengths: [3]) }
        #expect(outside?.field == "ids")
        #expect(outside?.message.contains("100") == true)
        #expect(EncoderFixtures.error { _ = try model.lastHiddenStates(ids: [2, 3], rows: 1, length: 3, lengths: [3]) }?.field == "ids")
        #expect(EncoderFixtures.error { _ = try model.lastHiddenStates(ids: [2, 3, 0], rows: 1, length: 3, lengths: [4]) }?.field == "lengths")
        #expect(EncoderFixtures.error { _ = try model.lastHiddenStates(ids: [2, 3, 0], rows: 1, length: 3, lengths: [0]) }?.field == "lengths")
        #expect(EncoderFixtures.error { _ = try model.lastHiddenStates(ids: [2, 3, 0], rows: 1, length: 3, lengths: [2, 1]) }?.field == "lengths")
        let tooLong = EncoderFixtures.error { _ = try model.embeddings([[Int32](repeating: 5, count: 65)], pooling: .normalizedMean) }
        #expect(tooLong?.message.contains("max_position_embeddings") == true)
        #expect(try model.lastHiddenStates(ids: [], rows: 0, length: 4, lengths: []).isEmpty)
        #expect(try model.embeddings([], pooling: .normalizedMean).rows == 0)
    }

    @Test func multiplyAddsCountTheProjectionsAndAttention() throws {
        let model = try EncoderFixtures.tinyBert()
        // Per layer: 5 tokens × (4·32² + 2·32·64) + 2·5²·32, plus 2 tokens' worth with 2·2²·32.
        let perLayer = 7 * (4 * 32 * 32 + 2 * 32 * 64) + 2 * 25 * 32 + 2 * 4 * 32
        #expect(model.multiplyAdds(lengths: [5, 2]) == 2 * perLayer)
        #expect(model.multiplyAdds(lengths: []) == 0)
    }

    @Test func shapeMismatchesNameTheTensorAndBothShapes() throws {
        let directory = try EncoderFixtures.tinyBertCopy()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let weights = try MappedSafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        let wide = try BertConfig(vocabSize: 100, hiddenSize: 32, layerCount: 2, headCount: 4, intermediateSize: 48, maxPositions: 64)
        let error = EncoderFixtures.error { _ = try BertModel(config: wide, weights: weights) }
        #expect(error?.kind == .model)
        #expect(error?.field == "encoder.layer.0.intermediate.dense.weight")
        #expect(error?.message.contains("[64, 32]") == true && error?.message.contains("[48, 32]") == true)
        #expect(error?.file == weights.file)

        let shallow = try BertConfig(vocabSize: 100, hiddenSize: 32, layerCount: 1, headCount: 4, intermediateSize: 64, maxPositions: 64)
        let extra = EncoderFixtures.error { _ = try BertModel(config: shallow, weights: weights) }
        #expect(extra?.field?.hasPrefix("encoder.layer.1.") == true)

        let deep = try BertConfig(vocabSize: 100, hiddenSize: 32, layerCount: 3, headCount: 4, intermediateSize: 64, maxPositions: 64)
        let missing = EncoderFixtures.error { _ = try BertModel(config: deep, weights: weights) }
        #expect(missing?.field == "encoder.layer.2.attention.self.query.weight")
        #expect(missing?.message.contains("missing") == true)
    }

    @Test func otherActivationsRun() throws {
        // relu and the tanh GELU change the output but keep it finite and batch-independent.
        let directory = try EncoderFixtures.tinyBertDirectory()
        let weights = try MappedSafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        var outputs: [Matrix] = []
        for activation in BertConfig.Activation.allCases {
            let config = try BertConfig(vocabSize: 100, hiddenSize: 32, layerCount: 2, headCount: 4, intermediateSize: 64,
                                        maxPositions: 64, activation: activation)
            let model = try BertModel(config: config, weights: weights)
            let both = try model.embeddings([[2, 11, 12, 3], [2, 40, 3]], pooling: .normalizedMean)
            let one = try model.embeddings([[2, 40, 3]], pooling: .normalizedMean)
            #expect(both.values.allSatisfy { $0.isFinite })
            #expect(EncoderFixtures.maxError(both.row(1), one.row(0)) <= Self.tolerance)
            outputs.append(both)
        }
        #expect(outputs[0] != outputs[1] && outputs[1] != outputs[2])
    }
}

