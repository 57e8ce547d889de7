import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyText

@Suite struct LogReaderTests {
    /// A BGL-style log: the first field is `-` for a normal line, an alert category otherwise;
    /// line 3 is blank; the node names the session.
    static let bgl = """
        - 1117838570 R02-M1-N0 RAS KERNEL INFO instruction cache parity error corrected
        KERNDTLB 1117838573 R02-M1-N1 RAS KERNEL FATAL data TLB error interrupt

        - 1117838976 R02-M1-N0 RAS KERNEL INFO instruction cache parity error corrected
        APPREAD 1117838978 R02-M1-N1 RAS APP FATAL ciod: failed to read message prefix
        - 1117842440 nowhere RAS KERNEL INFO 63543 double-hummer alignment exceptions

        """

    private func write(_ text: String) -> String {
        let path = TestSupport.temporaryDirectory() + "/test.log"
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func aLabelFieldMarksAnomaliesAndIsRemovedFromTheText() throws {
        let lines = try LogReader.read(path: write(Self.bgl), format: LogFormat(labelPattern: #"^(\S+) "#))
        #expect(lines.lineNumbers == [1, 2, 4, 5, 6])
        #expect(lines.labels == [0, 1, 0, 1, 0])
        #expect(lines.texts[1] == "1117838573 R02-M1-N1 RAS KERNEL FATAL data TLB error interrupt")
        #expect(lines.texts.allSatisfy { !$0.hasPrefix("-") && !$0.hasPrefix("KERN") && !$0.hasPrefix("APP") })
        #expect(lines.sessionKeys == nil)
    }

    @Test func withoutALabelPatternLinesAreReadWhole() throws {
        let lines = try LogReader.read(path: write(Self.bgl), format: LogFormat())
        #expect(lines.labels == nil)
        #expect(lines.texts.count == 5)
        #expect(lines.texts[0].hasPrefix("- 1117838570"))
    }

    @Test func anEmptyOrDashFieldIsNormalAndANonMatchingLineToo() throws {
        let text = "label=- ok\nlabel= fine\nlabel=bad broken\nno label here\n"
        let lines = try LogReader.read(path: write(text), format: LogFormat(labelPattern: #"label=(\S*) ?"#))
        #expect(lines.labels == [0, 0, 1, 0])
        #expect(lines.texts == ["ok", "fine", "broken", "no label here"])
    }

    @Test func sessionsGroupLinesByTheirKeyInOrderOfFirstAppearance() throws {
        let lines = try LogReader.read(path: write(Self.bgl), format: LogFormat(labelPattern: #"^(\S+) "#, sessionPattern: #"(R\d+-M\d-N\d)"#))
        #expect(lines.sessionKeys == ["R02-M1-N0", "R02-M1-N1", "R02-M1-N0", "R02-M1-N1", nil])
        let s = lines.sessions()
        #expect(s.keys == ["R02-M1-N0", "R02-M1-N1"])
        #expect(s.firstLines == [1, 2])
        #expect(s.lines.map(\.count) == [2, 2])
        #expect(s.labels == [0, 1])
        #expect(s.unkeyedLines == 1)
        #expect(s.texts[0] == lines.texts[0] + "\n" + lines.texts[2])
    }

    @Test(arguments: [
        (#"^(\S+"#, nil, "label-regex", "does not compile"),
        (#"^\S+ "#, nil, "label-regex", "exactly one capture group"),
        (nil, #"(a)(b)"#, "session-regex", "it has 2"),
    ] as [(String?, String?, String, String)])
    func aBadPatternIsRefusedByItsOption(_ label: String?, _ session: String?, _ option: String, _ message: String) {
        do {
            _ = try LogFormat(labelPattern: label, sessionPattern: session)
            Issue.record("accepted \(label ?? "") \(session ?? "")")
        } catch let e as AnomalyError {
            #expect(e.kind == .parameter)
            #expect(e.field == option)
            #expect(e.message.contains(message), "\(e.message)")
        } catch { Issue.record("\(error)") }
    }

    @Test func aLogOfBlankLinesOrInvalidUTF8IsADataErrorNamingTheFile() throws {
        let blank = write("\n  \n\t\n")
        #expect(throws: AnomalyError.self) { try LogReader.read(path: blank, format: LogFormat()) }
        let path = TestSupport.temporaryDirectory() + "/bad.log"
        FileManager.default.createFile(atPath: path, contents: Data("ok\nfine\n".utf8) + Data([0x61, 0xC3, 0x28, 0x0A]))
        do {
            _ = try LogReader.read(path: path, format: LogFormat())
            Issue.record("read invalid UTF-8")
        } catch let e as AnomalyError {
            #expect(e.line == 3 && e.file == path, "\(e)")
        }
    }
}
