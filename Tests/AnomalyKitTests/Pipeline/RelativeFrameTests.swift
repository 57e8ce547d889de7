import AnomalyKit
import AnomalyNN
import Foundation
import Testing
import TestSupport

@Suite struct RelativeFrameTests {
    /// Three shots at 0, 1, 2 on a line: each shot's nearest other is 1 away and its mean
    /// distance to the others 1.5, 1, 1.5 — so the normalisers are 1 and 1.5.
    @Test func knownDistancesOnALine() throws {
        let shots = Matrix(rows: 3, cols: 1, values: [0, 1, 2])
        let read = try RelativeFrame(shots: shots).apply(Matrix(rows: 1, cols: 1, values: [5]))
        let nearest = RelativeFrame.measures.firstIndex(of: "nearest")!, mean = RelativeFrame.measures.firstIndex(of: "mean_distance")!
        #expect(abs(Double(read[0, nearest]) - log(3.0)) < 1e-5)
        #expect(abs(Double(read[0, mean]) - log(4.0 / 1.5)) < 1e-5)
    }

    /// The frame reads rows the same whatever the unit of the features.
    @Test func invariantToTheFeaturesScale() throws {
        let data = TestSupport.gaussianWithOutliers(n: 40, d: 6, outliers: 5, seed: 3)
        let shots = data.x.rows(at: 0..<8), rows = data.x.rows(at: 8..<45)  // 32 normal rows, then 5 outliers
        var scaledShots = shots, scaledRows = rows
        for i in scaledShots.values.indices { scaledShots.values[i] *= 1000 }
        for i in scaledRows.values.indices { scaledRows.values[i] *= 1000 }
        let a = try RelativeFrame(shots: shots).apply(rows), b = try RelativeFrame(shots: scaledShots).apply(scaledRows)
        #expect(a.rows == 37 && a.cols == RelativeFrame.measures.count)
        for (u, v) in zip(a.values, b.values) { #expect(abs(u - v) < 1e-3) }
        // Normal rows read near 0 on average, the outliers far above.
        let span = RelativeFrame.measures.firstIndex(of: "span")!
        let normalMean = (0..<32).map { Double(a[$0, span]) }.reduce(0, +) / 32
        let outlierMean = (32..<37).map { Double(a[$0, span]) }.reduce(0, +) / 5
        #expect(abs(normalMean) < 0.5 && outlierMean > normalMean + 0.5)
    }

    @Test func tooFewOrEqualShotsAreExplained() throws {
        #expect(throws: AnomalyError.self) { try RelativeFrame(shots: Matrix(rows: 2, cols: 3)) }
        let equal = #expect(throws: AnomalyError.self) { try RelativeFrame(shots: Matrix(rows: 4, cols: 3, values: [Float](repeating: 1, count: 12))) }
        #expect(equal?.description.contains("all equal") == true)
    }
}
