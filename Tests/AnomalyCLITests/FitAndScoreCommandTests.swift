import Foundation
import Testing
import TestSupport

@Suite struct FitAndScoreCommandTests {
    @Test func fitThenScoreWritesOneScorePerRow() throws {
        let dir = TestSupport.temporaryDirectory()
        let fit = anomalykit("fit", "--detector", "iforest", "--train", bundled("42_WBC.npz"), "--model", dir + "/m.safetensors")
        #expect(fit.status == 0, "\(fit.error)")
        #expect(fit.output.contains("model written to"))
        let score = anomalykit("score", "--model", dir + "/m.safetensors", "--data", bundled("42_WBC.npz"), "--out", dir + "/s.csv")
        #expect(score.status == 0, "\(score.error)")
        let lines = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "score,label,probability")
        #expect(lines.count == 224)
    }

    @Test func anUnknownDetectorExitsWith64AndNamesTheKnownOnes() {
        let r = anomalykit("fit", "--detector", "nope", "--train", bundled("42_WBC.npz"), "--model", "/tmp/never.safetensors")
        #expect(r.status == 64)
        #expect(r.error.contains("unknown detector 'nope'"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.safetensors"))
    }

    @Test func aMissingOptionIsAUsageError() {
        let r = anomalykit("fit", "--detector", "knn")
        #expect(r.status == 64)
        #expect(r.error.contains("--train"))
    }
}
