import AnomalyMath
import Foundation

/// How to read a CSV file into a `Dataset`.
public struct CSVOptions: Sendable, Equatable {
    /// `,`, `;`, tab (or another single ASCII character); nil detects `,` `;` or tab from the header line.
    public var delimiter: Character?
    /// The column holding labels (0/1, true/false, yes/no, anomaly/normal, outlier/inlier); not a feature.
    public var labelColumn: String?
    /// Columns to ignore.
    public var drop: [String]
    /// The schema learned from the training file: given, the file is encoded exactly like it.
    public var schema: TableSchema?
    /// Keep missing numeric values as NaN (for imputation) instead of reporting them.
    public var allowMissing: Bool
    /// A text column with more distinct values than this is an error (one-hot would explode).
    public var maxCategories: Int
    /// Columns declared categorical: one-hot encoded by their text even where it is a number.
    public var categorical: [String]

    public init(delimiter: Character? = nil, labelColumn: String? = nil, drop: [String] = [],
                schema: TableSchema? = nil, allowMissing: Bool = false, maxCategories: Int = 256,
                categorical: [String] = []) {
        self.delimiter = delimiter
        self.labelColumn = labelColumn
        self.drop = drop
        self.schema = schema
        self.allowMissing = allowMissing
        self.maxCategories = maxCategories
        self.categorical = categorical
    }
}

/// Reads CSV files into datasets of numeric features.
///
/// The rules, in full:
/// - **Format.** A header row is required. Fields are separated by `,` `;` or tab (given, or
///   detected from the header line). RFC 4180 quoting: a field in double quotes may hold delimiters,
///   line breaks and doubled quotes (`""` → `"`). LF, CRLF and CR line ends; a UTF-8 byte-order mark
///   is ignored; completely empty lines are skipped. Spaces (and tabs, unless tab is the delimiter)
///   around an unquoted field are trimmed. Lines are numbered from 1 = the header, physically (a
///   quoted line break starts a new line). An empty header name becomes `column<N>` (1-based).
/// - **Missing values.** In a numeric column an empty cell (or `""`) and the texts `nan`, `na`,
///   `n/a`, `null`, `none` (any case) are missing: NaN when `allowMissing`, otherwise an error naming
///   the line and column. `inf`, `-inf`, `infinity` are numbers that are always reported as errors,
///   and so is a finite value beyond `Float`'s range (features are stored as `Float`).
/// - **Column kinds (training).** A column declared in `options.categorical` is categorical. Any
///   other column whose non-missing cells all parse as decimal numbers is numeric. A column where
///   *most* non-missing cells are numbers — strictly more numbers than texts — but some are not is
///   "numeric elsewhere": its first text cell (in file order) is an error naming the line, the
///   column and the value, with the hint `.declareCategorical(column:)` (a typo such as `x1` in a
///   column of amounts must not silently become a one-hot feature per amount). Any other column
///   (texts at least as many as numbers) is categorical. A categorical column is one-hot encoded
///   with one feature per distinct (trimmed) text, categories sorted, numbers included as their
///   text; an empty cell encodes as all zeros. More than `maxCategories` distinct values is an
///   error with the hint `.dropColumn`. Naming a column in `categorical` that is not in the header
///   (or that is the label or dropped) is an error listing the columns.
/// - **Schema (scoring).** With `options.schema`, columns are matched by name in any order. A schema
///   column missing from the file, or a file column that is neither in the schema nor dropped nor
///   the label, is an error naming it. A numeric column's non-numeric cell is an error with its
///   line and column. A category not seen at training time encodes as all zeros for that column.
///   Dropped columns are `schema.dropped` plus `options.drop`; they and the label column may be absent.
///   `options.categorical` may repeat what the schema says; a column it names must be categorical
///   in the schema (the schema, not the scoring file, decides how columns are encoded).
/// - **Labels.** `1`, `1.0`, `true`, `yes`, `anomaly`, `anomalous`, `outlier` → 1; `0`, `0.0`,
///   `false`, `no`, `normal`, `inlier` → 0 (any case); anything else, empty included, is an error.
public enum CSVReader {
    /// Reads and encodes the CSV file at `path`. - Complexity: O(file size + rows × features)
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        let data = try NumPy.readFile(path)
        return try parse(data, file: path, options: options)
    }

    /// Parses CSV bytes; errors name `file`. - Complexity: O(bytes + rows × features)
    public static func parse(_ data: Data, file: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        var bytes = [UInt8](data)
        bytes.append(0)  // a terminator, so number parsing may look one byte past a field
        return try bytes.withUnsafeBufferPointer { whole in
            let p = UnsafeBufferPointer(rebasing: whole[0..<(whole.count - 1)])
            return try Decoder(p: p, file: file, options: options).run()
        }
    }
}

extension CSVReader {
    /// The text of the named columns, exactly as the cells hold it (trimmed and unquoted as the
    /// reader does; no number parsing): one array per data row, in `names` order, rows in the same
    /// order as `read` returns them (empty lines skipped alike). Used to carry identifiers (an `id`
    /// column that is not a feature) next to scores.
    /// A name not in the header is an error naming the file and the column and listing the columns.
    /// - Complexity: O(file size + rows × names)
    package static func columnTexts(_ names: [String], path: String, delimiter: Character? = nil,
                                    validatingUTF8: Bool = false) throws -> [[String]] {
        var bytes = [UInt8](try NumPy.readFile(path))
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { whole in
            let p = UnsafeBufferPointer(rebasing: whole[0..<(whole.count - 1)])
            var start = 0
            if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { start = 3 }
            guard p[start...].contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
                throw AnomalyError.data("empty file: a CSV file needs a header row and at least one data row", file: path)
            }
            let d: UInt8
            if let delimiter {
                guard let a = delimiter.asciiValue, delimiter != "\"", delimiter != "\n", delimiter != "\r" else {
                    throw AnomalyError.parameter("delimiter", "the delimiter must be one ASCII character other than a quote or line break, got \"\(delimiter)\"")
                }
                d = a
            } else {
                d = CSVTokens.detectDelimiter(p, from: start)
            }
            let tokens = try CSVTokens.tokenize(p, from: start, delimiter: d, file: path)
            let cells = Cells(p: p, tokens: tokens, trimTabs: d != UInt8(ascii: "\t"))
            var header: [String] = []
            for c in 0..<tokens.columnCount {
                let name = cells.text(record: 0, column: c)
                header.append(name.isEmpty ? "column\(c + 1)" : name)
            }
            let indices = try names.map { name -> Int in
                guard let c = header.firstIndex(of: name) else {
                    throw AnomalyError.data("no such column (the columns are: \(header.joined(separator: ", ")))",
                                            file: path, line: 1, field: name)
                }
                return c
            }
            guard validatingUTF8 else {
                return (1..<max(1, tokens.recordCount)).map { r in indices.map { cells.text(record: r, column: $0) } }
            }
            return try (1..<max(1, tokens.recordCount)).map { r in
                try indices.map { c in
                    guard let text = cells.validatedText(record: r, column: c) else {
                        throw AnomalyError.data("the text is not valid UTF-8", file: path, line: tokens.lines[r],
                                                column: c + 1, field: header[c])
                    }
                    return text
                }
            }
        }
    }
}

private struct Decoder {
    let p: UnsafeBufferPointer<UInt8>
    let file: String
    let options: CSVOptions

    func fail(_ msg: String, line: Int? = nil, column: Int? = nil, field: String? = nil) -> AnomalyError {
        .data(msg, file: file, line: line, column: column, field: field)
    }

    func run() throws -> Dataset {
        var start = 0
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { start = 3 }
        // An empty file: nothing but white space.
        if !p[start...].contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            throw fail("empty file: a CSV file needs a header row and at least one data row")
        }
        let delimiter: UInt8
        if let d = options.delimiter {
            guard let a = d.asciiValue, d != "\"", d != "\n", d != "\r" else {
                throw AnomalyError.parameter("delimiter", "the delimiter must be one ASCII character other than a quote or line break, got \"\(d)\"")
            }
            delimiter = a
        } else {
            delimiter = CSVTokens.detectDelimiter(p, from: start)
        }
        let tokens = try CSVTokens.tokenize(p, from: start, delimiter: delimiter, file: file)
        let m = tokens.columnCount
        let rows = tokens.recordCount - 1
        guard rows >= 1 else {
            throw fail("the file has a header but no data rows", line: 2)
        }
        let trimTabs = delimiter != UInt8(ascii: "\t")
        let cells = Cells(p: p, tokens: tokens, trimTabs: trimTabs)

        // Header names.
        var names: [String] = []
        var seen: [String: Int] = [:]
        for c in 0..<m {
            var name = cells.text(record: 0, column: c)
            if name.isEmpty { name = "column\(c + 1)" }
            if let first = seen[name] {
                throw fail("duplicate column name (also column \(first + 1))", line: 1, column: c + 1, field: name)
            }
            seen[name] = c
            names.append(name)
        }
        let columnList = names.joined(separator: ", ")

        // Roles: label, dropped, features.
        let schema = options.schema
        let labelName = options.labelColumn ?? schema?.labelColumn
        var labelIndex: Int?
        if let labelName {
            if let c = seen[labelName] {
                labelIndex = c
            } else if options.labelColumn != nil && schema == nil {
                throw fail("label column not found in the header (columns: \(columnList))", line: 1, field: labelName)
            }
        }
        let dropNames = options.drop + (schema?.dropped ?? [])
        var dropped = Set<Int>()
        for name in options.drop {
            guard let c = seen[name] else {
                if schema != nil { continue }  // scoring: a dropped column may be absent
                throw fail("column to drop not found in the header (columns: \(columnList))", line: 1, field: name)
            }
            dropped.insert(c)
        }
        for name in schema?.dropped ?? [] { if let c = seen[name] { dropped.insert(c) } }
        if let l = labelIndex, dropped.contains(l), options.labelColumn != nil {
            throw AnomalyError.parameter("drop", "column '\(names[l])' is the label column; it cannot be dropped too")
        }

        // Feature columns: (file column index, kind, output offset).
        var plan: [(column: Int, name: String, kind: TableSchema.ColumnKind?)] = []
        if let schema {
            var used = Set<Int>()
            for col in schema.columns {
                guard let c = seen[col.name] else {
                    throw fail("column of the training data is missing (the model expects: \(schema.columns.map(\.name).joined(separator: ", ")))",
                               line: 1, field: col.name)
                }
                used.insert(c)
                plan.append((c, col.name, col.kind))
            }
            for c in 0..<m where !used.contains(c) && !dropped.contains(c) && c != labelIndex {
                throw AnomalyError.data("column was not in the training data", file: file, line: 1, column: c + 1,
                                        field: names[c], hint: .dropColumn(names[c]))
            }
        } else {
            for c in 0..<m where !dropped.contains(c) && c != labelIndex {
                plan.append((c, names[c], nil))
            }
        }
        // Declared categorical columns: in the header, features, and (scoring) categorical in the schema.
        var declared = Set<Int>()
        for name in options.categorical {
            guard let c = seen[name] else {
                throw fail("column declared categorical is not in the header (columns: \(columnList))", line: 1, field: name)
            }
            guard let j = plan.firstIndex(where: { $0.column == c }) else {
                throw AnomalyError.parameter(name, "column declared categorical is \(c == labelIndex ? "the label column" : "dropped"); it is not a feature (\(file))")
            }
            if let kind = plan[j].kind, case .numeric = kind {
                throw fail("column declared categorical is numeric in the model's schema; the schema decides how it is encoded",
                           line: 1, column: c + 1, field: name)
            }
            declared.insert(c)
        }

        // Decode each feature column (in parallel over columns).
        let maxCategories = options.maxCategories
        let frozenPlan = plan
        let frozenDeclared = declared
        let results: [ColumnResult] = parallelMap(plan.count) { j in
            cells.decode(column: frozenPlan[j].column, kind: frozenPlan[j].kind, rows: rows, maxCategories: maxCategories,
                         declaredCategorical: frozenDeclared.contains(frozenPlan[j].column))
        }

        // Report the first problem in file order (row, then column).
        var firstProblem: (row: Int, column: Int, error: AnomalyError)?
        func consider(_ row: Int, _ column: Int, _ make: () -> AnomalyError) {
            if let f = firstProblem, (f.row, f.column) <= (row, column) { return }
            firstProblem = (row, column, make())
        }
        for (j, r) in results.enumerated() {
            let c = plan[j].column, name = plan[j].name
            if let (row, text) = r.notNumber {
                consider(row, c) {
                    fail("expected a number (the column is numeric in the model's schema), got \"\(text.prefix(60))\"",
                         line: tokens.lines[row + 1], column: c + 1, field: name)
                }
            }
            if let (row, text) = r.numericElsewhere {
                consider(row, c) {
                    AnomalyError.data("'\(text.prefix(60))' is not a number (the column is numeric elsewhere)",
                                      file: file, line: tokens.lines[row + 1], column: c + 1, field: name,
                                      hint: .declareCategorical(column: name))
                }
            }
            if let (row, value) = r.nonFinite {
                consider(row, c) {
                    let what = value.isInfinite ? "infinity" : "value \(value) too large for 32-bit floats"
                    return fail("\(what) is not allowed in the data; replace it or remove the row",
                                line: tokens.lines[row + 1], column: c + 1, field: name)
                }
            }
            if !options.allowMissing, let row = r.firstMissing {
                consider(row, c) {
                    AnomalyError.data("missing value (empty cell or NaN)", file: file, line: tokens.lines[row + 1],
                                      column: c + 1, field: name, hint: .impute)
                }
            }
        }
        if let f = firstProblem { throw f.error }
        for (j, r) in results.enumerated() {
            if case .categorical(let cats) = r.kind, cats.count > maxCategories, schema == nil {
                var msg = "text column with \(cats.count) distinct values; one-hot encoding would add that many features (limit \(maxCategories))"
                if let (row, text) = r.firstText {
                    msg += "; its first non-numeric value is \"\(text.prefix(40))\" on line \(tokens.lines[row + 1])"
                }
                throw AnomalyError.data(msg, file: file, line: 1, column: plan[j].column + 1, field: plan[j].name,
                                        hint: .dropColumn(plan[j].name))
            }
        }

        // Labels.
        var labels: [Int]?
        if let l = labelIndex {
            labels = try cells.labels(column: l, rows: rows, name: names[l], file: file, lines: tokens.lines)
        }

        // Assemble the matrix.
        let outSchema = schema ?? TableSchema(
            columns: zip(plan, results).map { TableSchema.Column(name: $0.0.name, kind: $0.1.kind) },
            labelColumn: labelIndex.map { names[$0] },
            dropped: dropNames.filter { seen[$0] != nil })
        let widths = outSchema.columns.map { col -> Int in
            if case .categorical(let cats) = col.kind { return cats.count }
            return 1
        }
        let d = widths.reduce(0, +)
        var values = [Double](repeating: 0, count: rows * d)
        values.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for (j, r) in results.enumerated() {
                switch r.storage {
                case .numbers(let xs):
                    xs.withUnsafeBufferPointer { x in
                        for row in 0..<rows { out[row &* d &+ offset] = x[row] }
                    }
                case .codes(let codes):
                    codes.withUnsafeBufferPointer { k in
                        for row in 0..<rows where k[row] >= 0 { out[row &* d &+ offset &+ Int(k[row])] = 1 }
                    }
                }
                offset += widths[j]
            }
        }
        return Dataset(x: Matrix(rows: rows, cols: d, doubles: values), labels: labels,
                       featureNames: outSchema.featureNames, schema: outSchema)
    }
}

/// One decoded feature column.
struct ColumnResult: Sendable {
    enum Storage: Sendable {
        case numbers([Double])
        /// Category index per row, -1 = none (empty or unseen).
        case codes([Int32])
    }
    var kind: TableSchema.ColumnKind
    var storage: Storage
    /// First row (0-based data row) with a missing numeric value.
    var firstMissing: Int?
    /// First row with infinity or a value beyond Float's range.
    var nonFinite: (Int, Double)?
    /// Schema mode: first row whose text is not a number in a numeric column.
    var notNumber: (Int, String)?
    /// Inference: the first non-numeric text that made the column categorical.
    var firstText: (Int, String)?
    /// Inference: the first text cell of a column whose cells are mostly numbers (an error).
    var numericElsewhere: (Int, String)?
}

/// Read access to the cells of a tokenized file.
struct Cells: @unchecked Sendable {
    // Read-only views over memory that outlives every use (`CSVReader.parse` keeps it alive).
    let p: UnsafeBufferPointer<UInt8>
    let tokens: CSVTokens
    let trimTabs: Bool

    /// The trimmed byte range and flag of a cell.
    @inline(__always)
    func range(record: Int, column: Int) -> (Int, Int, UInt8) {
        let k = record &* tokens.columnCount &+ column
        var s = tokens.starts[k], e = tokens.ends[k]
        let f = tokens.flags[k]
        if f == 0 {
            while s < e && (p[s] == 0x20 || (trimTabs && p[s] == 0x09)) { s &+= 1 }
            while e > s && (p[e &- 1] == 0x20 || (trimTabs && p[e &- 1] == 0x09)) { e &-= 1 }
        }
        return (s, e, f)
    }

    /// The cell's text, or nil when its bytes are not valid UTF-8.
    func validatedText(record: Int, column: Int) -> String? {
        let (s, e, f) = range(record: record, column: column)
        guard let raw = String(validating: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self) else { return nil }
        return f == 2 ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
    }

    func text(record: Int, column: Int) -> String {
        let (s, e, f) = range(record: record, column: column)
        let raw = String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)
        return f == 2 ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
    }

    func decode(column c: Int, kind: TableSchema.ColumnKind?, rows: Int, maxCategories: Int,
                declaredCategorical: Bool = false) -> ColumnResult {
        if declaredCategorical && kind == nil {
            return categories(column: c, rows: rows, maxCategories: maxCategories, firstText: nil)
        }
        if case .categorical(let cats)? = kind {
            var index: [String: Int32] = [:]
            for (i, cat) in cats.enumerated() { index[cat] = Int32(i) }
            var codes = [Int32](repeating: -1, count: rows)
            for r in 0..<rows {
                let (s, e, _) = range(record: r + 1, column: c)
                if s == e { continue }
                codes[r] = index[text(record: r + 1, column: c)] ?? -1
            }
            return ColumnResult(kind: .categorical(categories: cats), storage: .codes(codes))
        }
        var xs = [Double](repeating: .nan, count: rows)
        var firstMissing: Int?, nonFinite: (Int, Double)?
        var failedAt: Int?
        for r in 0..<rows {
            let (s, e, _) = range(record: r + 1, column: c)
            switch NumberParser.parse(p, s, e) {
            case .number(let v):
                xs[r] = v
                if nonFinite == nil && (v.isInfinite || abs(v) > Double(Float.greatestFiniteMagnitude)) { nonFinite = (r, v) }
            case .missing:
                if firstMissing == nil { firstMissing = r }
            case .text:
                failedAt = r
            }
            if failedAt != nil { break }
        }
        guard let failed = failedAt else {
            return ColumnResult(kind: .numeric, storage: .numbers(xs), firstMissing: firstMissing, nonFinite: nonFinite)
        }
        let bad = text(record: failed + 1, column: c)
        if kind != nil {
            // Schema mode: the column must be numeric.
            return ColumnResult(kind: .numeric, storage: .numbers(xs), firstMissing: firstMissing, nonFinite: nonFinite,
                                notNumber: (failed, bad))
        }
        // Inference: numbers in the majority make the text cells errors ("numeric elsewhere").
        var numbers = 0, texts = 0
        for r in 0..<rows {
            let (s, e, _) = range(record: r + 1, column: c)
            switch NumberParser.parse(p, s, e) {
            case .number: numbers &+= 1
            case .text: texts &+= 1
            case .missing: break
            }
        }
        if numbers > texts {
            return ColumnResult(kind: .numeric, storage: .numbers(xs), firstMissing: firstMissing, nonFinite: nonFinite,
                                numericElsewhere: (failed, bad))
        }
        return categories(column: c, rows: rows, maxCategories: maxCategories, firstText: (failed, bad))
    }

    /// A text column, one-hot encoded with sorted categories (every non-empty cell's text).
    func categories(column c: Int, rows: Int, maxCategories: Int, firstText: (Int, String)?) -> ColumnResult {
        var index: [String: Int32] = [:]
        var codes = [Int32](repeating: -1, count: rows)
        var order: [String] = []
        for r in 0..<rows {
            let (s, e, _) = range(record: r + 1, column: c)
            if s == e { continue }
            let t = text(record: r + 1, column: c)
            if let k = index[t] { codes[r] = k; continue }
            let k = Int32(order.count)
            index[t] = k
            order.append(t)
            codes[r] = k
            if order.count > maxCategories {
                // Too many: stop here, the caller reports it (the count shown is a lower bound).
                return ColumnResult(kind: .categorical(categories: order), storage: .codes([]), firstText: firstText)
            }
        }
        let sorted = order.sorted()
        var remap = [Int32](repeating: 0, count: order.count)
        for (newIndex, cat) in sorted.enumerated() { if let old = index[cat] { remap[Int(old)] = Int32(newIndex) } }
        for r in 0..<rows where codes[r] >= 0 { codes[r] = remap[Int(codes[r])] }
        return ColumnResult(kind: .categorical(categories: sorted), storage: .codes(codes), firstText: firstText)
    }

    func labels(column c: Int, rows: Int, name: String, file: String, lines: [Int]) throws -> [Int] {
        var out = [Int](repeating: 0, count: rows)
        for r in 0..<rows {
            let (s, e, _) = range(record: r + 1, column: c)
            if e - s == 1 && (p[s] == UInt8(ascii: "0") || p[s] == UInt8(ascii: "1")) {
                out[r] = Int(p[s] - UInt8(ascii: "0"))
                continue
            }
            let t = text(record: r + 1, column: c).lowercased()
            switch t {
            case "1", "1.0", "true", "yes", "anomaly", "anomalous", "outlier": out[r] = 1
            case "0", "0.0", "false", "no", "normal", "inlier": out[r] = 0
            default:
                throw AnomalyError.data("label must be 0 or 1 (or true/false, yes/no, anomaly/normal, outlier/inlier), got \(t.isEmpty ? "an empty cell" : "\"\(t.prefix(40))\"")",
                                        file: file, line: lines[r + 1], column: c + 1, field: name)
            }
        }
        return out
    }
}

/// Decimal number parsing straight from bytes.
enum NumberParser {
    enum Result { case number(Double), missing, text }

    static let powersOf10: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { r, _ in r * 10 } }

    /// Parses `p[s..<e]` (already trimmed): a decimal number (`-1.5e3`, `.5`, `7.`), `inf`/`infinity`
    /// (signed), a missing-value marker, or text. Correctly rounded: a fast exact path for up to 19
    /// digits with small exponents (Clinger), else Swift's `Double(String)`.
    @inline(__always)
    static func parse(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Result {
        if s == e { return .missing }
        var i = s
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") { negative = p[i] == UInt8(ascii: "-"); i &+= 1 }
        var mantissa: UInt64 = 0
        var digits = 0, significant = 0, fractionDigits = 0
        var exact = true
        while i < e, p[i] &- 0x30 < 10 {
            let d = UInt64(p[i] &- 0x30)
            if significant > 0 || d != 0 { significant &+= 1 }
            if significant <= 19 { mantissa = mantissa &* 10 &+ d } else { exact = false }
            digits &+= 1; i &+= 1
        }
        if i < e && p[i] == UInt8(ascii: ".") {
            i &+= 1
            while i < e, p[i] &- 0x30 < 10 {
                let d = UInt64(p[i] &- 0x30)
                if significant > 0 || d != 0 { significant &+= 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ d; fractionDigits &+= 1 } else { exact = false }
                digits &+= 1; i &+= 1
            }
        }
        guard digits > 0 else { return special(p, s, e) }
        var exponent = 0
        if i < e && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i &+= 1
            var expNegative = false
            if i < e && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) { expNegative = p[i] == UInt8(ascii: "-"); i &+= 1 }
            var expDigits = 0
            while i < e, p[i] &- 0x30 < 10 {
                if exponent < 100_000 { exponent = exponent &* 10 &+ Int(p[i] &- 0x30) }
                expDigits &+= 1; i &+= 1
            }
            guard expDigits > 0 else { return .text }
            if expNegative { exponent = -exponent }
        }
        guard i == e else { return .text }
        let e10 = exponent - fractionDigits
        if exact && mantissa <= (1 << 53) && e10 >= -22 && e10 <= 22 {
            var v = Double(mantissa)
            v = e10 >= 0 ? v * powersOf10[e10] : v / powersOf10[-e10]
            return .number(negative ? -v : v)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)
        if let v = Double(text) { return .number(v) }
        return .text
    }

    /// `inf`, `infinity` (signed) and the missing-value markers, any case.
    static func special(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Result {
        guard e - s <= 9 else { return .text }
        var t = ""
        for k in s..<e {
            var b = p[k]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            t.unicodeScalars.append(Unicode.Scalar(b))
        }
        switch t {
        case "nan", "-nan", "+nan", "na", "n/a", "null", "none": return .missing
        case "inf", "+inf", "infinity", "+infinity": return .number(.infinity)
        case "-inf", "-infinity": return .number(-.infinity)
        default: return .text
        }
    }
}
