import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// The recalibrated domains of Evaluation/Recalibration.swift.
@Suite struct RecalibrationTests {
    @Test func recalibratedDomainsAreSeededDisjointAndStratified() throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 100, d: 4, outliers: 20, seed: 5)
        let make = { try Recalibration().domains(x: x, labels: y, shares: [1, 1, 2], names: ["a", "b", "c"], seed: 9) }
        let first = try make(), again = try make()
        #expect(first.map(\.x) == again.map(\.x))
        #expect(first.map(\.x.rows) == [30, 30, 60])
        #expect(first.map { $0.labels.reduce(0, +) } == [5, 5, 10])
        #expect(first[0].x != x.rows(at: Array(0..<30)))
        #expect(throws: AnomalyError.self) { try Recalibration().domains(x: x, labels: y, shares: [1, 0], names: ["a", "b"], seed: 1) }
    }
}
