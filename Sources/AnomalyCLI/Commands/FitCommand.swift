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
    @Option(name: .long, help: "Training data: .csv, .npy or .npz (arrays X and y), or a log (--log FILE).") var train: String?
    @OptionGroup var modelOutput: ModelOutput
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        if train == nil && input.log == nil { throw ValidationError("give the data: --train FILE (or --log FILE for a log)") }
        _ = try modelOutput.required()
    }

    func run() throws {
        let model = try modelOutput.required()
        let (detector, contamination, imputation, scaling) = try detectorOptions.resolve()
        let train = try input.dataFile(self.train, option: "--train")
        let data = try loadDataset(train, input, allowMissing: imputation != .none)
        let augmentation = try detectorOptions.augmentation.resolve(for: detector)
        let clock = ContinuousClock()
        var fitted: AnomalyModel?
        let t = try clock.measure {
            fitted = try AnomalyModel.fit(detector, on: data, contamination: contamination,
                                          imputation: imputation, scaling: scaling, augmentation: augmentation)
        }
        guard let fitted else { return }
        try input.keepingEncoder(fitted, fittedOn: data).save(to: model)
        let flagged = fitted.labels(forScores: fitted.detector.trainingScores).reduce(0, +)
        if json {
            output(try jsonString(["detector": fitted.detectorName, "params": fitted.parameters.jsonObject,
                                  "n_train": data.rowCount, "n_features": data.featureCount,
                                  "contamination": contamination, "threshold": fitted.threshold.value,
                                  "fit_seconds": t.seconds, "model": model, "n_flagged_train": flagged,
                                  "augmentation": augmentation?.summary ?? NSNull()]))
        } else {
            output("fitted \(fitted.detectorName) (\(fitted.parameters.summary)) on \(data.rowCount) rows × \(data.featureCount) features in \(fmt(t.seconds, 3)) s")
            output("threshold \(fmt(fitted.threshold.value, 6)) (contamination \(contamination)): \(flagged) training rows flagged")
            if let augmentation { output("trained with \(augmentation.summary)") }
            output("model written to \(model)")
        }
    }
}
