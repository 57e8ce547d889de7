import AnomalyKit
import AnomalyText
import Foundation

/// Reading logs (`--log FILE` or a `.log` file): a row per line, or per session with
/// `--session-regex`, through a `LogEncoderStep`.
extension InputOptions {
    /// The format of `--label-regex`, grouping sessions by `sessionPattern`.
    func logFormat(sessionPattern: String?) throws -> LogFormat {
        try LogFormat(labelPattern: labelRegex, sessionPattern: sessionPattern)
    }

    /// Refuses the log options for a file that is not read as a log.
    func requireNoLogOptions() throws {
        for (name, value) in [("session-regex", sessionRegex), ("label-regex", labelRegex)] where value != nil {
            throw AnomalyError.parameter(name, "--\(name) reads log lines: give the log with --log FILE (or as a .log file)")
        }
    }

    /// Refuses the table options for a log (it has lines, not columns).
    func requireNoTableOptions(_ path: String) throws {
        let given: [(String, Bool)] = [("text-column", textColumn != nil), ("label-column", labelColumn != nil),
                                       ("drop", !drop.isEmpty), ("categorical", !categorical.isEmpty), ("delimiter", delimiter != nil)]
        if let (name, _) = given.first(where: \.1) {
            let hint = name == "label-column" ? " (labels come from --label-regex)" : ""
            throw AnomalyError.parameter(name, "\(path) is read as a log, one record per line, with no columns: leave --\(name) out\(hint)")
        }
    }
}

/// A log read for fitting: a row per line, or per session with `--session-regex` (the session
/// step's template vocabulary fitted on this log's sessions); labels from `--label-regex`.
func loadLog(_ path: String, _ input: InputOptions) throws -> Dataset {
    try loadLogEncoded(path, input).data
}

/// `loadLog`, with what encoding took.
func loadLogEncoded(_ path: String, _ input: InputOptions) throws -> (data: Dataset, encoding: LogEncoderStep.Encoding) {
    try input.requireNoTableOptions(path)
    let format = try input.logFormat(sessionPattern: input.sessionRegex)
    let lines = try LogReader.read(path: path, format: format)
    let encoder = try SentenceEncoder.shared(try EncoderDirectory(input.encoder ?? "minilm"))
    guard let pattern = input.sessionRegex else {
        return try encodeLog(lines.texts, labels: lines.labels, step: LogEncoderStep(encoder: encoder, labelPattern: input.labelRegex), file: path)
    }
    let sessions = try requireSessions(lines.sessions(), pattern: pattern, file: path)
    let step = LogEncoderStep(encoder: encoder, fittingSessions: sessions.texts, sessionPattern: pattern, labelPattern: input.labelRegex)
    return try encodeLog(sessions.texts, labels: sessions.labels, step: step, file: path)
}

/// A log read through a model's log step (`--encoder DIR` relocating its encoder): sessions
/// grouped by the model's own pattern; the label field (`--label-regex`, by default the one the
/// model was fitted with) removed from the lines and giving labels.
func loadLog(_ path: String, _ input: InputOptions, through modelStep: LogEncoderStep, names: [String]) throws -> Dataset {
    try input.requireNoTableOptions(path)
    var step = modelStep
    if let encoder = input.encoder { step = try step.locating(encoderAt: try EncoderDirectory(encoder)) }
    if let given = input.sessionRegex, given != step.sessionPattern {
        throw AnomalyError.parameter("session-regex", step.sessionPattern.map { "the model groups sessions by '\($0)': leave --session-regex out" }
            ?? "the model scores single log lines, not sessions: leave --session-regex out")
    }
    let format = try LogFormat(labelPattern: input.labelRegex ?? step.labelPattern, sessionPattern: step.sessionPattern)
    let lines = try LogReader.read(path: path, format: format)
    var data: Dataset
    if let pattern = step.sessionPattern {
        let s = try requireSessions(lines.sessions(), pattern: pattern, file: path)
        data = try encodeLog(s.texts, labels: s.labels, step: step, file: path).data
        data.rowIdentities = RowIdentities(header: ["session", "first_line", "lines"],
                                           rows: s.keys.indices.map { [s.keys[$0], String(s.firstLines[$0]), String(s.lines[$0].count)] })
    } else {
        data = try encodeLog(lines.texts, labels: lines.labels, step: step, file: path).data
        data.rowIdentities = RowIdentities(header: ["line"], rows: lines.lineNumbers.map { [String($0)] })
    }
    data.featureNames = names
    return data
}

/// The sessions, with a note on lines in none. - Throws: a data error when the pattern matched no line.
private func requireSessions(_ sessions: LogSessions, pattern: String, file: String) throws -> LogSessions {
    guard !sessions.keys.isEmpty else {
        throw AnomalyError.data("the session pattern '\(pattern)' captures a key on no line: no session to read", file: file, field: "session-regex")
    }
    if sessions.unkeyedLines > 0 {
        Console.current.write("note: \(file): \(sessions.unkeyedLines) lines have no session key ('\(pattern)' does not match them) and are left out\n", to: .error)
    }
    return sessions
}

/// The rows (one text per line or session) through `step`, with a progress line on a terminal and
/// a note of the templates and their cache hit rate.
private func encodeLog(_ texts: [String], labels: [Int]?, step: LogEncoderStep, file: String) throws
    -> (data: Dataset, encoding: LogEncoderStep.Encoding) {
    let bar = stderrIsTerminal ? ProgressBar() : nil
    defer { bar?.draw("encode", done: 0, total: 0, finished: true) }
    let rows = PipelineRows(x: Matrix(rows: texts.count, cols: 0), texts: [step.text.column: texts])
    let (encoded, encoding): (PipelineRows, LogEncoderStep.Encoding)
    do {
        (encoded, encoding) = try step.transform(rows: rows) { done, total in bar?.draw("encode", done: done, total: total) }
    } catch let e as AnomalyError {
        throw e.inFile(file)
    }
    let sessions = step.isSessions ? "\(texts.count) sessions, " : ""
    Console.current.write("note: \(file): \(sessions)\(encoding.lines) lines, \(encoding.distinctTemplates) distinct templates embedded (cache hit rate \(fmt(100 * encoding.cacheHitRate, 1)) %)\n", to: .error)
    if encoding.truncated > 0 {
        Console.current.write("note: \(file): \(encoding.truncated) lines were longer than the encoder's \(step.text.maxLengthDescription) and were truncated\n", to: .error)
    }
    var data = Dataset(x: encoded.x, labels: labels, featureNames: step.featureNames)
    data.inputStep = step
    return (data, encoding)
}
