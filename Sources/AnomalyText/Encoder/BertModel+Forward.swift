import AnomalyKit
@_spi(Kernels) import AnomalyMath
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
    /// Sequences are independent, so the batch is cut into blocks of whole sequences (about
    /// `blockTokens(…)` tokens each) and each block goes through all the layers on one core,
    /// with BLAS single-threaded: every projection is one GEMM over the block's tokens, and
    /// nothing waits between layers or phases (OpenBLAS's own threads would spin at every switch
    /// between a GEMM and the row kernels). A batch too small for one block per core is one
    /// block run with every core inside: multi-threaded GEMMs, attention parallel over
    /// (sequence, head), row kernels parallel over tokens.
    /// - Complexity: `multiplyAdds(lengths:)` multiply-adds; memory O(block tokens ·
    ///   (3·hidden + intermediate) + longest²) per core.
    package func forward(tokens: [Int32], lengths: [Int]) -> [Float] {
        let total = tokens.count
        guard total > 0 else { return [] }
        let h = config.hiddenSize
        var states = [Float](repeating: 0, count: total * h)
        let blocks = Self.blocks(lengths: lengths, target: Self.blockTokens(total: total, cores: coreCount))
        let positions = tokenPositions(lengths: lengths, total: total)
        states.withUnsafeMutableBufferPointer { statesBuffer in
            tokens.withUnsafeBufferPointer { ids in
                positions.withUnsafeBufferPointer { pos in
                    let out = SharedMutableBuffer(statesBuffer), ids = SharedBuffer(ids), pos = SharedBuffer(pos)
                    let run: @Sendable (Block, Bool) -> Void = { block, parallel in
                        let workspace = Workspace(tokens: block.tokens.count, config: self.config)
                        defer { workspace.deallocate() }
                        self.encode(ids: ids.base + block.tokens.lowerBound, positions: pos.base + block.tokens.lowerBound,
                                    lengths: Array(lengths[block.sequences]), states: out.base + block.tokens.lowerBound * h,
                                    workspace: workspace, parallel: parallel)
                    }
                    if blocks.count < 2 * coreCount {
                        // Too few blocks to keep every core busy: one block, every core inside.
                        run(Block(sequences: 0..<lengths.count, tokens: 0..<total), true)
                    } else {
                        parallelFor(blocks.count) { range in
                            BLAS.withSingleThread { for b in range { run(blocks[b], false) } }
                        }
                    }
                }
            }
        }
        return states
    }

    /// A run of whole sequences and the packed tokens they span.
    struct Block: Sendable {
        let sequences: Range<Int>
        let tokens: Range<Int>
    }

    /// Tokens per block: enough for efficient GEMMs (at least 256), at most 512 so a block's
    /// buffers stay in cache, and about a quarter of each core's share in between so that
    /// blocks of uneven length balance.
    static func blockTokens(total: Int, cores: Int) -> Int {
        min(512, max(256, total / max(1, 4 * cores)))
    }

    /// Consecutive sequences grouped into blocks of at least `target` tokens (the last may be
    /// shorter).
    static func blocks(lengths: [Int], target: Int) -> [Block] {
        var blocks: [Block] = []
        var first = 0, start = 0, count = 0
        for (i, n) in lengths.enumerated() {
            count += n
            if count >= target || i == lengths.count - 1 {
                blocks.append(Block(sequences: first..<(i + 1), tokens: start..<(start + count)))
                first = i + 1
                start += count
                count = 0
            }
        }
        return blocks
    }

    /// A block's scratch buffers.
    struct Workspace {
        let qkv: UnsafeMutablePointer<Float>           // tokens × 3·hidden
        let context: UnsafeMutablePointer<Float>       // tokens × hidden
        let projected: UnsafeMutablePointer<Float>     // tokens × hidden
        let intermediate: UnsafeMutablePointer<Float>  // tokens × intermediate

        init(tokens: Int, config: BertConfig) {
            let h = config.hiddenSize
            qkv = .allocate(capacity: tokens * 3 * h)
            context = .allocate(capacity: tokens * h)
            projected = .allocate(capacity: tokens * h)
            intermediate = .allocate(capacity: tokens * config.intermediateSize)
        }

        func deallocate() {
            qkv.deallocate(); context.deallocate(); projected.deallocate(); intermediate.deallocate()
        }
    }

    /// Runs `body` over `0..<count` on all cores when `parallel`, else on this thread.
    private func rows(_ count: Int, chunk: Int, parallel: Bool, _ body: @Sendable (Range<Int>) -> Void) {
        if parallel { parallelFor(count, minimumChunk: chunk, body) } else { body(0..<count) }
    }

    /// The whole encoder over one block of packed sequences (`lengths`; `ids` and `positions`
    /// per token), writing the last hidden states to `states` (`tokens × hidden`).
    private func encode(ids: UnsafePointer<Int32>, positions: UnsafePointer<Int>, lengths: [Int],
                        states: UnsafeMutablePointer<Float>, workspace: Workspace, parallel: Bool) {
        let total = lengths.reduce(0, +)
        let h = config.hiddenSize, inner = config.intermediateSize
        let eps = config.layerNormEps, activation = config.activation
        var starts = [Int](repeating: 0, count: lengths.count)
        for i in lengths.indices.dropFirst() { starts[i] = starts[i - 1] + lengths[i - 1] }
        let rowChunk = max(1, 4096 / h)
        let x = SharedMutableBuffer(UnsafeMutableBufferPointer(start: states, count: total * h))
        let qkv = SharedMutableBuffer(UnsafeMutableBufferPointer(start: workspace.qkv, count: total * 3 * h))
        let proj = workspace.projected, inter = SharedMutableBuffer(UnsafeMutableBufferPointer(start: workspace.intermediate, count: total * inner))
        let ids = SharedBuffer(UnsafeBufferPointer(start: ids, count: total))
        let pos = SharedBuffer(UnsafeBufferPointer(start: positions, count: total))

        // Embeddings: LayerNorm((word + token type 0) + position).
        let e = embeddings
        let words = SharedBuffer(e.words.buffer), table = SharedBuffer(e.positions.buffer)
        let type0 = SharedBuffer(e.tokenTypes.buffer)
        let gamma = SharedBuffer(e.normWeight.buffer), beta = SharedBuffer(e.normBias.buffer)
        rows(total, chunk: rowChunk, parallel: parallel) { range in
            for t in range {
                BertKernels.addLayerNorm(words.base + Int(ids[t]) * h, bias: type0.base, residual: table.base + pos[t] * h,
                                         gamma: gamma.base, beta: beta.base, eps: eps, n: h, out: x.base + t * h)
            }
        }

        for layer in layers {
            // Q, K, V in one GEMM: qkv = x · Wqkvᵀ + b (the bias laid down first, then β = 1).
            layer.qkvBias.withUnsafeBufferPointer { b in
                let b = SharedBuffer(b)
                rows(total, chunk: rowChunk, parallel: parallel) { range in
                    for t in range { (qkv.base + t * 3 * h).update(from: b.base, count: 3 * h) }
                }
            }
            layer.qkvWeight.withUnsafeBufferPointer { w in
                BLAS.sgemm(transA: false, transB: true, m: total, n: 3 * h, k: h, alpha: 1,
                           a: x.base, lda: h, b: w.baseAddress!, ldb: h, beta: 1, c: qkv.base, ldc: 3 * h)
            }
            attention(qkv: SharedBuffer(UnsafeBufferPointer(start: qkv.base, count: qkv.count)), starts: starts, lengths: lengths,
                      context: SharedMutableBuffer(UnsafeMutableBufferPointer(start: workspace.context, count: total * h)),
                      parallel: parallel)

            // Attention output: x = LayerNorm(context · Woᵀ + b + x).
            BLAS.sgemm(transA: false, transB: true, m: total, n: h, k: h, alpha: 1,
                       a: workspace.context, lda: h, b: layer.attentionOutWeight.base, ldb: h, beta: 0, c: proj, ldc: h)
            addLayerNormRows(proj, bias: layer.attentionOutBias, residual: x, gamma: layer.attentionNormWeight,
                             beta: layer.attentionNormBias, rows: total, chunk: rowChunk, parallel: parallel)

            // Feed-forward: x = LayerNorm(act(x · Wiᵀ + bi) · Woᵀ + bo + x).
            BLAS.sgemm(transA: false, transB: true, m: total, n: inner, k: h, alpha: 1,
                       a: x.base, lda: h, b: layer.intermediateWeight.base, ldb: h, beta: 0, c: inter.base, ldc: inner)
            let bi = SharedBuffer(layer.intermediateBias.buffer)
            rows(total, chunk: max(1, 4096 / inner), parallel: parallel) { range in
                for t in range { BertKernels.addBiasActivate(inter.base + t * inner, bias: bi.base, n: inner, activation) }
            }
            BLAS.sgemm(transA: false, transB: true, m: total, n: h, k: inner, alpha: 1,
                       a: inter.base, lda: inner, b: layer.outputWeight.base, ldb: inner, beta: 0, c: proj, ldc: h)
            addLayerNormRows(proj, bias: layer.outputBias, residual: x, gamma: layer.outputNormWeight,
                             beta: layer.outputNormBias, rows: total, chunk: rowChunk, parallel: parallel)
        }
    }

    /// Each packed token's position in its sequence.
    private func tokenPositions(lengths: [Int], total: Int) -> [Int] {
        var positions = [Int]()
        positions.reserveCapacity(total)
        for n in lengths { positions.append(contentsOf: 0..<n) }
        return positions
    }

    /// `residual = LayerNorm(input + bias + residual)` for each of `rows` rows of `hidden`.
    private func addLayerNormRows(_ input: UnsafeMutablePointer<Float>, bias: FloatTensor, residual: SharedMutableBuffer<Float>,
                                  gamma: FloatTensor, beta: FloatTensor, rows count: Int, chunk: Int, parallel: Bool) {
        let h = config.hiddenSize, eps = config.layerNormEps
        let input = SharedBuffer(UnsafeBufferPointer(start: input, count: count * h))
        let b = SharedBuffer(bias.buffer), g = SharedBuffer(gamma.buffer), be = SharedBuffer(beta.buffer)
        rows(count, chunk: chunk, parallel: parallel) { range in
            for t in range {
                BertKernels.addLayerNorm(input.base + t * h, bias: b.base, residual: residual.base + t * h,
                                         gamma: g.base, beta: be.base, eps: eps, n: h, out: residual.base + t * h)
            }
        }
    }

    /// Scaled dot-product attention of every (sequence, head): `softmax(Q·Kᵀ/√d)·V` over the
    /// sequence's own tokens (padding is never a key, as with transformers' mask, whose
    /// `finfo.min` makes its weight exactly 0), written to the head's columns of `context` (`tokens × hidden`).
    /// `qkv` holds each token's query, key and value (`tokens × 3·hidden`). When `parallel`,
    /// the pairs are spread over all cores with BLAS single-threaded inside.
    /// - Complexity: O(Σ length² · hidden) multiply-adds; O(longest²) scratch per thread.
    private func attention(qkv: SharedBuffer<Float>, starts: [Int], lengths: [Int], context: SharedMutableBuffer<Float>,
                           parallel: Bool) {
        let heads = config.headCount, d = config.headSize, h = config.hiddenSize
        let scale = 1 / Float(d).squareRoot()
        let longest = lengths.max() ?? 0
        // Longest sequences first, so the last chunks to finish are short ones.
        let order = parallel ? lengths.indices.sorted { lengths[$0] > lengths[$1] } : Array(lengths.indices)
        let pairs: @Sendable (Range<Int>) -> Void = { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest * longest)
            let weighted = UnsafeMutablePointer<Float>.allocate(capacity: longest * d)
            let normalizers = UnsafeMutablePointer<Float>.allocate(capacity: longest)
            defer { scores.deallocate(); weighted.deallocate(); normalizers.deallocate() }
            for task in range {
                let s = order[task / heads], head = task % heads
                let n = lengths[s], first = starts[s]
                let query = qkv.base + first * 3 * h + head * d
                let out = context.base + first * h + head * d
                BLAS.sgemm(transA: false, transB: true, m: n, n: n, k: d, alpha: scale,
                           a: query, lda: 3 * h, b: query + h, ldb: 3 * h, beta: 0, c: scores, ldc: n)
                for i in 0..<n { normalizers[i] = BertKernels.softmaxUnnormalized(scores + i * n, n: n) }
                // Into a contiguous n × d block (BLAS clears a strided output slowly), then each
                // row normalised into the head's columns of the context: the softmax's division
                // on d values per row rather than n.
                BLAS.sgemm(transA: false, transB: false, m: n, n: d, k: n, alpha: 1,
                           a: scores, lda: n, b: query + 2 * h, ldb: 3 * h, beta: 0, c: weighted, ldc: d)
                for i in 0..<n { BertKernels.scale(weighted + i * d, n: d, by: normalizers[i], into: out + i * h) }
            }
        }
        if parallel {
            parallelFor(lengths.count * heads) { range in BLAS.withSingleThread { pairs(range) } }
        } else {
            pairs(0..<(lengths.count * heads))
        }
    }
}
