import AnomalyMath
import Foundation
import Testing
@testable import AnomalyKit

/// ADBench's robustness settings: what each does to a small dataset.
@Suite struct DatasetCorruptionTests {
    let x = Matrix(rows: 6, cols: 2, values: [0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 50, 90])
    let labels = [0, 0, 0, 0, 0, 1]

    @Test func duplicatesRepeatTheAnomalies() throws {
        var rng = SeededGenerator(seed: 1)
        let d = try DatasetCorruption.duplicatingAnomalies(x, labels: labels, times: 4, rng: &rng)
        #expect(d.labels == labels + [1, 1, 1])
        #expect(d.x.rows == 9 && (6..<9).allSatisfy { d.x[$0, 0] == 50 && d.x[$0, 1] == 90 })
        var again = SeededGenerator(seed: 1)
        #expect(try DatasetCorruption.duplicatingAnomalies(x, labels: labels, times: 1, rng: &again).x.values == x.values)
        #expect(throws: AnomalyError.self) { try DatasetCorruption.duplicatingAnomalies(x, labels: labels, times: 0, rng: &rng) }
    }

    @Test func noiseFeaturesTakeTheirShareAndStayInAColumnsRange() throws {
        var rng = SeededGenerator(seed: 2)
        let wide = Matrix(rows: 6, cols: 4, values: (0..<24).map { Float($0) })
        let (noisy, order) = try DatasetCorruption.addingIrrelevantFeatures(wide, ratio: 0.5, rng: &rng)
        #expect(noisy.cols == 8 && Set(order) == Set(0..<8))
        // The original columns are all there, moved.
        for c in 0..<4 {
            let j = try #require(order.firstIndex(of: c))
            #expect((0..<6).allSatisfy { noisy[$0, j] == wide[$0, c] })
        }
        for (j, c) in order.enumerated() where c >= 4 {
            #expect((0..<6).allSatisfy { noisy[$0, j] >= 0 && noisy[$0, j] <= 23 })
        }
        #expect(throws: AnomalyError.self) { try DatasetCorruption.addingIrrelevantFeatures(wide, ratio: 1, rng: &rng) }
    }

    @Test func labelNoiseFlipsItsShare() throws {
        var rng = SeededGenerator(seed: 3)
        let y = [Int](repeating: 0, count: 90) + [Int](repeating: 1, count: 10)
        let flipped = try DatasetCorruption.flippingLabels(y, ratio: 0.2, rng: &rng)
        #expect(zip(y, flipped).filter { $0 != $1 }.count == 20)
        #expect(throws: AnomalyError.self) { try DatasetCorruption.flippingLabels(y, ratio: 1.5, rng: &rng) }
    }
}
