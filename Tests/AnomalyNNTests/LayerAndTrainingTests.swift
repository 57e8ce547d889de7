import AnomalyMath
import AnomalyNN
import Testing

@Suite struct OptimizerTests {
    static func one(_ rule: Optimizer.Rule, lr: Float, gradients: [Float]) -> Float {
        var p = ParameterSet()
        p.set("w", Matrix(rows: 1, cols: 1, values: [1]))
        var opt = Optimizer(rule, learningRate: lr)
        for g in gradients { opt.step(&p, gradients: ["w": Matrix(rows: 1, cols: 1, values: [g])]) }
        return p["w"]!.values[0]
    }

    @Test func knownSteps() {
        // Adam's first step moves by lr·sign(g): 1 − 0.1 = 0.9.
        #expect(abs(Self.one(.adam(), lr: 0.1, gradients: [0.5]) - 0.9) < 1e-6)
        // AdamW first decays (1 − lr·wd), then the Adam step: 0.999 − 0.1.
        #expect(abs(Self.one(.adamW(weightDecay: 0.01), lr: 0.1, gradients: [0.5]) - 0.899) < 1e-6)
        // SGD with momentum 0.9: 1 − 0.05 = 0.95, then buf = 0.9·0.5 + 0.5 = 0.95 → 0.855.
        #expect(abs(Self.one(.sgd(momentum: 0.9), lr: 0.1, gradients: [0.5, 0.5]) - 0.855) < 1e-6)
        // L2 decay in SGD adds wd·p to the gradient: 1 − 0.1·(0.5 + 0.1·1) = 0.94.
        #expect(abs(Self.one(.sgd(weightDecay: 0.1), lr: 0.1, gradients: [0.5]) - 0.94) < 1e-6)
    }

    @Test func clippingBoundsTheGlobalNorm() {
        var g = ["a": Matrix(rows: 1, cols: 2, values: [3, 0]), "b": Matrix(rows: 1, cols: 1, values: [4])]
        let before = Optimizer.clipGradients(&g, maxNorm: 1)
        #expect(abs(before - 5) < 1e-6)
        let after = (g["a"]!.values + g["b"]!.values).reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(after - 1) < 1e-4)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.step(every: 2, gamma: 0.5).rate(base: 1, epoch: 3) == 0.5)
        #expect(abs(LearningRateSchedule.cosine(epochs: 10).rate(base: 1, epoch: 5) - 0.5) < 1e-6)
        #expect(LearningRateSchedule.cosine(epochs: 10).rate(base: 1, epoch: 10) < 1e-6)
        #expect(abs(LearningRateSchedule.exponential(gamma: 0.9).rate(base: 1, epoch: 2) - 0.81) < 1e-6)
    }
}

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

@Suite struct TrainingTests {
    /// y = 2·x₀ − x₁ + 0.5 plus tiny noise: a dense layer must find the coefficients.
    static func regressionData(_ n: Int) -> (Matrix, Matrix) {
        var rng = SeededGenerator(seed: 5)
        var x = Matrix(rows: n, cols: 2), y = Matrix(rows: n, cols: 1)
        for i in 0..<n {
            let a = Float(rng.nextGaussian()), b = Float(rng.nextGaussian())
            x[i, 0] = a; x[i, 1] = b
            y[i, 0] = 2 * a - b + 0.5 + Float(rng.nextGaussian()) * 0.01
        }
        return (x, y)
    }

    static func fit(seed: UInt64, epochs: Int = 30) throws -> (ParameterSet, TrainingHistory) {
        let (x, y) = regressionData(256)
        let net = Network([.init("fc", .dense(inputs: 2, outputs: 1))])
        var (p, b) = net.initialise(seed: seed)
        var opt = Optimizer(.adam(), learningRate: 0.05)
        let options = TrainingOptions(epochs: epochs, batchSize: 32, seed: seed)
        let history = try Trainer.train(parameters: &p, buffers: &b, rows: 256, options: options, optimizer: &opt) { batch, bound in
            let t = bound.tape
            return Loss.meanSquaredError(net("fc", t.constant(x.rows(at: batch)), bound), t.constant(y.rows(at: batch)))
        }
        return (p, history)
    }

    @Test func smallStepsRunOnOneBLASThread() {
        var small = ParameterSet(), large = ParameterSet()
        small.set("w", Matrix(rows: 64, cols: 512))
        large.set("w", Matrix(rows: 256, cols: 512))
        #expect(Trainer.runsSingleThreaded(batch: 32, parameters: small))
        #expect(!Trainer.runsSingleThreaded(batch: 256, parameters: large))
    }

    /// The thread count changes speed, and results only by rounding: OpenBLAS kernels may split a
    /// product differently on 1 and 2 threads (seen on AMD EPYC with the Haswell kernels), so a
    /// step large enough for every BLAS thread gives the weights it gives on one to within 1e-5
    /// relative (Float training, two SGD steps; Adam's normalised step would turn a rounding
    /// difference in a near-zero gradient into a full step), not bitwise.
    @Test func blasThreadCountChangesWeightsOnlyByRounding() throws {
        var rng = SeededGenerator(seed: 3)
        let x = Matrix(rows: 512, cols: 512, values: (0..<(512 * 512)).map { _ in Float(rng.nextGaussian()) })
        let net = Network([.init("fc", .perceptron(inputs: 512, hidden: [256], outputs: 512))])
        func train() throws -> ParameterSet {
            var (p, b) = net.initialise(seed: 1)
            var opt = Optimizer(.sgd(), learningRate: 1e-2)
            let options = TrainingOptions(epochs: 1, batchSize: 256, seed: 1)
            _ = try Trainer.train(parameters: &p, buffers: &b, rows: x.rows, options: options, optimizer: &opt) { batch, bound in
                let input = bound.tape.constant(x.rows(at: batch))
                return Loss.meanSquaredError(net("fc", input, bound), input)
            }
            return p
        }
        let threaded = try train()
        #expect(!Trainer.runsSingleThreaded(batch: 256, parameters: threaded))
        let single = try BLAS.withSingleThread(train)
        #expect(single.names == threaded.names)
        for name in threaded.names {
            let a = single[name]!.values, b = threaded[name]!.values
            let error = zip(a, b).map { abs($0 - $1) / (abs($1) + 1e-3) }.max() ?? 0
            #expect(error < 1e-5, "\(name): \(error)")
        }
    }

    @Test func learnsALinearMap() throws {
        let (p, history) = try Self.fit(seed: 1)
        let w = p["fc.weight"]!.values, bias = p["fc.bias"]!.values[0]
        #expect(abs(w[0] - 2) < 0.02 && abs(w[1] + 1) < 0.02 && abs(bias - 0.5) < 0.02)
        #expect(history.trainingLoss.last! < history.trainingLoss.first! / 10)
    }

    @Test func sameSeedSameWeights() throws {
        #expect(try Self.fit(seed: 3, epochs: 3).0 == Self.fit(seed: 3, epochs: 3).0)
        #expect(try Self.fit(seed: 3, epochs: 3).0 != Self.fit(seed: 4, epochs: 3).0)
    }

    @Test func earlyStoppingRestoresTheBestEpoch() throws {
        let (x, y) = Self.regressionData(64)
        let net = Network([.init("fc", .dense(inputs: 2, outputs: 1))])
        var (p, b) = net.initialise(seed: 1)
        var opt = Optimizer(.sgd(), learningRate: 0.01)
        var options = TrainingOptions(epochs: 50, batchSize: 16, seed: 1)
        options.patience = 2
        var call = 0
        // A validation loss that is best at epoch 4 (0-based 3) and worse after.
        let scripted: [Double] = [5, 4, 3, 1, 2, 2.5, 3, 3]
        var weightsAtBest: ParameterSet?
        let history = try Trainer.train(parameters: &p, buffers: &b, rows: 64, options: options, optimizer: &opt,
            batchLoss: { batch, bound in
                Loss.meanSquaredError(net("fc", bound.tape.constant(x.rows(at: batch)), bound), bound.tape.constant(y.rows(at: batch)))
            },
            validationLoss: { params, _ in
                defer { call += 1 }
                if call == 3 { weightsAtBest = params }
                return scripted[min(call, scripted.count - 1)]
            })
        #expect(history.stoppedEarly && history.bestEpoch == 3 && history.validationLoss.count == 6)
        #expect(p == weightsAtBest)
    }

    @Test func aNonFiniteLossStopsAndKeepsTheLastGoodWeights() throws {
        let net = Network([.init("fc", .dense(inputs: 1, outputs: 1))])
        var (p, b) = net.initialise(seed: 1)
        let start = p
        var opt = Optimizer(.sgd(), learningRate: 0.1)
        #expect(throws: TrainingError.self) {
            try Trainer.train(parameters: &p, buffers: &b, rows: 4, options: TrainingOptions(epochs: 2, batchSize: 4, seed: 0),
                              optimizer: &opt) { _, bound in
                (net("fc", bound.tape.constant(Matrix(rows: 1, cols: 1, values: [1])), bound) * Float.nan).sum()
            }
        }
        #expect(p == start)
    }
}
