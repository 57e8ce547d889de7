import AnomalyKit
import Testing
import TestSupport

/// `checkDetectorContract` (TestSupport) for every registered detector: the `Detector` /
/// `FittedDetector` contract of Core/Detector.swift, after scikit-learn's `check_estimator`.
@Suite struct DetectorContractTests {
    @Test(arguments: DetectorRegistry.names)
    func keepsTheDetectorContract(name: String) throws {
        try checkDetectorContract(name)
    }
}
