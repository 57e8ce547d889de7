/// The character classes of BERT's text cleaning and splitting, defined as the Hugging Face
/// tokenizers library (Rust, what `BertTokenizerFast` runs) defines them, so token ids match it
/// exactly.
///
/// That library takes general categories from tables of Unicode 8.0 and canonical decompositions
/// and combining classes from tables of Unicode 9.0, while Swift's are of a newer Unicode. So a
/// character assigned after 8.0 is in none of the classes below (it is kept, and is neither
/// punctuation, a control character nor a nonspacing mark), the seven characters whose category
/// changed since 8.0 are listed by hand, and a character assigned after 9.0 is neither decomposed
/// nor reordered (see `inNormalizationTables`). White space and case mappings follow the current
/// Unicode in both libraries. A sweep over every code point checks all of this
/// (`scripts/check-tokenizer`).
enum BertCharacters {
    /// How an ASCII character is treated.
    enum ASCIIClass: UInt8 {
        case word, whitespace, punctuation, dropped
    }

    /// The class of each ASCII character: tab, LF and CR are white space, the other C0 controls
    /// and DEL are dropped, `!`…`/`, `:`…`@`, `[`…`` ` ``, `{`…`~` are punctuation.
    static let asciiClasses: [ASCIIClass] = (0..<128).map { v in
        switch v {
        case 9, 10, 13, 32: return .whitespace
        case 0..<32, 127: return .dropped
        case 33...47, 58...64, 91...96, 123...126: return .punctuation
        default: return .word
        }
    }

    /// True when a character was assigned in Unicode 8.0, the version of the category tables.
    @inline(__always)
    static func inCategoryTables(_ s: Unicode.Scalar) -> Bool {
        guard let age = s.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// True when a character was assigned in Unicode 9.0, the version of the decomposition
    /// tables: a later one is left as it is and, with combining class 0, never reordered.
    @inline(__always)
    static func inNormalizationTables(_ s: Unicode.Scalar) -> Bool {
        guard let age = s.properties.age else { return false }
        return age.major < 9 || (age.major == 9 && age.minor == 0)
    }

    /// Removed by cleaning: NUL, U+FFFD, and the categories Cc, Cf and Co (control, format,
    /// private use) except tab, LF and CR.
    static func isDropped(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return asciiClasses[Int(v)] == .dropped }
        if v == 0xFFFD { return true }
        if let exception = droppedSince8[v] { return exception }
        guard inCategoryTables(s) else { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// White space (becomes a word boundary): tab, LF, CR and Unicode's White_Space property
    /// (the other white-space controls, U+000B, U+000C and U+0085, are dropped before this test).
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return asciiClasses[Int(v)] == .whitespace }
        return s.properties.isWhitespace
    }

    /// Punctuation (each one a word of its own): ASCII punctuation, or a category P* character.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return asciiClasses[Int(v)] == .punctuation }
        if let exception = punctuationSince8[v] { return exception }
        guard inCategoryTables(s) else { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// A nonspacing mark (category Mn), removed when accents are stripped.
    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x300 { return false }
        if let exception = nonspacingMarkSince8[v] { return exception }
        return inCategoryTables(s) && s.properties.generalCategory == .nonspacingMark
    }

    /// A CJK ideograph as BERT defines it (each one becomes a word of its own): the CJK Unified
    /// Ideographs and Extensions A–E (without F's start, U+2B820–U+2B91F, a gap in the library's
    /// table), and the two blocks of CJK Compatibility Ideographs.
    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        switch v {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    // Characters assigned by Unicode 8.0 whose category changed since: what 8.0 said.
    /// None of the control, format and private-use characters of 8.0 changed category.
    static let droppedSince8: [UInt32: Bool] = [:]
    /// U+166D CANADIAN SYLLABICS CHI SIGN (Po, now So); U+111C9 SHARADA SANDHI MARK (Po, now Mn).
    static let punctuationSince8: [UInt32: Bool] = [0x166D: true, 0x111C9: true]
    /// U+1734 HANUNOO SIGN PAMUDPOD and U+1171E AHOM CONSONANT SIGN MEDIAL RA (Mn, now Mc);
    /// U+1885 and U+1886 MONGOLIAN LETTER ALI GALI BALUDA and THREE BALUDA (Lo, now Mn);
    /// U+A9BD JAVANESE CONSONANT SIGN KERET (Mc, now Mn); U+111C9 (Po, now Mn).
    static let nonspacingMarkSince8: [UInt32: Bool] = [
        0x1734: true, 0x1171E: true, 0x1885: false, 0x1886: false, 0xA9BD: false, 0x111C9: false,
    ]
}
