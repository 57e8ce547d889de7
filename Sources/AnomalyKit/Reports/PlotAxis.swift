import Foundation

/// One axis of a plot: its data range and the "nice" tick values (1, 2 or 5 × 10ᵏ apart) that
/// label it.
package struct PlotAxis: Sendable, Equatable {
    package var label: String
    package var lower: Double
    package var upper: Double

    /// An axis over `lower...upper`; an empty or non-finite range is widened so it can be drawn.
    package init(label: String, lower: Double, upper: Double) {
        self.label = label
        var lo = lower.isFinite ? lower : 0, hi = upper.isFinite ? upper : 1
        if hi < lo { swap(&lo, &hi) }
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.05
            lo -= pad
            hi += pad
        }
        self.lower = lo
        self.upper = hi
    }

    /// The unit interval, as ROC and precision–recall plots use.
    package static func unit(_ label: String) -> PlotAxis { PlotAxis(label: label, lower: 0, upper: 1) }

    /// Tick values inside the range, about `target` of them, on a 1-2-5 step.
    package func ticks(target: Int = 5) -> [Double] {
        let step = Self.niceStep(upper / Double(max(target, 1)) - lower / Double(max(target, 1)))
        var ticks: [Double] = []
        var k = (lower / step).rounded(.up)
        while k * step <= upper + step * 1e-9, ticks.count < 50 {
            let v = k * step
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            k += 1
        }
        return ticks
    }

    /// The 1-2-5 × 10ᵏ step nearest above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// The position of `v` as a share of the range (0 at `lower`, 1 at `upper`).
    func share(_ v: Double) -> Double { (v / 2 - lower / 2) / (upper / 2 - lower / 2) }   // halves: no overflow
}
