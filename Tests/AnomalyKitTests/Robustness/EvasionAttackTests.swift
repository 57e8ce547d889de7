import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// Evasion attacks: the signed-gradient steps on known cases, the L∞ ball, PGD never raising a
/// score, gradients through the pipeline, the gradient-free search, and bad settings.
@Suite struct EvasionAttackTests {
    static let data = TestSupport.gaussianWithOutliers(n: 120, d: 4, outliers: 12, seed: 5)

    static func model(_ name: String, scaling: Preprocessor.Scaling = .standard, _ extra: [String: String] = [:]) throws -> AnomalyModel {
        let (x, y) = data
        return try AnomalyModel.fit(quick(name, extra), on: Dataset(x: x, labels: y), scaling: scaling)
    }

    @Test func fgsmOnALinearScoreIsTheSignedStep() throws {
        // s(x) = w·x: FGSM lowering it moves every cell by ε·σ_c against sign(w_c); w_c = 0 stays.
        let w: [Float] = [2, -1, 0, 0.5]
        let unit: [Float] = [1, 2, 3, 0.5]
        let x = Matrix(rows: 2, cols: 4, values: [1, 1, 1, 1, -3, 0, 2, 7])
        let kernel = AttackKernel(unit: unit, epsilon: 0.1, directions: [-1, -1])
        let out = try kernel.fgsm(x) { rows in Matrix(rows: rows.rows, cols: 4, values: (0..<rows.rows).flatMap { _ in w }) }
        let expected: [Float] = [1 - 0.1, 1 + 0.2, 1, 1 - 0.05, -3 - 0.1, 0 + 0.2, 2, 7 - 0.05]
        for i in 0..<8 { #expect(abs(out.values[i] - expected[i]) <= 1e-6) }
        // Raising instead (+1): the mirror image.
        let up = try AttackKernel(unit: unit, epsilon: 0.1, directions: [1, 1]).fgsm(x) { rows in
            Matrix(rows: rows.rows, cols: 4, values: (0..<rows.rows).flatMap { _ in w })
        }
        for i in 0..<8 { #expect(abs((up.values[i] - x.values[i]) + (out.values[i] - x.values[i])) <= 1e-6) }
    }

    @Test func pgdOnALinearScoreReachesTheCornerOfTheBall() throws {
        // With enough steps PGD on w·x ends at x − ε·σ ⊙ sign(w), the minimiser over the ball.
        let w: [Float] = [1, -3]
        let unit: [Float] = [2, 1]
        let x = Matrix(rows: 1, cols: 2, values: [0.5, -0.5])
        let kernel = AttackKernel(unit: unit, epsilon: 0.2, directions: [-1])
        let out = try kernel.pgd(x, steps: 10, stepSize: 0.05, seed: 3, oracle: { _ in Matrix(rows: 1, cols: 2, values: w) },
                                 scores: { m in (0..<m.rows).map { Double(w[0] * m[$0, 0] + w[1] * m[$0, 1]) } })
        #expect(abs(out[0, 0] - (0.5 - 0.4)) <= 1e-5)
        #expect(abs(out[0, 1] - (-0.5 + 0.2)) <= 1e-5)
    }

    @Test(arguments: [AttackMethod.pgd, .fgsm])
    func neuralAttackStaysInTheBallAndLowersScores(method: AttackMethod) throws {
        let model = try Self.model("autoencoder", ["epoch_num": "20"])
        let (x, y) = Self.data
        let attack = EvasionAttack(method: method, epsilon: 0.2, steps: 8, seed: 1)
        let result = try attack.run(model, x: x, labels: y)
        #expect(result.guidance == .gradient)
        #expect(result.unitSource == .scaler)
        #expect(result.largestStandardisedChange(clean: x) <= 0.2 * (1 + 1e-4))
        // Normal rows are untouched.
        for r in 0..<x.rows where y[r] == 0 { #expect(result.perturbed.row(r) == x.row(r)) }
        #expect(result.meanScoreDrop > 0)
        #expect(result.rocAUCAttacked < result.rocAUCClean)
        if method == .pgd {
            // PGD keeps each row's best visited point, the clean one included: no score rises.
            for r in result.anomalies { #expect(result.attackedScores[r] <= result.cleanScores[r]) }
        }
    }

    @Test func modelGradientsPassThroughTheScaler() throws {
        // minmax scaling, then the classifier's own standardiser: both chain-ruled.
        let model = try Self.model("classifier", scaling: .minmax, ["hidden_activation": "tanh"])
        let x = Self.data.x.rows(at: [2, 40, 115])
        let (_, g) = try model.scoresAndGradients(x)
        let h: Float = 1e-2
        var worst = 0.0, scale = 0.0
        for v in g.values { scale = max(scale, Double(abs(v))) }
        for r in 0..<x.rows {
            for c in 0..<x.cols {
                var plus = x.rows(at: [r]), minus = plus
                plus[0, c] += h
                minus[0, c] -= h
                let fd = (try model.scores(plus)[0] - model.scores(minus)[0]) / Double(2 * h)
                worst = max(worst, abs(fd - Double(g[r, c])) / scale)
            }
        }
        #expect(worst < 0.02)
        // The ball's unit: the classifier's standard deviations, back in raw units (× max − min).
        let (unit, source) = model.attackUnit(normalRows: x)
        #expect(source == .detectorStandardizer)
        let column = Self.data.x.columnDouble(0)
        let range = column.max()! - column.min()!
        let mean = column.reduce(0, +) / Double(column.count)
        let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
        #expect(abs(Double(unit[0]) - sd) <= 1e-3 * sd, "unit \(unit[0]) vs sd \(sd), range \(range)")
    }

    @Test func detectorsWithoutGradientsAreSearched() throws {
        let model = try Self.model("knn", scaling: .none)
        #expect(model.scoreGradientObstacle != nil)
        #expect(throws: AnomalyError.self) { try model.scoresAndGradients(Self.data.x) }
        let (x, y) = Self.data
        #expect(throws: AnomalyError.self) { try EvasionAttack(guidance: .gradient).run(model, x: x, labels: y) }
        let result = try EvasionAttack(method: .pgd, epsilon: 0.3, steps: 5, samples: 8, seed: 2).run(model, x: x, labels: y)
        #expect(result.guidance == .search)
        #expect(result.unitSource == .cleanNormalRows)
        #expect(result.largestStandardisedChange(clean: x) <= 0.3 * (1 + 1e-4))
        #expect(result.meanScoreDrop > 0)
        for r in result.anomalies { #expect(result.attackedScores[r] <= result.cleanScores[r]) }
        // Seeded: the same attack gives the same rows.
        let again = try EvasionAttack(method: .pgd, epsilon: 0.3, steps: 5, samples: 8, seed: 2).run(model, x: x, labels: y)
        #expect(again.perturbed == result.perturbed)
    }

    @Test(arguments: [0.0, -0.1, Double.nan, Double.infinity])
    func badEpsilonIsAParameterError(epsilon: Double) throws {
        let model = try Self.model("knn", scaling: .none)
        let (x, y) = Self.data
        #expect { try EvasionAttack(epsilon: epsilon).run(model, x: x, labels: y) } throws: { error in
            (error as? AnomalyError)?.kind == .parameter && (error as? AnomalyError)?.field == "epsilon"
        }
    }

    @Test func dataWithoutAnomaliesIsADataError() throws {
        let model = try Self.model("knn", scaling: .none)
        let x = Self.data.x
        #expect { try EvasionAttack().run(model, x: x, labels: [Int](repeating: 0, count: x.rows)) } throws: { error in
            (error as? AnomalyError)?.kind == .data
        }
    }
}
