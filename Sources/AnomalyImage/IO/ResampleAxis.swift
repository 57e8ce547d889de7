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
    /// The same weights in Pillow's fixed point (`PRECISION_BITS` = 22 fractional bits, rounded
    /// half away from zero from the Double weights), for `ImagePreprocessing.Rounding.pillow`.
    let fixedWeights: [Int32]
    let taps: Int
    /// The source indices any kept position reads: `low..<high` (empty when all is padding).
    let low: Int
    let high: Int
    /// The axis's length before and after the resize.
    let source: Int
    let resized: Int

    /// Fractional bits of Pillow's 8-bit resampling weights (Resample.c: 32 − 8 − 2).
    static let precisionBits = 22

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
        var fixed = [Int32](repeating: 0, count: crop * taps)
        var low = Int.max, high = Int.min
        var w = [Double](repeating: 0, count: taps)
        for j in 0..<crop {
            let p = j + offset
            guard p >= 0 && p < resized else { continue }
            if source == resized {
                starts[j] = p
                counts[j] = 1
                weights[j] = 1
                fixed[j] = Int32(1 << Self.precisionBits)
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
                    let normalised = total != 0 ? w[k] / total : w[k]
                    weights[j * taps + k] = Float(normalised)
                    let scaled = normalised * Double(1 << Self.precisionBits)
                    fixed[j * taps + k] = Int32(scaled < 0 ? scaled - 0.5 : scaled + 0.5)
                }
            }
            low = min(low, starts[j])
            high = max(high, starts[j] + counts[j])
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.fixedWeights = fixed
        self.source = source
        self.resized = resized
        self.taps = taps
        self.low = low == .max ? 0 : low
        self.high = high == .min ? 0 : high
    }
}
