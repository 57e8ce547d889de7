import AnomalyMath
import AnomalyNN
import Testing

@Suite struct LayerTests {
    @Test func namesFollowPyTorchSequentialIndices() {
        let net = Network([.init("encoder", .perceptron(inputs: 4, hidden: [3], outputs: 2, batchNorm: true, dropout: 0.2))])
        let (p, b) = net.initialise(seed: 1)
        #expect(p.names == ["encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
                            "encoder.4.weight", "encoder.4.bias"])
        #expect(b.names == ["encoder.1.running_mean", "encoder.1.running_var"])
        #expect(p.shape(of: "encoder.0.weight") == [3, 4] && p.shape(of: "encoder.0.bias") == [3])
    }

    @Test func denseComputesXWTransposedPlusBias() {
        var p = ParameterSet()
        p.set("fc.weight", Matrix([[1, 2], [0, -1], [3, 1]] as [[Float]]))
        p.set("fc.bias", Matrix(rows: 1, cols: 3, values: [0.5, 0, -1]), shape: [3])
        let tape = Tape(training: false)
        let y = Layer.dense(inputs: 2, outputs: 3).forward(tape.constant(Matrix([[1, 1], [2, 0]] as [[Float]])),
                                                           prefix: "fc", BoundParameters(p, tape: tape))
        #expect(y.value == Matrix([[3.5, -1, 3], [2.5, 0, 5]] as [[Float]]))
    }

    @Test func batchNormUsesRunningStatisticsOutsideTraining() {
        let net = Network([.init("bn", .batchNorm(features: 2))])
        var (p, b) = net.initialise(seed: 0)
        b.update("bn.running_mean", Matrix(rows: 1, cols: 2, values: [1, 2]))
        b.update("bn.running_var", Matrix(rows: 1, cols: 2, values: [4, 1]))
        p.update("bn.weight", Matrix(rows: 1, cols: 2, values: [2, 1]))
        let tape = Tape(training: false)
        let y = net("bn", tape.constant(Matrix([[3, 2]] as [[Float]])), BoundParameters(p, buffers: b, tape: tape))
        // (3 − 1)/√(4 + 1e-5)·2 = 2.0, (2 − 2)/1 = 0
        #expect(abs(y.value.values[0] - 2) < 1e-4 && abs(y.value.values[1]) < 1e-6)
    }

    @Test func frozenParametersGetNoGradient() {
        let net = Network([.init("encoder", .perceptron(inputs: 3, hidden: [4], outputs: nil)),
                           .init("head", .dense(inputs: 4, outputs: 1))])
        let (p, b) = net.initialise(seed: 2)
        let tape = Tape(training: true)
        let bound = BoundParameters(p, buffers: b, tape: tape) { !$0.hasPrefix("encoder") }
        let x = tape.constant(Matrix([[1, 2, 3], [0, 1, 0]] as [[Float]]))
        tape.backward(from: net("head", net("encoder", x, bound), bound).sum())
        #expect(Set(bound.gradients().keys) == ["head.weight", "head.bias"])
    }
}
