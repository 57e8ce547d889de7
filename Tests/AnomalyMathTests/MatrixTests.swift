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

@Suite struct MatrixDoubleSourceTests {
    @Test func keepsDoublesOnlyWhenFloatRoundsThem() {
        #expect(Matrix(rows: 1, cols: 2, doubles: [1.5, -2]).doubleSource == nil)
        let m = Matrix(rows: 2, cols: 2, doubles: [0.1, 2, 3, 0.7])
        #expect(m.doubleSource == [0.1, 2, 3, 0.7])
        #expect(m.values == [Float(0.1), 2, 3, Float(0.7)])
        #expect(m.doubleValues == [0.1, 2, 3, 0.7])
        #expect(m.columnDouble(1) == [2, 0.7])
    }

    @Test func rowSelectionAndStackingCarryIt() {
        let m = Matrix(rows: 3, cols: 1, doubles: [0.1, 0.2, 0.3])
        #expect(m.rows(at: [2, 0]).doubleSource == [0.3, 0.1])
        #expect(Matrix.vstack([m, Matrix(rows: 1, cols: 1, values: [4])]).doubleSource == [0.1, 0.2, 0.3, 4])
    }

    @Test func anyChangeToTheFloatsDropsIt() {
        var m = Matrix(rows: 1, cols: 2, doubles: [0.1, 0.2])
        m[0, 1] = 5
        #expect(m.doubleSource == nil)
        #expect(m.doubleValues == [Double(Float(0.1)), 5])
    }
}
