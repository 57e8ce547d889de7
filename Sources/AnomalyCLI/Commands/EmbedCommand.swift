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
        """)

    @Option(name: .long, help: "The encoder: a name in the model cache (minilm) or a directory in the Hugging Face layout.")
    var encoder: String
    @Option(name: .long, help: "The texts: FILE.csv (with --text-column), FILE.txt / .log (one per line) or FILE.jsonl.")
    var data: String
    @Option(name: .customLong("text-column"), help: "CSV: the column holding the text.") var textColumn: String?
    @Option(name: .long, help: "Output: FILE.npy (float32, texts × dimensions); written atomically.") var out: String
    @Option(name: .customLong("batch-size"), help: "Texts per forward pass (default 32).") var batchSize: Int = 32
    @Flag(help: "Print a JSON summary (texts, tokens, seconds, sentences per second).") var json = false

    func validate() throws {
        guard URL(fileURLWithPath: out).pathExtension.lowercased() == "npy" else {
            throw ValidationError("--out: the embeddings are written as .npy, got '\(out)'")
        }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be in 1…4096, got \(batchSize)") }
        let plain = TextReader.isPlainText(data) || TextReader.isJSONLines(data)
        if plain && textColumn != nil {
            throw ValidationError("--text-column names a CSV column; \(data) holds one text per line (leave --text-column out)")
        }
        if !plain && textColumn == nil {
            throw ValidationError("--text-column: name the CSV column of \(data) that holds the text")
        }
    }

    func run() throws {
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
