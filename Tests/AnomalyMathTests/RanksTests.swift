import AnomalyMath
import Testing

/// Average ranks and the ECDF of Ranks.swift, against SciPy.
@Suite struct RanksTests {
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
}
