/// Recovers the `Double` a `Float` most likely came from.
///
/// AnomalyKit stores data as `Float`, which rounds decimal inputs: 0.3 becomes 0.300000011920929.
/// Comparisons against boundaries computed in `Double` (histogram bin edges, say) can then fall on
/// the other side than they do on the float64 original, and a detector no longer matches PyOD.
/// Data written as decimals is recovered exactly by the shortest decimal that round-trips the
/// `Float` ("0.3"), so boundary decisions that hinge on the rounding use that value instead.
///
/// SPI-public (`@_spi(Kernels) import AnomalyMath`) so its `@inlinable` members inline into HBOS's
/// loops in another module, as `FastMath` is.
@_spi(Kernels) public enum DecimalRecovery {
    /// The shortest round-tripping decimal of `v`, as a `Double`. - Complexity: O(1), ~100 ns
    @inlinable
    public static func double(_ v: Float) -> Double {
        guard v.isFinite else { return Double(v) }
        return Double(v.description) ?? Double(v)
    }

    /// True when `x` (a `Float` widened to `Double`) lies within one `Float` ulp of `boundary`,
    /// where `Float` rounding may have moved it across. - Complexity: O(1)
    @inlinable
    public static func isNear(_ x: Double, _ boundary: Double) -> Bool {
        abs(x - boundary) <= Double(Float(x).ulp)
    }

    /// A memo of recovered values: data near boundaries repeats the same few values, and the
    /// decimal round trip costs far more than a lookup. A direct-mapped table of 4,096 entries
    /// keyed by the `Float`'s bits (no hashing); one per thread.
    package struct Memo {
        private static let size = 4096
        private var keys = [UInt32](repeating: UInt32.max, count: Memo.size)
        private var values = [Double](repeating: 0, count: Memo.size)
        package init() {}
        /// `DecimalRecovery.double(v)`, memoised. - Complexity: O(1)
        package mutating func double(_ v: Float) -> Double {
            let bits = v.bitPattern
            let slot = Int(truncatingIfNeeded: (bits &* 2_654_435_761) >> 20) & (Memo.size - 1)
            if keys[slot] == bits { return values[slot] }
            let d = DecimalRecovery.double(v)
            keys[slot] = bits
            values[slot] = d
            return d
        }
    }
}
