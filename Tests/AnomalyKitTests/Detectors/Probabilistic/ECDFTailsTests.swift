import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// ECOD and COPOD (both built on Detectors/Probabilistic/ECDFTails.swift) against PyOD, row by row.
@Suite struct ECDFTailsTests {
    @Test(arguments: ProbabilisticFixture.names)
    func ecdfDetectorsMatchPyODRowByRow(_ name: String) throws {
        let fx = try ProbabilisticFixture.load(name)
        for key in ["ecod", "copod"] {
            let entry = try #require(fx.detectors[key])
            let (train, test) = try fitAndScore(key, entry.params, fx)
            #expect(maxRelativeError(train, entry.train) < 1e-9, "\(name) \(key) train")
            #expect(maxRelativeError(test, entry.test) < 1e-9, "\(name) \(key) test")
        }
    }
}
