import Foundation
import Testing
@testable import AnomalyKit

@Suite struct TextReaderTests {
    private func write(_ bytes: [UInt8], ext: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ak-text-\(UUID().uuidString).\(ext)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func plainTextKeepsEveryLineAndEmptyOnes() throws {
        let path = try write(Array("héllo\r\n\nworld\n".utf8), ext: "txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try TextReader.read(path: path, column: nil) == ["héllo", "", "world"])
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let path = try write(Array("ok\nfine\n".utf8) + [0x66, 0xFF, 0x0A], ext: "log")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try TextReader.read(path: path, column: nil)
            Issue.record("expected an error")
        } catch let error as AnomalyError {
            #expect(error.line == 3)
            #expect(error.file == path)
        }
    }

    @Test func csvColumnWithQuotesAndLineBreaks() throws {
        let csv = "id,text,amount\n1,\"a, \"\"quoted\"\"\nline\",3\n2,,4\n"
        let path = try write(Array(csv.utf8), ext: "csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try TextReader.read(path: path, column: "text") == ["a, \"quoted\"\nline", ""])
        #expect(throws: AnomalyError.self) { try TextReader.read(path: path, column: "body") }
        #expect(throws: AnomalyError.self) { try TextReader.read(path: path, column: nil) }
    }

    @Test func invalidUTF8InACSVCellNamesLineAndColumn() throws {
        let path = try write(Array("id,text\n1,ok\n2,".utf8) + [0xC3, 0x28] + Array("\n".utf8), ext: "csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try TextReader.read(path: path, column: "text")
            Issue.record("expected an error")
        } catch let error as AnomalyError {
            #expect(error.line == 3)
            #expect(error.column == 2)
            #expect(error.field == "text")
        }
    }

    @Test func anEmptyFileIsAnError() throws {
        let path = try write([], ext: "txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AnomalyError.self) { try TextReader.read(path: path, column: nil) }
    }
}

@Suite struct DataLoaderRawColumnTests {
    @Test func aTextColumnSitsBesideNumericAndLabelColumns() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ak-raw-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("amount,text,y\n1.5,hello there,0\n2,\"a, b\",1\n".utf8).write(to: URL(fileURLWithPath: path))
        let ds = try DataLoader.load(path: path, labelColumn: "y", rawColumns: ["text"])
        #expect(ds.featureNames == ["amount"])
        #expect(ds.labels == [0, 1])
        #expect(ds.texts["text"] == ["hello there", "a, b"])
        let textOnly = try DataLoader.load(path: path, labelColumn: "y", drop: ["amount"], rawColumns: ["text"])
        #expect(textOnly.featureCount == 0)
        #expect(textOnly.rowCount == 2)
        #expect(throws: AnomalyError.self) { try DataLoader.load(path: path, labelColumn: "y", rawColumns: ["body"]) }
    }

    @Test func aPlainTextFileIsOneTextColumn() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ak-raw-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("first\nsecond\n".utf8).write(to: URL(fileURLWithPath: path))
        let ds = try DataLoader.load(path: path, rawColumns: ["text"])
        #expect(ds.texts["text"] == ["first", "second"])
        #expect(ds.featureCount == 0)
        #expect(throws: AnomalyError.self) { try DataLoader.load(path: path, labelColumn: "y", rawColumns: ["text"]) }
    }
}
