import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// Report paths (Reports/ReportFile.swift) are checked before any work.
@Suite struct ReportFileTests {
    @Test func reportPathsAreCheckedBeforeAnyWork() throws {
        let dir = TestSupport.temporaryDirectory()
        #expect(try ReportFile.check(dir + "/r.html") == .html)
        #expect(try ReportFile.check(dir + "/r.md") == .markdown)
        let missing = dir + "/no/such/folder/r.html"
        let folderError = #expect(throws: AnomalyError.self) { try ReportFile.check(missing) }
        #expect(folderError?.description.contains(missing) == true)
        #expect(folderError?.description.contains("does not exist") == true)
        let extError = #expect(throws: AnomalyError.self) { try ReportFile.check(dir + "/r.txt", allowed: [.html]) }
        #expect(extError?.message.contains(".html") == true)
        #expect(extError?.kind == .parameter)
        #expect(throws: AnomalyError.self) { try ReportFile.check(dir, allowed: [.html]) }
    }
}
