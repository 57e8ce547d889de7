/// The resampling weights of one image axis, for the output positions a centre crop keeps.
///
/// Pillow's `Image.resize(size, BILINEAR)` (Resample.c `precompute_coeffs`): output position `p`
/// of `resized` has centre `(p + 0.5) · scale` in the source (`scale = source / resized`) and reads
/// the source samples within `support = max(scale, 1)` of it, weighted by the triangle
/// `max(0, 1 − |x − centre + 0.5| / max(scale, 1))` and normalised to sum 1 — so a downscale
/// averages over its whole footprint (antialiased). Computed in `Double`, stored as `Float`.
/// An axis the resize leaves alone (`source == resized`) copies, as Pillow skips that pass.
/// The crop is torchvision's `CenterCrop`: offset `round((resized − crop) / 2)` with halves to
/// even (Python's `round`), or zero padding of `(crop − resized) / 2` when the crop is larger.
struct ResampleAxis {
    /// Per kept position: the first source index and the number of taps (0 = padding, zero output).
    let starts: [Int]
    let counts: [Int]
    /// `taps` weights per kept position (unused ones zero).
    let weights: [Float]
    let taps: Int
    /// The source indices any kept position reads: `low..<high` (empty when all is padding).
    let low: Int
    let high: Int

    /// - Complexity: O(crop × support)
    init(source: Int, resized: Int, crop: Int) {
        let scale = Double(source) / Double(resized)
        let filterScale = max(scale, 1.0)
        let support = filterScale
        let taps = source == resized ? 1 : Int(support.rounded(.up)) * 2 + 1
        let offset = resized >= crop ? Int((Double(resized - crop) / 2).rounded(.toNearestOrEven)) : -((crop - resized) / 2)
        var starts = [Int](repeating: 0, count: crop)
        var counts = [Int](repeating: 0, count: crop)
        var weights = [Float](repeating: 0, count: crop * taps)
        var low = Int.max, high = Int.min
        var w = [Double](repeating: 0, count: taps)
        for j in 0..<crop {
            let p = j + offset
            guard p >= 0 && p < resized else { continue }
            if source == resized {
                starts[j] = p
                counts[j] = 1
                weights[j] = 1
            } else {
                let center = (Double(p) + 0.5) * scale
                let first = max(Int(center - support + 0.5), 0)
                let end = min(Int(center + support + 0.5), source)
                var total = 0.0
                for x in first..<end {
                    let t = abs((Double(x) - center + 0.5) / filterScale)
                    w[x - first] = t < 1 ? 1 - t : 0
                    total += w[x - first]
                }
                starts[j] = first
                counts[j] = end - first
                for k in 0..<(end - first) {
                    weights[j * taps + k] = Float(total != 0 ? w[k] / total : w[k])
                }
            }
            low = min(low, starts[j])
            high = max(high, starts[j] + counts[j])
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.taps = taps
        self.low = low == .max ? 0 : low
        self.high = high == .min ? 0 : high
    }
}
