import AnomalyKit
import Foundation

/// A WordPiece vocabulary: the tokens by id, and two hash tables over their UTF-8 bytes — one for
/// a word's first piece (the token as written) and one for the pieces that continue a word (the
/// tokens written with the `##` prefix, keyed without it) — so a lookup hashes the word's own
/// bytes and builds no string.
struct WordPieceVocabulary: Sendable {
    /// The tokens, the id of each being its index.
    let tokens: [String]
    let wordStarts: ByteTable
    let continuations: ByteTable

    static let continuingPrefix: [UInt8] = Array("##".utf8)

    /// A token written twice keeps the id of its last line, as Hugging Face's reader does.
    ///
    /// - Complexity: O(total bytes of the tokens).
    init(tokens: [String]) {
        self.tokens = tokens
        var starts = ByteTable.Builder(capacity: tokens.count)
        var continuing = ByteTable.Builder(capacity: tokens.count / 4)
        let prefix = Self.continuingPrefix
        for (id, token) in tokens.enumerated() {
            let bytes = Array(token.utf8)
            starts.insert(bytes[...], id: Int32(id))
            if bytes.count > prefix.count && bytes.starts(with: prefix) {
                continuing.insert(bytes[prefix.count...], id: Int32(id))
            }
        }
        wordStarts = starts.build()
        continuations = continuing.build()
    }

    /// The id of `token`, if the vocabulary has it.
    func id(of token: String) -> Int32? {
        let bytes = Array(token.utf8)
        return bytes.withUnsafeBufferPointer { wordStarts.id(of: $0) }
    }

    /// Reads `vocab.txt`: one token per line (LF, or CR LF), the id being the 0-based line number;
    /// a final line break ends the last token rather than starting an empty one.
    ///
    /// - Throws: `AnomalyError` (`.model`) naming the file when it is missing, unreadable or
    ///   empty, and the line when it is not UTF-8.
    static func read(_ url: URL) throws -> WordPieceVocabulary {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw AnomalyError.model("the vocabulary file is missing", file: path, field: "vocab.txt")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AnomalyError.model("cannot read the vocabulary: \(error.localizedDescription)", file: path, field: "vocab.txt")
        }
        var tokens: [String] = []
        var lineError: Int?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var last = end
                if last > start && bytes[last - 1] == 0x0D { last -= 1 }
                guard let token = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<last]), as: UTF8.self) else {
                    lineError = tokens.count + 1
                    return
                }
                tokens.append(token)
                start = end + 1
            }
        }
        if let line = lineError {
            var e = AnomalyError.model("the token is not valid UTF-8", file: path, field: "vocab.txt")
            e.line = line
            throw e
        }
        guard !tokens.isEmpty else {
            throw AnomalyError.model("the vocabulary file is empty", file: path, field: "vocab.txt")
        }
        return WordPieceVocabulary(tokens: tokens)
    }
}

/// An open-addressing hash table from byte strings to ids, built once and then only read (so it is
/// shared by concurrent encoders without locks).
struct ByteTable: Sendable {
    private let bytes: [UInt8]
    /// Entry `i`'s key is `bytes[offsets[i]..<offsets[i + 1]]`.
    private let offsets: [Int32]
    private let ids: [Int32]
    /// Entry index per slot, −1 when empty; the slot count is a power of two at least twice the
    /// entries.
    private let slots: [Int32]
    /// The longest key, in bytes: no lookup needs to try a longer piece.
    let longestKey: Int

    struct Builder {
        private var bytes: [UInt8] = []
        private var offsets: [Int32] = [0]
        private var ids: [Int32] = []
        private var index: [[UInt8]: Int] = [:]

        init(capacity: Int) {
            index.reserveCapacity(capacity)
            ids.reserveCapacity(capacity)
        }

        mutating func insert(_ key: ArraySlice<UInt8>, id: Int32) {
            if let existing = index[Array(key)] {
                ids[existing] = id
                return
            }
            index[Array(key)] = ids.count
            bytes.append(contentsOf: key)
            offsets.append(Int32(bytes.count))
            ids.append(id)
        }

        func build() -> ByteTable { ByteTable(bytes: bytes, offsets: offsets, ids: ids) }
    }

    private init(bytes: [UInt8], offsets: [Int32], ids: [Int32]) {
        self.bytes = bytes
        self.offsets = offsets
        self.ids = ids
        var capacity = 16
        while capacity < ids.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        var longest = 0
        bytes.withUnsafeBufferPointer { b in
            for entry in 0..<ids.count {
                let start = Int(offsets[entry]), count = Int(offsets[entry + 1]) - start
                longest = max(longest, count)
                var slot = Int(truncatingIfNeeded: Self.hash(b.baseAddress.map { $0 + start }, count)) & (capacity - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
                slots[slot] = Int32(entry)
            }
        }
        self.slots = slots
        self.longestKey = longest
    }

    /// FNV-1a over the bytes, then a final mix so the low bits used for the slot depend on all.
    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>?, _ count: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        if let p {
            for i in 0..<count { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3 }
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        return h ^ (h >> 32)
    }

    /// The id stored for the bytes `key`, or nil.
    ///
    /// - Complexity: O(key length) expected.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let count = key.count
        guard count <= longestKey else { return nil }
        let mask = slots.count - 1
        return bytes.withUnsafeBufferPointer { b -> Int32? in
            var slot = Int(truncatingIfNeeded: Self.hash(key.baseAddress, count)) & mask
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return nil }
                let start = Int(offsets[entry])
                if Int(offsets[entry + 1]) - start == count
                    && (count == 0 || memcmp(b.baseAddress! + start, key.baseAddress!, count) == 0) {
                    return ids[entry]
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
