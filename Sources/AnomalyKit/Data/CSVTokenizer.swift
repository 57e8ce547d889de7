import AnomalyMath

/// The field boundaries of a CSV file, found in one pass over its bytes (RFC 4180: quoted fields
/// with embedded delimiters, doubled quotes and line breaks; LF, CRLF or CR line ends).
///
/// Field `k` of record `r` is at index `r * columnCount + k`; record 0 is the header. Blank lines
/// (no characters at all) between records are skipped.
struct CSVTokens {
    /// Byte offsets of each field's content (inside the quotes for a quoted field).
    var starts: [Int] = []
    var ends: [Int] = []
    /// 0 = unquoted, 1 = quoted, 2 = quoted with doubled quotes to unescape.
    var flags: [UInt8] = []
    /// The 1-based physical line each record starts on.
    var lines: [Int] = []
    var columnCount = 0
    var recordCount: Int { lines.count }

    static let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    /// Picks `,`, `;` or tab: whichever occurs most often outside quotes in the first line (`,` on a tie).
    static func detectDelimiter(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var inQuotes = false
        var i = start
        while i < p.count {
            let b = p[i]
            if b == quote { inQuotes.toggle() } else if !inQuotes {
                if b == lf || b == cr { break }
                if counts[b] != nil { counts[b, default: 0] += 1 }
            }
            i += 1
        }
        let comma = counts[UInt8(ascii: ",")] ?? 0, semi = counts[UInt8(ascii: ";")] ?? 0, tab = counts[UInt8(ascii: "\t")] ?? 0
        if semi > comma && semi >= tab { return UInt8(ascii: ";") }
        if tab > comma && tab > semi { return UInt8(ascii: "\t") }
        return UInt8(ascii: ",")
    }

    /// Splits `p[start...]` into records of fields. Errors (ragged rows, unterminated quotes, text
    /// after a closing quote) name `file`, the line and the 1-based column.
    /// - Complexity: O(bytes)
    static func tokenize(_ p: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8, file: String) throws -> CSVTokens {
        var t = CSVTokens()
        let n = p.count
        var i = start
        var line = 1
        var columns = -1  // unknown until the header is read
        // A rough reservation: about 8 bytes per field.
        let guess = max(16, (n - start) / 8)
        t.starts.reserveCapacity(guess); t.ends.reserveCapacity(guess); t.flags.reserveCapacity(guess)

        while i < n {
            // Skip blank lines between records.
            if p[i] == lf { line += 1; i += 1; continue }
            if p[i] == cr {
                i += (i + 1 < n && p[i + 1] == lf) ? 2 : 1
                line += 1
                continue
            }
            let recordLine = line
            var field = 0
            while true {
                let fieldLine = line
                if i < n && p[i] == quote {
                    i += 1
                    let s = i
                    var escaped = false
                    while true {
                        guard i < n else {
                            throw AnomalyError.data("unterminated quoted field (the quote opened on line \(fieldLine) is never closed)",
                                                    file: file, line: fieldLine, column: field + 1)
                        }
                        let b = p[i]
                        if b == quote {
                            if i + 1 < n && p[i + 1] == quote { escaped = true; i += 2; continue }
                            break
                        }
                        if b == lf { line += 1 }
                        i += 1
                    }
                    t.starts.append(s); t.ends.append(i); t.flags.append(escaped ? 2 : 1)
                    i += 1  // the closing quote
                    if i < n {
                        let b = p[i]
                        if b != delimiter && b != lf && b != cr {
                            throw AnomalyError.data("unexpected text after a closing quote; quote the whole field and double any quote inside it",
                                                    file: file, line: line, column: field + 1)
                        }
                    }
                } else {
                    let s = i
                    while i < n {
                        let b = p[i]
                        if b == delimiter || b == lf || b == cr { break }
                        i &+= 1
                    }
                    t.starts.append(s); t.ends.append(i); t.flags.append(0)
                }
                field += 1
                if columns >= 0 && field > columns {
                    // Count the rest of the record for the message.
                    var extra = field
                    var j = i
                    var inQuotes = false
                    while j < n {
                        let b = p[j]
                        if b == quote { inQuotes.toggle() } else if !inQuotes {
                            if b == lf || b == cr { break }
                            if b == delimiter { extra += 1 }
                        }
                        j += 1
                    }
                    throw AnomalyError.data("row has \(extra) fields, the header has \(columns)",
                                            file: file, line: recordLine, column: columns + 1)
                }
                if i < n && p[i] == delimiter { i += 1; continue }
                // End of record.
                if i < n {
                    if p[i] == cr && i + 1 < n && p[i + 1] == lf { i += 2 } else { i += 1 }
                    line += 1
                }
                break
            }
            if columns < 0 {
                columns = field
            } else if field != columns {
                throw AnomalyError.data("row has \(field) field\(field == 1 ? "" : "s"), the header has \(columns)",
                                        file: file, line: recordLine, column: field + 1)
            }
            t.lines.append(recordLine)
        }
        t.columnCount = max(columns, 0)
        return t
    }
}
