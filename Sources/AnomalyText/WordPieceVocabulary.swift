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
        guard !data.isEmpty else {
            throw AnomalyError.model("the vocabulary file is empty", file: path, field: "vocab.txt")
        }
        let tokens: [String]
        do {
            tokens = try TextReader.lines(of: data, file: path)
        } catch let e as AnomalyError {
            var error = AnomalyError.model("the token is not valid UTF-8", file: path, field: "vocab.txt")
            error.line = e.line
            throw error
        }
        return WordPieceVocabulary(tokens: tokens)
    }
}

/// An open-addressing hash table from byte strings to ids, built once and then only read, so
/// concurrent encoders share it without locks. Its hash (FNV-1a) runs byte by byte, so a caller
/// trying ever shorter prefixes of a word hashes the word once (`hashStep`), not once per prefix.
final class ByteTable: @unchecked Sendable {
    // Immutable after init (the reason for @unchecked Sendable): the keys' bytes concatenated,
    // entry i's key being keys[offsets[i]..<offsets[i + 1]], its id, and the slots (entry index,
    // −1 when empty; a power of two at least twice the entries).
    private let keys: UnsafeMutableBufferPointer<UInt8>
    private let offsets: UnsafeMutableBufferPointer<Int32>
    private let ids: UnsafeMutableBufferPointer<Int32>
    private let slots: UnsafeMutableBufferPointer<Int32>
    private let mask: Int
    /// The longest key, in bytes: no lookup needs to try a longer piece.
    let longestKey: Int

    struct Builder {
        fileprivate var bytes: [UInt8] = []
        fileprivate var offsets: [Int32] = [0]
        fileprivate var ids: [Int32] = []
        private var index: [ArraySlice<UInt8>: Int] = [:]

        init(capacity: Int) {
            index.reserveCapacity(capacity)
            ids.reserveCapacity(capacity)
        }

        /// Adds `key`, or gives it the new id when it is there already.
        mutating func insert(_ key: ArraySlice<UInt8>, id: Int32) {
            if let existing = index[key] {
                ids[existing] = id
                return
            }
            index[key] = ids.count
            bytes.append(contentsOf: key)
            offsets.append(Int32(bytes.count))
            ids.append(id)
        }

        func build() -> ByteTable { ByteTable(self) }
    }

    private init(_ builder: Builder) {
        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
            _ = buffer.initialize(from: array)
            return buffer
        }
        keys = copy(builder.bytes)
        offsets = copy(builder.offsets)
        ids = copy(builder.ids)
        var capacity = 16
        while capacity < builder.ids.count * 2 { capacity *= 2 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: -1)
        mask = capacity - 1
        var longest = 0
        for entry in 0..<builder.ids.count {
            let start = Int(offsets[entry]), count = Int(offsets[entry + 1]) - start
            longest = max(longest, count)
            var h = Self.hashSeed
            for i in start..<(start + count) { h = Self.hashStep(h, keys[i]) }
            var slot = Self.slot(h, mask)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
        longestKey = longest
    }

    deinit {
        keys.deallocate()
        offsets.deallocate()
        ids.deallocate()
        slots.deallocate()
    }

    /// The hash of no bytes; `hashStep` adds one.
    static let hashSeed: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    static func hashStep(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }

    /// The slot of a hash, after a final mix so its low bits depend on every byte.
    @inline(__always)
    private static func slot(_ h: UInt64, _ mask: Int) -> Int {
        var x = h ^ (h >> 29)
        x = x &* 0xbf58_476d_1ce4_e5b9
        return Int(truncatingIfNeeded: x ^ (x >> 32)) & mask
    }

    /// The id stored for `key`, whose hash (`hashSeed` then `hashStep` over its bytes) is `hash`.
    ///
    /// - Complexity: O(key length) expected.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32? {
        let count = key.count
        var slot = Self.slot(hash, mask)
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            let start = Int(offsets[entry])
            if Int(offsets[entry + 1]) - start == count
                && (count == 0 || memcmp(keys.baseAddress! + start, key.baseAddress!, count) == 0) {
                return ids[entry]
            }
            slot = (slot + 1) & mask
        }
    }

    /// The id stored for `key`, or nil.
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard key.count <= longestKey else { return nil }
        var h = Self.hashSeed
        for b in key { h = Self.hashStep(h, b) }
        return id(of: key, hash: h)
    }
}
