/// A seeded, fast pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in AnomalyKit takes one of these (or a seed that makes one), so the same seed
/// gives the same results on every platform. `split()` derives independent streams for parallel
/// work (one per tree, say) without sharing state across threads.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm); s1 = splitMix(&sm); s2 = splitMix(&sm); s3 = splitMix(&sm)
    }

    @inlinable static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    public mutating func next() -> UInt64 {
        let result = SeededGenerator.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = SeededGenerator.rotl(s3, 45)
        return result
    }

    /// A new generator seeded from this one's stream: independent for practical purposes.
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in `0..<upperBound` (unbiased).
    public mutating func nextInt(below upperBound: Int) -> Int {
        Int.random(in: 0..<upperBound, using: &self)
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextGaussian() -> Double {
        var u1 = nextUniform()
        while u1 <= .leastNormalMagnitude { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// `count` distinct indices from `0..<n`, in random order (partial Fisher–Yates).
    /// - Complexity: O(n) memory and O(n + count) time.
    public mutating func sample(_ count: Int, from n: Int) -> [Int] {
        precondition(count <= n)
        var pool = Array(0..<n)
        for i in 0..<count {
            let j = i + nextInt(below: n - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<count])
    }

    /// The elements of `array` in random order.
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var a = array
        a.shuffle(using: &self)
        return a
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
