import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

@Suite struct DataCSVTests {
    func read(_ text: String, name: String = "data.csv", _ options: CSVOptions = CSVOptions()) throws -> Dataset {
        try CSVReader.read(path: DataFiles.write(text, name: name), options: options)
    }

    func csvError(_ text: String, name: String = "bad.csv", _ options: CSVOptions = CSVOptions()) -> (AnomalyError?, String) {
        let path = DataFiles.write(text, name: name)
        return (DataFiles.error { _ = try CSVReader.read(path: path, options: options) }, path)
    }

    @Test func numericKnownAnswer() throws {
        let d = try read("a,b,c\n1,2.5,-3\n4e2,.5,7.\n")
        #expect(d.x == Matrix([[1, 2.5, -3], [400, 0.5, 7]] as [[Float]]))
        #expect(d.featureNames == ["a", "b", "c"])
        #expect(d.labels == nil)
        #expect(d.schema == TableSchema(columns: ["a", "b", "c"].map { .init(name: $0, kind: .numeric) }))
    }

    @Test(arguments: [(",", "a,b\n1,2\n3,4\n"), (";", "a;b\n1;2\n3;4\n"), ("\t", "a\tb\n1\t2\n3\t4\n")])
    func delimiterDetection(delimiter: String, text: String) throws {
        let auto = try read(text)
        #expect(auto.x == Matrix([[1, 2], [3, 4]] as [[Float]]))
        let given = try read(text, CSVOptions(delimiter: Character(delimiter)))
        #expect(given.x == auto.x)
    }

    @Test func quotesCRLFAndOneHot() throws {
        // Quoted delimiter, doubled quotes, a line break inside quotes, CRLF line ends, a BOM.
        let text = "\u{FEFF}id,\"city, country\",amount,flag\r\n"
            + "1,\"Paris, FR\",10,1\r\n"
            + "2,\"He said \"\"hi\"\"\",20,0\r\n"
            + "3,\"two\nlines\",30,0\r\n"
            + "4,\"Paris, FR\",40,1\r\n"
        let d = try read(text, CSVOptions(labelColumn: "flag", drop: ["id"]))
        // Categories sorted: `He said "hi"`, `Paris, FR`, `two\nlines`.
        #expect(d.featureNames == ["city, country=He said \"hi\"", "city, country=Paris, FR", "city, country=two\nlines", "amount"])
        #expect(d.x == Matrix([[0, 1, 0, 10], [1, 0, 0, 20], [0, 0, 1, 30], [0, 1, 0, 40]] as [[Float]]))
        #expect(d.labels == [1, 0, 0, 1])
        #expect(d.schema?.labelColumn == "flag")
        #expect(d.schema?.dropped == ["id"])
    }

    @Test func schemaRoundTripEncodesIdentically() throws {
        let train = try read("x,color,y\n1,red,0\n2,blue,1\n3,green,0\n", CSVOptions(labelColumn: "y"))
        let schema = try #require(train.schema)
        #expect(schema.columns[1].kind == .categorical(categories: ["blue", "green", "red"]))
        // Columns in another order, label absent, an unseen category (all zeros), an empty category cell.
        let score = try read("color,x\nred,5\npurple,6\n,7\nblue,8\n", CSVOptions(schema: schema))
        #expect(score.featureNames == train.featureNames)
        #expect(score.x == Matrix([[5, 0, 0, 1], [6, 0, 0, 0], [7, 0, 0, 0], [8, 1, 0, 0]] as [[Float]]))
        #expect(score.labels == nil)
        #expect(score.schema == schema)
        // The same file read with its own labels present.
        let again = try read("y,x,color\n1,1,red\n", CSVOptions(schema: schema))
        #expect(again.labels == [1])
    }

    @Test func labelSpellings() throws {
        let d = try read("v,label\n1,true\n2,False\n3,anomaly\n4,normal\n5,1.0\n6,0\n", CSVOptions(labelColumn: "label"))
        #expect(d.labels == [1, 0, 1, 0, 1, 0])
    }

    @Test func missingValuesAllowedBecomeNaN() throws {
        let d = try read("a,b\n1,\n NaN ,2\nna,3\n", CSVOptions(allowMissing: true))
        #expect(d.x[0, 1].isNaN && d.x[1, 0].isNaN && d.x[2, 0].isNaN)
        #expect(d.x[1, 1] == 2)
        #expect(d.schema?.columns.map(\.kind) == [.numeric, .numeric])
    }

    @Test func numberParsingIsCorrectlyRounded() throws {
        let texts = ["0.1", "-2.5e-3", "123456789012345678901234", "1e-30", "3.14159265358979323846", "+7", "0.30000000000000004"]
        let d = try read("a\n" + texts.joined(separator: "\n") + "\n")
        for (i, t) in texts.enumerated() { #expect(d.x[i, 0] == Float(Double(t)!)) }
    }

    @Test func blankLinesAndTrailingNewlineAreSkipped() throws {
        let d = try read("a,b\n\n1,2\n\n3,4\n\n")
        #expect(d.rowCount == 2)
    }

    @Test func classicMacLineEndsQuotedNumbersAndUnnamedColumns() throws {
        let d = try read(",v,w\r0,\"1.5\",\"\"\r1, 2 ,3\r", CSVOptions(drop: ["column1"], allowMissing: true))
        #expect(d.featureNames == ["v", "w"])
        #expect(d.x[0, 0] == 1.5 && d.x[0, 1].isNaN && d.x[1, 0] == 2 && d.x[1, 1] == 3)
    }

    // MARK: Errors: each names the file and the line/column or field.

    @Test func emptyFile() {
        let (e, path) = csvError("")
        #expect(e?.file == path)
        #expect(e?.message.contains("empty") == true)
        let (e2, path2) = csvError("\n\n  \n")
        #expect(e2?.file == path2 && e2?.message.contains("empty") == true)
    }

    @Test func headerOnly() {
        let (e, path) = csvError("a,b,c\n")
        #expect(e?.file == path)
        #expect(e?.line == 2)
        #expect(e?.message.contains("no data rows") == true)
    }

    @Test func raggedRows() {
        let (short, path) = csvError("a,b,c\n1,2,3\n4,5\n")
        #expect(short?.file == path && short?.line == 3 && short?.column == 3)
        #expect(short?.message.contains("2 fields, the header has 3") == true)
        // A quoted line break moves later line numbers down.
        let (long, _) = csvError("a,b\n\"x\ny\",1\n1,2,3\n")
        #expect(long?.line == 4 && long?.column == 3)
        #expect(long?.message.contains("3 fields, the header has 2") == true)
    }

    @Test func unterminatedQuote() {
        let (e, path) = csvError("a,b\n1,2\n3,\"open\n4,5\n")
        #expect(e?.file == path && e?.line == 3 && e?.column == 2)
        #expect(e?.message.contains("unterminated") == true)
    }

    @Test func textAfterClosingQuote() {
        let (e, path) = csvError("a,b\n1,\"x\"y\n")
        #expect(e?.file == path && e?.line == 2 && e?.column == 2)
    }

    @Test func missingValueReportedByNameAndPosition() {
        let (e, path) = csvError("a,b\n1,2\n3,\n")
        #expect(e?.file == path && e?.line == 3 && e?.column == 2 && e?.field == "b")
        #expect(e?.message.contains("missing") == true)
        let (nan, _) = csvError("a,b\n1,2\nNaN,3\n")
        #expect(nan?.line == 3 && nan?.column == 1 && nan?.field == "a")
    }

    @Test func infinityIsAlwaysAnError() {
        for text in ["a,b\n1,2\n3,inf\n", "a,b\n1,2\n3,-Infinity\n", "a,b\n1,2\n3,1e300\n"] {
            let (e, path) = csvError(text, CSVOptions(allowMissing: true))
            #expect(e?.file == path && e?.line == 3 && e?.column == 2 && e?.field == "b", "\(text)")
        }
    }

    @Test func firstProblemInFileOrderIsReported() {
        // Row 3 column 2 is missing, row 2 column 3 is infinite: line 2 comes first.
        let (e, _) = csvError("a,b,c\n1,2,inf\n1,,3\n")
        #expect(e?.line == 2 && e?.column == 3 && e?.field == "c")
    }

    @Test func unknownLabelAndDropColumns() {
        let (e, path) = csvError("a,b\n1,2\n", CSVOptions(labelColumn: "target"))
        #expect(e?.file == path && e?.field == "target")
        #expect(e?.message.contains("a, b") == true)
        let (d, path2) = csvError("a,b\n1,2\n", CSVOptions(drop: ["zzz"]))
        #expect(d?.file == path2 && d?.field == "zzz")
    }

    @Test func badLabelValue() {
        let (e, path) = csvError("a,y\n1,0\n2,2\n", CSVOptions(labelColumn: "y"))
        #expect(e?.file == path && e?.line == 3 && e?.column == 2 && e?.field == "y")
        #expect(e?.message.contains("\"2\"") == true)
    }

    @Test func duplicateHeader() {
        let (e, path) = csvError("a,b,a\n1,2,3\n")
        #expect(e?.file == path && e?.line == 1 && e?.column == 3 && e?.field == "a")
    }

    @Test func schemaMismatches() throws {
        let schema = TableSchema(columns: [.init(name: "x", kind: .numeric), .init(name: "c", kind: .categorical(categories: ["u", "v"]))])
        let (missing, p1) = csvError("x\n1\n", CSVOptions(schema: schema))
        #expect(missing?.file == p1 && missing?.field == "c")
        let (extra, p2) = csvError("x,c,z\n1,u,3\n", CSVOptions(schema: schema))
        #expect(extra?.file == p2 && extra?.field == "z" && extra?.column == 3)
        // Dropping the extra column at scoring time is fine.
        let ok = try read("x,c,z\n1,u,3\n", CSVOptions(drop: ["z"], schema: schema))
        #expect(ok.x == Matrix([[1, 1, 0]] as [[Float]]))
        // A non-numeric cell in a column that is numeric in the schema.
        let (text, p3) = csvError("c,x\nu,1\nv,abc\n", CSVOptions(schema: schema))
        #expect(text?.file == p3 && text?.line == 3 && text?.column == 2 && text?.field == "x")
        #expect(text?.message.contains("abc") == true)
    }

    @Test func tooManyCategories() {
        let rows = (0..<20).map { "id\($0),\($0)" }.joined(separator: "\n")
        let (e, path) = csvError("name,v\n" + rows + "\n", CSVOptions(maxCategories: 10))
        #expect(e?.file == path && e?.field == "name" && e?.column == 1)
        // The remedy is a typed hint (the CLI spells it `--drop name`); the library names no flag.
        #expect(e?.hint == .dropColumn("name"))
        #expect(e?.message.contains("--") == false)
    }

    @Test func typoInNumericColumnIsExplained() {
        // One stray text in a column of numbers is an error at that cell (it used to make the
        // column categorical, and the category limit then pointed at it).
        let rows = (0..<50).map { "\($0)" } + ["1,5"]
        let (e, path) = csvError("v\n" + rows.map { "\"\($0)\"" }.joined(separator: "\n") + "\n", CSVOptions(maxCategories: 20))
        #expect(e?.file == path && e?.line == 52 && e?.column == 1 && e?.field == "v")
        #expect(e?.message.contains("'1,5' is not a number") == true)
    }

    @Test func aTextCellInANumericColumnIsAnErrorNamingFileLineColumnAndValue() throws {
        let rows = (1...25).map { i in i == 21 ? "x1,\(i)" : "\(Double(i) / 10),\(i)" }
        let (e, path) = csvError("a,b\n" + rows.joined(separator: "\n") + "\n")
        let error = try #require(e)
        #expect(error.kind == .data && error.file == path && error.line == 22 && error.column == 1 && error.field == "a")
        #expect(error.hint == .declareCategorical(column: "a"))
        #expect(error.summary == "\(path):22:1: 'a': 'x1' is not a number (the column is numeric elsewhere)")
        #expect(error.description == error.summary + "; declare the column 'a' categorical to one-hot encode its values")
        // Declared categorical, the same file reads: one feature per distinct text, numbers included.
        let d = try read("a,b\n" + rows.joined(separator: "\n") + "\n", CSVOptions(categorical: ["a"]))
        #expect(d.featureCount == 25 + 1)
        #expect(d.featureNames.contains("a=x1") && d.featureNames.contains("a=0.1") && d.featureNames.last == "b")
        #expect(d.schema?.columns[0].kind == .categorical(categories: (rows.map { String($0.split(separator: ",")[0]) }).sorted()))
    }

    /// The rule: strictly more numbers than texts among the non-missing cells is "numeric elsewhere".
    @Test(arguments: [
        ("a\n1\n2\nx\n", true),             // 2 numbers, 1 text
        ("a\n1\nx\n", false),                // a tie: a text column
        ("a\nx\ny\n3\n", false),             // mostly text
        ("a\n1\n\nnan\nNA\nx\n2\n", true),   // missing markers count for neither
        ("a\nred\nblue\nred\n", false),       // text only
    ])
    func numericElsewhereRule(text: String, isError: Bool) throws {
        let (e, _) = csvError(text, CSVOptions(allowMissing: true))
        #expect((e?.hint == .declareCategorical(column: "a")) == isError, "\(text.debugDescription): \(String(describing: e))")
        if !isError { #expect(e == nil) }
    }

    @Test func missingValueHintNamesNoFlag() {
        let (e, _) = csvError("a,b\n1,2\n3,\n")
        #expect(e?.hint == .impute)
        #expect(e?.message.contains("--") == false)
    }

    @Test func declaredCategoricalColumnsAreCheckedAndKeptByTheSchema() throws {
        // A numeric-looking column declared categorical: its texts are the categories.
        let train = try read("zip,amount\n75001,10\n10115,12\n75001,11\n", CSVOptions(categorical: ["zip"]))
        #expect(train.featureNames == ["zip=10115", "zip=75001", "amount"])
        let schema = try #require(train.schema)
        // Scoring with the schema encodes it the same way, with or without the declaration.
        let plain = try read("amount,zip\n9,10115\n8,99999\n", CSVOptions(schema: schema))
        #expect(plain.x == Matrix([[1, 0, 9], [0, 0, 8]] as [[Float]]))
        let declared = try read("amount,zip\n9,10115\n8,99999\n", CSVOptions(schema: schema, categorical: ["zip"]))
        #expect(declared.x == plain.x)
        // Declaring at scoring time a column the schema has as numeric is an error.
        let (numeric, _) = csvError("amount,zip\n9,10115\n", CSVOptions(schema: schema, categorical: ["amount"]))
        #expect(numeric?.field == "amount" && numeric?.line == 1)
        // A declared column that is not in the header, or is the label.
        let (missing, path) = csvError("a,b\n1,2\n", CSVOptions(categorical: ["c"]))
        #expect(missing?.file == path && missing?.line == 1 && missing?.field == "c")
        #expect(missing?.message.contains("columns: a, b") == true)
        let (label, _) = csvError("a,y\n1,0\n", CSVOptions(labelColumn: "y", categorical: ["y"]))
        #expect(label?.kind == .parameter && label?.field == "y")
    }

    @Test func columnTextsAreTheCellsInRowOrder() throws {
        let path = DataFiles.write("id,v,note\n\"a,1\",1, x \n\nb,2,\"say \"\"hi\"\"\"\nc,3,\n")
        let texts = try CSVReader.columnTexts(["note", "id"], path: path)
        #expect(texts == [["x", "a,1"], ["say \"hi\"", "b"], ["", "c"]])
        let e = DataFiles.error { _ = try CSVReader.columnTexts(["idx"], path: path) }
        #expect(e?.file == path && e?.line == 1 && e?.field == "idx")
        #expect(e?.message.contains("id, v, note") == true)
    }

    @Test func badDelimiterOption() {
        let (e, _) = csvError("a\n1\n", CSVOptions(delimiter: "\""))
        #expect(e?.kind == .parameter && e?.field == "delimiter")
    }
}
