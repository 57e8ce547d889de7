import AnomalyMath
import AnomalyNN
import MathTestSupport
import Testing

@Suite struct GradientCheckTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmul(transposeA: Bool, transposeB: Bool) {
        let a = transposeA ? (4, 3) : (3, 4), b = transposeB ? (5, 4) : (4, 5)
        GradientChecker([a, b]) { $0[0].matmul($0[1], transposeSelf: transposeA, transposeOther: transposeB) }.check()
    }

    @Test func matmulOfAParameterWithItself() {
        GradientChecker([(3, 3)]) { $0[0].matmul($0[0], transposeOther: true) }.check()
    }

    @Test(arguments: [(3, 4), (1, 4), (3, 1), (1, 1)])
    func broadcastingArithmetic(rows: Int, cols: Int) {
        GradientChecker([(3, 4), (rows, cols)]) { $0[0] + $0[1] }.check()
        GradientChecker([(3, 4), (rows, cols)]) { $0[0] - $0[1] }.check()
        GradientChecker([(rows, cols), (3, 4)]) { $0[0] - $0[1] }.check()
        GradientChecker([(3, 4), (rows, cols)]) { $0[0] * $0[1] }.check()
        GradientChecker([(3, 4), (rows, cols)], positive: true) { $0[0] / $0[1] }.check()
    }

    @Test func scalarArithmetic() {
        GradientChecker([(2, 3)]) { 3 * $0[0] + 1.5 }.check()
        GradientChecker([(2, 3)]) { 2 - $0[0] * 0.5 }.check()
        GradientChecker([(2, 3)]) { -$0[0] }.check()
    }

    @Test func reductions() {
        GradientChecker([(3, 4)]) { $0[0].sum() }.check()
        GradientChecker([(3, 4)]) { $0[0].mean() }.check()
        GradientChecker([(3, 4)]) { $0[0].sumRows() }.check()
        GradientChecker([(3, 4)]) { $0[0].sumColumns() }.check()
        GradientChecker([(3, 4)]) { $0[0].meanRows() }.check()
        GradientChecker([(3, 4)]) { $0[0].meanColumns() }.check()
    }

    @Test func shapes() {
        GradientChecker([(3, 2), (3, 4)]) { Var.concatColumns([$0[0], $0[1]]) }.check()
        GradientChecker([(2, 3), (4, 3)]) { Var.concatRows([$0[0], $0[1]]) }.check()
        GradientChecker([(5, 3)]) { $0[0].rowSlice(1..<4) }.check()
        GradientChecker([(3, 5)]) { $0[0].transposed() }.check()
    }

    @Test func activations() {
        GradientChecker([(3, 4)]) { $0[0].relu() }.check()
        GradientChecker([(3, 4)]) { $0[0].leakyRelu(slope: 0.1) }.check()
        GradientChecker([(3, 4)]) { $0[0].tanh() }.check()
        GradientChecker([(3, 4)]) { $0[0].sigmoid() }.check()
        GradientChecker([(3, 4)]) { $0[0].gelu() }.check()
        GradientChecker([(3, 4)]) { $0[0].softplus() }.check()
        GradientChecker([(3, 4)]) { $0[0].exp() }.check()
        GradientChecker([(3, 4)], positive: true) { $0[0].log() }.check()
        GradientChecker([(3, 4)]) { $0[0].abs() }.check()
        GradientChecker([(3, 4)]) { $0[0].square() }.check()
        GradientChecker([(3, 4)], positive: true) { $0[0].sqrt() }.check()
        GradientChecker([(3, 4)]) { ($0[0] * 3).clamped(-1, 1) }.check()
        GradientChecker([(3, 4)]) { $0[0].softmax() }.check()
        GradientChecker([(3, 4)]) { $0[0].logSoftmax() }.check()
    }

    @Test func normalisation() {
        GradientChecker([(4, 5), (1, 5), (1, 5)]) { $0[0].layerNorm(gamma: $0[1], beta: $0[2]) }.check()
        GradientChecker([(6, 3), (1, 3), (1, 3)]) { $0[0].batchNorm(gamma: $0[1], beta: $0[2]).output }.check()
        GradientChecker([(4, 6)]) { $0[0].dropout(0.5) }.check()
    }

    @Test func gradientReversalNegatesAndScales() {
        let tape = Tape(training: true)
        let x = tape.variable(Matrix([[1, 2], [3, 4]] as [[Float]]))
        let y = (x.reversingGradient(lambda: 0.5) * tape.constant(Matrix([[1, 2], [3, 4]] as [[Float]]))).sum()
        tape.backward(from: y)
        #expect(tape.gradient(x)?.values == [-0.5, -1, -1.5, -2])
        #expect(tape.value(x.reversingGradient(lambda: 2)) == tape.value(x))
    }

    @Test func losses() {
        GradientChecker([(4, 3), (4, 3)]) { Loss.meanSquaredError($0[0], $0[1]) }.check()
        let targets = Matrix(rows: 4, cols: 1, values: [0, 1, 0, 1])
        GradientChecker([(4, 1)]) { Loss.binaryCrossEntropyWithLogits($0[0], targets: targets) }.check()
        GradientChecker([(4, 1)]) { Loss.binaryCrossEntropyWithLogits($0[0], targets: targets, positiveWeight: 3) }.check()
    }
}
