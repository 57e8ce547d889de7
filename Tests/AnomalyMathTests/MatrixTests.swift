import AnomalyMath
import Testing

@Suite struct MatrixTests {
    @Test func matmulMatchesHandComputedProduct() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]] as [[Float]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]] as [[Float]])
        #expect(a.matmul(b) == Matrix([[58, 64], [139, 154]] as [[Float]]))
        #expect(a.matmul(a, transposeOther: true) == Matrix([[14, 32], [32, 77]] as [[Float]]))
        #expect(a.matmul(a, transposeSelf: true) == Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]] as [[Float]]))
    }

    @Test func transposeAndRowSelection() {
        let a = Matrix([[1, 2], [3, 4], [5, 6]] as [[Float]])
        #expect(a.transposed() == Matrix([[1, 3, 5], [2, 4, 6]] as [[Float]]))
        #expect(a.rows(at: [2, 0]) == Matrix([[5, 6], [1, 2]] as [[Float]]))
        #expect(a.columns(at: [1]) == Matrix([[2], [4], [6]] as [[Float]]))
        #expect(a.column(1) == [2, 4, 6])
    }

    @Test func valueSemantics() {
        let a = Matrix(rows: 2, cols: 2, repeating: 1)
        var b = a
        b[0, 0] = 5
        #expect(a[0, 0] == 1)
        #expect(b[0, 0] == 5)
    }

    @Test func firstNonFiniteFindsPosition() {
        var a = Matrix(rows: 3, cols: 2)
        #expect(a.firstNonFinite() == nil)
        a[2, 1] = .nan
        #expect(a.firstNonFinite()! == (2, 1))
    }
}
