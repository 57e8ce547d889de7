import AnomalyImage
import AnomalyKit
import AnomalyText
import ArgumentParser
import Foundation

/// `anomalykit embed`: sentence embeddings of a file's texts, computed natively by a BERT-family
/// encoder, written as a float32 `.npy` (one row per text, in file order).
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with a sentence encoder (e.g. all-MiniLM-L6-v2) into a .npy matrix.",
        discussion: """
        FILE is a CSV with a text column (--text-column), a .txt or .log file with one text per line, or a .jsonl file \
        with one JSON string per line. Texts longer than the encoder's maximum sequence length are truncated (and \
        counted); an empty text is embedded like any other. Install the default encoder with scripts/fetch-models minilm.
        A log (--log FILE, or a .log file) is embedded by template: each line's variable parts are masked and each \
        distinct template embedded once (one row per line); with --session-regex one row per session (its lines' mean \
        embedding, then its template counts). --label-regex removes a label field from the lines.
        """)

    @Option(name: .long, help: "The encoder: a name in the model cache (minilm) or a directory in the Hugging Face layout.")
    var encoder: String
    @Option(name: .long, help: "The texts: FILE.csv (with --text-column), FILE.txt (one per line) or FILE.jsonl.")
    var data: String?
    @Option(name: .long, help: "A log: one record per line, embedded by template (a .log --data is read so too).") var log: String?
    @Option(name: .customLong("session-regex"), help: "Logs: group lines into sessions by this expression's one capture; one row per session.")
    var sessionRegex: String?
    @Option(name: .customLong("label-regex"), help: "Logs: a label field (this expression's one capture) removed from each line.")
    var labelRegex: String?
    @Option(name: .customLong("text-column"), help: "CSV: the column holding the text.") var textColumn: String?
    @Option(name: .long, help: "Output: FILE.npy (float32, texts × dimensions); written atomically.") var out: String
    @Option(name: .customLong("batch-size"), help: "Texts per forward pass (default 32).") var batchSize: Int = 32
    @Flag(help: "Print a JSON summary (texts, tokens, seconds, sentences per second).") var json = false
    @Option(name: .customLong("image-column"), help: "Images, CSV: the column holding each image's path (relative to the CSV's folder).")
    var imageColumn: String?
    @Flag(help: "Images, folder: refuse a file that is not a PNG or JPEG instead of skipping it (and counting it).")
    var strict = false
    @Flag(help: "Images: also give each image's top-1 ImageNet class (its index 0…999) in the --json summary (top1).")
    var classify = false

    func validate() throws {
        guard URL(fileURLWithPath: out).pathExtension.lowercased() == "npy" else {
            throw ValidationError("--out: the embeddings are written as .npy, got '\(out)'")
        }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be in 1…4096, got \(batchSize)") }
        if ImageEncoder.recognizes(encoder) { return try validateImages() }
        for (name, given) in [("--image-column", imageColumn != nil), ("--strict", strict), ("--classify", classify)] where given {
            throw ValidationError("\(name) reads images: \(encoder) is a text encoder")
        }
        let input = try logInput
        let data = try input.dataFile(self.data, option: "--data")
        if input.readsLog(data) {
            if textColumn != nil { throw ValidationError("--text-column names a CSV column; \(data) is read as a log, one record per line") }
            return
        }
        try input.requireNoLogOptions()
        let plain = TextReader.isPlainText(data) || TextReader.isJSONLines(data)
        if plain && textColumn != nil {
            throw ValidationError("--text-column names a CSV column; \(data) holds one text per line (leave --text-column out)")
        }
        if !plain && textColumn == nil {
            throw ValidationError("--text-column: name the CSV column of \(data) that holds the text")
        }
    }

    /// The log options as the other commands read them.
    var logInput: InputOptions {
        get throws {
            let given: [(String, String?)] = [("--encoder", encoder), ("--log", log), ("--session-regex", sessionRegex),
                                              ("--label-regex", labelRegex)]
            return try InputOptions.parse(given.flatMap { name, value in value.map { [name, $0] } ?? [] })
        }
    }

    func run() throws {
        if ImageEncoder.recognizes(encoder) { return try embedImages() }
        let input = try logInput
        let data = try input.dataFile(self.data, option: "--data")
        if input.readsLog(data) { return try embedLog(data, input) }
        let texts = try TextReader.read(path: data, column: textColumn)
        let sentenceEncoder = try SentenceEncoder.shared(try EncoderDirectory(encoder))
        let bar = stderrIsTerminal ? ProgressBar() : nil
        let clock = ContinuousClock()
        var embedding: SentenceEncoder.Embedding?
        let elapsed = try clock.measure {
            embedding = try sentenceEncoder.embed(texts, batchSize: batchSize) { done, total in
                bar?.draw("embed", done: done, total: total)
            }
        }
        bar?.draw("embed", done: 0, total: 0, finished: true)
        guard let embedding else { return }
        try NumPy.write(embedding.matrix, to: out)
        let seconds = elapsed.seconds
        let rate = seconds > 0 ? Double(texts.count) / seconds : 0
        let gflops = seconds > 0 ? 2 * Double(embedding.multiplyAdds) / seconds / 1e9 : 0
        if json {
            output(try jsonString(["encoder": encoder, "data": data, "out": out, "texts": texts.count,
                                  "dimensions": embedding.matrix.cols, "tokens": embedding.tokens,
                                  "truncated_texts": embedding.truncated,
                                  "distinct_texts": embedding.distinctTexts, "cache_hit_rate": embedding.cacheHitRate, "max_length": sentenceEncoder.tokenizer.maxLength,
                                  "batch_size": batchSize, "seconds": seconds, "sentences_per_second": rate,
                                  "gflops_per_second": gflops, "weights_sha256": sentenceEncoder.weightsSHA256]))
        } else {
            output("embedded \(texts.count) texts (\(embedding.tokens) tokens, \(embedding.truncated) truncated to \(sentenceEncoder.tokenizer.maxLength)) into \(embedding.matrix.cols) dimensions in \(fmt(seconds, 2)) s: \(fmt(rate, 1)) sentences/s")
            output("embeddings written to \(out)")
        }
    }
}

extension EmbedCommand {
    /// Embeds a log by template: a row per line (or per session).
    func embedLog(_ path: String, _ input: InputOptions) throws {
        let clock = ContinuousClock()
        var loaded: (data: Dataset, encoding: LogEncoderStep.Encoding)?
        let elapsed = try clock.measure { loaded = try loadLogEncoded(path, input) }
        guard let (ds, encoding) = loaded else { return }
        try NumPy.write(ds.x, to: out)
        let seconds = elapsed.seconds
        let rate = seconds > 0 ? Double(encoding.lines) / seconds : 0
        if json {
            output(try jsonString(["encoder": encoder, "data": path, "out": out, "rows": ds.rowCount, "lines": encoding.lines,
                                  "sessions": sessionRegex == nil ? 0 : ds.rowCount, "dimensions": ds.featureCount,
                                  "distinct_templates": encoding.distinctTemplates, "cache_hit_rate": encoding.cacheHitRate,
                                  "tokens": encoding.tokens, "truncated_lines": encoding.truncated, "seconds": seconds,
                                  "lines_per_second": rate,
                                  "gflops_per_second": seconds > 0 ? 2 * Double(encoding.multiplyAdds) / seconds / 1e9 : 0]))
        } else {
            output("embedded \(encoding.lines) log lines (\(encoding.distinctTemplates) distinct templates, cache hit rate \(fmt(100 * encoding.cacheHitRate, 1)) %) into \(ds.rowCount) rows × \(ds.featureCount) columns in \(fmt(seconds, 2)) s")
            output("embeddings written to \(out)")
        }
    }
}
