import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import Foundation
import Testing
import TestSupport

@Suite struct DetectorSelectionTests {
    @Test func metaFeaturesAreFiniteNamedAndSeeded() throws {
        let x = TestSupport.gaussianWithOutliers(n: 300, d: 6, outliers: 20, seed: 2).x
        let a = try MetaFeatures.compute(x), b = try MetaFeatures.compute(x)
        #expect(a.count == MetaFeatures.names.count)
        #expect(a.allSatisfy { $0.isFinite })
        // Equal to rounding: the tests run concurrently, and a neighbour's parallel loop may switch
        // OpenBLAS (one global thread count) to one thread during our eigendecomposition, which
        // changes the last bits of the PCA landmarker; run alone (the CLI), they are identical.
        #expect(maxRelativeError(a, b) <= 1e-12)
        // log10 of 320 rows and 6 features.
        let logRows: Double = log10(320), logFeatures: Double = log10(6)
        #expect(abs(a[0] - logRows) < 1e-12)
        #expect(abs(a[1] - logFeatures) < 1e-12)
        // A constant column adds no NaN.
        var constant = x
        for i in 0..<constant.rows { constant[i, 0] = 1 }
        #expect(try MetaFeatures.compute(constant).allSatisfy { $0.isFinite })
    }

    @Test func tooSmallDatasetsAreExplained() {
        let tiny = TestSupport.gaussianWithOutliers(n: 10, d: 3, outliers: 0, seed: 1).x
        let e = #expect(throws: AnomalyError.self) { try MetaFeatures.compute(tiny) }
        #expect(e?.description.contains("at least 20 rows") == true)
    }

    /// Datasets whose first meta-feature decides which detector wins: the selector, shown only
    /// the others, picks the winner for each left-out dataset.
    static func synthetic() throws -> DetectorSelector {
        var features: [[Double]] = [], performance: [[Double?]] = []
        for i in 0..<12 {
            var f = [Double](repeating: 0, count: MetaFeatures.names.count)
            f[0] = i < 6 ? 0 : 10
            f[1] = Double(i % 3) * 0.01
            features.append(f)
            performance.append(i < 6 ? [0.9, 0.6] : [0.55, 0.8])
        }
        var s = try DetectorSelector(detectors: ["knn", "iforest"], datasets: (0..<12).map { "d\($0)" },
                                     metaFeatures: features, performance: performance)
        s.neighbors = 3
        s.shrinkage = 0.2
        return s
    }

    @Test func leaveOneOutPicksTheWinnerOfSimilarDatasets() throws {
        let s = try Self.synthetic()
        let e = s.leaveOneOut()
        #expect(e.chosen == Array(repeating: "knn", count: 6) + Array(repeating: "iforest", count: 6))
        #expect(abs(e.selectedAUC - 0.85) < 1e-12)
        #expect(abs(e.oracleAUC - 0.85) < 1e-12)
        #expect(e.bestSingle.detector == "knn")
        #expect(abs(e.bestSingle.auc - 0.725) < 1e-12)
    }

    @Test func selectorFilesRoundTripAndOtherVersionsAreRefused() throws {
        let s = try Self.synthetic()
        let path = TestSupport.temporaryDirectory() + "/selector.safetensors"
        try s.save(to: path)
        let loaded = try DetectorSelector.load(from: path)
        #expect(loaded.ranking(s.metaFeatures[0]).map(\.detector) == s.ranking(s.metaFeatures[0]).map(\.detector))
        #expect(loaded.neighbors == 3 && loaded.shrinkage == 0.2)
        // Another format version.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let needle = Data("\"format_version\":\"\(DetectorSelector.formatVersion)\"".utf8)
        let range = try #require(bytes.range(of: needle))
        bytes.replaceSubrange(range, with: Data("\"format_version\":\"7\"".utf8))
        let other = TestSupport.temporaryDirectory() + "/selector-v7.safetensors"
        try bytes.write(to: URL(fileURLWithPath: other))
        let e = #expect(throws: AnomalyError.self) { try DetectorSelector.load(from: other) }
        #expect(e?.description.contains("format_version") == true)
        // Trained on another detector set: a detector this version does not have.
        var renamed = try Data(contentsOf: URL(fileURLWithPath: path))
        let knn = try #require(renamed.range(of: Data(#"\"knn\""#.utf8)))
        renamed.replaceSubrange(knn, with: Data(#"\"kxx\""#.utf8))
        let otherSet = TestSupport.temporaryDirectory() + "/selector-other-set.safetensors"
        try renamed.write(to: URL(fileURLWithPath: otherSet))
        let unknown = #expect(throws: AnomalyError.self) { try DetectorSelector.load(from: otherSet) }
        #expect(unknown?.description.contains("'kxx'") == true && unknown?.description.contains("detectors") == true)
        // A detector model file is not a selector.
        let model = TestSupport.temporaryDirectory() + "/m.safetensors"
        try AnomalyModel.fit(KNN(), on: Dataset(x: TestSupport.gaussianWithOutliers(n: 30, d: 2, outliers: 0).x)).save(to: model)
        #expect(throws: AnomalyError.self) { try DetectorSelector.load(from: model) }
    }

    /// The selector ranks by position among the detectors, not by mean ROC-AUC: one dataset
    /// where knn is far ahead does not outweigh two where iforest is slightly ahead.
    @Test func rankingFollowsPredictedPositionsNotMeanAUC() throws {
        let features = (0..<3).map { i in (0..<MetaFeatures.names.count).map { j in j == 0 ? Double(i) : 0 } }
        var s = try DetectorSelector(detectors: ["knn", "iforest"], datasets: ["a", "b", "c"], metaFeatures: features,
                                     performance: [[0.99, 0.6], [0.7, 0.72], [0.7, 0.72]])
        s.shrinkage = 1
        let r = s.ranking(features[0])
        #expect(r.map(\.detector) == ["iforest", "knn"])
        #expect(abs(r[0].position - 2.0 / 3) < 1e-12 && abs(r[1].position - 1.0 / 3) < 1e-12)
        #expect(abs(r[1].predicted - 2.39 / 3) < 1e-12)
        // Left out of its own prediction, dataset a cannot vote for knn.
        #expect(s.ranking(features[0], excluding: [0]).map(\.position) == [1, 0])
        // ROC-AUCs a rounding error apart tie (means over seeds summed in another order).
        let tied = try DetectorSelector(detectors: ["knn", "iforest"], datasets: ["a", "b", "c"], metaFeatures: features,
                                        performance: [[1, 1 - 1e-16], [0.7, 0.7], [0.8, 0.8 + 1e-15]])
        #expect(tied.ranking(features[0]).map(\.position) == [0.5, 0.5])
    }
}
