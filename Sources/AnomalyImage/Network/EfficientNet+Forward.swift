import AnomalyKit
@_spi(Kernels) import AnomalyMath
import CVectorKernels
import Foundation

extension EfficientNet {
    /// What one forward pass gives: pooled features, and the classifier's logits when asked.
    public struct Output: Sendable {
        /// `images × featureCount`, row-major: the head's activations averaged over the map.
        public var features: [Float]
        /// `images × classCount`, or empty.
        public var logits: [Float]
    }

    /// The forward pass over `count` preprocessed images: `pixels` holds them one after another,
    /// each `imageSize × imageSize × 3` values on the 0…255 scale, row-major, channels last (RGB).
    /// The config's normalisation is applied here.
    ///
    /// Images are independent, so they are cut into groups of `groupSize` (default one image:
    /// 128 images/s against 112 for two and 98 for four on the benchmark's 320 images, 2 cores —
    /// a single image's activations stay in cache) and each group goes through every layer on one
    /// core with BLAS single-threaded (as the text encoder does):
    /// the 1 × 1 convolutions are one GEMM over the group's pixels, the depthwise convolutions a
    /// direct kernel. A single group runs with BLAS's own threads. An image's features do not
    /// depend on the group it falls in beyond float rounding.
    /// - Throws: `AnomalyError` (`.shape`) when `pixels` does not hold `count` images.
    /// - Complexity: `count · config.multiplyAdds` multiply-adds; memory O(groupSize · the largest
    ///   activation) per core.
    public func forward(pixels: [Float], count: Int, classify: Bool = false, groupSize: Int = 1) throws -> Output {
        let side = config.imageSize
        guard count >= 0, pixels.count == count * side * side * 3 else {
            throw AnomalyError.shape("\(pixels.count) values for \(count) images of \(side) × \(side) × 3", field: "pixels")
        }
        let f = config.featureCount
        var features = [Float](repeating: 0, count: count * f)
        guard count > 0 else { return Output(features: [], logits: []) }
        let group = max(1, groupSize)
        let groups = (count + group - 1) / group
        pixels.withUnsafeBufferPointer { input in
            features.withUnsafeMutableBufferPointer { output in
                let input = SharedBuffer(input), output = SharedMutableBuffer(output)
                // One workspace per chunk of groups: the buffers are touched once, not faulted in per group.
                let run: @Sendable (Range<Int>) -> Void = { range in
                    let workspace = Workspace(floats: group * self.largestActivation)
                    defer { workspace.deallocate() }
                    for g in range {
                        let first = g * group, n = min(group, count - first)
                        self.features(input.base + first * side * side * 3, count: n, into: output.base + first * f,
                                      workspace: workspace)
                    }
                }
                if groups == 1 {
                    run(0..<1)
                } else {
                    parallelFor(groups) { range in BLAS.withSingleThread { run(range) } }
                }
            }
        }
        var logits: [Float] = []
        if classify, let (weights, bias) = classifier {
            let classes = config.classCount
            logits = [Float](repeating: 0, count: count * classes)
            for i in 0..<count { for c in 0..<classes { logits[i * classes + c] = bias[c] } }
            features.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { w in
                    logits.withUnsafeMutableBufferPointer { out in
                        BLAS.sgemm(transA: false, transB: true, m: count, n: classes, k: f, alpha: 1, a: x.baseAddress!, lda: f,
                                   b: w.baseAddress!, ldb: f, beta: 1, c: out.baseAddress!, ldc: classes)
                    }
                }
            }
        }
        return Output(features: features, logits: logits)
    }

    /// Floats of the largest activation of one image (the buffers' size).
    var largestActivation: Int {
        let (stem, after) = config.sides()
        var largest = stem * stem * max(config.stemChannels, 27)
        var side = stem
        for (block, out) in zip(config.blocks, after) {
            largest = max(largest, side * side * block.expandedChannels, out * out * block.outputChannels)
            side = out
        }
        return max(largest, side * side * config.headChannels)
    }

    /// "SAME" padding before the first row (or column): TensorFlow pads `total / 2` before and
    /// the rest after, `total = max((out − 1) · stride + kernel − side, 0)`.
    static func padBefore(side: Int, out: Int, kernel: Int, stride: Int) -> Int {
        max((out - 1) * stride + kernel - side, 0) / 2
    }

    /// Four activation buffers of `floats` each, for one core's groups of images.
    struct Workspace {
        let current, next, expanded, filtered: UnsafeMutablePointer<Float>

        init(floats: Int) {
            current = .allocate(capacity: floats)
            next = .allocate(capacity: floats)
            expanded = .allocate(capacity: floats)
            filtered = .allocate(capacity: floats)
        }

        func deallocate() { current.deallocate(); next.deallocate(); expanded.deallocate(); filtered.deallocate() }
    }

    /// The whole network over `n` images at `pixels` (at most the workspace's group), writing
    /// their pooled features to `out`.
    private func features(_ pixels: UnsafePointer<Float>, count n: Int, into out: UnsafeMutablePointer<Float>,
                          workspace: Workspace) {
        let expanded = workspace.expanded, filtered = workspace.filtered
        var x = workspace.current, y = workspace.next

        // Stem: normalise into im2col rows (ky, kx, channel), one GEMM, bias, ReLU6.
        let inSide = config.imageSize
        let (stemSide, blockSides) = config.sides()
        let pad = Self.padBefore(side: inSide, out: stemSide, kernel: 3, stride: 2)
        im2colStem(pixels, images: n, side: inSide, outSide: stemSide, pad: pad, into: expanded)
        pointwise(expanded, rows: n * stemSide * stemSide, stem, into: x, relu6: true)

        var side = stemSide
        for (block, outSide) in zip(blocks, blockSides) {
            let e = block.spec.expandedChannels
            var source = UnsafePointer(x)
            if let expand = block.expand {
                pointwise(x, rows: n * side * side, expand, into: expanded, relu6: true)
                source = UnsafePointer(expanded)
            }
            let dw = block.depthwise
            let padding = Self.padBefore(side: side, out: outSide, kernel: dw.kernel, stride: dw.stride)
            dw.weights.withUnsafeBufferPointer { w in
                dw.bias.withUnsafeBufferPointer { b in
                    for i in 0..<n {
                        Self.depthwise(source + i * side * side * e, side: side, channels: e, weights: w.baseAddress!,
                                       bias: b.baseAddress!, kernel: dw.kernel, stride: dw.stride, pad: padding,
                                       outSide: outSide, into: filtered + i * outSide * outSide * e)
                    }
                }
            }
            pointwise(filtered, rows: n * outSide * outSide, block.project, into: y, relu6: false,
                      residual: block.spec.hasResidual ? UnsafePointer(x) : nil)
            swap(&x, &y)
            side = outSide
        }

        // Head and global average pooling.
        pointwise(x, rows: n * side * side, head, into: expanded, relu6: true)
        let channels = config.headChannels, area = side * side
        let scale = 1 / Float(area)
        for i in 0..<n {
            let o = out + i * channels
            for c in 0..<channels { o[c] = 0 }
            let image = expanded + i * area * channels
            for p in 0..<area {
                let row = image + p * channels
                for c in 0..<channels { o[c] += row[c] }
            }
            for c in 0..<channels { o[c] *= scale }
        }
    }

    /// The stem's input as im2col rows: for each output pixel, the 3 × 3 × 3 normalised inputs
    /// it reads, zero where the window leaves the image (padding is zero after normalisation,
    /// as in the framework the weights come from).
    private func im2colStem(_ pixels: UnsafePointer<Float>, images n: Int, side: Int, outSide: Int, pad: Int,
                            into rows: UnsafeMutablePointer<Float>) {
        let mean = config.mean, inverse = config.std.map { 1 / $0 }
        var r = rows
        for i in 0..<n {
            let image = pixels + i * side * side * 3
            for oy in 0..<outSide {
                for ox in 0..<outSide {
                    for ky in 0..<3 {
                        let iy = oy * 2 + ky - pad
                        for kx in 0..<3 {
                            let ix = ox * 2 + kx - pad
                            if iy >= 0, iy < side, ix >= 0, ix < side {
                                let p = image + (iy * side + ix) * 3
                                r[0] = (p[0] - mean[0]) * inverse[0]
                                r[1] = (p[1] - mean[1]) * inverse[1]
                                r[2] = (p[2] - mean[2]) * inverse[2]
                            } else {
                                r[0] = 0; r[1] = 0; r[2] = 0
                            }
                            r += 3
                        }
                    }
                }
            }
        }
    }

    /// `out = x · Wᵀ + bias` over `rows` rows (a 1 × 1 convolution, or the stem on im2col rows),
    /// then ReLU6 or the residual added. One sgemm; the bias pass is O(rows · outputs).
    private func pointwise(_ x: UnsafePointer<Float>, rows: Int, _ conv: Convolution, into out: UnsafeMutablePointer<Float>,
                           relu6: Bool, residual: UnsafePointer<Float>? = nil) {
        let k = conv.weights.count / conv.outputs, m = conv.outputs
        conv.weights.withUnsafeBufferPointer { w in
            BLAS.sgemm(transA: false, transB: true, m: rows, n: m, k: k, alpha: 1, a: x, lda: k,
                       b: w.baseAddress!, ldb: k, beta: 0, c: out, ldc: m)
        }
        conv.bias.withUnsafeBufferPointer { b in
            let bias = b.baseAddress!
            for r in 0..<rows {
                let row = out + r * m
                if let residual {
                    let add = residual + r * m
                    for c in 0..<m { row[c] += bias[c] + add[c] }
                } else if relu6 {
                    for c in 0..<m { row[c] = min(max(row[c] + bias[c], 0), 6) }
                } else {
                    for c in 0..<m { row[c] += bias[c] }
                }
            }
        }
    }

    /// Whether the depthwise convolution runs the AVX2 + FMA kernel: when the CPU has both,
    /// unless `ANOMALYKIT_PORTABLE_KERNELS=1` asks for the portable one.
    static let usesVectorKernels: Bool =
        ProcessInfo.processInfo.environment["ANOMALYKIT_PORTABLE_KERNELS"] != "1" && ak_vector_kernels_available() != 0

    /// One image's depthwise convolution with bias and ReLU6 (see `ak_depthwise_conv_avx2`).
    static func depthwise(_ x: UnsafePointer<Float>, side: Int, channels: Int, weights: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>, kernel: Int, stride: Int, pad: Int, outSide: Int,
                          into out: UnsafeMutablePointer<Float>) {
        let call = usesVectorKernels ? ak_depthwise_conv_avx2 : ak_depthwise_conv_portable
        call(x, Int32(side), Int32(side), Int32(channels), weights, bias, Int32(kernel), Int32(stride),
             Int32(pad), Int32(pad), Int32(outSide), Int32(outSide), 1, out)
    }
}
