import AnomalyKit
@_spi(Kernels) import AnomalyMath
import Foundation

/// BERT's WordPiece tokenizer, giving the token ids of Hugging Face's `BertTokenizerFast` (the
/// Rust tokenizers library) for the same vocabulary and settings, so a BERT-family encoder sees
/// exactly the input it was trained on.
///
/// A text is cut at the special tokens it contains (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`
/// written as such become their ids), cleaned, split into words (white space, each punctuation
/// character, each CJK ideograph), lower-cased and stripped of accents when asked, and each word
/// split greedily into the longest pieces of the vocabulary, the pieces after the first carrying
/// the `##` prefix. A word of more than 100 scalars, or one the vocabulary cannot cover, becomes
/// `[UNK]`. `encode` adds `[CLS]` and `[SEP]` and truncates to `maxLength`.
///
/// A value type, safe to share between threads; `encode(_:)` on many texts runs on every core.
public struct WordPieceTokenizer: Sendable {
    /// The longest sequence `encode` returns, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// Whether text is lower-cased (`do_lower_case`).
    public let lowercase: Bool
    /// Whether accents are stripped (canonical decomposition, nonspacing marks dropped).
    public let stripAccents: Bool
    /// Whether each CJK ideograph is a word of its own (`tokenize_chinese_chars`).
    public let splitCJK: Bool
    /// The id of `[CLS]`, which starts every encoded text.
    public let clsID: Int32
    /// The id of `[SEP]`, which ends every encoded text.
    public let sepID: Int32
    /// The id of `[PAD]`, which fills a batch's shorter rows (attention mask 0).
    public let padID: Int32
    /// The id of `[UNK]`, for a word the vocabulary cannot cover.
    public let unkID: Int32

    /// A word longer than this, in unicode scalars, is `[UNK]` (Hugging Face's
    /// `max_input_chars_per_word`).
    public static let maxWordLength = 100

    let vocabulary: WordPieceVocabulary
    let splitter: BertWordSplitter
    /// The special tokens recognised in text, as UTF-8, longest first, with their ids.
    let specialTokens: [(bytes: [UInt8], id: Int32)]
    /// Whether a byte starts a special token (256 entries), so scanning a text is one load a byte.
    let startsSpecialToken: [Bool]

    /// The number of ids, one per line of the vocabulary (the encoder's embedding rows).
    public var vocabularySize: Int { vocabulary.tokens.count }

    /// A tokenizer over `vocabulary` (the token of id `i` at index `i`), with BERT's settings:
    /// `stripAccents` nil follows `lowercase`, as in Hugging Face.
    ///
    /// - Throws: `AnomalyError` (`.model`) when the vocabulary lacks `[CLS]`, `[SEP]`, `[PAD]` or
    ///   `[UNK]` (named by `specialTokens`), and (`.parameter`) when `maxLength` is below 2.
    public init(vocabulary: [String], lowercase: Bool = true, stripAccents: Bool? = nil, splitCJK: Bool = true,
                maxLength: Int = 512, specialTokens: SpecialTokens = SpecialTokens()) throws {
        try self.init(vocabulary: WordPieceVocabulary(tokens: vocabulary), file: nil, lowercase: lowercase,
                      stripAccents: stripAccents, splitCJK: splitCJK, maxLength: maxLength, specialTokens: specialTokens)
    }

    /// The tokenizer of an encoder directory: `vocab.txt`; `tokenizer_config.json` for
    /// `do_lower_case`, `strip_accents`, `tokenize_chinese_chars` and the special tokens (when it is
    /// missing: an uncased model's defaults); the longest sequence from `maxLength`, else
    /// `max_seq_length` of `sentence_bert_config.json`, else `model_max_length`, else 512.
    ///
    /// - Throws: `AnomalyError` (`.model`) naming the file and field that is missing or invalid.
    public init(directory: EncoderDirectory, maxLength: Int? = nil) throws {
        let config = try directory.jsonObject("tokenizer_config.json") ?? [:]
        let configPath = directory.file("tokenizer_config.json").path
        func flag(_ key: String, _ fallback: Bool?) throws -> Bool? {
            switch config[key] {
            case nil, is NSNull: return fallback
            case let b as Bool: return b
            default: throw AnomalyError.model("expected true, false or null", file: configPath, field: key)
            }
        }
        func token(_ key: String, _ fallback: String) throws -> String {
            switch config[key] {
            case nil, is NSNull: return fallback
            case let s as String: return s
            case let object as [String: Any]:
                if let s = object["content"] as? String { return s }
                fallthrough
            default: throw AnomalyError.model("expected a token (a string)", file: configPath, field: key)
            }
        }
        let lowercase = try flag("do_lower_case", true) ?? true
        let strip = try flag("strip_accents", nil)
        let splitCJK = try flag("tokenize_chinese_chars", true) ?? true
        let specials = SpecialTokens(cls: try token("cls_token", "[CLS]"), sep: try token("sep_token", "[SEP]"),
                                     pad: try token("pad_token", "[PAD]"), unk: try token("unk_token", "[UNK]"),
                                     mask: try token("mask_token", "[MASK]"))
        let length = try maxLength ?? Self.configuredMaxLength(directory, tokenizerConfig: config)
        let vocabURL = directory.file("vocab.txt")
        try self.init(vocabulary: WordPieceVocabulary.read(vocabURL), file: vocabURL.path, lowercase: lowercase,
                      stripAccents: strip, splitCJK: splitCJK, maxLength: length, specialTokens: specials)
    }

    private init(vocabulary: WordPieceVocabulary, file: String?, lowercase: Bool, stripAccents: Bool?, splitCJK: Bool,
                 maxLength: Int, specialTokens: SpecialTokens) throws {
        guard maxLength >= 2 else {
            throw AnomalyError.parameter("maxLength", "must be at least 2 (room for [CLS] and [SEP]), got \(maxLength)")
        }
        func required(_ token: String, _ field: String) throws -> Int32 {
            guard let id = vocabulary.id(of: token) else {
                throw AnomalyError.model("the vocabulary has no \(token) token", file: file, field: field)
            }
            return id
        }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.splitCJK = splitCJK
        self.clsID = try required(specialTokens.cls, "cls_token")
        self.sepID = try required(specialTokens.sep, "sep_token")
        self.padID = try required(specialTokens.pad, "pad_token")
        self.unkID = try required(specialTokens.unk, "unk_token")
        self.splitter = BertWordSplitter(lowercase: lowercase, stripAccents: stripAccents ?? lowercase, splitCJK: splitCJK)
        var specials: [(bytes: [UInt8], id: Int32)] = []
        for token in [specialTokens.cls, specialTokens.sep, specialTokens.pad, specialTokens.unk, specialTokens.mask]
        where !token.isEmpty && !specials.contains(where: { $0.bytes == Array(token.utf8) }) {
            if let id = vocabulary.id(of: token) { specials.append((Array(token.utf8), id)) }
        }
        self.specialTokens = specials.sorted { $0.bytes.count > $1.bytes.count }
        var starts = [Bool](repeating: false, count: 256)
        for special in specials { starts[Int(special.bytes[0])] = true }
        self.startsSpecialToken = starts
    }

    /// `max_seq_length` of `sentence_bert_config.json`, else a finite `model_max_length`, else 512.
    private static func configuredMaxLength(_ directory: EncoderDirectory, tokenizerConfig: [String: Any]) throws -> Int {
        if let sbert = try directory.jsonObject("sentence_bert_config.json"), let value = sbert["max_seq_length"] {
            guard let n = value as? Int, n >= 2 else {
                throw AnomalyError.model("expected a whole number of at least 2",
                                         file: directory.file("sentence_bert_config.json").path, field: "max_seq_length")
            }
            return n
        }
        if let n = tokenizerConfig["model_max_length"] as? Int, n >= 2, n <= 1 << 20 { return n }
        return 512
    }

    /// The tokens a text is split into, without `[CLS]`/`[SEP]` and without truncation.
    ///
    /// - Complexity: O(n · w) for n bytes and words of w bytes (each piece tries the prefixes of
    ///   what is left of its word, at most the vocabulary's longest token), in practice O(n).
    public func wordPieces(_ text: String) -> [String] {
        var ids: [Int32] = []
        var cache = ScalarCache()
        _ = appendPieces(of: text, to: &ids, limit: .max, cache: &cache)
        return ids.map { vocabulary.tokens[Int($0)] }
    }

    /// `[CLS]`, the text's token ids, `[SEP]`: at most `maxLength` ids, the text's first
    /// `maxLength − 2` pieces when it has more (`wasTruncated`).
    ///
    /// - Complexity: O(n) in the bytes of the text up to the truncation point.
    public func encode(_ text: String) -> EncodedText {
        var cache = ScalarCache()
        return encode(text, cache: &cache)
    }

    /// Encodes every text (in parallel over texts) and pads them with `[PAD]` to the longest.
    ///
    /// - Complexity: the sum of the texts' encodings over `coreCount` threads, plus
    ///   O(texts × longest) to pad.
    public func encode(_ texts: [String]) -> TokenBatch {
        TokenBatch(encodeSeparately(texts), padID: padID)
    }

    /// Each text encoded on its own, unpadded, in parallel over texts (each chunk of texts keeps
    /// its own cache of the non-ASCII characters it met).
    package func encodeSeparately(_ texts: [String]) -> [EncodedText] {
        var results = [EncodedText](repeating: EncodedText(ids: [], wasTruncated: false), count: texts.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = SharedMutableBuffer(buffer)
            parallelFor(texts.count) { range in
                var cache = ScalarCache()
                for i in range { out[i] = self.encode(texts[i], cache: &cache) }
            }
        }
        return results
    }

    /// The token of an id, or nil outside the vocabulary.
    public func token(for id: Int32) -> String? {
        vocabulary.tokens.indices.contains(Int(id)) ? vocabulary.tokens[Int(id)] : nil
    }

    func encode(_ text: String, cache: inout ScalarCache) -> EncodedText {
        var ids: [Int32] = [clsID]
        ids.reserveCapacity(min(maxLength, text.utf8.count / 3 + 8))
        let truncated = appendPieces(of: text, to: &ids, limit: maxLength - 1, cache: &cache)
        ids.append(sepID)
        return EncodedText(ids: ids, wasTruncated: truncated)
    }

    /// Appends the text's piece ids to `ids` until it holds `limit`; returns whether pieces were
    /// left out.
    private func appendPieces(of text: String, to ids: inout [Int32], limit: Int, cache: inout ScalarCache) -> Bool {
        var text = text
        return text.withUTF8 { appendPieces(of: $0, to: &ids, limit: limit, cache: &cache) }
    }

    private func appendPieces(of bytes: UnsafeBufferPointer<UInt8>, to ids: inout [Int32], limit: Int,
                              cache: inout ScalarCache) -> Bool {
        var truncated = false
        // Prefix hashes of the piece being matched: a stored word has at most 4 bytes a scalar.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: BertWordSplitter.storedScalars * 4 + 1) { hashes in
            func words(_ range: Range<Int>) {
                guard !truncated, !range.isEmpty else { return }
                splitter.forEachWord(in: UnsafeBufferPointer(rebasing: bytes[range]), cache: &cache) { word, scalars in
                    appendWord(word, scalars: scalars, to: &ids, hashes: hashes)
                    if ids.count > limit { truncated = true }
                    return !truncated
                }
            }
            // Special tokens written in the text are cut out first, on the raw text (as Hugging
            // Face's added vocabulary does), and the pieces between them are split on their own.
            var segmentStart = 0
            var i = 0
            while i < bytes.count && !truncated {
                guard startsSpecialToken[Int(bytes[i])], let (length, id) = specialToken(at: i, in: bytes) else {
                    i += 1
                    continue
                }
                words(segmentStart..<i)
                guard !truncated else { break }
                ids.append(id)
                if ids.count > limit { truncated = true }
                i += length
                segmentStart = i
            }
            words(segmentStart..<bytes.count)
        }
        if ids.count > limit { ids.removeLast(ids.count - limit) }
        return truncated
    }

    /// The longest special token written at byte `i`, as its length in bytes and its id.
    private func specialToken(at i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int32)? {
        for special in specialTokens where special.bytes.count <= bytes.count - i {
            if special.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + i, $0.count) == 0 }) {
                return (special.bytes.count, special.id)
            }
        }
        return nil
    }

    /// Greedy longest-match-first WordPiece over one word's bytes; `[UNK]` for the whole word when
    /// it is too long or a part of it matches no token.
    private func appendWord(_ word: UnsafeBufferPointer<UInt8>, scalars: Int, to ids: inout [Int32],
                            hashes: UnsafeMutableBufferPointer<UInt64>) {
        guard scalars <= Self.maxWordLength else {
            ids.append(unkID)
            return
        }
        let mark = ids.count
        let n = word.count
        var start = 0
        while start < n {
            let table = start == 0 ? vocabulary.wordStarts : vocabulary.continuations
            let longest = min(n, start + table.longestKey)
            var h = ByteTable.hashSeed
            for k in start..<longest {
                h = ByteTable.hashStep(h, word[k])
                hashes[k - start + 1] = h
            }
            // The longest piece first, never cut inside a scalar.
            var end = longest
            while end < n && end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            var found: Int32?
            while end > start {
                if let id = table.id(of: UnsafeBufferPointer(rebasing: word[start..<end]), hash: hashes[end - start]) {
                    found = id
                    break
                }
                end -= 1
                while end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            guard let id = found else {
                ids.removeSubrange(mark...)
                ids.append(unkID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

/// The spelling of BERT's special tokens (`cls_token`, `sep_token`, … of `tokenizer_config.json`).
public struct SpecialTokens: Sendable, Equatable {
    public var cls: String
    public var sep: String
    public var pad: String
    public var unk: String
    public var mask: String

    public init(cls: String = "[CLS]", sep: String = "[SEP]", pad: String = "[PAD]", unk: String = "[UNK]",
                mask: String = "[MASK]") {
        self.cls = cls
        self.sep = sep
        self.pad = pad
        self.unk = unk
        self.mask = mask
    }
}

/// One encoded text: `[CLS]`, its token ids, `[SEP]`.
public struct EncodedText: Sendable, Equatable {
    public var ids: [Int32]
    /// Whether the text had more pieces than fit in the tokenizer's `maxLength`.
    public var wasTruncated: Bool

    public init(ids: [Int32], wasTruncated: Bool) {
        self.ids = ids
        self.wasTruncated = wasTruncated
    }
}

/// Encoded texts padded to a common length, the input of an encoder's batch.
public struct TokenBatch: Sendable, Equatable {
    /// The number of texts.
    public let rows: Int
    /// The padded length: the longest text's.
    public let length: Int
    /// `rows × length` ids, row-major; each row's ids, then `[PAD]`.
    public let ids: [Int32]
    /// `rows × length`: 1 for a token, 0 for padding.
    public let attentionMask: [Int32]
    /// Each row's length before padding.
    public let lengths: [Int]
    /// Whether each text was truncated.
    public let wasTruncated: [Bool]

    /// Pads `texts` with `padID` to the longest.
    ///
    /// - Complexity: O(rows × length).
    public init(_ texts: [EncodedText], padID: Int32) {
        rows = texts.count
        lengths = texts.map { $0.ids.count }
        length = lengths.max() ?? 0
        wasTruncated = texts.map(\.wasTruncated)
        var ids = [Int32](repeating: padID, count: rows * length)
        var mask = [Int32](repeating: 0, count: rows * length)
        for (r, text) in texts.enumerated() {
            for (c, id) in text.ids.enumerated() {
                ids[r * length + c] = id
                mask[r * length + c] = 1
            }
        }
        self.ids = ids
        self.attentionMask = mask
    }

    /// Row `r`'s ids, padding included.
    public func row(_ r: Int) -> ArraySlice<Int32> { ids[(r * length)..<((r + 1) * length)] }
}
