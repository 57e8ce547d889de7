/// The two resampling passes of `ImagePreprocessing`: horizontal over the source rows the crop
/// needs, then vertical into the `size × size × channels` output.
struct Resampler {
    let image: DecodedImage
    let xs: ResampleAxis
    let ys: ResampleAxis
    let size: Int

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
