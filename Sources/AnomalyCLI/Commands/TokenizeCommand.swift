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
        guard TextReader.isPlainText(data) || URL(fileURLWithPath: data).pathExtension.lowercased() == "jsonl" else {
            throw ValidationError("--data: expected a .txt file (one text per line) or a .jsonl file (one JSON string per line), got '\(data)'")
        }
        if let maxLength, maxLength < 2 {
            throw ValidationError("--max-length must be at least 2 (room for [CLS] and [SEP]), got \(maxLength)")
        }
    }

    func run() throws {
        let tokenizer = try WordPieceTokenizer(directory: try EncoderDirectory(encoder), maxLength: maxLength)
        let texts = TextReader.isPlainText(data) ? try TextReader.read(path: data, column: nil) : try JSONLines.strings(data)
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

/// Texts from a JSON-lines file: one JSON string per line.
enum JSONLines {
    /// The strings of `path`, one per line (LF or CR LF; a final line end adds none).
    /// - Throws: `AnomalyError` (`.data`) naming the file, and the line that is not a JSON string.
    static func strings(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AnomalyError.data("cannot read the file", file: path)
        }
        var texts: [String] = []
        var failure: AnomalyError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var last = end
                if last > start && bytes[last - 1] == 0x0D { last -= 1 }
                let line = Data(buffer: UnsafeBufferPointer(rebasing: bytes[start..<last]))
                guard let text = (try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed])) as? String else {
                    failure = AnomalyError.data("expected a JSON string (a text) on each line", file: path, line: texts.count + 1)
                    return
                }
                texts.append(text)
                start = end + 1
            }
        }
        if let failure { throw failure }
        guard !texts.isEmpty else { throw AnomalyError.data("empty file: no text to read", file: path) }
        return texts
    }
}
