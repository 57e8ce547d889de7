import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// MCD (Detectors/Probabilistic/MCD.swift) against PyOD.
@Suite struct MCDTests {
    @Test(arguments: ProbabilisticFixture.names)
    func mcdMatchesPyOD(_ name: String) throws {
        let fx = try ProbabilisticFixture.load(name)
        let entry = try #require(fx.detectors["mcd"])
        let fitted = try MCD(seed: 42).fit(fx.trainMatrix)
        let test = try fitted.scores(fx.testMatrix)
        if Set(fx.test_labels).count == 2 {
            #expect(abs(Metrics.rocAUC(labels: fx.test_labels, scores: test) - Metrics.rocAUC(labels: fx.test_labels, scores: entry.test)) < 0.03, "\(name) AUC")
        }
        // vertebral's covariance is nearly singular (one feature ≈ a sum of others, smallest eigenvalue
        // 1e-8 of the largest): FastMCD's determinant comparisons then hinge on round-off, so only
        // the ROC-AUC is compared there.
        if name == "vertebral" { return }
        #expect(maxRelativeError(fitted.location, try #require(entry.location), atol: 1e-3) < 1e-6, "\(name) location")
        #expect(maxRelativeError(fitted.covariance, try #require(entry.covariance), atol: 1e-3) < 1e-6, "\(name) covariance")
        #expect(maxRelativeError(fitted.trainingScores, entry.train, atol: 1e-3) < 1e-5, "\(name) train")
        #expect(maxRelativeError(test, entry.test, atol: 1e-3) < 1e-5, "\(name) test")
    }
}
