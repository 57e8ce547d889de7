import AnomalyMath
import CVectorKernels
import Foundation

/// The element-wise and row-wise kernels of the BERT forward pass, written over `SIMD8<Float>`
/// so they vectorise at the default target (the compiler does not reorder scalar float sums).
/// Each works on one row (or a range of elements); the caller spreads rows over cores.
enum BertKernels {
    typealias V = SIMD8<Float>

    /// Whether GELU and the softmax run the AVX2 + FMA builds of these kernels (CVectorKernels, the
    /// same formulas): when the CPU has both, unless `ANOMALYKIT_PORTABLE_KERNELS=1` asks for the
    /// Swift ones (scripts/test-kernels runs the suite both ways). The two agree to float rounding
    /// (FMA rounds once where Swift rounds twice), not bit for bit.
    static let usesVectorKernels: Bool =
        ProcessInfo.processInfo.environment["ANOMALYKIT_PORTABLE_KERNELS"] != "1" && ak_vector_kernels_available() != 0

    /// Lane-wise minimum and maximum as compare-and-select (the standard library's
    /// `pointwiseMin`/`pointwiseMax` go lane by lane for their NaN rules). NaN lanes of `a` stay.
    @inline(__always) static func minimum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }
    @inline(__always) static func maximum(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .> a) }

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// `out = LayerNorm(x + bias + residual)` over one row of `n` (weight `gamma`, bias `beta`):
    /// the biased variance of the centred values, as PyTorch computes it. `bias` and `residual`
    /// may be nil; `out` may alias `x` or `residual`.
    /// - Complexity: O(n), three passes.
    @inline(__always)
    static func addLayerNorm(_ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float, n: Int,
                             out: UnsafeMutablePointer<Float>) {
        let vn = n & ~7
        // Pass 1: the summed input into `out`, and its sum.
        var acc = V()
        var i = 0
        while i < vn {
            var v = load(x, i)
            if let bias { v += load(bias, i) }
            if let residual { v += load(residual, i) }
            store(v, out, i)
            acc += v
            i &+= 8
        }
        var sum = acc.sum()
        while i < n {
            var v = x[i]
            if let bias { v += bias[i] }
            if let residual { v += residual[i] }
            out[i] = v
            sum += v
            i &+= 1
        }
        let mean = sum / Float(n)
        // Pass 2: the variance of the centred values.
        var acc2 = V()
        let vmean = V(repeating: mean)
        i = 0
        while i < vn {
            let d = load(out, i) - vmean
            acc2 += d * d
            i &+= 8
        }
        var squares = acc2.sum()
        while i < n {
            let d = out[i] - mean
            squares += d * d
            i &+= 1
        }
        let rstd = 1 / (squares / Float(n) + eps).squareRoot()
        // Pass 3: normalise, scale and shift.
        let vr = V(repeating: rstd)
        i = 0
        while i < vn {
            store((load(out, i) - vmean) * vr * load(gamma, i) + load(beta, i), out, i)
            i &+= 8
        }
        while i < n {
            out[i] = (out[i] - mean) * rstd * gamma[i] + beta[i]
            i &+= 1
        }
    }

    /// `e^x` for vectors, branch-free: `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2`, a degree-7 Taylor
    /// polynomial for `e^r` (truncation error below 1e-8 relative) and `2^k` from the exponent
    /// bits. Inputs below −87 give `e^−87` (the softmax only feeds it values ≤ 0).
    /// - Complexity: O(1), about 20 vector operations.
    @inline(__always)
    static func exp(_ x0: V) -> V {
        let x = minimum(maximum(x0, V(repeating: -87)), V(repeating: 88))
        // 1.5·2²³: adding it rounds x·log₂e to an integer k held in the low mantissa bits.
        let shifter = V(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + shifter
        let k = shifted - shifter
        let r = (x - k * 0.693_145_751_953_125) - k * 1.428_606_820_286_226_8e-6
        var p = V(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^k: the shifted value's bit pattern is 0x4B40_0000 + k; (k + 127) << 23 is 2^k.
        let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self)
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        return p * scale
    }

    /// Scalar `e^x` through the vector kernel (for loop tails).
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }

    /// In-place unnormalised softmax of one row of `n` scores: `e^(s − max)`, returning
    /// `1 / Σ e^(s − max)`, the factor that normalises it (the caller scales whatever it computes
    /// from the row — attention scales the head's `n`-long row of context, not the `n` weights).
    /// - Complexity: O(n), two passes.
    @inline(__always)
    static func softmaxUnnormalized(_ row: UnsafeMutablePointer<Float>, n: Int) -> Float {
        if usesVectorKernels { return ak_softmax_unnormalized_avx2(row, n) }
        return portableSoftmaxUnnormalized(row, n: n)
    }

    /// `softmaxUnnormalized` in Swift (the build for CPUs without AVX2 + FMA).
    @inline(__always)
    static func portableSoftmaxUnnormalized(_ row: UnsafeMutablePointer<Float>, n: Int) -> Float {
        let vn = n & ~7
        var vmax = V(repeating: -.infinity)
        var i = 0
        while i < vn { vmax = maximum(vmax, load(row, i)); i &+= 8 }
        var m = vmax.max()
        while i < n { m = Swift.max(m, row[i]); i &+= 1 }
        let vm = V(repeating: m)
        var acc = V()
        i = 0
        while i < vn {
            let e = exp(load(row, i) - vm)
            store(e, row, i)
            acc += e
            i &+= 8
        }
        var sum = acc.sum()
        while i < n {
            let e = exp(row[i] - m)
            row[i] = e
            sum += e
            i &+= 1
        }
        return 1 / sum
    }

    /// In-place softmax of one row of `n` scores: `e^(s − max) / Σ e^(s − max)`.
    /// - Complexity: O(n), three passes.
    @inline(__always)
    static func softmax(_ row: UnsafeMutablePointer<Float>, n: Int) {
        let inv = softmaxUnnormalized(row, n: n)
        scale(row, n: n, by: inv)
    }

    /// `row *= factor` over `n` elements.
    @inline(__always)
    static func scale(_ row: UnsafeMutablePointer<Float>, n: Int, by factor: Float) {
        scale(row, n: n, by: factor, into: row)
    }

    /// `out = row · factor` over `n` elements (`out` may be `row`).
    @inline(__always)
    static func scale(_ row: UnsafePointer<Float>, n: Int, by factor: Float, into out: UnsafeMutablePointer<Float>) {
        let vn = n & ~7
        let v = V(repeating: factor)
        var i = 0
        while i < vn { store(load(row, i) * v, out, i); i &+= 8 }
        while i < n { out[i] = row[i] * factor; i &+= 1 }
    }

    /// In place over `n` elements: `v += bias` then the activation.
    /// - Complexity: O(n)
    @inline(__always)
    static func addBiasActivate(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, n: Int,
                                _ activation: BertConfig.Activation) {
        let vn = n & ~7
        var i = 0
        switch activation {
        case .gelu:
            if usesVectorKernels { ak_gelu_bias_avx2(row, bias, n); return }
            while i < vn { store(gelu(load(row, i) + load(bias, i)), row, i); i &+= 8 }
            while i < n { row[i] = gelu(V(repeating: row[i] + bias[i]))[0]; i &+= 1 }
        case .geluTanh:
            while i < n { row[i] = geluTanh(row[i] + bias[i]); i &+= 1 }
        case .relu:
            while i < vn { store(maximum(load(row, i) + load(bias, i), V()), row, i); i &+= 8 }
            while i < n { row[i] = Swift.max(row[i] + bias[i], 0); i &+= 1 }
        }
    }

    /// The exact GELU, `x·Φ(x) = 0.5·x·(1 + erf(x/√2))`, through
    /// `erfc(a) = (1 − u)·e^(−a² + R(u))` with `u = a/(2 + a)` for `a = |x|/√2` (clamped to 9,
    /// past which `erfc` is below Float's range): `R` is a degree-10 polynomial without constant
    /// term fitted by `scripts/fit-gelu-erfc.py`, and `|Φ − Φ_exact| ≤ 1.1e-7` in Float (PyTorch's
    /// float erf GELU: 7e-8). Vectorises, unlike a call to `erff` per element.
    /// - Complexity: O(1), about 40 vector operations.
    @inline(__always)
    static func gelu(_ x: V) -> V {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
        let a = minimum(magnitude * 0.707_106_781_186_547_5, V(repeating: 9))
        let u = a / (2 + a)
        var r = V(repeating: -0.148_387_253_284_454_35)
        r = r * u + 0.471_234_828_233_718_87
        r = r * u - 0.463_843_971_490_859_99
        r = r * u + 0.134_810_209_274_292
        r = r * u - 0.115_413_300_693_035_13
        r = r * u + 0.060_723_893_344_402_31
        r = r * u + 0.194_071_024_656_295_78
        r = r * u + 0.161_192_223_429_679_87
        r = r * u - 0.303_216_785_192_489_6
        r = r * u - 1.256_758_809_089_660_6
        r = r * u
        let halfErfc = 0.5 * (1 - u) * exp(r - a * a)
        let phi = (1 - halfErfc).replacing(with: halfErfc, where: x .< 0)
        return x * phi
    }

    /// The tanh GELU (`gelu_new`): `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    @inline(__always)
    static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)))
    }
}
