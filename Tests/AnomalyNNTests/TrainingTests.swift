import AnomalyMath
import AnomalyNN
import MathTestSupport
import Testing

/// The training loop of Training.swift.
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
        let x = DataGenerators.gaussian(512, 512, seed: 3)
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
