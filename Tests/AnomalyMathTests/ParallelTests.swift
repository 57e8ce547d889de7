@_spi(Kernels) import AnomalyMath
import Testing

/// parallelFor (Parallel.swift).
@Suite struct ParallelTests {
    @Test func parallelForCoversEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { buf in
            let out = SharedMutableBuffer(buf)
            parallelFor(1000) { range in for i in range { out[i] += 1 } }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}
