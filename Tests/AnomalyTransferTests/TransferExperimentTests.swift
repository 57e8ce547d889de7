import AnomalyKit
import AnomalyNN
import AnomalyTransfer
import Foundation
import Testing
import TestSupport

@Suite struct TransferExperimentTests {
    static func domains() -> ([DomainData], DomainData) {
        let a = TestSupport.gaussianWithOutliers(n: 120, d: 4, outliers: 12, seed: 7)
        let b = TestSupport.gaussianWithOutliers(n: 120, d: 4, outliers: 12, seed: 8)
        let t = TestSupport.gaussianWithOutliers(n: 100, d: 4, outliers: 20, seed: 9)
        return ([DomainData(x: a.x, labels: a.y), DomainData(x: b.x, labels: b.y)], DomainData(x: t.x, labels: t.y))
    }

    @Test func reportsEveryMode() throws {
        let (sources, target) = Self.domains()
        var e = TransferExperiment(shots: 10)
        e.adaptation = .coral
        let out = try e.run(anyDetector: try quick("autoencoder"), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        #expect(out.modes.map(\.name) == TransferExperiment.modeNames)
        for m in out.modes { #expect(m.result != nil, "\(m.name): \(m.reason ?? "")") }
        #expect(out.testRows == 36 && out.testAnomalies == 6)  // 30% of 100 normal + 20 outlier rows
    }

    @Test(arguments: ["autoencoder", "devnet"])
    func domainNormAdaptationRunsAndIsSeeded(name: String) throws {
        let (sources, target) = Self.domains()
        var e = TransferExperiment(shots: 10)
        e.adaptation = name == "devnet" ? .center : .standardize
        e.anomalyShots = name == "devnet" ? 3 : 0
        let run = { try e.run(anyDetector: try quick(name), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t") }
        let first = try run(), second = try run()
        let adapted = try #require(first.modes.first { $0.name == "adapted" }?.result)
        #expect(adapted.rocAUC > 0.5)
        #expect(adapted.rocAUC == second.modes.first { $0.name == "adapted" }?.result?.rocAUC)
    }

    @Test func relativeAdaptationRunsIsSeededAndReportsTheFrameAlone() throws {
        let (sources, target) = Self.domains()
        var e = TransferExperiment(shots: 10)
        e.adaptation = .relative
        e.anomalyShots = 3
        let run = { try e.run(anyDetector: try quick("devnet"), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t") }
        let first = try run(), second = try run()
        #expect(first.modes.map(\.name) == ["scratch", "source_only", "finetuned", "adapted", "interpolated", "relative_scratch", "knn_shots"])
        let adapted = try #require(first.modes.first { $0.name == "adapted" }?.result)
        #expect(adapted.rocAUC > 0.7)
        #expect(adapted.rocAUC == second.modes.first { $0.name == "adapted" }?.result?.rocAUC)
        #expect(first.modes.first { $0.name == "relative_scratch" }?.result != nil)
        // Too few shots for the frame: that mode reports why, the others still run.
        var few = TransferExperiment(shots: 3)
        few.adaptation = .relative
        let out = try few.run(anyDetector: try quick("autoencoder"), sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        #expect(out.modes.first { $0.name == "adapted" }?.reason?.contains("more than 3 normal rows") == true)
        #expect(out.modes.first { $0.name == "scratch" }?.result != nil)
    }

    @Test func badRequestsAreExplained() throws {
        let (sources, target) = Self.domains()
        let ae = try quick("autoencoder")
        let tooMany = #expect(throws: AnomalyError.self) {
            try TransferExperiment(shots: 1000).run(anyDetector: ae, sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        }
        #expect(tooMany?.description.contains("normal shots requested") == true)
        var e = TransferExperiment(shots: 5)
        e.anomalyShots = 500
        let tooManyAnomalies = #expect(throws: AnomalyError.self) {
            try e.run(anyDetector: ae, sources: sources, sourceNames: ["a", "b"], target: target, targetName: "t")
        }
        #expect(tooManyAnomalies?.description.contains("anomaly shots requested") == true)
        let narrow = DomainData(x: sources[0].x.columns(at: [0, 1]), labels: sources[0].labels)
        let features = #expect(throws: AnomalyError.self) {
            try TransferExperiment(shots: 5).run(anyDetector: ae, sources: [narrow], sourceNames: ["narrow.npz"], target: target, targetName: "t")
        }
        #expect(features?.description.contains("narrow.npz") == true)
        #expect(throws: AnomalyError.self) {
            try TransferExperiment(shots: 5).run(anyDetector: try DetectorRegistry.make("knn"), sources: sources, sourceNames: ["a", "b"],
                                                 target: target, targetName: "t")
        }
    }

    @Test func classifierScratchWithoutAnomalyShotsIsReportedNotFatal() throws {
        let (sources, target) = Self.domains()
        let out = try TransferExperiment(shots: 10).run(anyDetector: try quick("classifier"), sources: sources,
                                                        sourceNames: ["a", "b"], target: target, targetName: "t")
        let scratch = try #require(out.modes.first { $0.name == "scratch" })
        #expect(scratch.result == nil && scratch.reason?.contains("both classes") == true)
        #expect(out.modes.first { $0.name == "finetuned" }?.result != nil)
    }
}
