import AnomalyKit
import AnomalyTransfer
import AnomalyMath
import Foundation

/// One task of a meta-learning family: a labelled dataset in the family's feature space.
public struct MetaTask: Sendable {
    public var name: String
    public var data: DomainData
    /// Row numbers by class, computed once.
    public let normals: [Int]
    public let anomalies: [Int]

    public init(name: String, data: DomainData) {
        self.name = name
        self.data = data
        let labels = data.labels ?? [Int](repeating: 0, count: data.x.rows)
        normals = labels.indices.filter { labels[$0] == 0 }
        anomalies = labels.indices.filter { labels[$0] == 1 }
    }
}

/// A few-shot episode: support rows to adapt on, labelled query rows to judge the adaptation.
public struct Episode: Sendable {
    public var task: Int
    public var support: DomainData
    public var query: DomainData
}

/// Draws episodes from a task family: a task, `shots` normal and `anomalyShots` anomalous
/// support rows, and up to `querySize` other rows of the same task, half of them anomalies
/// when the task has enough. Seeded: the same seed gives the same episodes.
public struct EpisodeSampler: Sendable {
    public let tasks: [MetaTask]
    public let shots: Int
    public let anomalyShots: Int
    public let querySize: Int
    private var rng: SeededGenerator

    /// - Throws: when tasks differ in feature count, lack labels, or are too small for the
    ///   support plus at least one normal and one anomalous query row.
    public init(tasks: [MetaTask], shots: Int, anomalyShots: Int = 0, querySize: Int = 32, seed: UInt64) throws {
        guard !tasks.isEmpty else { throw AnomalyError.parameter("tasks", "no tasks given") }
        guard shots >= 1 else { throw AnomalyError.parameter("shots", "must be ≥ 1, got \(shots)") }
        guard anomalyShots >= 0 else { throw AnomalyError.parameter("anomalyShots", "must be ≥ 0, got \(anomalyShots)") }
        guard querySize >= 2 else { throw AnomalyError.parameter("querySize", "must be ≥ 2, got \(querySize)") }
        let d = tasks[0].data.x.cols
        for t in tasks {
            guard t.data.x.cols == d else {
                throw AnomalyError.shape("has \(t.data.x.cols) features but \(tasks[0].name) has \(d); tasks must share one feature space", field: t.name)
            }
            guard t.data.labels != nil else { throw AnomalyError.data("has no labels; episodes need labelled query rows", file: t.name) }
            guard t.normals.count >= shots + 1, t.anomalies.count >= anomalyShots + 1 else {
                throw AnomalyError.data("has \(t.normals.count) normal and \(t.anomalies.count) anomalous rows; an episode needs \(shots) + 1 normal and \(anomalyShots) + 1 anomalous (support + query)", file: t.name)
            }
        }
        self.tasks = tasks
        self.shots = shots
        self.anomalyShots = anomalyShots
        self.querySize = querySize
        rng = SeededGenerator(seed: seed)
    }

    public var features: Int { tasks[0].data.x.cols }

    /// The next episode. - Complexity: O((shots + querySize)·d).
    public mutating func next() -> Episode {
        let t = rng.nextInt(below: tasks.count)
        let task = tasks[t]
        let normals = rng.shuffled(task.normals), anomalies = rng.shuffled(task.anomalies)
        let supportRows = Array(normals.prefix(shots)) + Array(anomalies.prefix(anomalyShots))
        let restNormals = normals.dropFirst(shots), restAnomalies = anomalies.dropFirst(anomalyShots)
        let half = querySize / 2
        let queryAnomalies = Array(restAnomalies.prefix(max(half, querySize - restNormals.count)))
        let queryNormals = Array(restNormals.prefix(querySize - queryAnomalies.count))
        let queryRows = queryNormals + queryAnomalies
        let y = task.data.labels!
        return Episode(task: t,
                       support: DomainData(x: task.data.x.rows(at: supportRows), labels: supportRows.map { y[$0] }),
                       query: DomainData(x: task.data.x.rows(at: queryRows), labels: queryRows.map { y[$0] }))
    }
}
