import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit fit`: fit a detector on a file and save the model.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit", abstract: "Fit a detector on training data and save it as a .safetensors model.")

    @OptionGroup var detectorOptions: DetectorOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Training data: .csv, .npy or .npz (arrays X and y).") var train: String
    @Option(name: .long, help: "Where to write the model (.safetensors); written atomically.") var model: String
    @Flag(help: "Print a JSON summary.") var json = false

    func run() throws {
        let (detector, contamination, imputation, scaling) = try detectorOptions.resolve()
        let data = try loadDataset(train, input, allowMissing: imputation != .none)
        let clock = ContinuousClock()
        var fitted: AnomalyModel?
        let t = try clock.measure {
            fitted = try AnomalyModel.fit(detector, on: data, contamination: contamination,
                                          imputation: imputation, scaling: scaling)
        }
        guard let fitted else { return }
        try fitted.save(to: model)
        let flagged = fitted.labels(forScores: fitted.detector.trainingScores).reduce(0, +)
        if json {
            output(try jsonString(["detector": fitted.detectorName, "params": fitted.parameters.jsonObject,
                                  "n_train": data.rowCount, "n_features": data.featureCount,
                                  "contamination": contamination, "threshold": fitted.threshold.value,
                                  "fit_seconds": t.seconds, "model": model, "n_flagged_train": flagged]))
        } else {
            output("fitted \(fitted.detectorName) (\(fitted.parameters.summary)) on \(data.rowCount) rows × \(data.featureCount) features in \(fmt(t.seconds, 3)) s")
            output("threshold \(fmt(fitted.threshold.value, 6)) (contamination \(contamination)): \(flagged) training rows flagged")
            output("model written to \(model)")
        }
    }
}

/// `anomalykit score`: score new data with a saved model.
extension ScoreCommand {
    /// The model at `path`, ready to score: a few-shot model waiting for support rows is fitted
    /// on `support` first (which it needs), and a fitted one refitted when `support` is given.
    func loadScoringModel(_ path: String, support: String?) throws -> AnomalyModel {
        switch try ModelFile.load(from: path) {
        case .ready(let m):
            guard let support else { return m }
            return try m.refitted(onSupport: try loadSupport(support, schema: m.schema))
        case .pending(let p):
            guard p.awaiting == .supportRows, let support else {
                let fix = p.awaiting == .supportRows ? " (--support FILE)" : " (finetune --domain-norm relative)"
                throw AnomalyError.model(p.reason + fix, file: path, field: "awaiting")
            }
            return try p.fitted(onSupport: try loadSupport(support, schema: p.schema))
        }
    }

    /// The normal rows of a support file (labelled anomalies dropped).
    func loadSupport(_ path: String, schema: TableSchema?) throws -> Matrix {
        let ds = try loadDataset(path, input, schema: schema, allowMissing: false)
        try ds.x.requireFinite(path)
        guard let labels = ds.labels else { return ds.x }
        return ds.x.rows(at: labels.indices.filter { labels[$0] == 0 })
    }
}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score data with a saved model; write scores and labels (1 = anomaly).",
        discussion: """
        With --out FILE.csv: columns score,label,probability, one row per input row.
        With --out FILE.npy: the scores (float64, 1-D) in FILE.npy and the labels (int64) in FILE.labels.npy.
        """)

    @Option(name: .long, help: "A model written by `anomalykit fit`.") var model: String
    @Option(name: .long, help: "Data to score: .csv, .npy or .npz, with the training data's columns.") var data: String
    @Option(name: .long, help: "Output file: .csv or .npy.") var out: String
    @Option(name: .long, help: "Probability method for the CSV output: linear or unify.") var probability: String = "linear"
    @Option(name: .long, help: "A few normal rows of the task (span / metric models): the model is fitted on them first (rows labelled 1 are left out).")
    var support: String?
    @OptionGroup var input: InputOptions
    @Flag(help: "Print a JSON summary.") var json = false

    func run() throws {
        guard let method = ProbabilityMethod(rawValue: probability) else {
            throw AnomalyError.parameter("--probability", "expected linear or unify, got '\(probability)'")
        }
        let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
        guard ext == "csv" || ext == "npy" else {
            throw AnomalyError.parameter("--out", "the output must end in .csv or .npy, got '\(out)'")
        }
        let m = try loadScoringModel(model, support: support)
        var opts = input
        if opts.labelColumn == nil { opts.labelColumn = m.schema?.labelColumn }
        let ds = try loadDataset(data, opts, schema: m.schema, allowMissing: m.preprocessor.imputation != .none)
        let scores: [Double]
        do { scores = try m.scores(ds.x) } catch let e as AnomalyError { throw e.inFile(data) }
        let labels = m.labels(forScores: scores)
        if ext == "csv" {
            let probs = m.probabilities(forScores: scores, method: method)
            var text = "score,label,probability\n"
            text.reserveCapacity(scores.count * 32)
            for i in 0..<scores.count { text += "\(scores[i]),\(labels[i]),\(probs[i])\n" }
            try writeAtomically(Data(text.utf8), to: out)
        } else {
            let labelsPath = String(out.dropLast(4)) + ".labels.npy"
            try NumPy.write(scores, to: out)
            try NumPy.write(labels: labels, to: labelsPath)
        }
        let flagged = labels.reduce(0, +)
        if json {
            output(try jsonString(["detector": m.detectorName, "n_rows": scores.count, "n_flagged": flagged,
                                  "threshold": m.threshold.value, "out": out]))
        } else {
            output("scored \(scores.count) rows with \(m.detectorName): \(flagged) above the threshold \(fmt(m.threshold.value, 6)); written to \(out)")
        }
    }
}
