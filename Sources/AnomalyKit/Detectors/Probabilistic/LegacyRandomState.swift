/// numpy's legacy `RandomState` (MT19937) for the draws scikit-learn's FastMCD makes
/// (`permutation`), so that a seeded `MCD` picks the same random subsets as PyOD with the same
/// `random_state`.
///
/// Only `init(seed:)` (MT19937 `init_genrand`, as `RandomState(int)`) and `permutation(_:)`
/// (Fisher–Yates from the end with masked rejection sampling, as numpy's legacy `shuffle`) are provided.
struct LegacyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            let prev = state[i - 1]
            state[i] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7fff_ffff)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_b0df }
            state[i] = v
        }
        index = 0
    }

    mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A uniform integer in `0...maximum` (numpy's `random_interval`, for maximum < 2³²).
    mutating func interval(_ maximum: Int) -> Int {
        if maximum == 0 { return 0 }
        var mask = UInt64(maximum)
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if maximum <= 0xffff_ffff {
            while true {
                let v = UInt64(nextUInt32()) & mask
                if v <= UInt64(maximum) { return Int(v) }
            }
        }
        while true {
            let v = ((UInt64(nextUInt32()) << 32) | UInt64(nextUInt32())) & mask
            if v <= UInt64(maximum) { return Int(v) }
        }
    }

    /// `RandomState.permutation(n)`.
    mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        var i = n - 1
        while i >= 1 {
            let j = interval(i)
            a.swapAt(i, j)
            i -= 1
        }
        return a
    }
}
