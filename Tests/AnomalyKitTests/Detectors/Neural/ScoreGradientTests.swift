import AnomalyKit
import AnomalyNN
import Foundation
import Testing
import TestSupport

/// `ScoreDifferentiable.scoreGradients` against central finite differences of `scores(_:)`.
///
/// Smooth activations (tanh) keep the finite differences away from ReLU kinks; a ReLU network is
/// checked too, with a looser promise. Differences are taken in raw units (the detectors
/// standardise inside), with step `h = 1e-2` in `Float` scores: the truncation error is O(h²)
/// and the rounding error about `1e-7·|s| / h`, so agreement to 2 % of the gradient's scale
/// (plus 2e-3 absolute) is the promise.
@Suite struct ScoreGradientTests {
    static let data: (x: Matrix, y: [Int]) = {
        var (x, y) = TestSupport.gaussianWithOutliers(n: 90, d: 5, outliers: 10, seed: 11)
        // Raw units far from standardised ones, so the chain rule through the standardiser is tested.
        for r in 0..<x.rows { for c in 0..<x.cols { x[r, c] = x[r, c] * Float(c + 1) * 3 + Float(c) * 10 } }
        return (x, y)
    }()

    static func fitted(_ name: String, activation: String) throws -> any ScoreDifferentiable {
        let key = ["autoencoder": "hidden_activation_name", "vae": "hidden_activation_name"][name] ?? "hidden_activation"
        let detector = try quick(name, [key: activation])
        let fitted = try detector.fit(data.x, labels: data.y)
        return try #require(fitted as? any ScoreDifferentiable, "\(name) gives score gradients")
    }

    /// The largest disagreement between the analytic and finite-difference gradients over a few
    /// rows, relative to the gradients' scale.
    static func worstError(_ model: any ScoreDifferentiable, rows: [Int], h: Float = 1e-2) throws -> Double {
        let x = data.x.rows(at: rows)
        let g = try model.scoreGradients(x)
        #expect(g.rows == x.rows && g.cols == x.cols)
        var worst = 0.0
        var scale = 0.0
        for v in g.values { scale = max(scale, Double(abs(v))) }
        for r in 0..<x.rows {
            for c in 0..<x.cols {
                var plus = x.rows(at: [r]), minus = plus
                // A step relative to the column's spread (raw columns differ in scale by up to 15×).
                let step = h * Float(c + 1) * 3
                plus[0, c] += step
                minus[0, c] -= step
                let fd = (try model.scores(plus)[0] - model.scores(minus)[0]) / Double(2 * step)
                worst = max(worst, abs(fd - Double(g[r, c])) / (max(scale, 1e-3)))
            }
        }
        return worst
    }

    @Test(arguments: ["autoencoder", "vae", "deepsvdd", "devnet", "classifier"])
    func matchesCentralFiniteDifferences(name: String) throws {
        let model = try Self.fitted(name, activation: "tanh")
        let error = try Self.worstError(model, rows: [0, 7, 33, 85, 89])
        #expect(error < 0.02, "\(name): worst relative error \(error)")
    }

    @Test(arguments: ["autoencoder", "devnet"])
    func reluNetworksToo(name: String) throws {
        // Kinks can fall inside a finite-difference step: a looser promise, on rows away from them.
        let model = try Self.fitted(name, activation: "relu")
        let error = try Self.worstError(model, rows: [3, 50, 88], h: 1e-3)
        #expect(error < 0.05, "\(name): worst relative error \(error)")
    }

    @Test func scoresAgreeWithScoringAndRowsAreIndependent() throws {
        let model = try Self.fitted("autoencoder", activation: "tanh")
        let x = Self.data.x
        let (s, g) = try model.scoresAndGradients(x)
        let reference = try model.scores(x)
        for i in 0..<x.rows { #expect(abs(s[i] - reference[i]) <= 1e-4 * max(1, abs(reference[i]))) }
        // A row's gradient does not depend on the rows evaluated with it (blocks are padded).
        let alone = try model.scoreGradients(x.rows(at: [70]))
        for c in 0..<x.cols { #expect(abs(alone[0, c] - g[70, c]) <= 1e-5 * max(1, abs(g[70, c]))) }
    }

    @Test func wrongWidthIsAnError() throws {
        let model = try Self.fitted("classifier", activation: "tanh")
        #expect(throws: AnomalyError.self) { try model.scoreGradients(Matrix(rows: 2, cols: 3)) }
        var bad = Self.data.x.rows(at: [0])
        bad[0, 1] = .nan
        #expect(throws: AnomalyError.self) { try model.scoreGradients(bad) }
    }
}
