import AnomalyKit
import AnomalyNN
import Testing
import TestSupport

/// The neural detectors' losses against central finite differences (see `GradientChecker`).
@Suite struct DetectorLossTests {
    @Test func gradientsMatchFiniteDifferences() {
        let targets = Matrix(rows: 4, cols: 1, values: [0, 1, 0, 1])
        GradientChecker([(4, 1)]) { Loss.deviation($0[0] * 4, labels: targets, referenceMean: 0.1, referenceStd: 0.9) }.check()
        GradientChecker([(4, 3)]) { Loss.hypersphere($0[0], centre: Matrix(rows: 1, cols: 3, values: [0.1, -0.2, 0.3])) }.check()
        GradientChecker([(4, 2), (4, 2)]) { Loss.gaussianKL(mean: $0[0], logVariance: $0[1]) }.check()
    }
}
