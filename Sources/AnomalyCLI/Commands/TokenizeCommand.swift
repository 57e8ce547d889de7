import AnomalyKit
import AnomalyText
import ArgumentParser
import Foundation

/// `anomalykit tokenize`: a text encoder's token ids for each text of a file, the ids Hugging
/// Face's `BertTokenizerFast` gives (`scripts/check-tokenizer` compares the two).
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Split texts into an encoder's WordPiece token ids, as Hugging Face's BertTokenizerFast does.",
        discussion: """
        FILE.txt (or .log) holds one text per line (UTF-8; a final line break ends the last text); FILE.jsonl \
        one JSON string per line. The output has one JSON array of ids per text, in order: [CLS], the text's tokens, [SEP], \
        truncated to the encoder's longest sequence (max_seq_length of sentence_bert_config.json, or --max-length).
        """)

    @Option(name: .long, help: "The encoder: a name installed in the model cache (minilm) or a directory with vocab.txt.")
    var encoder: String
    @Option(name: .long, help: "The texts: FILE.txt or .log (one per line) or FILE.jsonl (one JSON string per line).") var data: String
    @Option(name: .long, help: "Output: FILE.jsonl, one JSON array of ids per text; written atomically.") var out: String
    @Option(name: .long, help: "The longest sequence, [CLS] and [SEP] included (default: the encoder's).") var maxLength: Int?
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        guard URL(fileURLWithPath: out).pathExtension.lowercased() == "jsonl" else {
            throw ValidationError("--out: the output is JSON lines and must end in .jsonl, got '\(out)'")
        }
        guard TextReader.isPlainText(data) || TextReader.isJSONLines(data) else {
            throw ValidationError("--data: expected a .txt file (one text per line) or a .jsonl file (one JSON string per line), got '\(data)'")
        }
        if let maxLength, maxLength < 2 {
            throw ValidationError("--max-length must be at least 2 (room for [CLS] and [SEP]), got \(maxLength)")
        }
    }

    func run() throws {
        let tokenizer = try WordPieceTokenizer(directory: try EncoderDirectory(encoder), maxLength: maxLength)
        let texts = try TextReader.read(path: data, column: nil)
        let clock = ContinuousClock()
        var encoded: [EncodedText] = []
        let elapsed = clock.measure { encoded = tokenizer.encodeSeparately(texts) }
        try writeAtomically(Self.jsonLines(encoded), to: out)
        let tokens = encoded.reduce(0) { $0 + $1.ids.count }
        let truncated = encoded.reduce(0) { $0 + ($1.wasTruncated ? 1 : 0) }
        if json {
            output(try jsonString(["encoder": encoder, "data": data, "out": out, "texts": encoded.count, "tokens": tokens,
                                  "truncated_texts": truncated, "max_length": tokenizer.maxLength,
                                  "seconds": elapsed.seconds]))
        } else {
            output("tokenized \(encoded.count) texts into \(tokens) tokens (\(truncated) truncated to \(tokenizer.maxLength)) in \(fmt(elapsed.seconds, 3)) s; written to \(out)")
        }
    }
}

extension TokenizeCommand {
    /// One JSON array of ids per text, digits written straight into the bytes.
    static func jsonLines(_ encoded: [EncodedText]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.reduce(0) { $0 + $1.ids.count * 6 + 3 })
        var digits = [UInt8](repeating: 0, count: 11)
        for e in encoded {
            bytes.append(UInt8(ascii: "["))
            for (k, id) in e.ids.enumerated() {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                if id < 0 { bytes.append(UInt8(ascii: "-")) }
                var v = id.magnitude
                var n = 0
                repeat {
                    digits[n] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    n += 1
                } while v > 0
                while n > 0 {
                    n -= 1
                    bytes.append(digits[n])
                }
            }
            bytes.append(UInt8(ascii: "]"))
            bytes.append(UInt8(ascii: "\n"))
        }
        return Data(bytes)
    }
}
