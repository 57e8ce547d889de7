import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit evaluate`: fit and score in one go, with metrics.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Fit a detector and measure it on labelled test data.",
        discussion: """
        Either --data FILE (.npz with X and y, or .csv with --label-column): a stratified 70/30 split with --seed;
        or --train TRAIN --test TEST --test-labels LABELS (.npy or .csv). The detector is fitted on the training rows
        without their labels (anomalies included, as ADBench does) and scores the test rows; devnet and classifier
        learn from the training labels (--data's split, or --train-labels / --label-column).
        """)

    @OptionGroup var detectorOptions: DetectorOptions
    @OptionGroup var input: InputOptions
    @Option(name: .long, help: "Labelled data to split 70/30 (stratified).") var data: String?
    @Option(name: .long, help: "Training data.") var train: String?
    @Option(name: .long, help: "Test data.") var test: String?
    @Option(name: .long, help: "Test labels (1-D .npy or one-column .csv; 1 = anomaly).") var testLabels: String?
    @Option(name: .long, help: "Training labels for devnet and classifier (1-D .npy or one-column .csv; 1 = anomaly).") var trainLabels: String?
    @Option(name: .customLong("seed"), help: "With --data: seed of the split (default 42).") var seedOption: UInt64?
    @Option(name: .customLong("test-size"), help: "With --data: share of rows in the test split (default 0.3).") var testSizeOption: Double?
    /// The split's seed and test share (given only with --data: refused with --train/--test, not ignored).
    var seed: UInt64 { seedOption ?? 42 }
    var testSize: Double { testSizeOption ?? 0.3 }
    @Option(name: .long, help: "Write the test scores (float64, 1-D, test-row order) to this .npy file.") var scoresOut: String?
    @Option(name: .long, help: "Also save the fitted model here.") var model: String?
    @Option(name: .long, help: ArgumentHelp("Write an HTML report here: ROC and precision–recall curves, score histograms, metrics, data and settings (one self-contained .html file).", valueName: "FILE.html"))
    var report: String?
    @Flag(help: "Print exactly one JSON object.") var json = false

    func run() throws {
        let (detector, contamination, imputation, scaling) = try detectorOptions.resolve()
        _ = try checkReport(report, allowed: [.html])
        let allowMissing = imputation != .none
        let trainSet: Dataset, testX: Matrix, testY: [Int]
        if let data = data ?? (train == nil ? input.log : nil) {
            guard train == nil, test == nil, testLabels == nil, trainLabels == nil else {
                throw AnomalyError.parameter("--data", "use either --data or --train/--test/--test-labels[/--train-labels], not both (with --data the labels come from the file)")
            }
            guard testSize > 0, testSize < 1 else { throw AnomalyError.parameter("--test-size", "must be in (0, 1), got \(testSize)") }
            let ds = try loadDataset(data, input, allowMissing: allowMissing)
            guard let y = ds.labels else {
                throw AnomalyError.data("has no labels: .npz files need an array 'y', CSV files --label-column, logs --label-regex", file: data)
            }
            (trainSet, testX, testY) = try Evaluation.split(ds, labels: y, testFraction: testSize, seed: seed)
        } else {
            let labelledLogTest = test.map { input.readsLog($0) && input.labelRegex != nil } ?? false
            let imageTest = test.map { input.imageEncoder(for: $0) != nil } ?? false
            guard let train, let test, testLabels != nil || labelledLogTest || imageTest else {
                throw AnomalyError.parameter("--data", "give --data FILE, or all of --train, --test and --test-labels (for a log test, --label-regex may label it; a folder of images is labelled by its sub-folders)")
            }
            guard seedOption == nil, testSizeOption == nil else {
                throw AnomalyError.parameter(seedOption != nil ? "--seed" : "--test-size", "splits --data; with --train/--test the split is given")
            }
            var loaded = try loadDataset(train, input, allowMissing: allowMissing)
            if let trainLabels {
                let y = try loadLabels(trainLabels)
                guard y.count == loaded.x.rows else {
                    throw AnomalyError.shape("has \(y.count) labels but the training data has \(loaded.x.rows) rows", field: trainLabels)
                }
                loaded = Dataset(x: loaded.x, labels: y, featureNames: loaded.featureNames, schema: loaded.schema)
            }
            trainSet = loaded
            var testOpts = input
            testOpts.labelColumn = nil
            // The test rows go through the training rows' input step (a log's session vocabulary is the training one).
            let testSet = try trainSet.inputStep.map {
                try loadDataset(test, testOpts, through: $0, schema: trainSet.schema, encodedNames: trainSet.featureNames, allowMissing: allowMissing)
            } ?? loadDataset(test, testOpts, schema: trainSet.schema, allowMissing: allowMissing)
            testX = testSet.x
            if let testLabels {
                testY = try loadLabels(testLabels)
                guard testY.count == testX.rows else {
                    throw AnomalyError.shape("has \(testY.count) labels but the test data has \(testX.rows) rows", field: testLabels)
                }
            } else if let labels = testSet.labels {
                testY = labels
            } else {
                throw AnomalyError.parameter("--test-labels", "\(test) has no labels of its own (a folder of images is labelled when some of its images are under a 'good' folder): give --test-labels")
            }
        }
        let r = try Evaluation.run(detector, train: trainSet, test: testX, testLabels: testY,
                                   contamination: contamination, imputation: imputation, scaling: scaling,
                                   augmentation: try detectorOptions.augmentation.resolve(for: detector))
        if let scoresOut { try NumPy.write(r.testScores, to: scoresOut) }
        if let model { try input.keepingEncoder(r.model, fittedOn: trainSet).save(to: model) }
        if let report {
            try writeReport(HTMLReport.evaluation(r, data: reportData(scaling: scaling, imputation: imputation)), to: report)
        }
        if json {
            output(try jsonString(r.jsonObject))
        } else {
            output("\(r.detector) (\(r.parameters.summary)), contamination \(r.contamination)")
            output("train \(r.trainRows) rows, test \(r.testRows) rows, \(r.featureCount) features")
            let rep = r.report
            output(renderTable(["metric", "value"], [
                ["ROC-AUC", fmt(rep.rocAUC)], ["average precision", fmt(rep.averagePrecision)],
                ["precision", fmt(rep.precision)], ["recall", fmt(rep.recall)], ["F1", fmt(rep.f1)],
                ["accuracy", fmt(rep.accuracy)], ["best F1", fmt(rep.bestF1)], ["precision@n", fmt(rep.precisionAtN)],
                ["fit seconds", fmt(rep.fitSeconds, 3)], ["score seconds", fmt(rep.scoreSeconds, 3)],
                ["rows per second", fmt(rep.rowsPerSecond, 0)],
            ]))
        }
    }
}

extension EvaluateCommand {
    /// Where the report's rows came from: the files, the split and the preprocessing.
    func reportData(scaling: Preprocessor.Scaling, imputation: Preprocessor.Imputation) -> [HTMLReport.Setting] {
        var items: [HTMLReport.Setting]
        if let data {
            items = [.init("data", data), .init("split", "stratified by label, \(Int(((1 - testSize) * 100).rounded()))/\(Int((testSize * 100).rounded())) train/test, seed \(seed)")]
        } else {
            items = [.init("training data", train ?? ""), .init("test data", test ?? ""), .init("test labels", testLabels ?? "")]
            if let trainLabels { items.append(.init("training labels", trainLabels)) }
        }
        if let labelColumn = input.labelColumn { items.append(.init("label column", labelColumn)) }
        if !input.dropList.isEmpty { items.append(.init("dropped columns", input.dropList.joined(separator: ", "))) }
        items.append(.init("preprocessing", "scaling \(scaling.rawValue), imputation \(imputation.rawValue)"))
        return items
    }
}

extension EvaluationResult {
    /// The JSON keys of `evaluate --json` (stable: scripts depend on them).
    var jsonObject: [String: Any] {
        let r = report
        return ["detector": detector, "params": parameters.jsonObject, "contamination": contamination,
                "n_train": trainRows, "n_test": testRows, "n_features": featureCount,
                "roc_auc": r.rocAUC, "average_precision": r.averagePrecision, "precision": r.precision,
                "recall": r.recall, "f1": r.f1, "accuracy": r.accuracy, "best_f1": r.bestF1,
                "precision_at_n": r.precisionAtN, "fit_seconds": r.fitSeconds, "score_seconds": r.scoreSeconds,
                "rows_per_second": r.rowsPerSecond]
    }
}
