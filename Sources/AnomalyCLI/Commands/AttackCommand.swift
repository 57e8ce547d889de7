import AnomalyKit
import ArgumentParser
import Foundation

/// `anomalykit attack`: an evasion attack on a saved model — the data's rows labelled anomalous
/// are perturbed within an L∞ ball (standardised units) to lower their scores; ROC-AUC and
/// average precision before and after are reported.
struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Evasion attack: lower the anomalies' scores within an L∞ ball; ROC-AUC before and after.",
        discussion: """
        The data needs labels (--label-column for a CSV; y in an .npz): rows labelled 1 are attacked, rows labelled 0 \
        stay as they are. The ball's radius --epsilon is in standardised units: per-feature training standard \
        deviations of the model's standard scaler or of a neural detector's own standardiser, else of the data's \
        normal rows (reported as unit_source). Neural detectors behind per-column affine steps (impute, scale, domain \
        frame) are attacked with exact score gradients; any other model with a gradient-free SPSA search on its own \
        scores (--guidance search forces it; --guidance gradient refuses models without gradients).
        FGSM takes one signed step of ε; PGD starts at a random point of the ball (--seed) and takes --steps steps of \
        2.5·ε/steps (--step-size to change it), keeping each row's lowest score, the clean row included.
        With --out FILE.csv or FILE.npz: all rows (attacked anomalies and untouched normals) in input order; the \
        .npz holds X (float32) and y (the labels), the CSV the feature columns (the model's names) and a label column.
        """)

    @Option(name: .long, help: "A model written by `anomalykit fit`.") var model: String
    @Option(name: .long, help: "Labelled data: .csv (with --label-column), .npy (with --labels) or .npz (X, y).") var data: String
    @Option(name: .long, help: "fgsm or pgd.") var method: AttackMethod = .pgd
    @Option(name: .long, help: "The L∞ radius in standardised units (> 0).") var epsilon: Double = 0.1
    @Option(name: .long, help: "PGD steps.") var steps: Int = 10
    @Option(name: .customLong("step-size"), help: "PGD step in standardised units (default 2.5·ε/steps).") var stepSize: Double?
    @Option(name: .long, help: "Where directions come from: auto, gradient or search (SPSA).") var guidance: AttackGuidance = .auto
    @Option(name: .long, help: "SPSA directions per step (search guidance).") var samples: Int = 16
    @Option(name: .long, help: "Seed of PGD's random start and of SPSA's directions.") var seed: UInt64 = 42
    @Option(name: .long, help: "Write the perturbed rows to FILE.csv or FILE.npz (atomically).") var out: String?
    @Option(name: .long, help: "Labels for a .npy data file (.npy or .csv; 1 = anomaly).") var labels: String?
    @OptionGroup var input: InputOptions
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        guard epsilon.isFinite, epsilon > 0 else {
            throw ValidationError("--epsilon must be a finite number > 0 (the L∞ radius in standardised units), got \(epsilon)")
        }
        guard steps >= 1, steps <= 100_000 else { throw ValidationError("--steps must be between 1 and 100000, got \(steps)") }
        if let stepSize, !(stepSize.isFinite && stepSize > 0) {
            throw ValidationError("--step-size must be a finite number > 0, got \(stepSize)")
        }
        if method == .fgsm && stepSize != nil { throw ValidationError("--step-size is PGD's; FGSM takes one step of ε") }
        guard samples >= 1, samples <= 10_000 else { throw ValidationError("--samples must be between 1 and 10000, got \(samples)") }
        if let out {
            let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
            guard ext == "csv" || ext == "npz" else { throw ValidationError("--out: the perturbed rows go to a .csv or .npz file, got '\(out)'") }
        }
    }

    func run() throws {
        let model = try loadAttackedModel()
        var opts = input
        if opts.labelColumn == nil { opts.labelColumn = model.schema?.labelColumn }
        let (ds, m) = try loadDataset(data, opts, for: model, allowMissing: false)
        guard m.rawColumns.isEmpty, m.pipeline.inputStep == nil else {
            throw AnomalyError.model("the model reads text or images through an encoder: attack perturbs numeric rows only", file: self.model)
        }
        let y = try attackLabels(ds)
        let attack = EvasionAttack(method: method, epsilon: epsilon, steps: steps, stepSize: stepSize, guidance: guidance,
                                   samples: samples, seed: seed)
        let result: EvasionResult
        do { result = try attack.run(m, x: ds.x, labels: y) } catch let e as AnomalyError { throw e.file == nil ? e.inFile(data) : e }
        if let out { try write(result, names: m.featureNames, to: out) }
        let changed = result.largestStandardisedChange(clean: ds.x)
        let summary: [String: Any] = [
            "detector": m.detectorName, "method": method.rawValue, "guidance": result.guidance.rawValue,
            "epsilon": epsilon, "steps": method == .pgd ? steps : 1,
            "step_size": method == .pgd ? attack.effectiveStepSize : epsilon, "seed": Int(seed),
            "samples": result.guidance == .search ? samples : 0,
            "n_rows": ds.rowCount, "n_anomalies": result.anomalies.count,
            "roc_auc_clean": result.rocAUCClean, "roc_auc_attacked": result.rocAUCAttacked,
            "average_precision_clean": result.averagePrecisionClean, "average_precision_attacked": result.averagePrecisionAttacked,
            "mean_score_drop": result.meanScoreDrop, "max_standardised_change": changed,
            "unit_source": result.unitSource.rawValue, "out": out as Any,
        ]
        if json { output(try jsonString(summary)); return }
        let how = result.guidance == .gradient ? "exact score gradients" : "SPSA search (\(samples) directions per step)"
        output("""
            \(method.rawValue.uppercased()) on \(m.detectorName), ε = \(fmt(epsilon, 4)) (units: \(result.unitSource.rawValue)), \
            \(method == .pgd ? "\(steps) steps, " : "")\(how)
            \(result.anomalies.count) anomalies of \(ds.rowCount) rows attacked; mean score drop \(fmt(result.meanScoreDrop, 4))
                            clean    attacked
            ROC-AUC        \(fmt(result.rocAUCClean, 4))    \(fmt(result.rocAUCAttacked, 4))
            avg precision  \(fmt(result.averagePrecisionClean, 4))    \(fmt(result.averagePrecisionAttacked, 4))
            """ + (out.map { "\nperturbed rows written to \($0)" } ?? ""))
    }

    /// The model file, which must be ready to score (a pending model has no scores to attack).
    func loadAttackedModel() throws -> AnomalyModel {
        switch try ModelFile.load(from: model, steps: .anomalyKitCLI) {
        case .ready(let m): return m
        case .pending(let p):
            throw AnomalyError(.model, p.reason + "; there are no scores to attack", file: model, field: "awaiting", hint: p.hint)
        }
    }

    /// The data's labels (1 = anomaly): its own, or `--labels FILE`.
    func attackLabels(_ ds: Dataset) throws -> [Int] {
        if let labels {
            guard ds.labels == nil else { throw ValidationError("--labels: \(data) has labels of its own; leave --labels out") }
            let y = try loadLabels(labels)
            guard y.count == ds.rowCount else {
                throw AnomalyError.shape("\(y.count) labels for \(ds.rowCount) rows").inFile(labels)
            }
            return y
        }
        guard let y = ds.labels else {
            throw AnomalyError.data("has no labels: attack lowers the scores of the rows labelled anomalous (1); give them with --label-column COL (CSV), y (.npz) or --labels FILE", file: data)
        }
        return y
    }

    /// All rows, perturbed anomalies included, as a CSV (feature names and `label`) or an `.npz` (X, y).
    func write(_ result: EvasionResult, names: [String], to path: String) throws {
        if path.lowercased().hasSuffix(".npz") {
            try NumPy.writeArchive(["X": NumPyArray(result.perturbed), "y": NumPyArray(labels: result.labels)], to: path)
            return
        }
        let x = result.perturbed
        var text = (names.map(csvField) + ["label"]).joined(separator: ",") + "\n"
        text.reserveCapacity(x.rows * x.cols * 12)
        for r in 0..<x.rows {
            text += (0..<x.cols).map { "\(x[r, $0])" }.joined(separator: ",") + ",\(result.labels[r])\n"
        }
        try writeAtomically(Data(text.utf8), to: path)
    }
}

extension AttackMethod: ExpressibleByArgument {}
extension AttackGuidance: ExpressibleByArgument {}
