import Foundation
import Testing
import TestSupport

/// `--report` on evaluate, benchmark and demo: a good path gets one self-contained page; a
/// folder that does not exist or an unknown extension fails at once, names the path, and
/// nothing is written.
@Suite struct ReportCommandTests {
    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func evaluateWritesAnHTMLReport() throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit("evaluate", "--detector", "knn", "--data", bundled("42_WBC.npz"), "--report", dir + "/wbc.html")
        #expect(r.status == 0, "\(r.error)")
        #expect(r.error.contains("report written to \(dir)/wbc.html"))
        let html = try read(dir + "/wbc.html")
        #expect(html.contains("<svg") && html.contains("class=\"curve roc\"") && html.contains("class=\"threshold"))
        #expect(html.contains("42_WBC.npz") && html.contains("seed 42"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["wbc.html"])   // no temporary file left
    }

    @Test func aReportIntoAMissingFolderFailsBeforeAnyWork() {
        let dir = TestSupport.temporaryDirectory()
        let report = dir + "/missing/r.html"
        let r = anomalykit("evaluate", "--detector", "knn", "--data", bundled("42_WBC.npz"), "--report", report,
                           "--model", dir + "/m.safetensors")
        #expect(r.status == 65)
        #expect(r.error.contains(report) && r.error.contains("does not exist"), "\(r.error)")
        #expect(r.output.isEmpty)
        // Checked before fitting: not even the model was written.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir)) == [])
    }

    @Test(arguments: [["evaluate", "--detector", "knn", "--data", "42_WBC.npz"], ["demo", "--quick"]])
    func anUnknownExtensionIsRefused(command: [String]) {
        let dir = TestSupport.temporaryDirectory()
        let args = command.map { $0.hasSuffix(".npz") ? bundled($0) : $0 } + ["--report", dir + "/r.txt"]
        let r = anomalykit(args)
        #expect(r.status == 64)
        #expect(r.error.contains(dir + "/r.txt") && r.error.contains(".html"), "\(r.error)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir)) == [])
    }

    @Test func benchmarkWritesHTMLOrMarkdownByExtension() throws {
        let dir = TestSupport.temporaryDirectory()
        let data = dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for name in ["42_WBC.npz", "14_glass.npz"] {
            try FileManager.default.copyItem(atPath: bundled(name), toPath: data + "/" + name)
        }
        let html = anomalykit("benchmark", "--datasets", data, "--detectors", "knn,hbos", "--quiet", "--report", dir + "/b.html")
        #expect(html.status == 0, "\(html.error)")
        let page = try read(dir + "/b.html")
        #expect(page.components(separatedBy: "class=\"curve roc\"").count - 1 == 4)
        #expect(page.components(separatedBy: "class=\"curve pr\"").count - 1 == 4)
        #expect(page.contains("14_glass: 214 rows × 7 features") && page.contains("42_WBC: 223 rows × 9 features"))
        let md = anomalykit("benchmark", "--datasets", data, "--detectors", "knn", "--quiet", "--report", dir + "/b.md")
        #expect(md.status == 0, "\(md.error)")
        #expect(try read(dir + "/b.md").hasPrefix("# AnomalyKit benchmark"))
        let bad = anomalykit("benchmark", "--datasets", data, "--quiet", "--report", dir + "/nope/b.html")
        #expect(bad.status == 65 && bad.error.contains(dir + "/nope/b.html"))
    }

    @Test func theDemoTellsTheStoryAndWritesItsReport() throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit("demo", "--quick", "--quiet", "--data", TestSupport.repositoryFile("Data"), "--report", dir + "/demo.html")
        #expect(r.status == 0, "\(r.error)")
        for row in ["scratch", "kNN on the shots", "source model as is", "transfer", "meta-learning", "Leaderboard", "rank"] {
            #expect(r.output.contains(row), "missing \(row)")
        }
        #expect(r.output.contains("Report (curves, histograms, tables): \(dir)/demo.html"))
        let page = try read(dir + "/demo.html")
        #expect(page.contains("class=\"plot bars\"") && page.contains("class=\"curve roc\""))
        #expect(r.output.contains("→ best reuse of A–D: "))
    }
}
