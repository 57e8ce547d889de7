import Foundation
import Testing
@testable import AnomalyText
import AnomalyMath
import CVectorKernels

@Suite struct BertKernelsTests {
    @Test func geluMatchesTheErfFormToFloatRounding() {
        var worst = 0.0
        var x = -12.0
        while x <= 12 {
            let xs = BertKernels.V((0..<8).map { Float(x + Double($0) * 0.0001) })
            let got = BertKernels.gelu(xs)
            for i in 0..<8 {
                let v = Double(xs[i])
                let exact = 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                worst = max(worst, abs(Double(got[i]) - exact) / max(1, abs(v)))
            }
            x += 0.0137
        }
        #expect(worst < 2e-7, "worst |Δ| / max(1, |x|) = \(worst)")
        #expect(BertKernels.gelu(BertKernels.V(repeating: 0))[0] == 0)
        #expect(abs(BertKernels.gelu(BertKernels.V(repeating: -30))[0]) < 1e-30)
        #expect(BertKernels.gelu(BertKernels.V(repeating: 30))[0] == 30)
    }

    @Test func tanhGeluAndReluMatchTheirFormulas() {
        var row: [Float] = (0..<37).map { Float($0 - 18) * 0.37 }
        let input = row, bias = [Float](repeating: 0.05, count: 37)
        row.withUnsafeMutableBufferPointer { BertKernels.addBiasActivate($0.baseAddress!, bias: bias, n: 37, .geluTanh) }
        for (x0, got) in zip(input, row) {
            let x = Double(x0) + 0.05
            let want = 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            #expect(abs(Double(got) - want) <= 1e-6 * max(1, abs(x)))
        }
        row = input
        row.withUnsafeMutableBufferPointer { BertKernels.addBiasActivate($0.baseAddress!, bias: bias, n: 37, .relu) }
        #expect(row == input.map { max($0 + 0.05, 0) })
    }

    @Test func expIsAccurateOnTheSoftmaxRange() {
        var worst: Float = 0
        var x: Float = -87
        while x <= 10 {
            let got = BertKernels.exp(x)
            worst = max(worst, abs(got - Foundation.exp(x)) / Foundation.exp(x))
            x += 0.00731
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(BertKernels.exp(Float(0)) == 1)
    }

    @Test func softmaxAndLayerNormOnKnownRows() {
        var row: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, -1e30, 0]
        row.withUnsafeMutableBufferPointer { BertKernels.softmax($0.baseAddress!, n: $0.count) }
        let e = [1, 2, 3, 4, 5, 6, 7, 8, 9, -1e30, 0].map { Foundation.exp(Double($0) - 9) }
        let total = e.reduce(0, +)
        for (got, want) in zip(row, e.map { $0 / total }) { #expect(abs(Double(got) - want) <= 1e-7) }

        let x: [Float] = (0..<11).map { Float($0) }
        let residual = [Float](repeating: 1, count: 11)
        let gamma = [Float](repeating: 2, count: 11), beta = [Float](repeating: 0.5, count: 11)
        var out = [Float](repeating: 0, count: 11)
        BertKernels.addLayerNorm(x, bias: nil, residual: residual, gamma: gamma, beta: beta, eps: 1e-12, n: 11, out: &out)
        // mean 6, variance 10 (biased): (v − 6)/√10 · 2 + 0.5.
        for i in 0..<11 {
            let want = (Double(i + 1) - 6) / 10.0.squareRoot() * 2 + 0.5
            #expect(abs(Double(out[i]) - want) <= 1e-6)
        }
    }

    /// The AVX2 + FMA builds (CVectorKernels) against the Swift kernels, on lengths with every tail
    /// size: GELU within 2e-7 · max(1, |x|) (the erf form's own error bound), the softmax's weights
    /// and normaliser within 1e-6 relative.
    @Test(.enabled(if: ak_vector_kernels_available() != 0, "the CPU lacks AVX2 or FMA"))
    func vectorKernelsAgreeWithTheSwiftKernels() {
        var generator = SeededGenerator(seed: 11)
        for n in Array(1...40) + [384, 1536] {
            let input = (0..<n).map { _ in Float.random(in: -9...9, using: &generator) }
            let bias = (0..<n).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            var vector = input
            vector.withUnsafeMutableBufferPointer { ak_gelu_bias_avx2($0.baseAddress!, bias, n) }
            for i in 0..<n {
                let swift = BertKernels.gelu(BertKernels.V(repeating: input[i] + bias[i]))[0]
                #expect(abs(vector[i] - swift) <= 2e-7 * max(1, abs(swift)), "n \(n), element \(i)")
            }
            var portable = input, fast = input
            let a = portable.withUnsafeMutableBufferPointer { BertKernels.portableSoftmaxUnnormalized($0.baseAddress!, n: n) }
            let b = fast.withUnsafeMutableBufferPointer { ak_softmax_unnormalized_avx2($0.baseAddress!, n) }
            #expect(abs(a - b) <= 1e-6 * a, "n \(n): normaliser \(a) vs \(b)")
            for i in 0..<n { #expect(abs(portable[i] - fast[i]) <= 1e-6 * max(portable[i], 1e-30), "n \(n), weight \(i)") }
        }
        var nan: [Float] = [1, .nan, 2]
        let bias: [Float] = [0, 0, 0]
        nan.withUnsafeMutableBufferPointer { ak_gelu_bias_avx2($0.baseAddress!, bias, 3) }
        #expect(nan[1].isNaN && abs(nan[0] - 0.841_344_7) < 1e-6)
    }
}
