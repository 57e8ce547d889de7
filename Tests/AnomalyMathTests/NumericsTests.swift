import AnomalyMath
import Testing

@Suite struct NumericsTests {
    @Test func quantileMatchesNumpyLinear() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 25, 50, 90, 100]) = [1, 2, 3, 7.6, 10]
        let x: [Double] = [10, 1, 3, 2, 4]
        #expect(Statistics.quantile(x, 0) == 1)
        #expect(Statistics.quantile(x, 0.25) == 2)
        #expect(Statistics.quantile(x, 0.5) == 3)
        #expect(abs(Statistics.quantile(x, 0.9) - 7.6) < 1e-12)
        #expect(Statistics.quantile(x, 1) == 10)
    }

    @Test func averageRanksMatchScipy() {
        // scipy.stats.rankdata([3, 1, 4, 1, 5]) = [3, 1.5, 4, 1.5, 5]
        #expect(Ranks.averageRanks([3, 1, 4, 1, 5]) == [3, 1.5, 4, 1.5, 5])
    }

    @Test func ecdfIsRightContinuous() {
        let ref: [Double] = [1, 2, 2, 3]
        #expect(Ranks.ecdf(ref, 0) == 0)
        #expect(Ranks.ecdf(ref, 2) == 0.75)
        #expect(Ranks.ecdf(ref, 3) == 1)
    }

    @Test func covarianceMatchesNumpy() {
        // np.cov([[1,2],[2,4],[3,7]].T) = [[1, 2.5], [2.5, 6.333...]]
        let m = Matrix([[1, 2], [2, 4], [3, 7]] as [[Float]])
        let (mean, cov) = Statistics.covariance(m, ddof: 1)
        #expect(mean == [2, 13.0 / 3])
        #expect(abs(cov[0] - 1) < 1e-12 && abs(cov[1] - 2.5) < 1e-12 && abs(cov[3] - 19.0 / 3) < 1e-12)
    }

    @Test func eigendecompositionReconstructs() throws {
        let a: [Double] = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]
        let e = try SymmetricEigen(symmetric: a, n: 3)
        #expect(e.values == e.values.sorted())
        for i in 0..<3 {
            for j in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += e.vectors[i * 3 + k] * e.values[k] * e.vectors[j * 3 + k] }
                #expect(abs(s - a[i * 3 + j]) < 1e-10)
            }
        }
    }

    @Test func choleskyReconstructs() throws {
        let a: [Double] = [4, 2, 2, 3]
        let l = try choleskyLower(a, n: 2)
        #expect(l[1] == 0)
        #expect(abs(l[0] * l[0] - 4) < 1e-12 && abs(l[2] * l[0] - 2) < 1e-12 && abs(l[2] * l[2] + l[3] * l[3] - 3) < 1e-12)
        #expect(throws: NumericError.notPositiveDefinite) { try choleskyLower([1, 2, 2, 1], n: 2) }
    }

    @Test func lowerTriangularInverseIsAnInverse() {
        // L = [[2, 0, 0], [1, 3, 0], [-1, 2, 4]]; L·L⁻¹ must be the identity and L⁻¹ lower triangular.
        let l: [Double] = [2, 0, 0, 1, 3, 0, -1, 2, 4]
        let inv = lowerTriangularInverse(l, n: 3)
        #expect(inv[1] == 0 && inv[2] == 0 && inv[5] == 0)
        for i in 0..<3 { for j in 0..<3 {
            let p = (0..<3).reduce(0.0) { $0 + l[i * 3 + $1] * inv[$1 * 3 + j] }
            #expect(abs(p - (i == j ? 1 : 0)) < 1e-14)
        } }
        #expect(inv[0] == 0.5 && abs(inv[3] + 1.0 / 6) < 1e-15)
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<5).map { _ in a.next() }
        #expect(xa == (0..<5).map { _ in b.next() })
        #expect(xa != (0..<5).map { _ in c.next() })
        var g = SeededGenerator(seed: 1)
        let s = g.sample(10, from: 100)
        #expect(Set(s).count == 10 && s.allSatisfy { $0 < 100 })
    }

    @Test func parallelForCoversEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { buf in
            let out = SharedMutableBuffer(buf)
            parallelFor(1000) { range in for i in range { out[i] += 1 } }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}

@Suite struct SelectionTests {
    @Test(arguments: [0.0, 0.1, 0.5, 0.9, 0.95, 1.0])
    func quantileBySelectionEqualsSortedQuantile(q: Double) {
        var rng = SeededGenerator(seed: 9)
        for n in [1, 2, 3, 10, 101, 1000] {
            // Many ties, as in real score vectors.
            let x = (0..<n).map { _ in Double(rng.nextInt(below: 20)) + (rng.nextUniform() < 0.5 ? 0 : rng.nextUniform()) }
            #expect(Statistics.quantileBySelection(x, q) == Statistics.quantile(x, q))
        }
    }
}
