import AnomalyKit
import AnomalyMath
import Foundation

extension BertModel {
    /// The last hidden states of a padded batch: `rows × length` token ids (row-major; the
    /// first `lengths[r]` of row `r` are its tokens, the rest padding), token type 0.
    ///
    /// Returns `rows × length × hidden` values; padding positions are 0 (transformers computes
    /// values there too, but nothing downstream reads them). A row's values depend only on its
    /// own tokens — padding is never attended to, as with transformers' attention mask.
    /// - Throws: `AnomalyError` when the shapes disagree, a length is outside
    ///   `1...min(length, max_position_embeddings)`, or an id is outside the vocabulary.
    /// - Complexity: `multiplyAdds(lengths:)` multiply-adds, in GEMMs over all the batch's tokens.
    public func lastHiddenStates(ids: [Int32], rows: Int, length: Int, lengths: [Int]) throws -> [Float] {
        let packed = try pack(ids: ids, rows: rows, length: length, lengths: lengths)
        let h = config.hiddenSize
        let states = forward(tokens: packed, lengths: lengths)
        var out = [Float](repeating: 0, count: rows * length * h)
        var start = 0
        for r in 0..<rows {
            let n = lengths[r] * h
            out.withUnsafeMutableBufferPointer { o in
                states.withUnsafeBufferPointer { s in
                    (o.baseAddress! + r * length * h).update(from: s.baseAddress! + start, count: n)
                }
            }
            start += n
        }
        return out
    }

    /// Sentence embeddings of a padded batch (as `lastHiddenStates`), pooled by `pooling`:
    /// `rows × pooling.width(hidden:)`.
    /// - Throws: as `lastHiddenStates`.
    public func embeddings(ids: [Int32], rows: Int, length: Int, lengths: [Int],
                           pooling: SentencePooling) throws -> Matrix {
        let packed = try pack(ids: ids, rows: rows, length: length, lengths: lengths)
        return pooling.pool(forward(tokens: packed, lengths: lengths), lengths: lengths, hidden: config.hiddenSize)
    }

    /// Sentence embeddings of unpadded sequences of ids, one row each.
    /// - Throws: as `lastHiddenStates`.
    public func embeddings(_ sequences: [[Int32]], pooling: SentencePooling) throws -> Matrix {
        let lengths = sequences.map(\.count)
        let packed = try pack(ids: Array(sequences.joined()), rows: sequences.count, length: nil, lengths: lengths)
        return pooling.pool(forward(tokens: packed, lengths: lengths), lengths: lengths, hidden: config.hiddenSize)
    }

    /// The real tokens of a padded batch, one sequence after another, validated.
    private func pack(ids: [Int32], rows: Int, length: Int?, lengths: [Int]) throws -> [Int32] {
        guard rows >= 0, lengths.count == rows else {
            throw AnomalyError.shape("\(lengths.count) lengths for \(rows) rows", field: "lengths")
        }
        if let length {
            guard length >= 0, ids.count == rows * length else {
                throw AnomalyError.shape("\(ids.count) ids for \(rows) rows of \(length)", field: "ids")
            }
        }
        let limit = min(length ?? .max, config.maxPositions)
        for (r, n) in lengths.enumerated() where n < 1 || n > limit {
            throw AnomalyError.shape("row \(r + 1) has length \(n); lengths must be 1...\(limit)"
                                     + (limit == config.maxPositions ? " (max_position_embeddings)" : ""), field: "lengths")
        }
        var packed: [Int32] = []
        packed.reserveCapacity(lengths.reduce(0, +))
        var start = 0
        for (r, n) in lengths.enumerated() {
            let rowStart = length.map { r * $0 } ?? start
            for p in 0..<n {
                let id = ids[rowStart + p]
                guard id >= 0, Int(id) < config.vocabSize else {
                    throw AnomalyError.data("row \(r + 1), position \(p + 1): token id \(id) is outside the vocabulary (0..<\(config.vocabSize))",
                                            field: "ids")
                }
                packed.append(id)
            }
            start += n
        }
        return packed
    }

    /// The encoder over packed sequences (`tokens` holds the sequences of `lengths` one after
    /// another): `Σ lengths × hidden` last hidden states.
    ///
    /// Every projection is one `sgemm` over all the batch's tokens (BLAS on its own threads);
    /// attention runs per (sequence, head) on all cores with BLAS single-threaded inside; the
    /// row kernels (LayerNorm with its residual, bias and activation) run on all cores.
    /// - Complexity: `multiplyAdds(lengths:)` multiply-adds; memory O(tokens · (3·hidden + intermediate)).
    package func forward(tokens: [Int32], lengths: [Int]) -> [Float] {
        let total = tokens.count
        let h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps
        guard total > 0 else { return [] }
        var starts = [Int](repeating: 0, count: lengths.count)
        for i in lengths.indices.dropFirst() { starts[i] = starts[i - 1] + lengths[i - 1] }

        var states = [Float](repeating: 0, count: total * h)
        let qkv = UnsafeMutableBufferPointer<Float>.allocate(capacity: total * 3 * h)
        let context = UnsafeMutableBufferPointer<Float>.allocate(capacity: total * h)
        let projected = UnsafeMutableBufferPointer<Float>.allocate(capacity: total * h)
        let intermediate = UnsafeMutableBufferPointer<Float>.allocate(capacity: total * inner)
        defer { qkv.deallocate(); context.deallocate(); projected.deallocate(); intermediate.deallocate() }
        let rowChunk = max(1, 4096 / h)

        states.withUnsafeMutableBufferPointer { statesBuffer in
            let x = SharedMutableBuffer(statesBuffer)
            let proj = SharedMutableBuffer(projected)
            let inter = SharedMutableBuffer(intermediate)
            // Embeddings: LayerNorm((word + token type 0) + position).
            let e = embeddings
            let words = SharedBuffer(e.words.buffer), positions = SharedBuffer(e.positions.buffer)
            let type0 = SharedBuffer(e.tokenTypes.buffer)
            let gamma = SharedBuffer(e.normWeight.buffer), beta = SharedBuffer(e.normBias.buffer)
            let positionOf = tokenPositions(lengths: lengths, total: total)
            tokens.withUnsafeBufferPointer { ids in
                let ids = SharedBuffer(ids)
                positionOf.withUnsafeBufferPointer { pos in
                    let pos = SharedBuffer(pos)
                    parallelFor(total, minimumChunk: rowChunk) { range in
                        for t in range {
                            BertKernels.addLayerNorm(words.base + Int(ids[t]) * h, bias: type0.base,
                                                     residual: positions.base + pos[t] * h,
                                                     gamma: gamma.base, beta: beta.base, eps: eps, n: h,
                                                     out: x.base + t * h)
                        }
                    }
                }
            }

            for layer in layers {
                // Q, K, V in one GEMM: qkv = x · Wqkvᵀ + b.
                let qkvShared = SharedMutableBuffer(qkv)
                layer.qkvBias.withUnsafeBufferPointer { b in
                    let b = SharedBuffer(b)
                    parallelFor(total, minimumChunk: rowChunk) { range in
                        for t in range { (qkvShared.base + t * 3 * h).update(from: b.base, count: 3 * h) }
                    }
                }
                layer.qkvWeight.withUnsafeBufferPointer { w in
                    BLAS.sgemm(transA: false, transB: true, m: total, n: 3 * h, k: h, alpha: 1,
                               a: x.base, lda: h, b: w.baseAddress!, ldb: h, beta: 1, c: qkv.baseAddress!, ldc: 3 * h)
                }
                attention(qkv: SharedBuffer(UnsafeBufferPointer(qkv)), starts: starts, lengths: lengths,
                          context: SharedMutableBuffer(context))

                // Attention output: x = LayerNorm(context · Woᵀ + b + x).
                BLAS.sgemm(transA: false, transB: true, m: total, n: h, k: h, alpha: 1,
                           a: context.baseAddress!, lda: h, b: layer.attentionOutWeight.base, ldb: h,
                           beta: 0, c: proj.base, ldc: h)
                addLayerNormRows(proj, bias: layer.attentionOutBias, residual: x, gamma: layer.attentionNormWeight,
                                 beta: layer.attentionNormBias, rows: total, chunk: rowChunk)

                // Feed-forward: x = LayerNorm(act(x · Wiᵀ + bi) · Woᵀ + bo + x).
                BLAS.sgemm(transA: false, transB: true, m: total, n: inner, k: h, alpha: 1,
                           a: x.base, lda: h, b: layer.intermediateWeight.base, ldb: h,
                           beta: 0, c: inter.base, ldc: inner)
                let bi = SharedBuffer(layer.intermediateBias.buffer)
                let activation = config.activation
                parallelFor(total, minimumChunk: max(1, 4096 / inner)) { range in
                    for t in range { BertKernels.addBiasActivate(inter.base + t * inner, bias: bi.base, n: inner, activation) }
                }
                BLAS.sgemm(transA: false, transB: true, m: total, n: h, k: inner, alpha: 1,
                           a: inter.base, lda: inner, b: layer.outputWeight.base, ldb: inner,
                           beta: 0, c: proj.base, ldc: h)
                addLayerNormRows(proj, bias: layer.outputBias, residual: x, gamma: layer.outputNormWeight,
                                 beta: layer.outputNormBias, rows: total, chunk: rowChunk)
            }
        }
        return states
    }

    /// Each packed token's position in its sequence.
    private func tokenPositions(lengths: [Int], total: Int) -> [Int] {
        var positions = [Int]()
        positions.reserveCapacity(total)
        for n in lengths { positions.append(contentsOf: 0..<n) }
        return positions
    }

    /// `residual = LayerNorm(input + bias + residual)` for each of `rows` rows of `hidden`, on all cores.
    private func addLayerNormRows(_ input: SharedMutableBuffer<Float>, bias: FloatTensor, residual: SharedMutableBuffer<Float>,
                                  gamma: FloatTensor, beta: FloatTensor, rows: Int, chunk: Int) {
        let h = config.hiddenSize, eps = config.layerNormEps
        let b = SharedBuffer(bias.buffer), g = SharedBuffer(gamma.buffer), be = SharedBuffer(beta.buffer)
        parallelFor(rows, minimumChunk: chunk) { range in
            for t in range {
                BertKernels.addLayerNorm(input.base + t * h, bias: b.base, residual: residual.base + t * h,
                                         gamma: g.base, beta: be.base, eps: eps, n: h, out: residual.base + t * h)
            }
        }
    }

    /// Scaled dot-product attention of every (sequence, head): `softmax(Q·Kᵀ/√d)·V` over the
    /// sequence's own tokens, written to the head's columns of `context` (`tokens × hidden`).
    /// `qkv` holds each token's query, key and value (`tokens × 3·hidden`).
    ///
    /// Parallel over (sequence, head) pairs, BLAS single-threaded inside.
    /// - Complexity: O(Σ length² · hidden) multiply-adds; O(max length²) scratch per thread.
    private func attention(qkv: SharedBuffer<Float>, starts: [Int], lengths: [Int], context: SharedMutableBuffer<Float>) {
        let heads = config.headCount, d = config.headSize, h = config.hiddenSize
        let scale = 1 / Float(d).squareRoot()
        let longest = lengths.max() ?? 0
        // Longest sequences first, so the last chunks to finish are short ones.
        let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        parallelFor(lengths.count * heads) { range in
            BLAS.withSingleThread {
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest * longest)
                defer { scores.deallocate() }
                for task in range {
                    let s = order[task / heads], head = task % heads
                    let n = lengths[s], first = starts[s]
                    let query = qkv.base + first * 3 * h + head * d
                    BLAS.sgemm(transA: false, transB: true, m: n, n: n, k: d, alpha: scale,
                               a: query, lda: 3 * h, b: query + h, ldb: 3 * h, beta: 0, c: scores, ldc: n)
                    for i in 0..<n { BertKernels.softmax(scores + i * n, n: n) }
                    BLAS.sgemm(transA: false, transB: false, m: n, n: d, k: n, alpha: 1,
                               a: scores, lda: n, b: query + 2 * h, ldb: 3 * h,
                               beta: 0, c: context.base + first * h + head * d, ldc: h)
                }
            }
        }
    }
}
