import Foundation

/// BERT's normalisation and pre-tokenisation in one pass over a text's UTF-8 bytes: cleans the text
/// (drops NUL, U+FFFD and control/format/private-use characters; white space becomes a boundary),
/// puts each CJK ideograph in a word of its own, strips accents (canonical decomposition, then
/// nonspacing marks dropped), lower-cases character by character, and splits on white space and on
/// each punctuation character — the steps and order of the tokenizers library's `BertNormalizer`
/// and `BertPreTokenizer`.
///
/// ASCII takes a fast path; what a non-ASCII character needs (its class, decomposition, lower case)
/// is looked up once per `ScalarCache`, so Foundation's decomposition runs once per distinct
/// character rather than once per occurrence.
struct BertWordSplitter: Sendable {
    var lowercase: Bool
    var stripAccents: Bool
    var splitCJK: Bool

    /// Words are stored up to this many scalars (4 UTF-8 bytes each at most); a longer word is
    /// still counted, and becomes `[UNK]` whatever its bytes.
    static let storedScalars = 100

    /// Calls `emit` with each word's UTF-8 bytes and its length in unicode scalars, in order, until
    /// it returns false. A word longer than `storedScalars` comes with its count and only its first
    /// bytes. `text` must be valid UTF-8 (as a Swift string's bytes are).
    ///
    /// - Complexity: O(n) in the bytes of `text`.
    func forEachWord(in text: UnsafeBufferPointer<UInt8>, cache: inout ScalarCache,
                     _ emit: (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.storedScalars * 4) { word in
            withoutActuallyEscaping(emit) { emit in
                var state = State(word: word, emit: emit)
                split(text, &state, &cache)
            }
        }
    }

    /// The words of `text` as strings (for tests and diagnostics).
    func words(_ text: String) -> [String] {
        var out: [String] = []
        var cache = ScalarCache()
        var text = text
        text.withUTF8 { bytes in
            forEachWord(in: bytes, cache: &cache) { word, _ in
                out.append(String(decoding: word, as: UTF8.self))
                return true
            }
        }
        return out
    }

    private func split(_ text: UnsafeBufferPointer<UInt8>, _ state: inout State, _ cache: inout ScalarCache) {
        let asciiClasses = BertCharacters.asciiClasses
        var i = 0
        let n = text.count
        while i < n && !state.stopped {
            let b = text[i]
            if b < 0x80 {
                i += 1
                switch asciiClasses[Int(b)] {
                case .word:
                    if !state.run.isEmpty { flushRun(&state, &cache) }
                    state.append(byte: lowercase && b >= 65 && b <= 90 ? b + 32 : b)
                case .whitespace:
                    if !state.run.isEmpty { flushRun(&state, &cache) }
                    state.endWord()
                case .punctuation:
                    if !state.run.isEmpty { flushRun(&state, &cache) }
                    state.endWord()
                    state.append(byte: b)
                    state.endWord()
                case .dropped:
                    // Removed before the decomposition: the characters around it join.
                    continue
                }
                continue
            }
            let (v, length) = Self.decode(text, at: i)
            i += length
            let info = cache.info(v, self)
            switch info.kind {
            case .dropped:
                continue
            case .whitespace:
                if !state.run.isEmpty { flushRun(&state, &cache) }
                state.endWord()
            case .cjk where splitCJK:
                if !state.run.isEmpty { flushRun(&state, &cache) }
                state.endWord()
                appendToRun(v, info, &state, &cache)
                flushRun(&state, &cache)
                state.endWord()
            default:
                appendToRun(v, info, &state, &cache)
            }
        }
        if !state.run.isEmpty { flushRun(&state, &cache) }
        state.endWord()
    }

    /// The scalar starting at `i` of valid UTF-8, and its length in bytes.
    @inline(__always)
    private static func decode(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(text[i])
        if b0 < 0xE0 { return (((b0 & 0x1F) << 6) | (UInt32(text[i + 1]) & 0x3F), 2) }
        if b0 < 0xF0 {
            return (((b0 & 0x0F) << 12) | ((UInt32(text[i + 1]) & 0x3F) << 6) | (UInt32(text[i + 2]) & 0x3F), 3)
        }
        return (((b0 & 0x07) << 18) | ((UInt32(text[i + 1]) & 0x3F) << 12) | ((UInt32(text[i + 2]) & 0x3F) << 6)
                | (UInt32(text[i + 3]) & 0x3F), 4)
    }

    /// Adds a kept character to the run of non-ASCII characters: decomposed when stripping accents
    /// (a run is decomposed and reordered as a whole before its marks go), as it is otherwise.
    @inline(__always)
    private func appendToRun(_ v: UInt32, _ info: ScalarInfo, _ state: inout State, _ cache: inout ScalarCache) {
        if stripAccents {
            if info.decomposition.isEmpty {
                state.run.append(v)
            } else {
                for k in 0..<info.decomposition.count { state.run.append(info.decomposition[k]) }
            }
            state.runNeedsReordering = state.runNeedsReordering || info.combiningClass != 0 || info.decompositionHasMarks
        } else {
            appendNormalized(v, info, &state, &cache)
        }
    }

    /// Puts the run's combining marks in canonical order (as its decomposition would), drops the
    /// nonspacing marks when stripping accents, and adds the rest to the word.
    private func flushRun(_ state: inout State, _ cache: inout ScalarCache) {
        if state.runNeedsReordering { Self.reorder(&state.run, &cache, self) }
        for v in state.run {
            let info = cache.info(v, self)
            if !info.isNonspacingMark { appendNormalized(v, info, &state, &cache) }
        }
        state.run.removeAll(keepingCapacity: true)
        state.runNeedsReordering = false
    }

    /// Unicode's canonical ordering: within each stretch of characters of nonzero combining class,
    /// a stable sort by class.
    private static func reorder(_ run: inout [UInt32], _ cache: inout ScalarCache, _ splitter: BertWordSplitter) {
        guard run.count > 1 else { return }
        for i in 1..<run.count {
            let v = run[i]
            let c = cache.info(v, splitter).combiningClass
            guard c != 0 else { continue }
            var j = i
            while j > 0 {
                let before = cache.info(run[j - 1], splitter).combiningClass
                guard before > c else { break }
                run[j] = run[j - 1]
                j -= 1
            }
            run[j] = v
        }
    }

    /// Lower-cases a cleaned (and decomposed) character if asked, then adds it to the word, or as
    /// a word of its own when it is punctuation.
    @inline(__always)
    private func appendNormalized(_ v: UInt32, _ info: ScalarInfo, _ state: inout State, _ cache: inout ScalarCache) {
        if lowercase && !info.lowercase.isEmpty {
            for k in 0..<info.lowercase.count {
                let l = info.lowercase[k]
                appendCased(l, cache.info(l, self), &state)
            }
        } else {
            appendCased(v, info, &state)
        }
    }

    @inline(__always)
    private func appendCased(_ v: UInt32, _ info: ScalarInfo, _ state: inout State) {
        if info.isPunctuation {
            state.endWord()
            state.append(scalar: v)
            state.endWord()
        } else if info.kind == .whitespace {
            state.endWord()
        } else {
            state.append(scalar: v)
        }
    }

    /// The word being built (its bytes in a fixed buffer) and the run of non-ASCII characters
    /// waiting for their marks to be ordered and dropped.
    private struct State {
        let word: UnsafeMutableBufferPointer<UInt8>
        let emit: (UnsafeBufferPointer<UInt8>, Int) -> Bool
        var bytes = 0
        var scalars = 0
        var run: [UInt32] = []
        var runNeedsReordering = false
        var stopped = false

        init(word: UnsafeMutableBufferPointer<UInt8>, emit: @escaping (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
            self.word = word
            self.emit = emit
        }

        @inline(__always) mutating func append(byte: UInt8) {
            if scalars < BertWordSplitter.storedScalars {
                word[bytes] = byte
                bytes += 1
            }
            scalars += 1
        }

        @inline(__always) mutating func append(scalar v: UInt32) {
            if v < 0x80 { return append(byte: UInt8(v)) }
            if scalars < BertWordSplitter.storedScalars {
                if v < 0x800 {
                    word[bytes] = UInt8(0xC0 | (v >> 6))
                    word[bytes + 1] = UInt8(0x80 | (v & 0x3F))
                    bytes += 2
                } else if v < 0x10000 {
                    word[bytes] = UInt8(0xE0 | (v >> 12))
                    word[bytes + 1] = UInt8(0x80 | ((v >> 6) & 0x3F))
                    word[bytes + 2] = UInt8(0x80 | (v & 0x3F))
                    bytes += 3
                } else {
                    word[bytes] = UInt8(0xF0 | (v >> 18))
                    word[bytes + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
                    word[bytes + 2] = UInt8(0x80 | ((v >> 6) & 0x3F))
                    word[bytes + 3] = UInt8(0x80 | (v & 0x3F))
                    bytes += 4
                }
            }
            scalars += 1
        }

        mutating func endWord() {
            guard scalars > 0, !stopped else { return }
            let more = emit(UnsafeBufferPointer(rebasing: word[0..<bytes]), scalars)
            bytes = 0
            scalars = 0
            if !more { stopped = true }
        }
    }
}

/// Up to four scalars held inline, so the facts of a character copy without reference counting
/// (a canonical decomposition has at most four, a lower-case mapping at most two).
struct InlineScalars: Sendable {
    private(set) var count = 0
    private var storage: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    static let capacity = 4

    /// The first `capacity` of `scalars`.
    init(_ scalars: [UInt32] = []) {
        count = min(scalars.count, Self.capacity)
        if count > 0 { storage.0 = scalars[0] }
        if count > 1 { storage.1 = scalars[1] }
        if count > 2 { storage.2 = scalars[2] }
        if count > 3 { storage.3 = scalars[3] }
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always) subscript(i: Int) -> UInt32 {
        switch i {
        case 0: return storage.0
        case 1: return storage.1
        case 2: return storage.2
        default: return storage.3
        }
    }
}

/// What the splitter needs to know of a character (a plain value: no reference counting).
struct ScalarInfo: Sendable {
    enum Kind: UInt8, Sendable { case dropped, whitespace, cjk, text }
    var kind: Kind
    var isPunctuation = false
    var isNonspacingMark = false
    /// The canonical combining class as the decomposition tables (Unicode 9.0) know it: 0 for a
    /// character assigned later.
    var combiningClass: UInt8 = 0
    /// Whether the decomposition holds a character of nonzero combining class.
    var decompositionHasMarks = false
    /// The canonical decomposition when it differs from the character (computed when accents are
    /// stripped), else empty.
    var decomposition = InlineScalars()
    /// The lower case when it differs from the character (computed when lower-casing), else empty.
    var lowercase = InlineScalars()
}

/// Per-character facts looked up once and kept: owned by one thread (each chunk of a batch has its
/// own), so it needs no lock.
struct ScalarCache {
    private var infos: [UInt32: ScalarInfo] = [:]

    /// The facts of the character `v` for `splitter`'s settings (a cache serves one splitter).
    @inline(__always)
    mutating func info(_ v: UInt32, _ splitter: BertWordSplitter) -> ScalarInfo {
        if let known = infos[v] { return known }
        let info = Self.compute(v, splitter)
        infos[v] = info
        return info
    }

    private static func compute(_ v: UInt32, _ splitter: BertWordSplitter) -> ScalarInfo {
        guard let s = Unicode.Scalar(v) else { return ScalarInfo(kind: .dropped) }
        if BertCharacters.isDropped(s) { return ScalarInfo(kind: .dropped) }
        if BertCharacters.isWhitespace(s) { return ScalarInfo(kind: .whitespace) }
        var info = ScalarInfo(kind: BertCharacters.isCJK(v) ? .cjk : .text)
        info.isPunctuation = BertCharacters.isPunctuation(s)
        info.isNonspacingMark = BertCharacters.isNonspacingMark(s)
        let inTables = BertCharacters.inNormalizationTables(s)
        if inTables { info.combiningClass = s.properties.canonicalCombiningClass.rawValue }
        if splitter.stripAccents && inTables && v >= 0xC0 {
            let decomposed = String(s).decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
            if decomposed != [v] {
                info.decomposition = InlineScalars(decomposed)
                info.decompositionHasMarks = decomposed.contains {
                    Unicode.Scalar($0).map { $0.properties.canonicalCombiningClass.rawValue != 0 } ?? false
                }
            }
        }
        if splitter.lowercase && s.properties.changesWhenLowercased {
            info.lowercase = InlineScalars(s.properties.lowercaseMapping.unicodeScalars.map(\.value))
        }
        return info
    }
}
