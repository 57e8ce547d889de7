import AnomalyKit
import AnomalyNN
import AnomalyTransfer
import Foundation
import Testing
import TestSupport

@Suite struct DomainAdaptationTests {
    @Test func coralMatchesTheTargetCovariance() throws {
        var rng = SeededGenerator(seed: 4)
        func sample(_ n: Int, _ f: (Double, Double) -> (Double, Double)) -> Matrix {
            var m = Matrix(rows: n, cols: 2)
            for i in 0..<n { let (a, b) = f(rng.nextGaussian(), rng.nextGaussian()); m[i, 0] = Float(a); m[i, 1] = Float(b) }
            return m
        }
        let source = sample(4000) { a, b in (3 * a, 0.5 * b + 1) }
        let target = sample(4000) { a, b in (a + b, b - 2) }
        let aligned = try CORAL.align(source: source, target: target, regularisation: 1e-9)
        let (ma, ca) = Statistics.covariance(aligned, ddof: 0)
        let (mt, ct) = Statistics.covariance(target, ddof: 0)
        for j in 0..<2 { #expect(abs(ma[j] - mt[j]) < 1e-3) }
        for i in 0..<4 { #expect(abs(ca[i] - ct[i]) < 0.01 * max(1, abs(ct[i]))) }
    }

    @Test func centringPutsEachSourcesNormalMeanAtTheOrigin() throws {
        let a = TestSupport.gaussianWithOutliers(n: 80, d: 3, outliers: 8, seed: 11)
        var shifted = a.x
        for i in 0..<shifted.rows { for j in 0..<3 { shifted[i, j] += Float(10 * (j + 1)) } }
        let pooled = DomainFrame.pooled([DomainData(x: a.x, labels: a.y), DomainData(x: shifted, labels: a.y)],
                                        norm: .standardize, count: nil, seed: 0)
        let normals = a.y.indices.filter { a.y[$0] == 0 }
        for part in 0..<2 {
            let frame = DomainFrame(pooled.x, rows: normals.map { $0 + part * a.x.rows }, norm: .standardize)
            for m in frame.mean { #expect(abs(m) < 1e-4) }
            for s in frame.scale { #expect(abs(s - 1) < 1e-4) }
        }
        // Centring on a few rows is seeded: the same seed draws the same rows.
        let p1 = DomainFrame.pooled([DomainData(x: a.x, labels: a.y)], norm: .center, count: 5, seed: 3)
        let p2 = DomainFrame.pooled([DomainData(x: a.x, labels: a.y)], norm: .center, count: 5, seed: 3)
        #expect(p1.x == p2.x)
    }

    /// A domain frame (μ, σ) in front of a detector makes it score `σ·x + μ` as the original
    /// scores `x`, and the frame travels with the model file as a pipeline step.
    @Test(arguments: ["autoencoder", "devnet"])
    func aDomainFrameStepMovesTheModelToTheNewCentre(name: String) throws {
        let (x, y) = TestSupport.gaussianWithOutliers(n: 120, d: 6, outliers: 12, seed: 3)
        let detector = try quick(name, ["preprocessing": "false"])
        let fitted = try detector.fit(x, labels: y)
        let frame = DomainFrame(norm: .standardize, mean: (0..<x.cols).map { Double($0) * 3 - 5 },
                                scale: (0..<x.cols).map { 0.5 + Double($0) })
        var moved = x
        for i in 0..<x.rows { for j in 0..<x.cols { moved[i, j] = Float(frame.scale[j] * Double(x[i, j]) + frame.mean[j]) } }
        let threshold = try ContaminationThreshold(contamination: 0.1, trainingScores: fitted.trainingScores)
        let model = AnomalyModel(detector: fitted, pipeline: Pipeline([frame]), threshold: threshold, trainingRows: x.rows)
        let a = try fitted.scores(x), b = try model.scores(moved)
        for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-3 * max(1, abs(u))) }
        let file = TestSupport.temporaryDirectory() + "/recentred.safetensors"
        try model.save(to: file)
        #expect(try AnomalyModel.load(from: file).scores(moved) == (try model.scores(moved)))
    }

    @Test(arguments: [Adaptation.none, .mmd, .dann])
    func jointTrainingRuns(adaptation: Adaptation) throws {
        let source = TestSupport.gaussianWithOutliers(n: 100, d: 4, outliers: 10, seed: 5)
        let target = TestSupport.gaussianWithOutliers(n: 30, d: 4, outliers: 3, seed: 6)
        let detector = try #require(try quick("autoencoder") as? AutoEncoder)
        let m = try TransferLearning.jointTrain(detector, source: DomainData(x: source.x, labels: source.y),
                                                target: DomainData(x: target.x.rows(at: 0..<10), labels: nil), adaptation: adaptation)
        let scores = try m.scores(target.x)
        #expect(scores.allSatisfy { $0.isFinite })
        // Trained parameters only: no domain classifier left in the model.
        #expect(!m.model.parameters.names.contains { $0.hasPrefix("domain") })
    }
}
