import AnomalyKit
import AnomalyMath
import Foundation

/// The pipeline step that turns log records into features: each line's variable parts are masked
/// into its template (`LogTemplate`), and each distinct template is embedded once by a sentence
/// encoder (logs repeat, so most lines reuse an embedding).
///
/// - Lines (the default): a row is a line; its features are its template's embedding.
/// - Sessions (`sessionTemplates` set): a row is a session, its lines joined by line feeds; its
///   features are the mean of its lines' embeddings, then how many of its lines have each
///   template of the vocabulary fitted on the training sessions (the most frequent first, at most
///   `maxSessionTemplates`), then how many have any other template.
///
/// Like `TextEncoderStep` (which it holds, to find and check its encoder), it stores the encoder's
/// name and weights' SHA-256, never the weights; the session vocabulary and the patterns the log
/// was read with (label field, session key) are saved with it, so scoring reads, groups and counts
/// alike.
public struct LogEncoderStep: InputStep {
    public static let kind = "log_encoder"
    /// The most templates a session vocabulary keeps.
    public static let maxSessionTemplates = 200

    /// The encoder (its column is the rows' text column, with no numeric columns beside it).
    public let text: TextEncoderStep
    /// Session mode: the templates counted per session, in feature order; nil for lines.
    public let sessionTemplates: [String]?
    /// The session key pattern the rows were grouped by (for readers; the step reads rows).
    public let sessionPattern: String?
    /// The label field pattern removed from the lines it was fitted on (for readers: a scored log
    /// in the same format has its label field removed alike).
    public let labelPattern: String?

    public var rawColumns: [String] { text.rawColumns }
    public var inputCount: Int { 0 }
    public var outputCount: Int { text.dimension + (sessionTemplates.map { $0.count + 1 } ?? 0) }
    public var isSessions: Bool { sessionTemplates != nil }

    /// The output columns' names: `text[i]` for the embedding, then (sessions) `template[j]` and
    /// `other_templates`.
    public var featureNames: [String] {
        (0..<text.dimension).map { "\(text.column)[\($0)]" }
            + (sessionTemplates.map { t in t.indices.map { "template[\($0)]" } + ["other_templates"] } ?? [])
    }

    /// A step embedding single lines of `column`, read with `labelPattern`.
    public init(column: String = "text", encoder: SentenceEncoder, labelPattern: String? = nil) {
        text = TextEncoderStep(column: column, encoder: encoder, numericInputs: 0)
        sessionTemplates = nil
        sessionPattern = nil
        self.labelPattern = labelPattern
    }

    /// A session step whose template vocabulary is fitted on `sessions` (each the lines of one
    /// training session joined by line feeds): the templates by count, most frequent first (ties
    /// in order of first appearance), at most `maxSessionTemplates`.
    public init(column: String = "text", encoder: SentenceEncoder, fittingSessions sessions: [String], sessionPattern: String,
                labelPattern: String? = nil) {
        text = TextEncoderStep(column: column, encoder: encoder, numericInputs: 0)
        let templates = LogTemplate().templates(of: sessions.flatMap { Self.lines(of: $0) })
        var count: [String: Int] = [:], order: [String] = []
        for t in templates {
            if count[t] == nil { order.append(t) }
            count[t, default: 0] += 1
        }
        let ranked = order.enumerated().sorted { a, b in
            let (ca, cb) = (count[a.element]!, count[b.element]!)
            return ca != cb ? ca > cb : a.offset < b.offset
        }
        sessionTemplates = ranked.prefix(Self.maxSessionTemplates).map(\.element)
        self.sessionPattern = sessionPattern
        self.labelPattern = labelPattern
    }

    private init(text: TextEncoderStep, sessionTemplates: [String]?, sessionPattern: String?, labelPattern: String?) {
        self.text = text
        self.sessionTemplates = sessionTemplates
        self.sessionPattern = sessionPattern
        self.labelPattern = labelPattern
    }

    /// The same step reading its encoder from `directory` (same weights required).
    public func locating(encoderAt directory: EncoderDirectory) throws -> LogEncoderStep {
        LogEncoderStep(text: try text.locating(encoderAt: directory), sessionTemplates: sessionTemplates, sessionPattern: sessionPattern,
                       labelPattern: labelPattern)
    }

    /// What encoding some rows took.
    public struct Encoding: Sendable {
        /// Log lines read (in sessions mode, over all sessions).
        public var lines: Int
        /// Distinct templates among them, each embedded once.
        public var distinctTemplates: Int
        /// Templates longer than the encoder's maximum length (truncated), counted per line.
        public var truncated: Int
        /// Tokens and multiply-adds of the distinct templates' forward passes.
        public var tokens: Int
        public var multiplyAdds: Int
        /// The share of lines whose embedding was reused from an identical template.
        public var cacheHitRate: Double { lines == 0 ? 0 : 1 - Double(distinctTemplates) / Double(lines) }
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        throw AnomalyError.shape("this model reads log lines through its encoder: give it a log", field: text.column)
    }

    public func transform(rows: PipelineRows) throws -> PipelineRows {
        try transform(rows: rows, progress: nil).rows
    }

    /// `transform(rows:)` reporting the batches embedded to `progress`, with the encoding's counts.
    /// - Complexity: O(characters) for the templates, plus one forward pass per distinct template.
    public func transform(rows: PipelineRows, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?) throws
        -> (rows: PipelineRows, encoding: Encoding) {
        guard rows.x.cols == 0 else {
            throw AnomalyError.shape("the log_encoder step reads only the log's text, the data has \(rows.x.cols) numeric columns")
        }
        let records = try rows.textColumn(text.column)
        var rest = rows.texts
        rest[text.column] = nil
        let encoder = try text.loadedEncoder()
        guard let vocabulary = sessionTemplates else {
            let templates = LogTemplate().templates(of: records)
            let embedding = try encoder.embed(templates, progress: progress)
            return (PipelineRows(x: embedding.matrix, texts: rest),
                    Encoding(lines: records.count, distinctTemplates: embedding.distinctTexts, truncated: embedding.truncated,
                             tokens: embedding.tokens, multiplyAdds: embedding.multiplyAdds))
        }
        // Sessions: every line of every session, templated; each distinct template embedded once.
        let sessionLines = records.map(Self.lines(of:))
        let templates = LogTemplate().templates(of: sessionLines.flatMap { $0 })
        var slot: [String: Int] = [:], distinct: [String] = []
        let indices = templates.map { t -> Int in
            if let k = slot[t] { return k }
            slot[t] = distinct.count
            distinct.append(t)
            return distinct.count - 1
        }
        let embedding = try encoder.embed(distinct, progress: progress)
        let counted = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($0.element, $0.offset) })
        let dim = text.dimension, width = outputCount
        var out = [Float](repeating: 0, count: records.count * width)
        var line = 0
        embedding.matrix.values.withUnsafeBufferPointer { e in
            for (s, lines) in sessionLines.enumerated() {
                let row = s * width
                for _ in lines {
                    let k = indices[line]
                    for j in 0..<dim { out[row + j] += e[k * dim + j] }
                    out[row + dim + (counted[distinct[k]] ?? vocabulary.count)] += 1
                    line += 1
                }
                let n = Float(max(1, lines.count))
                for j in 0..<dim { out[row + j] /= n }
            }
        }
        let truncated = indices.reduce(0) { $0 + (embedding.truncatedDistinct[$1] ? 1 : 0) }
        return (PipelineRows(x: Matrix(rows: records.count, cols: width, values: out), texts: rest),
                Encoding(lines: templates.count, distinctTemplates: distinct.count, truncated: truncated,
                         tokens: embedding.tokens, multiplyAdds: embedding.multiplyAdds))
    }

    /// The lines of a session's text.
    static func lines(of session: String) -> [String] {
        session.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    public func save(to state: inout StepState) {
        text.save(to: &state)
        if let labelPattern { state.settings["label_regex"] = .string(labelPattern) }
        if let sessionTemplates {
            // Templates are single lines: one setting, a line per template.
            state.settings["session_templates"] = .string(sessionTemplates.joined(separator: "\n"))
            state.settings["session_template_count"] = .int(sessionTemplates.count)
            state.settings["session_regex"] = .string(sessionPattern ?? "")
        }
    }

    public init(restoring state: StepState) throws {
        text = try TextEncoderStep(restoring: state)
        guard text.numericInputs == 0 else {
            throw AnomalyError.model("the log_encoder step reads no numeric columns (numeric_inputs \(text.numericInputs))", field: "numeric_inputs")
        }
        if state.settings["label_regex"] != nil {
            let pattern = try state.string("label_regex")
            _ = try LogFormat(labelPattern: pattern)
            labelPattern = pattern
        } else {
            labelPattern = nil
        }
        guard state.settings["session_templates"] != nil else {
            sessionTemplates = nil
            sessionPattern = nil
            return
        }
        let joined = try state.string("session_templates")
        let templates = joined.isEmpty ? [] : Self.lines(of: joined)
        guard templates.count == (try state.int("session_template_count")), templates.count <= Self.maxSessionTemplates,
              Set(templates).count == templates.count else {
            throw AnomalyError.model("the log_encoder step's session templates are inconsistent (count, or a repeated template)", field: "session_templates")
        }
        let pattern = try state.string("session_regex")
        _ = try LogFormat(sessionPattern: pattern)
        sessionTemplates = templates
        sessionPattern = pattern
    }
}

extension LogTemplate {
    /// The templates of `lines`, in order, over both cores. - Complexity: O(characters).
    public func templates(of lines: [String]) -> [String] {
        parallelMap(lines.count, minimumChunk: 256) { template(of: lines[$0]) }
    }
}
