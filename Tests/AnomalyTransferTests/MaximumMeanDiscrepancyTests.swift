import AnomalyNN
import AnomalyTransfer
import Testing
import TestSupport

@Suite struct MaximumMeanDiscrepancyTests {
    @Test func gradientMatchesFiniteDifferences() {
        GradientChecker([(5, 3), (4, 3)], awayFromZero: false) { Loss.maximumMeanDiscrepancy($0[0], $0[1], relative: false) }
            .check(tolerance: 2e-2)
    }

    @Test func aSampleHasNoDiscrepancyWithItself() {
        let tape = Tape(training: false)
        let a = tape.constant(DataGenerators.gaussian(6, 3, seed: 2))
        #expect(abs(Loss.maximumMeanDiscrepancy(a, a).scalar) < 1e-5)
        let b = tape.constant(DataGenerators.gaussian(6, 3, seed: 3, offset: 3))
        #expect(Loss.maximumMeanDiscrepancy(a, b).scalar > 0.1)
    }
}
