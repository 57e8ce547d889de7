@_spi(Kernels) import AnomalyMath
import Testing

@Suite struct BLASThreadTests {
    /// Concurrent callers each see one BLAS thread for the whole of their body: a caller that
    /// leaves must not restore the thread count while another is still inside.
    @Test func singleThreadHoldsAcrossConcurrentCallers() {
        let seen = [Int](unsafeUninitializedCapacity: 4000) { buffer, count in
            let out = SharedMutableBuffer(buffer)
            parallelFor(4000) { range in
                for i in range {
                    out[i] = BLAS.withSingleThread {
                        let before = BLAS.threads
                        _ = Matrix(rows: 8, cols: 8, repeating: 1).matmul(Matrix(rows: 8, cols: 8, repeating: 2))
                        return max(before, BLAS.withSingleThread { BLAS.threads }, BLAS.threads)
                    }
                }
            }
            count = 4000
        }
        #expect(seen.allSatisfy { $0 == 1 })
        #expect(BLAS.defaultThreads >= 1)
    }
}
