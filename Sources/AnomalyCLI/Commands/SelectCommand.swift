import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit select`: the predicted ranking of detectors for a dataset.
struct SelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Rank the detectors for a dataset by their predicted ROC-AUC (learned detector selection).",
        discussion: "A dataset the selector was trained on is left out of its own prediction (matched by file name).")

    @Option(name: .long, help: "The dataset (.npz, .npy or .csv).") var data: String
    @Option(name: .long, help: "A selector from select-train (default: the one shipped, trained on ADBench Classical).") var selector: String?
    @OptionGroup var input: InputOptions
    @Flag(help: "Print exactly one JSON object.") var json = false

    func run() throws {
        let s = try loadSelector(selector)
        let ds = try loadDataset(data, input, allowMissing: false)
        let (ranking, features, leftOut) = try selectorRanking(s, ds, path: data)
        if json {
            output(try jsonString(["data": data, "ranking": ranking.map { ["detector": $0.detector, "predicted_roc_auc": $0.predicted, "predicted_position": $0.position] },
                                  "meta_features": Dictionary(uniqueKeysWithValues: zip(MetaFeatures.names, features)),
                                  "left_out": leftOut]))
        } else {
            if !leftOut.isEmpty { output("(\(datasetStem(data)) is in the selector's training set; left out of its own prediction)") }
            output(renderTable(["rank", "detector", "predicted position (1 = best)", "predicted ROC-AUC"], ranking.enumerated().map {
                ["\($0.offset + 1)", $0.element.detector, fmt($0.element.position), fmt($0.element.predicted)]
            }))
        }
    }
}
