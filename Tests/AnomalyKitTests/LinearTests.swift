import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// A PyOD fixture written by scripts/fixtures/make_linear_fixtures.py.
struct LinearFixture {
    let train: Matrix
    let test: Matrix
    let trainLabels: [Int]
    let testLabels: [Int]
    let trainScores: [Double]
    let testScores: [Double]
    let params: [String: Any]
    let extra: [String: Any]

    init(_ name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")
                               ?? Bundle.module.url(forResource: name, withExtension: "json"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        let doc = try #require(object as? [String: Any])
        func matrix(_ key: String) throws -> Matrix {
            let rows = try #require(doc[key] as? [[Double]])
            return Matrix(rows)
        }
        train = try matrix("train")
        test = try matrix("test")
        trainLabels = try #require(doc["train_labels"] as? [Int])
        testLabels = try #require(doc["test_labels"] as? [Int])
        trainScores = try #require(doc["train_scores"] as? [Double])
        testScores = try #require(doc["test_scores"] as? [Double])
        params = doc["params"] as? [String: Any] ?? [:]
        extra = doc
    }

    /// The fixture's parameters as `name=value` text assignments.
    var assignments: [String: String] { extra["assignments"] as? [String: String] ?? [:] }
}

enum LinearTestMath {
    /// ROC-AUC with ties averaged (Mann–Whitney U).
    static func rocAUC(_ scores: [Double], _ labels: [Int]) -> Double {
        let ranks = Ranks.averageRanks(scores)
        let positives = labels.filter { $0 == 1 }.count
        let negatives = labels.count - positives
        var sum = 0.0
        for (r, y) in zip(ranks, labels) where y == 1 { sum += r }
        return (sum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }

    /// Spearman rank correlation.
    static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        let ra = Ranks.averageRanks(a), rb = Ranks.averageRanks(b)
        let ma = Statistics.mean(ra), mb = Statistics.mean(rb)
        var num = 0.0, da = 0.0, db = 0.0
        for i in 0..<ra.count {
            num += (ra[i] - ma) * (rb[i] - mb)
            da += (ra[i] - ma) * (ra[i] - ma)
            db += (rb[i] - mb) * (rb[i] - mb)
        }
        return num / (da * db).squareRoot()
    }

    /// The largest relative difference `|a − b| / max(|b|, floor)`.
    static func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-12) -> Double {
        zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
    }

    /// Saves a fitted detector's state through the safetensors encoding and restores it.
    static func roundTrip<F: FittedDetector>(_ fitted: F) throws -> F {
        var state = DetectorState()
        fitted.save(to: &state)
        let data = try SafeTensors.encode(tensors: state.tensors, metadata: [:])
        let (tensors, _) = try SafeTensors.decode(data, file: "roundtrip.safetensors")
        let restored = DetectorState(tensors: tensors, scalars: state.scalars)
        let settings = try F.Settings(parameters: fitted.settings.parameters)
        return try F(settings: settings, featureCount: fitted.featureCount, trainingScores: fitted.trainingScores,
                     state: restored)
    }

    /// The rows of `m` in reverse order.
    static func reversed(_ m: Matrix) -> Matrix { m.rows(at: Array((0..<m.rows).reversed())) }
}

@Suite struct LinearPCATests {
    @Test(arguments: ["linear_pca_14_glass", "linear_pca_42_WBC", "linear_pca_21_Lymphography", "linear_pca_4_breastw"])
    func matchesPyOD(_ name: String) throws {
        let f = try LinearFixture(name)
        let detector = try PCA(assignments: f.assignments)
        let model = try detector.fit(f.train)
        let test = try model.scores(f.test)
        let trainError = LinearTestMath.maxRelativeError(model.trainingScores, f.trainScores)
        let testError = LinearTestMath.maxRelativeError(test, f.testScores)
        print("\(name): PCA max relative error train \(trainError), test \(testError)")
        #expect(trainError < 1e-5, "\(name): train max rel error \(trainError)")
        #expect(testError < 1e-5, "\(name): test max rel error \(testError)")
    }

    @Test func knownAnswerOnATinyDataset() throws {
        // Two features, no standardisation, unweighted: the score is the summed distance from
        // each row to the two unit principal axes.
        let x = Matrix([[0, 0], [2, 0], [0, 1], [2, 1]] as [[Float]])
        let model = try PCA(weighted: false, standardization: false).fit(x)
        // Variance is larger along x, so the axes are (1, 0) then (0, 1) (signs made positive).
        let expected: [Double] = (0..<4).map { r in
            let p = (Double(x[r, 0]), Double(x[r, 1]))
            let d1 = ((p.0 - 1) * (p.0 - 1) + p.1 * p.1).squareRoot()
            let d2 = (p.0 * p.0 + (p.1 - 1) * (p.1 - 1)).squareRoot()
            return d1 + d2
        }
        #expect(LinearTestMath.maxRelativeError(model.trainingScores, expected) < 1e-12)
    }

    @Test func saveLoadRowOrderAndBatchIndependence() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 200, d: 6, outliers: 5)
        let model = try PCA(selectedComponents: 3).fit(x)
        let restored = try LinearTestMath.roundTrip(model)
        let a = try model.scores(x), b = try restored.scores(x)
        #expect(a == b)
        #expect(LinearTestMath.maxRelativeError(a, model.trainingScores) < 1e-12)
        let rev = try model.scores(LinearTestMath.reversed(x))
        #expect(rev == a.reversed())
        let single = try model.scores(x.rows(at: [3]))
        #expect(abs(single[0] - a[3]) <= 1e-12 * abs(a[3]))
        // Outliers score highest.
        let top = Set(a.enumerated().sorted { $0.element > $1.element }.prefix(5).map(\.offset))
        #expect(top == Set(200..<205))
    }

    @Test func badParametersThrow() throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 20, d: 4, outliers: 0)
        #expect(throws: AnomalyError.self) { try PCA(components: 5).fit(x) }
        #expect(throws: AnomalyError.self) { try PCA(components: 2, selectedComponents: 3).fit(x) }
        #expect(throws: AnomalyError.self) { try PCA(assignments: ["n_components": "-1"]) }
        #expect(throws: AnomalyError.self) { try PCA(assignments: ["bogus": "1"]) }
        #expect(throws: AnomalyError.self) { try PCA().fit(Matrix([[1, 2]] as [[Float]])) }
        let constant = Matrix(rows: 10, cols: 3, repeating: 2)
        #expect(throws: AnomalyError.self) { try PCA().fit(constant) }
        let model = try PCA().fit(x)
        #expect(throws: AnomalyError.self) { try model.scores(Matrix(rows: 2, cols: 3)) }
        var state = DetectorState()
        model.save(to: &state)
        state.set("weights", doubles: [1, 2])
        #expect(throws: AnomalyError.self) {
            try FittedPCA(settings: model.settings, featureCount: 4, trainingScores: model.trainingScores, state: state)
        }
    }

    @Test func collinearFeaturesGiveFiniteScores() throws {
        // A duplicated column makes one eigenvalue zero; PyOD divides by zero, we stay finite.
        var rows: [[Float]] = []
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<50 { let a = Float(rng.nextGaussian()), b = Float(rng.nextGaussian()); rows.append([a, b, a]) }
        let model = try PCA().fit(Matrix(rows))
        #expect(model.trainingScores.allSatisfy { $0.isFinite })
    }
}

@Suite struct LinearModelFileTests {
    @Test(arguments: ["pca", "iforest", "ocsvm"])
    func modelFileRoundTrip(_ name: String) throws {
        let (x, _) = TestSupport.gaussianWithOutliers(n: 150, d: 5, outliers: 4, seed: 11)
        let detector = try DetectorRegistry.make(name)
        let model = try AnomalyModel.fit(detector, on: Dataset(x: x))
        let loaded = try AnomalyModel.load(data: try model.serialized(), file: "\(name).safetensors")
        #expect(loaded.detectorName == name)
        #expect(try loaded.scores(x) == (try model.scores(x)))
    }
}
