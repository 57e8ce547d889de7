import AnomalyImage
import AnomalyKit
import AnomalyText
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit score`: score new data with a saved model, optionally carrying identifier columns
/// (`--keep`) into the scores file.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score data with a saved model; write scores and labels (1 = anomaly).",
        discussion: """
        With --out FILE.csv: columns score,label,probability, one row per input row, in input order; \
        --keep id,ref puts those input columns (their text, quoted where needed) first, so each scored row carries \
        its identifier — any column of the file, including ones the model dropped or never saw.
        A log (--log FILE, or a .log file) scored by a model fitted on one: the scores file starts with the line number \
        (line), or for sessions with session,first_line,lines. Images (a folder, an IDX file, or a CSV of paths) scored by a \
        model fitted on images: it starts with each image's path (path), unless --keep names CSV columns.
        With --out FILE.npy: the scores (float64, 1-D) in FILE.npy and the labels (int64) in FILE.labels.npy.
        .npy and .npz inputs have no named columns: --keep is refused for them; their row i is the scores' row i.
        """)

    @Option(name: .long, help: "A model written by `anomalykit fit`.") var model: String
    @Option(name: .long, help: "Data to score: .csv, .npy or .npz, with the training data's columns, or a log (--log FILE).") var data: String?
    @Option(name: .long, help: "Output file: .csv or .npy; written atomically.") var out: String
    @Option(name: .long, help: "Probability method of the CSV output's probability column (default linear).") var probability: ProbabilityMethod?
    @Option(name: .long, help: ArgumentHelp("CSV input and output: copy these input columns (their text, e.g. an id the model never saw) into the scores file before score,label,probability.", valueName: "col,…"), transform: commaList)
    var keep: [String] = []
    @Option(name: .long, help: "A few normal rows of the task (span / metric models): the model is fitted on them first (rows labelled 1 are left out).")
    var support: String?
    @OptionGroup var input: InputOptions
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
        guard ext == "csv" || ext == "npy" else { throw ValidationError("--out: the output must end in .csv or .npy, got '\(out)'") }
        if probability != nil && ext == "npy" {
            throw ValidationError("--probability sets the CSV output's probability column; a .npy output holds scores and labels only (write .csv, or leave --probability out)")
        }
        if !keep.isEmpty && ext == "npy" {
            throw ValidationError("--keep copies input columns into a CSV scores file; --out \(out) is a .npy file (write .csv, or leave --keep out)")
        }
        let data = self.data ?? input.log ?? ""
        let dataExt = URL(fileURLWithPath: data).pathExtension.lowercased()
        if !keep.isEmpty && input.readsLog(data) {
            throw ValidationError("--keep names columns of a CSV file; \(data) is read as a log (its scores carry the line number)")
        }
        if !keep.isEmpty && (dataExt == "npy" || dataExt == "npz") {
            throw ValidationError("--keep names columns of a CSV file; \(data) is a .\(dataExt) file with no named columns (its rows are scored in file order)")
        }
        if Set(keep).count != keep.count { throw ValidationError("--keep names a column more than once: \(keep.joined(separator: ","))") }
        if let clash = keep.first(where: { ["score", "label", "probability"].contains($0) }) {
            throw ValidationError("--keep \(clash): the scores file already has a column '\(clash)'")
        }
    }

    func run() throws {
        let method = probability ?? .linear
        let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
        let data = try input.dataFile(self.data, option: "--data")
        let loadedModel = try loadScoringModel(model, support: support)
        var opts = input
        if opts.labelColumn == nil { opts.labelColumn = loadedModel.schema?.labelColumn }
        let (ds, m) = try loadDataset(data, opts, for: loadedModel, allowMissing: loadedModel.imputesMissingValues)
        var kept: [[String]]
        var keptHeader = keep
        let readsImages = loadedModel.splittingInputStep().step is ImageEncoderStep
        let keepsPaths = readsImages && (keep.isEmpty || keep == ["path"])
        if readsImages, !keepsPaths, ImageInput.isImageInput(data) {
            throw AnomalyError.parameter("keep", "\(data) is read as images with no columns: its scores start with each image's path (--keep path, or leave --keep out)")
        }
        do { kept = keep.isEmpty || keepsPaths ? [] : try CSVReader.columnTexts(keep, path: data, delimiter: opts.delimiterCharacter) } catch var e as AnomalyError {
            if e.line == 1, e.field != nil { e.message = "--keep names " + e.message }
            throw e
        }
        // A log's rows start with their line numbers (or sessions), images with their paths
        // (unless --keep names a CSV's columns), as the reader named them.
        if let ids = ds.rowIdentities, !readsImages || keepsPaths {
            (keptHeader, kept) = (ids.header, ids.rows)
        }
        guard kept.isEmpty || kept.count == ds.rowCount else {
            throw AnomalyError.data("has \(kept.count) rows of kept columns but \(ds.rowCount) rows of features", file: data)
        }
        let scores: [Double]
        do { scores = try m.scores(ds.x) } catch let e as AnomalyError { throw e.inFile(data) }
        let labels = m.labels(forScores: scores)
        if ext == "csv" {
            let probs = m.probabilities(forScores: scores, method: method)
            let prefix = keptHeader.isEmpty ? "" : keptHeader.map(csvField).joined(separator: ",") + ","
            var text = prefix + "score,label,probability\n"
            text.reserveCapacity(scores.count * (32 + prefix.count))
            for i in 0..<scores.count {
                if !kept.isEmpty { text += kept[i].map(csvField).joined(separator: ",") + "," }
                text += "\(scores[i]),\(labels[i]),\(probs[i])\n"
            }
            try writeAtomically(Data(text.utf8), to: out)
        } else {
            let labelsPath = String(out.dropLast(4)) + ".labels.npy"
            try NumPy.write(scores, to: out)
            try NumPy.write(labels: labels, to: labelsPath)
        }
        let flagged = labels.reduce(0, +)
        if json {
            output(try jsonString(["detector": m.detectorName, "n_rows": scores.count, "n_flagged": flagged,
                                  "threshold": m.threshold.value, "out": out, "kept": keep]))
        } else {
            output("scored \(scores.count) rows with \(m.detectorName): \(flagged) above the threshold \(fmt(m.threshold.value, 6)); written to \(out)")
        }
    }
}

extension ScoreCommand {
    /// The model at `path`, ready to score: a few-shot model waiting for support rows is fitted
    /// on `support` first (which it needs), and a fitted one refitted when `support` is given.
    func loadScoringModel(_ path: String, support: String?) throws -> AnomalyModel {
        // A model reading text keeps its encoder in front; support rows go through it too.
        let (step, loaded) = try ModelFile.load(from: path, steps: .anomalyKitCLI).splittingInputStep()
        let inner: AnomalyModel
        switch loaded {
        case .ready(let m):
            inner = try support.map { try m.refitted(onSupport: try loadSupport($0, schema: m.schema, through: step, names: m.featureNames)) } ?? m
        case .pending(let p):
            guard p.awaiting == .supportRows, let support else {
                // A missing --support is a usage error; a model that needs fine-tuning is the file's.
                throw AnomalyError(p.awaiting == .supportRows ? .parameter : .model, p.reason, file: path, field: "awaiting", hint: p.hint)
            }
            inner = try p.fitted(onSupport: try loadSupport(support, schema: p.schema, through: step, names: p.featureNames))
        }
        return step.map { inner.prepending(inputStep: $0, inputNames: Array(inner.featureNames.prefix($0.inputCount))) } ?? inner
    }

    /// The normal rows of a support file (labelled anomalies dropped), through the model's input
    /// step when it has one.
    func loadSupport(_ path: String, schema: TableSchema?, through step: (any InputStep)?, names: [String]) throws -> Matrix {
        let ds = try step.map { try loadDataset(path, input, through: $0, schema: schema, encodedNames: names, allowMissing: false) }
            ?? loadDataset(path, input, schema: schema, allowMissing: false)
        try ds.x.requireFinite(path)
        guard let labels = ds.labels else { return ds.x }
        return ds.x.rows(at: labels.indices.filter { labels[$0] == 0 })
    }
}

/// A CSV field: as it is, or in double quotes (inner quotes doubled) when it holds a comma, a
/// quote, a line break or leading/trailing space (RFC 4180).
func csvField(_ text: String) -> String {
    let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        || text.unicodeScalars.first.map { $0 == " " || $0 == "\t" } == true
        || text.unicodeScalars.last.map { $0 == " " || $0 == "\t" } == true
    return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
