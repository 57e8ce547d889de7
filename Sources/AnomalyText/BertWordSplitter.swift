import Foundation

/// BERT's normalisation and pre-tokenisation in one pass: cleans the text (drops NUL, U+FFFD and
/// control/format/private-use characters; white space becomes a boundary), puts each CJK
/// ideograph in a word of its own, strips accents (canonical decomposition, then nonspacing marks
/// dropped), lower-cases character by character, and splits on white space and on each
/// punctuation character — the steps and order of the tokenizers library's `BertNormalizer` and
/// `BertPreTokenizer`.
///
/// Works on unicode scalars with an ASCII fast path; only runs of non-ASCII characters go through
/// Foundation's canonical decomposition, and only when accents are stripped.
struct BertWordSplitter: Sendable {
    var lowercase: Bool
    var stripAccents: Bool
    var splitCJK: Bool

    /// Calls `emit` with each word's UTF-8 bytes and its length in unicode scalars, in order, until
    /// it returns false.
    ///
    /// - Complexity: O(n) in the scalars of `text`.
    func forEachWord(in text: Substring, _ emit: (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
        withoutActuallyEscaping(emit) { emit in split(text, State(emit: emit)) }
    }

    private func split(_ text: Substring, _ initial: State) {
        var state = initial
        let asciiClasses = BertCharacters.asciiClasses
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                switch asciiClasses[Int(v)] {
                case .word:
                    if !state.pending.isEmpty { flushPending(&state) }
                    state.append(byte: lowercase && v >= 65 && v <= 90 ? UInt8(v + 32) : UInt8(v))
                case .whitespace:
                    if !state.pending.isEmpty { flushPending(&state) }
                    state.endWord()
                case .punctuation:
                    if !state.pending.isEmpty { flushPending(&state) }
                    state.endWord()
                    state.append(byte: UInt8(v))
                    state.endWord()
                case .dropped:
                    // Removed before the decomposition: the characters around it join.
                    continue
                }
            } else if BertCharacters.isDropped(s) {
                continue
            } else if BertCharacters.isWhitespace(s) {
                if !state.pending.isEmpty { flushPending(&state) }
                state.endWord()
            } else if splitCJK && BertCharacters.isCJK(v) {
                if !state.pending.isEmpty { flushPending(&state) }
                state.endWord()
                state.pending.append(s)
                flushPending(&state)
                state.endWord()
            } else if stripAccents {
                state.pending.append(s)
            } else {
                appendNormalized(s, &state)
            }
            if state.stopped { return }
        }
        if !state.pending.isEmpty { flushPending(&state) }
        state.endWord()
    }

    /// The words of `text` as strings (for tests and diagnostics).
    func words(_ text: String) -> [String] {
        var out: [String] = []
        forEachWord(in: Substring(text)) { bytes, _ in
            out.append(String(decoding: bytes, as: UTF8.self))
            return true
        }
        return out
    }

    /// The word being built and the run of non-ASCII characters waiting for decomposition.
    private struct State {
        let emit: (UnsafeBufferPointer<UInt8>, Int) -> Bool
        var word: [UInt8] = []
        var scalars = 0
        var pending: [Unicode.Scalar] = []
        var stopped = false

        init(emit: @escaping (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
            self.emit = emit
            word.reserveCapacity(128)
        }

        @inline(__always) mutating func append(byte: UInt8) {
            word.append(byte)
            scalars += 1
        }

        mutating func append(_ s: Unicode.Scalar) {
            word.append(contentsOf: UTF8.encode(s)!)
            scalars += 1
        }

        mutating func endWord() {
            guard scalars > 0, !stopped else { return }
            let more = word.withUnsafeBufferPointer { emit($0, scalars) }
            word.removeAll(keepingCapacity: true)
            scalars = 0
            if !more { stopped = true }
        }
    }

    /// Decomposes the waiting run (when stripping accents), drops its nonspacing marks and
    /// appends what is left.
    private func flushPending(_ state: inout State) {
        if stripAccents {
            // A character newer than the decomposition tables is a starter left as it is.
            var start = 0
            for (i, s) in state.pending.enumerated() where !BertCharacters.inNormalizationTables(s) {
                appendDecomposed(state.pending[start..<i], &state)
                if !BertCharacters.isNonspacingMark(s) { appendNormalized(s, &state) }
                start = i + 1
            }
            appendDecomposed(state.pending[start...], &state)
        } else {
            for s in state.pending { appendNormalized(s, &state) }
        }
        state.pending.removeAll(keepingCapacity: true)
    }

    /// The canonical decomposition of `run` without its nonspacing marks, added to the word.
    private func appendDecomposed(_ run: ArraySlice<Unicode.Scalar>, _ state: inout State) {
        guard !run.isEmpty else { return }
        let text = String(String.UnicodeScalarView(run))
        for d in text.decomposedStringWithCanonicalMapping.unicodeScalars where !BertCharacters.isNonspacingMark(d) {
            appendNormalized(d, &state)
        }
    }

    /// Lower-cases a cleaned (and decomposed) character if asked, then adds it to the word, or as
    /// a word of its own when it is punctuation.
    private func appendNormalized(_ s: Unicode.Scalar, _ state: inout State) {
        if lowercase && s.properties.changesWhenLowercased {
            for l in s.properties.lowercaseMapping.unicodeScalars { appendCased(l, &state) }
        } else {
            appendCased(s, &state)
        }
    }

    private func appendCased(_ s: Unicode.Scalar, _ state: inout State) {
        if BertCharacters.isPunctuation(s) {
            state.endWord()
            state.append(s)
            state.endWord()
        } else if BertCharacters.isWhitespace(s) {
            state.endWord()
        } else {
            state.append(s)
        }
    }
}
