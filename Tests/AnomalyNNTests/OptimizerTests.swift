import AnomalyMath
import AnomalyNN
import Testing

/// The optimisers of Optimizers.swift.
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
