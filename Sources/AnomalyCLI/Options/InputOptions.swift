import AnomalyImage
import AnomalyKit
import AnomalyMeta
import AnomalyText
import AnomalyTransfer
import ArgumentParser
import Foundation

/// Options for reading tabular input files.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "CSV: the name of the label column (1 = anomaly, 0 = normal); excluded from the features.")
    var labelColumn: String?

    @Option(name: .long, help: ArgumentHelp("CSV: comma-separated column names to ignore.", valueName: "col,…"), transform: commaList)
    var drop: [String] = []

    @Option(name: .long, help: ArgumentHelp("CSV: comma-separated columns to one-hot encode by their text even where it is a number (saved in the model, so scoring encodes them alike).", valueName: "col,…"), transform: commaList)
    var categorical: [String] = []

    @Option(name: .long, help: "CSV delimiter (default: detected from the header); also the character itself.")
    var delimiter: DelimiterChoice?

    @Option(name: .long, help: "Raw text: a sentence encoder (minilm, installed by scripts/fetch-models, or a directory in the Hugging Face layout) turns the text column into its embedding, beside any other columns; saved models keep the encoder's name and weights' sha256.")
    var encoder: String?

    @Option(name: .customLong("text-column"), help: "With --encoder, CSV: the column holding the text (a .txt or .log file is one text per line).")
    var textColumn: String?

    @Option(name: .customLong("image-column"), help: "Images, CSV: the column holding each image's path (relative to the CSV's folder); read through --encoder (default efficientnet-lite0). A folder of PNG/JPEG files (labels from sub-folders: good = normal, others = anomaly) or an IDX file needs no column.")
    var imageColumn: String?

    @Flag(help: "Images, folder: refuse a file that is not a PNG or JPEG instead of skipping it (and counting it).")
    var strict = false

    @Option(name: .long, help: ArgumentHelp("A log to read (for --data / --train): one record per line. Variable parts (numbers, hex, IPs, UUIDs, paths, times) are masked into templates and each distinct template is embedded once (--encoder, default minilm). Any .log file is read so.", valueName: "FILE"))
    var log: String?

    @Option(name: .customLong("session-regex"), help: ArgumentHelp("Logs: group lines into sessions by this expression's one capture (e.g. '(blk_-?\\d+)'); a row is then a session: its lines' mean embedding and template counts.", valueName: "REGEX"))
    var sessionRegex: String?

    @Option(name: .customLong("label-regex"), help: ArgumentHelp("Logs: labels from this expression's one capture, removed from the text: a line is anomalous when it captures anything but '-' or nothing (BGL: '^(\\S+) ').", valueName: "REGEX"))
    var labelRegex: String?

    var dropList: [String] { drop }

    /// The data file of a command whose own option (`option`, e.g. `--train`) may be left out for
    /// `--log FILE`. - Throws: a parameter error when neither or two different files are given.
    func dataFile(_ given: String?, option: String) throws -> String {
        switch (given, log) {
        case (let g?, let l?) where g != l:
            throw AnomalyError.parameter(option, "give the data once: \(option) \(g) or --log \(l), not both")
        case (let g?, _): return g
        case (nil, let l?): return l
        case (nil, nil): throw AnomalyError.parameter(option, "give the data: \(option) FILE (or --log FILE for a log)")
        }
    }

    /// Whether `path` is read as a log: given with `--log`, or a `.log` file.
    func readsLog(_ path: String) -> Bool {
        path == log || URL(fileURLWithPath: path).pathExtension.lowercased() == "log"
    }

    /// The raw text column `--encoder` reads in `path`: `--text-column`, or the one column of a
    /// plain-text file. - Throws: a parameter error when a CSV file has no `--text-column`.
    func rawTextColumn(for path: String) throws -> String {
        if let textColumn { return textColumn }
        if TextReader.isPlainText(path) { return "text" }
        throw AnomalyError.parameter("text-column", "--encoder reads a text column: name it with --text-column (\(path) is a table)")
    }

    /// The delimiter option as a character, nil to detect it.
    var delimiterCharacter: Character? { delimiter?.character }
}

/// Reads a data file with the CLI's input options (see `DataLoader.load`).
/// With `--encoder`, the text column becomes the encoder's embedding, after the other columns'
/// features (named `column[i]`), so every command works on it as on numbers; `keepingEncoder`
/// puts the encoder in front of a model fitted on such rows.
func loadDataset(_ path: String, _ input: InputOptions, schema: TableSchema? = nil, allowMissing: Bool) throws -> Dataset {
    if let imageEncoder = input.imageEncoder(for: path) { return try loadImages(path, input, encoder: imageEncoder) }
    if input.readsLog(path) { return try loadLog(path, input) }
    try input.requireNoLogOptions()
    guard let encoder = input.encoder else {
        if input.textColumn != nil {
            throw AnomalyError.parameter("text-column", "--text-column names the text an encoder reads: give --encoder too")
        }
        return try DataLoader.load(path: path, labelColumn: input.labelColumn, drop: input.drop, delimiter: input.delimiterCharacter,
                                   schema: schema, allowMissing: allowMissing, categorical: input.categorical)
    }
    if ImageInput.isImageInput(path) {
        throw AnomalyError.parameter("encoder", "\(path) holds images, and \(encoder) is a text encoder: read it with --encoder \(ImageInput.defaultEncoder) (or leave --encoder out)")
    }
    let column = try input.rawTextColumn(for: path)
    let raw = try DataLoader.load(path: path, labelColumn: input.labelColumn, drop: input.drop, delimiter: input.delimiterCharacter,
                                  schema: schema, allowMissing: allowMissing, categorical: input.categorical, rawColumns: [column])
    let step = TextEncoderStep(column: column, encoder: try SentenceEncoder.shared(try EncoderDirectory(encoder)),
                               numericInputs: raw.featureCount)
    let encoded = try encodeWithProgress(raw, step: step, file: path)
    var data = Dataset(x: encoded.x, labels: raw.labels,
                       featureNames: raw.featureNames + (0..<step.dimension).map { "\(column)[\($0)]" }, schema: raw.schema)
    data.inputStep = step
    return data
}

/// The rows through the encoder step, with a progress line on a terminal.
func encodeWithProgress(_ raw: Dataset, step: TextEncoderStep, file: String) throws -> PipelineRows {
    let bar = stderrIsTerminal ? ProgressBar() : nil
    defer { bar?.draw("encode", done: 0, total: 0, finished: true) }
    do {
        let (rows, embedding) = try step.transform(rows: raw.pipelineRows) { done, total in
            bar?.draw("encode", done: done, total: total)
        }
        if embedding.truncated > 0 {
            Console.current.write("note: \(file): \(embedding.truncated) of \(raw.rowCount) texts were longer than the encoder's \(step.maxLengthDescription) and were truncated\n", to: .error)
        }
        return rows
    } catch let e as AnomalyError {
        throw e.inFile(file)
    }
}

extension InputOptions {
    /// The encoder step `loadDataset` put in front of rows of `path` with `featureNames` (the
    /// numeric inputs, then `column[i]`), and the numeric inputs' names; nil without `--encoder`
    /// (or a log). For commands that pool several files (pretrain, meta-train).
    func encoderStep(featureNames: [String], readFrom path: String) throws -> (step: any InputStep, inputNames: [String])? {
        if let imageEncoder = imageEncoder(for: path) {
            return (ImageEncoderStep(encoder: try ImageEncoder.shared(imageEncoder)), [])
        }
        if readsLog(path) {
            // Sessions never get here: `loadDomains` refuses --session-regex for pooled files.
            return (LogEncoderStep(encoder: try SentenceEncoder.shared(try EncoderDirectory(encoder ?? "minilm")), labelPattern: labelRegex), [])
        }
        guard let encoder else { return nil }
        let sentenceEncoder = try SentenceEncoder.shared(try EncoderDirectory(encoder))
        let numeric = featureNames.count - sentenceEncoder.dimension
        guard numeric >= 0, let column = featureNames.last.flatMap(Self.encodedColumn) else {
            throw AnomalyError.shape("the rows do not end in the encoder's \(sentenceEncoder.dimension) columns", field: "encoder")
        }
        return (TextEncoderStep(column: column, encoder: sentenceEncoder, numericInputs: numeric), Array(featureNames.prefix(numeric)))
    }

    /// `model` (fitted on rows `loadDataset` encoded from `path`, named `featureNames`) with the
    /// encoder in front, reading raw rows: the numeric columns beside the text column. The model
    /// itself without `--encoder`.
    func keepingEncoder(_ model: AnomalyModel, featureNames: [String], readFrom path: String) throws -> AnomalyModel {
        guard let (step, names) = try encoderStep(featureNames: featureNames, readFrom: path) else { return model }
        return model.prepending(inputStep: step, inputNames: names)
    }

    /// `model` (fitted on `data`) with the input step that made `data`'s features in front.
    func keepingEncoder(_ model: AnomalyModel, fittedOn data: Dataset) throws -> AnomalyModel {
        guard let step = data.inputStep else { return model }
        return model.prepending(inputStep: step, inputNames: Array(data.featureNames.prefix(step.inputCount)))
    }

    /// A pending model with the encoder in front (see `keepingEncoder(_:featureNames:readFrom:)`).
    func keepingEncoder(_ model: PendingModel, featureNames: [String], readFrom path: String) throws -> PendingModel {
        guard let (step, names) = try encoderStep(featureNames: featureNames, readFrom: path) else { return model }
        return model.prepending(inputStep: step, inputNames: names)
    }

    /// `text` from a feature name `text[383]`.
    private static func encodedColumn(_ name: String) -> String? {
        guard name.hasSuffix("]"), let open = name.lastIndex(of: "[") else { return nil }
        return String(name[..<open])
    }
}

extension LoadedModel {
    /// The model without its input step, and that step (nil when it has none).
    func splittingInputStep() -> (step: (any InputStep)?, model: LoadedModel) {
        switch self {
        case .ready(let m):
            let (step, inner) = m.splittingInputStep()
            return (step, .ready(inner))
        case .pending(let m):
            let (step, inner) = m.splittingInputStep()
            return (step, .pending(inner))
        }
    }

    var featureNames: [String] {
        switch self {
        case .ready(let m): return m.featureNames
        case .pending(let m): return m.featureNames
        }
    }
}

/// Reads a labels file (1-D .npy of 0/1).
func loadLabels(_ path: String) throws -> [Int] { try DataLoader.loadLabels(path: path) }

/// Loads labelled domains for transfer: features must agree across files.
func loadDomains(_ paths: [String], _ input: InputOptions) throws -> [(path: String, data: DomainData, names: [String])] {
    if input.sessionRegex != nil {
        // Each log would fit its own template vocabulary: the domains' columns would not agree.
        throw AnomalyError.parameter("session-regex", "sessions are read by fit, evaluate, auto and score; these domains are read as log lines (leave --session-regex out)")
    }
    return try paths.map { path in
        let ds = try loadDataset(path, input, allowMissing: false)
        try ds.x.requireFinite(path)
        return (path, DomainData(x: ds.x, labels: ds.labels), ds.featureNames)
    }
}

/// The rows of `path` as `model` reads them, and the model that scores them: for a model with
/// an encoder in front, the file's text column is encoded by that encoder (found by its saved
/// name, or at `--encoder DIR` when given, and checked against the weights' sha256) and the
/// model without its encoder is returned; other models read the file as `loadDataset` does.
/// - Throws: `.parameter` when `--encoder` is given for a model fitted on numbers; the
///   encoder step's errors (missing encoder, other weights) with the file named.
func loadDataset(_ path: String, _ input: InputOptions, for model: AnomalyModel, allowMissing: Bool) throws -> (data: Dataset, model: AnomalyModel) {
    let (inputStep, inner) = model.splittingInputStep()
    guard let inputStep else {
        if input.readsLog(path) {
            throw AnomalyError.parameter("log", "the model was fitted on numeric columns, not on a log: \(path) is read as a log")
        }
        if input.encoder != nil {
            throw AnomalyError.parameter("encoder", "the model was fitted on numeric columns, without a text encoder: leave --encoder out")
        }
        if input.imageEncoder(for: path) != nil {
            throw AnomalyError.parameter("data", "the model was fitted on numeric columns, not on images: \(path) is read as images")
        }
        return (try loadDataset(path, input, schema: model.schema, allowMissing: allowMissing), model)
    }
    let data = try loadDataset(path, input, through: inputStep, schema: model.schema, encodedNames: inner.featureNames,
                               allowMissing: allowMissing)
    return (data, inner)
}

/// The rows of `path` through a model's input step (`--encoder DIR` relocating its encoder,
/// `--text-column` naming another column for its text), named `encodedNames`.
func loadDataset(_ path: String, _ input: InputOptions, through inputStep: any InputStep, schema: TableSchema?,
                 encodedNames: [String], allowMissing: Bool) throws -> Dataset {
    if let logStep = inputStep as? LogEncoderStep {
        return try loadLog(path, input, through: logStep, names: encodedNames)
    }
    if let imageStep = inputStep as? ImageEncoderStep {
        return try loadImages(path, input, through: imageStep, names: encodedNames)
    }
    try input.requireNoLogOptions()
    guard var step = inputStep as? TextEncoderStep else {
        throw AnomalyError.model("the model's input step '\(inputStep.kind)' is not one this command reads", field: "steps")
    }
    if let encoder = input.encoder { step = try step.locating(encoderAt: try EncoderDirectory(encoder)) }
    let column = input.textColumn ?? step.column
    let raw = try DataLoader.load(path: path, labelColumn: input.labelColumn, drop: input.drop, delimiter: input.delimiterCharacter,
                                  schema: schema, allowMissing: allowMissing, categorical: input.categorical,
                                  rawColumns: [column])
    var renamed = raw
    if column != step.column { renamed.texts = [step.column: raw.texts[column] ?? []] }
    let rows = try encodeWithProgress(renamed, step: step, file: path)
    return Dataset(x: rows.x, labels: raw.labels, featureNames: encodedNames, schema: raw.schema)
}

extension StepRegistry {
    /// The steps a model file may hold for the command line: AnomalyKit's, and the text, log and image encoders.
    static let anomalyKitCLI = StepRegistry.standard.adding([TextEncoderStep.self, LogEncoderStep.self, ImageEncoderStep.self])
}
