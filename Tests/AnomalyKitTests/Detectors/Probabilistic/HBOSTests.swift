import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// HBOS (Detectors/Probabilistic/HBOS.swift) against PyOD.
@Suite struct HBOSTests {
    @Test(arguments: ProbabilisticFixture.names)
    func hbosMatchesPyOD(_ name: String) throws {
        let fx = try ProbabilisticFixture.load(name)
        for key in ["hbos", "hbos_5"] {
            let entry = try #require(fx.detectors[key])
            let (train, test) = try fitAndScore("hbos", entry.params, fx)
            #expect(maxRelativeError(train, entry.train) < 1e-9, "\(name) \(key) train")
            #expect(maxRelativeError(test, entry.test) < 1e-9, "\(name) \(key) test")
        }
    }
}
