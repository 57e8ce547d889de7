import AnomalyMath
import Testing

@Suite struct RidgeSpanTests {
    /// Support rows on the plane z = 0 through (0, 0, 1) offsets: blends of them are at distance
    /// 0 (up to the ridge), a row lifted by h off the plane at distance h.
    @Test func distanceToTheAffineSpanOfTheSupport() throws {
        let origin = [1.0, 2.0, 3.0]
        // Basis rows: directions x and y.
        let span = try RidgeSpan(origin: origin, basis: [1, 0, 0, 0, 2, 0], rank: 2, ridge: 1e-10)
        var x = Matrix(rows: 3, cols: 3)
        let rows: [[Float]] = [[4, -5, 3], [1, 2, 3.5], [-7, 9, 0]]
        for i in 0..<3 { for j in 0..<3 { x[i, j] = rows[i][j] } }
        let d = span.distances(x)
        #expect(abs(d[0]) < 1e-4)
        #expect(abs(d[1] - 0.5) < 1e-4)
        #expect(abs(d[2] - 3) < 1e-4)
    }

    /// With no basis the distance is to the origin; a large ridge shrinks the fit towards it.
    @Test func emptyBasisAndRidgeShrinkage() throws {
        var x = Matrix(rows: 1, cols: 2)
        x[0, 0] = 3; x[0, 1] = 4
        #expect(abs(try RidgeSpan(origin: [0, 0], basis: [], rank: 0, ridge: 0.1).distances(x)[0] - 5) < 1e-9)
        let tight = try RidgeSpan(origin: [0, 0], basis: [1, 0], rank: 1, ridge: 1e-9).distances(x)[0]
        let loose = try RidgeSpan(origin: [0, 0], basis: [1, 0], rank: 1, ridge: 1).distances(x)[0]
        #expect(abs(tight - 4) < 1e-6)
        // ε = 1: coefficient 3/2, residual (1.5, 4).
        #expect(abs(loose - (1.5 * 1.5 + 16).squareRoot()) < 1e-6)
    }

    /// Fixed 64-row blocks: a row's distance is the same whichever rows it is scored with.
    @Test func blockedScoringMatchesRowByRow() throws {
        var rng = SeededGenerator(seed: 5)
        let d = 7, r = 3
        let basis = (0..<(r * d)).map { _ in rng.nextGaussian() }
        let span = try RidgeSpan(origin: (0..<d).map { Double($0) }, basis: basis, rank: r, ridge: 0.01)
        var x = Matrix(rows: 2100, cols: d)
        for i in 0..<x.rows { for j in 0..<d { x[i, j] = Float(rng.nextGaussian() * 3) } }
        let all = span.distances(x)
        for i in [0, 63, 64, 2047, 2048, 2099] {
            #expect(all[i] == span.distances(x.rows(at: [i]))[0])
        }
    }
}
