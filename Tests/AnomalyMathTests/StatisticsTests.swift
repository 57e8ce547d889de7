import AnomalyMath
import Testing

/// Quantiles and covariance of Statistics.swift, against NumPy.
@Suite struct StatisticsTests {
    @Test func quantileMatchesNumpyLinear() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 25, 50, 90, 100]) = [1, 2, 3, 7.6, 10]
        let x: [Double] = [10, 1, 3, 2, 4]
        #expect(Statistics.quantile(x, 0) == 1)
        #expect(Statistics.quantile(x, 0.25) == 2)
        #expect(Statistics.quantile(x, 0.5) == 3)
        #expect(abs(Statistics.quantile(x, 0.9) - 7.6) < 1e-12)
        #expect(Statistics.quantile(x, 1) == 10)
    }

    @Test func covarianceMatchesNumpy() {
        // np.cov([[1,2],[2,4],[3,7]].T) = [[1, 2.5], [2.5, 6.333...]]
        let m = Matrix([[1, 2], [2, 4], [3, 7]] as [[Float]])
        let (mean, cov) = Statistics.covariance(m, ddof: 1)
        #expect(mean == [2, 13.0 / 3])
        #expect(abs(cov[0] - 1) < 1e-12 && abs(cov[1] - 2.5) < 1e-12 && abs(cov[3] - 19.0 / 3) < 1e-12)
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
