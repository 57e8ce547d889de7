import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// GMM (Detectors/Probabilistic/GMM.swift) against PyOD.
@Suite struct GMMTests {
    @Test(arguments: ProbabilisticFixture.names)
    func singleComponentGMMMatchesPyOD(_ name: String) throws {
        let fx = try ProbabilisticFixture.load(name)
        for cov in ["full", "diag", "spherical", "tied"] {
            let entry = try #require(fx.detectors["gmm_" + cov])
            let (train, test) = try fitAndScore("gmm", entry.params, fx)
            #expect(maxRelativeError(train, entry.train, atol: 1e-6) < 1e-6, "\(name) gmm \(cov) train")
            #expect(maxRelativeError(test, entry.test, atol: 1e-6) < 1e-6, "\(name) gmm \(cov) test")
        }
    }

    @Test(arguments: ProbabilisticFixture.names)
    func threeComponentGMMRanksLikePyOD(_ name: String) throws {
        let fx = try ProbabilisticFixture.load(name)
        let entry = try #require(fx.detectors["gmm_3"])
        let (_, test) = try fitAndScore("gmm", entry.params, fx)
        guard Set(fx.test_labels).count == 2 else { return }
        // Different k-means initialisation: compare quality, not values.
        #expect(abs(Metrics.rocAUC(labels: fx.test_labels, scores: test) - Metrics.rocAUC(labels: fx.test_labels, scores: entry.test)) < 0.15, "\(name)")
    }
}
