import AnomalyImage
import AnomalyKit
import Foundation

/// Part 3 of the demo: an inspection line's photos (Data/images/inspection, laid out as MVTec AD
/// lays out a category) read through EfficientNet-Lite0, a kNN detector fitted on the normal
/// parts of `train/good`, and the test parts scored, each with its path.
struct DemoImages {
    let folder: String

    struct Outcome {
        var paths: [String]
        var scores: [Double]
        var labels: [Int]
        var flagged: [Int]
        var trainImages: Int
        var rocAUC: Double
        var averagePrecision: Double
        var seconds: Double
    }

    /// The scored test parts, or nil when the encoder is not installed (a note says how).
    func run() throws -> Outcome? {
        let started = Date()
        let encoder: ImageEncoder
        do {
            encoder = try ImageEncoder.shared(ImageInput.defaultEncoder)
        } catch let e as AnomalyError {
            if case .installEncoder? = e.hint { return nil }
            throw e
        }
        let size = encoder.network.config.imageSize
        let train = try ImageInput.read(folder + "/train", imageColumn: nil, labelColumn: nil, strict: false, inputSize: size)
        let test = try ImageInput.read(folder + "/test", imageColumn: nil, labelColumn: nil, strict: false, inputSize: size)
        guard let labels = test.labels else { throw AnomalyError.data("the test folder has no good/ sub-folder", file: folder + "/test") }
        let trainX = try train.embed(with: encoder).matrix, testX = try test.embed(with: encoder).matrix
        let detector = try DetectorRegistry.make("knn", assignments: [:])
        let r = try Evaluation.run(detector, train: Dataset(x: trainX), test: testX, testLabels: labels)
        let flagged = r.model.labels(forScores: r.testScores)
        return Outcome(paths: test.paths, scores: r.testScores, labels: labels, flagged: flagged, trainImages: train.count,
                       rocAUC: Metrics.rocAUC(labels: labels, scores: r.testScores),
                       averagePrecision: Metrics.averagePrecision(labels: labels, scores: r.testScores),
                       seconds: Date().timeIntervalSince(started))
    }
}
