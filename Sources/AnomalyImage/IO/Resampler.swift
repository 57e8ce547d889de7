/// The two resampling passes of `ImagePreprocessing`: horizontal over the source rows the crop
/// needs, then vertical into the `size × size × channels` output.
struct Resampler {
    let image: DecodedImage
    let xs: ResampleAxis
    let ys: ResampleAxis
    let size: Int

    /// Pillow's 8-bit passes exactly: fixed-point weights, each sum started at half a unit and
    /// shifted down (rounding), clamped to 0…255 and stored as a byte after each pass — so the
    /// result equals `Image.resize(size, BILINEAR)` followed by the crop, byte for byte. The pass
    /// order is Pillow 13's: horizontal first, unless the height shrinks by more than twice as
    /// many pixels as the width (`h − H > 2·(w − W)`, measured on 296 random resizes), then
    /// vertical first. A pass Pillow skips (the axis keeps its size) copies here too.
    func runPillow() -> [Float] {
        let c = image.channels
        let verticalFirst = ys.source > ys.resized && ys.source - ys.resized > 2 * (xs.source - xs.resized)
        var out = [Float](repeating: 0, count: size * size * c)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if verticalFirst {
                    // Rows first, over the source columns the kept outputs read.
                    let columns = xs.high - xs.low
                    var tmp = [UInt8](repeating: 0, count: size * columns * c)
                    tmp.withUnsafeMutableBufferPointer { t in
                        Self.pass(src.baseAddress! + xs.low * c, lineStride: 1, sampleStride: image.width * c,
                                  lines: columns * c, axis: ys, lineOffset: 0,
                                  into: t.baseAddress!, outLineStride: 1, outSampleStride: columns * c)
                        var row = [UInt8](repeating: 0, count: size * c)
                        for i in 0..<size {
                            row.withUnsafeMutableBufferPointer { r in
                                Self.pass(t.baseAddress! + i * columns * c, lineStride: 1, sampleStride: c, lines: c,
                                          axis: xs, lineOffset: xs.low, into: r.baseAddress!, outLineStride: 1, outSampleStride: c)
                            }
                            for k in 0..<(size * c) { dst[i * size * c + k] = Float(row[k]) }
                        }
                    }
                } else {
                    // Columns first, over the source rows the kept outputs read.
                    let rows = ys.high - ys.low
                    var tmp = [UInt8](repeating: 0, count: rows * size * c)
                    tmp.withUnsafeMutableBufferPointer { t in
                        for r in 0..<rows {
                            Self.pass(src.baseAddress! + (ys.low + r) * image.width * c, lineStride: 1, sampleStride: c, lines: c,
                                      axis: xs, lineOffset: 0, into: t.baseAddress! + r * size * c, outLineStride: 1, outSampleStride: c)
                        }
                        var plane = [UInt8](repeating: 0, count: size * size * c)
                        plane.withUnsafeMutableBufferPointer { p in
                            Self.pass(UnsafePointer(t.baseAddress!), lineStride: 1, sampleStride: size * c, lines: size * c,
                                      axis: ys, lineOffset: ys.low, into: p.baseAddress!, outLineStride: 1, outSampleStride: size * c)
                        }
                        for k in 0..<(size * size * c) { dst[k] = Float(plane[k]) }
                    }
                }
            }
        }
        return out
    }

    /// One 8-bit resampling pass along `axis`, for `lines` independent lines: line `l` starts at
    /// `base + l·lineStride` with samples `sampleStride` apart (the source index `lineOffset`
    /// sits at the start), and its `size` outputs go to `out + l·outLineStride`, `outSampleStride`
    /// apart. Outputs of padding positions are 0. - Complexity: O(lines × size × taps)
    private static func pass(_ base: UnsafePointer<UInt8>, lineStride: Int, sampleStride: Int, lines: Int,
                             axis: ResampleAxis, lineOffset: Int, into out: UnsafeMutablePointer<UInt8>,
                             outLineStride: Int, outSampleStride: Int) {
        let bits = Int32(ResampleAxis.precisionBits)
        let half = Int32(1) << (bits - 1)
        axis.fixedWeights.withUnsafeBufferPointer { weights in
            for j in 0..<axis.starts.count {
                let count = axis.counts[j]
                let w = weights.baseAddress! + j * axis.taps
                let first = (axis.starts[j] - lineOffset) * sampleStride
                for l in 0..<lines {
                    let line = base + l * lineStride + first
                    var sum = half
                    for k in 0..<count { sum &+= Int32(line[k * sampleStride]) &* w[k] }
                    out[l * outLineStride + j * outSampleStride] = count == 0 ? 0 : UInt8(clamping: sum >> bits)
                }
            }
        }
    }

    func run() -> [Float] {
        let c = image.channels
        let rowLength = size &* c
        let rows = ys.high - ys.low
        var horizontal = [Float](repeating: 0, count: rows * rowLength)
        image.pixels.withUnsafeBufferPointer { src in
            xs.weights.withUnsafeBufferPointer { weights in
                horizontal.withUnsafeMutableBufferPointer { tmp in
                    for r in 0..<rows {
                        let line = src.baseAddress! + (ys.low &+ r) &* image.width &* c
                        let target = tmp.baseAddress! + r &* rowLength
                        if c == 3 {
                            horizontalRGB(line, target, weights.baseAddress!)
                        } else {
                            horizontalGrey(line, target, weights.baseAddress!)
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: size * rowLength)
        horizontal.withUnsafeBufferPointer { tmp in
            ys.weights.withUnsafeBufferPointer { weights in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<size {
                        let target = dst.baseAddress! + i &* rowLength
                        let first = ys.starts[i] &- ys.low
                        for k in 0..<ys.counts[i] {
                            let w = weights[i &* ys.taps &+ k]
                            let line = tmp.baseAddress! + (first &+ k) &* rowLength
                            for t in 0..<rowLength { target[t] += w * line[t] }
                        }
                    }
                }
            }
        }
        return out
    }

    private func horizontalRGB(_ line: UnsafePointer<UInt8>, _ target: UnsafeMutablePointer<Float>,
                               _ weights: UnsafePointer<Float>) {
        for j in 0..<size {
            var r: Float = 0, g: Float = 0, b: Float = 0
            let w = weights + j &* xs.taps
            var p = line + xs.starts[j] &* 3
            for k in 0..<xs.counts[j] {
                r += w[k] * Float(p[0])
                g += w[k] * Float(p[1])
                b += w[k] * Float(p[2])
                p += 3
            }
            target[3 &* j] = r
            target[3 &* j &+ 1] = g
            target[3 &* j &+ 2] = b
        }
    }

    private func horizontalGrey(_ line: UnsafePointer<UInt8>, _ target: UnsafeMutablePointer<Float>,
                                _ weights: UnsafePointer<Float>) {
        for j in 0..<size {
            var v: Float = 0
            let w = weights + j &* xs.taps
            let p = line + xs.starts[j]
            for k in 0..<xs.counts[j] { v += w[k] * Float(p[k]) }
            target[j] = v
        }
    }
}
