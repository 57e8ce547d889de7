import AnomalyKit
import Foundation
import Testing
import TestSupport

/// Model files written by AnomalyKit 0.1.0 (format version 1; `scripts/fixtures/make_v1_models.sh`)
/// keep loading and give the scores 0.1.0 gave: to 1e-6 relative, and to 1e-3 for the relative-frame
/// model, whose logged distances to the span of its shots amplify the last bits that differ between
/// BLAS kernels and thread counts (the files were written with OpenBLAS's Haswell kernels, 2 threads).
@Suite struct VersionOneModelTests {
    static let folder = "v1-models"

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/\(folder)"))
        return url.path
    }

    /// The data each model scored, and how it was read.
    static let scoredData: [String: String] = [
        "knn_csv_standard_mean": "wbc.csv", "devnet_relative": "29_Pima.npz",
    ]

    static let scoredModels = ["knn_csv_standard_mean", "iforest", "gmm", "mcd", "hbos", "autoencoder", "ensemble",
                               "devnet_relative", "autoencoder_center", "autoencoder_metasgd"]

    static func recordedScores(_ name: String) throws -> (scores: [Double], labels: [Int]) {
        let text = try String(contentsOfFile: try fixture("\(name).scores.csv"), encoding: .utf8)
        var scores: [Double] = [], labels: [Int] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",")
            scores.append(try #require(Double(cells[0])))
            labels.append(try #require(Int(cells[1])))
        }
        return (scores, labels)
    }

    @Test(arguments: scoredModels)
    func aVersionOneModelGivesTheScoresItGaveIn010(name: String) throws {
        let model = try AnomalyModel.load(from: try Self.fixture("\(name).safetensors"))
        let dataName = Self.scoredData[name] ?? "42_WBC.npz"
        let data: Dataset
        if dataName.hasSuffix(".csv") {
            data = try DataLoader.load(path: try Self.fixture(dataName), labelColumn: "y", drop: ["id"],
                                       schema: model.schema, allowMissing: true)
        } else {
            data = try DataLoader.load(path: TestSupport.repositoryFile("Data/\(dataName)"))
        }
        let (expected, labels) = try Self.recordedScores(name)
        let scores = try model.scores(data.x)
        #expect(scores.count == expected.count)
        let error = zip(scores, expected).map { abs($0 - $1) / (abs($1) + 1e-6) }.max() ?? 0
        let tolerance = name == "devnet_relative" ? 1e-3 : 1e-6
        #expect(error < tolerance, "\(name): largest relative difference \(error)")
        let flips = zip(model.labels(forScores: scores), labels).filter { $0 != $1 }.count
        #expect(flips <= 1, "\(name): \(flips) labels differ")
    }
}

extension VersionOneModelTests {
    /// A version-1 relative-frame model before fine-tuning, and a metric model without support
    /// rows, cannot score: loading them for scoring is refused with the reason, and they open as
    /// pending models.
    @Test(arguments: [("devnet_relative_pretrained", PendingModel.Awaiting.relativeFrame),
                      ("span_metric", .supportRows)])
    func aVersionOneModelThatCannotScoreIsRefusedForScoring(name: String, awaiting: PendingModel.Awaiting) throws {
        let path = try Self.fixture("\(name).safetensors")
        let e = #expect(throws: AnomalyError.self) { try AnomalyModel.load(from: path) }
        #expect(e?.field == "awaiting" && e?.file == path)
        guard case .pending(let pending) = try ModelFile.load(from: path) else {
            Issue.record("\(name) should open as a pending model")
            return
        }
        #expect(pending.awaiting == awaiting)
    }

    /// Version 1 kept Meta-SGD's learned rates among the network's tensors; they load as attachments,
    /// and version-1 steps (preprocessing, a fitted relative frame) load as pipeline steps.
    @Test func versionOnePartsBecomeStepsAndAttachments() throws {
        let metasgd = try AnomalyModel.load(from: try Self.fixture("autoencoder_metasgd.safetensors"))
        #expect(metasgd.attachments.keys.contains { $0.hasPrefix("meta_lr.") })
        let knn = try AnomalyModel.load(from: try Self.fixture("knn_csv_standard_mean.safetensors"))
        #expect(knn.pipeline.steps.map(\.kind) == ["impute", "scale"])
        let relative = try AnomalyModel.load(from: try Self.fixture("devnet_relative.safetensors"))
        #expect(relative.pipeline.steps.map(\.kind) == ["relative_frame"])
        // Written again, they are version 2 and score the same.
        let again = try AnomalyModel.load(data: try relative.serialized(), file: "again.safetensors")
        let pima = try DataLoader.load(path: TestSupport.repositoryFile("Data/29_Pima.npz"))
        #expect(try again.scores(pima.x) == relative.scores(pima.x))
    }
}
