import AnomalyMath
import Testing

/// The eigendecomposition, Cholesky factor and triangular inverse of SymmetricEigen.swift.
@Suite struct SymmetricEigenTests {
    @Test func eigendecompositionReconstructs() throws {
        let a: [Double] = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]
        let e = try SymmetricEigen(symmetric: a, n: 3)
        #expect(e.values == e.values.sorted())
        for i in 0..<3 {
            for j in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += e.vectors[i * 3 + k] * e.values[k] * e.vectors[j * 3 + k] }
                #expect(abs(s - a[i * 3 + j]) < 1e-10)
            }
        }
    }

    @Test func choleskyReconstructs() throws {
        let a: [Double] = [4, 2, 2, 3]
        let l = try choleskyLower(a, n: 2)
        #expect(l[1] == 0)
        #expect(abs(l[0] * l[0] - 4) < 1e-12 && abs(l[2] * l[0] - 2) < 1e-12 && abs(l[2] * l[2] + l[3] * l[3] - 3) < 1e-12)
        #expect(throws: NumericError.notPositiveDefinite) { try choleskyLower([1, 2, 2, 1], n: 2) }
    }

    @Test func lowerTriangularInverseIsAnInverse() {
        // L = [[2, 0, 0], [1, 3, 0], [-1, 2, 4]]; L·L⁻¹ must be the identity and L⁻¹ lower triangular.
        let l: [Double] = [2, 0, 0, 1, 3, 0, -1, 2, 4]
        let inv = lowerTriangularInverse(l, n: 3)
        #expect(inv[1] == 0 && inv[2] == 0 && inv[5] == 0)
        for i in 0..<3 { for j in 0..<3 {
            let p = (0..<3).reduce(0.0) { $0 + l[i * 3 + $1] * inv[$1 * 3 + j] }
            #expect(abs(p - (i == j ? 1 : 0)) < 1e-14)
        } }
        #expect(inv[0] == 0.5 && abs(inv[3] + 1.0 / 6) < 1e-15)
    }
}
