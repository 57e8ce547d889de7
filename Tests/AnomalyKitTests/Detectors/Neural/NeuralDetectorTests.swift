import AnomalyKit
import AnomalyNN
import Foundation
import Testing
import TestSupport

@Suite struct NeuralDetectorTests {
    static let data = TestSupport.gaussianWithOutliers(n: 120, d: 6, outliers: 12, seed: 3)
    static let neural = ["autoencoder", "vae", "deepsvdd", "devnet", "classifier"]

    @Test(arguments: neural)
    func sameSeedSameScoresOtherSeedOtherScores(name: String) throws {
        let (x, y) = Self.data
        let a = try quick(name).fit(x, labels: y).scores(x)
        let b = try quick(name).fit(x, labels: y).scores(x)
        let c = try quick(name, ["random_state": "7"]).fit(x, labels: y).scores(x)
        #expect(a == b)
        #expect(a != c)
    }

    @Test(arguments: neural)
    func findsTheOutliersOfAnEasyDataset(name: String) throws {
        let (x, y) = Self.data
        let more: [String: String] = switch name {
        case "autoencoder", "vae": ["epoch_num": "30"]
        case "devnet": ["epochs": "20", "batches_per_epoch": "5", "batch_size": "32"]
        default: ["epochs": "30"]
        }
        let scores = try quick(name, more).fit(x, labels: y).scores(x)
        #expect(Metrics.rocAUC(labels: y, scores: scores) > 0.8, "\(name)")
    }

    @Test func labelledDetectorsExplainMissingOrOneClassLabels() throws {
        let (x, y) = Self.data
        let devnet = #expect(throws: AnomalyError.self) { try quick("devnet").fit(x, labels: nil) }
        #expect(devnet?.description.contains("devnet needs labels") == true)
        let noAnomaly = #expect(throws: AnomalyError.self) { try quick("devnet").fit(x, labels: [Int](repeating: 0, count: y.count)) }
        #expect(noAnomaly?.description.contains("labelled 1") == true)
        let oneClass = #expect(throws: AnomalyError.self) { try quick("classifier").fit(x, labels: [Int](repeating: 1, count: y.count)) }
        #expect(oneClass?.description.contains("both classes") == true)
        #expect(throws: AnomalyError.self) { try quick("classifier").fit(x, labels: [0, 1]) }
    }

    @Test func aDivergingLossStopsWithAClearError() throws {
        let (x, _) = Self.data
        let e = #expect(throws: AnomalyError.self) {
            var huge = x
            for i in 0..<huge.values.count { huge.values[i] *= 1e6 }
            _ = try quick("autoencoder", ["lr": "10", "optimizer_name": "sgd", "batch_norm": "false", "epoch_num": "50",
                                          "preprocessing": "false"]).fit(huge)
        }
        #expect(e?.description.contains("NaN or infinite") == true)
    }

    @Test func parameterNamesAndShapesFollowPyTorch() throws {
        let (x, _) = Self.data
        let model = try #require(try quick("autoencoder").fit(x) as? FittedAutoEncoder)
        let p = model.model.parameters
        #expect(p.names.first == "encoder.0.weight" && p.shape(of: "encoder.0.weight") == [64, 6])
        #expect(p.shape(of: "decoder.4.weight") == [6, 64] && p.shape(of: "decoder.4.bias") == [6])
        #expect(model.model.buffers.names.contains("encoder.1.running_mean"))
    }
}
