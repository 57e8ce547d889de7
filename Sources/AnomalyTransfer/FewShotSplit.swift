import AnomalyKit
import AnomalyMath
import Foundation

/// The few-shot protocol shared by the transfer and meta experiments: the target split
/// stratified 70/30 with the seed; `shots` normal and `anomalyShots` anomalous rows drawn from
/// the training part; the test part is the test set.
package struct FewShotSplit: Sendable {
    /// Target row numbers of the normal shots, then of the anomaly shots.
    package let normalShots: [Int]
    package let anomalyShots: [Int]
    /// The shots with their labels (normal shots first).
    package let shots: DomainData
    package let testX: Matrix
    package let testY: [Int]

    /// - Throws: when the target has no labels or too few rows of a class for the shots.
    package init(target: DomainData, targetName: String, shots: Int, anomalyShots: Int, testFraction: Double = 0.3,
                seed: UInt64) throws {
        guard shots >= 1 else { throw AnomalyError.parameter("shots", "must be ≥ 1, got \(shots)") }
        guard anomalyShots >= 0 else { throw AnomalyError.parameter("anomalyShots", "must be ≥ 0, got \(anomalyShots)") }
        guard let y = target.labels else { throw AnomalyError.data("has no labels (needed to split and evaluate)", file: targetName) }
        let split = try StratifiedSplit.split(labels: y, testFraction: testFraction, seed: seed)
        let trainNormals = split.train.filter { y[$0] == 0 }, trainAnomalies = split.train.filter { y[$0] == 1 }
        guard shots <= trainNormals.count else {
            throw AnomalyError.parameter("shots", "\(shots) normal shots requested but the target's training part has only \(trainNormals.count) normal rows")
        }
        guard anomalyShots <= trainAnomalies.count else {
            throw AnomalyError.parameter("anomalyShots", "\(anomalyShots) anomaly shots requested but the target's training part has only \(trainAnomalies.count) anomalies")
        }
        var rng = SeededGenerator(seed: seed &+ 1)
        normalShots = rng.sample(shots, from: trainNormals.count).map { trainNormals[$0] }
        self.anomalyShots = rng.sample(anomalyShots, from: trainAnomalies.count).map { trainAnomalies[$0] }
        let rows = normalShots + self.anomalyShots
        self.shots = DomainData(x: target.x.rows(at: rows), labels: rows.map { y[$0] })
        testX = target.x.rows(at: split.test)
        testY = split.test.map { y[$0] }
    }
}

/// ROC-AUC, average precision and fit seconds of one mode of an experiment.
public struct ModeResult: Sendable {
    public var rocAUC: Double
    public var averagePrecision: Double
    public var fitSeconds: Double
    public var note: String?

    package init(labels: [Int], scores: [Double], fitSeconds: Double, note: String? = nil) {
        rocAUC = Metrics.rocAUC(labels: labels, scores: scores)
        averagePrecision = Metrics.averagePrecision(labels: labels, scores: scores)
        self.fitSeconds = fitSeconds
        self.note = note
    }
}

/// Collects the modes of an experiment: a failure is recorded with its reason instead of
/// ending the experiment.
package struct ModeRecorder {
    package var modes: [(name: String, result: ModeResult?, reason: String?)] = []

    package init() {}

    package mutating func attempt(_ name: String, _ body: () throws -> ModeResult) {
        do { modes.append((name, try body(), nil)) } catch let e as AnomalyError {
            modes.append((name, nil, e.message))
        } catch { modes.append((name, nil, "\(error)")) }
    }
}
