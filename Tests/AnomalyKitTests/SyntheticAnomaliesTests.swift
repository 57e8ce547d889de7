import AnomalyMath
import Foundation
import Testing
import TestSupport
@testable import AnomalyKit

/// ADBench-style synthetic anomalies: each type has the property that defines it.
@Suite struct SyntheticAnomaliesTests {
    /// `n` rows of `d` features: mean `shift`, unit variance, feature 1 = feature 0 + small noise.
    private func correlated(_ n: Int, shift: Double = 3, seed: UInt64 = 1) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        var values: [Float] = []
        for _ in 0..<n {
            let a = rng.nextGaussian()
            values += [Float(shift + a), Float(shift + a + 0.2 * rng.nextGaussian()), Float(shift + rng.nextGaussian())]
        }
        return Matrix(rows: n, cols: 3, values: values)
    }

    private func column(_ x: Matrix, _ j: Int, rows: Range<Int>) -> [Double] { rows.map { Double(x[$0, j]) } }
    private func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    private func variance(_ v: [Double]) -> Double { let m = mean(v); return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1) }
    private func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let ma = mean(a), mb = mean(b)
        let s = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
        return s / ((variance(a) * variance(b)).squareRoot() * Double(a.count - 1))
    }

    @Test func theNormalQuantileInvertsTheCDF() {
        // Up to x = 5: beyond, p = Φ(x) is within a few ulps of 1 and cannot pin x down.
        for x in stride(from: -7.0, through: 5.0, by: 0.25) {
            let p = 0.5 * erfc(-x / 2.0.squareRoot())
            #expect(abs(GaussianCopula.quantile(p) - x) < 1e-8 * max(1, abs(x)), "x = \(x)")
        }
    }

    @Test func bicPicksTheNumberOfClusters() throws {
        var rng = SeededGenerator(seed: 2)
        var values: [Float] = []
        for i in 0..<300 {
            let centre = Double(i % 3) * 10
            values += [Float(centre + rng.nextGaussian()), Float(-centre + rng.nextGaussian())]
        }
        let mixture = try SyntheticAnomalies.bestMixture(Matrix(rows: 300, cols: 2, values: values), seed: 0)
        #expect(mixture.weights.count == 3)
    }

    @Test func localAnomaliesSpreadByAlphaAndClusteredOnesMoveByAlpha() throws {
        let x = correlated(600)
        let local = try SyntheticAnomalies(type: .local, alpha: 5, seed: 3).generate(fromNormal: x, normals: 2000, anomalies: 2000)
        #expect(local.labels == [Int](repeating: 0, count: 2000) + [Int](repeating: 1, count: 2000))
        let ratio = variance(column(local.x, 2, rows: 2000..<4000)) / variance(column(local.x, 2, rows: 0..<2000))
        #expect(abs(ratio - 5) < 0.6, "variance ratio \(ratio)")
        let clustered = try SyntheticAnomalies(type: .clustered, alpha: 5, seed: 3).generate(fromNormal: x, normals: 500, anomalies: 500)
        let shifted = mean(column(clustered.x, 2, rows: 500..<1000)), normal = mean(column(clustered.x, 2, rows: 0..<500))
        #expect(abs(shifted / normal - 5) < 0.5, "mean ratio \(shifted / normal)")
    }

    @Test func globalAnomaliesAreUniformOverTheExtendedRange() throws {
        let x = correlated(400)
        let g = try SyntheticAnomalies(type: .global, percentage: 0.1, seed: 4).generate(fromNormal: x, normals: 400, anomalies: 300)
        for j in 0..<3 {
            let normals = column(g.x, j, rows: 0..<400), anomalies = column(g.x, j, rows: 400..<700)
            let low = normals.min()! * 1.1, high = normals.max()! * 1.1
            #expect(anomalies.allSatisfy { $0 >= min(low, high) - 1e-5 && $0 <= max(low, high) + 1e-5 })
            #expect(abs(mean(anomalies) - (low + high) / 2) < 0.15 * (high - low))
        }
    }

    @Test func dependencyAnomaliesKeepTheMarginalsAndBreakTheDependence() throws {
        let x = correlated(800)
        let r = try SyntheticAnomalies(type: .dependency, seed: 5).generate(fromNormal: x, normals: 1500, anomalies: 1500)
        let normal0 = column(r.x, 0, rows: 0..<1500), normal1 = column(r.x, 1, rows: 0..<1500)
        let odd0 = column(r.x, 0, rows: 1500..<3000), odd1 = column(r.x, 1, rows: 1500..<3000)
        #expect(correlation(normal0, normal1) > 0.9, "the copula keeps the dependence")
        #expect(abs(correlation(odd0, odd1)) < 0.1, "the anomalies break it")
        #expect(abs(mean(odd0) - 3) < 0.15 && abs(variance(odd0) - 1) < 0.2, "the marginals stay")
        #expect(abs(mean(normal0) - 3) < 0.15 && abs(variance(normal0) - 1) < 0.2)
    }

    @Test func theSameSeedGivesTheSameRows() throws {
        let x = correlated(200)
        for type in SyntheticAnomalyType.allCases {
            let a = try SyntheticAnomalies(type: type, seed: 9).generate(fromNormal: x, normals: 50, anomalies: 20)
            let b = try SyntheticAnomalies(type: type, seed: 9).generate(fromNormal: x, normals: 50, anomalies: 20)
            #expect(a.x.values == b.x.values, "\(type)")
        }
    }

    @Test func badSettingsAndTooFewRowsAreRefused() {
        let x = correlated(200)
        #expect(throws: AnomalyError.self) { try SyntheticAnomalies(type: .local, alpha: 0).generate(fromNormal: x, normals: 5, anomalies: 5) }
        #expect(throws: AnomalyError.self) { try SyntheticAnomalies(type: .global, percentage: .nan).generate(fromNormal: x, normals: 5, anomalies: 5) }
        #expect(throws: AnomalyError.self) {
            try SyntheticAnomalies(type: .local).generate(fromNormal: Matrix(rows: 5, cols: 3, values: [Float](repeating: 1, count: 15)), normals: 5, anomalies: 5)
        }
    }
}
