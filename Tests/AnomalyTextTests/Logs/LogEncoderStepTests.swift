import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport
@testable import AnomalyText

@Suite struct LogEncoderStepTests {
    private func encoder() throws -> SentenceEncoder {
        try SentenceEncoder(directory: EncoderDirectory(try EncoderFixtures.tinyBertDirectory().path))
    }

    private static let lines = ["disk 7 failed on /dev/sda1", "user 12 login", "disk 9 failed on /dev/sdb2", "user 3 login",
                                "kernel panic at 0xdeadbeef"]

    private func rows(_ texts: [String]) -> PipelineRows {
        PipelineRows(x: Matrix(rows: texts.count, cols: 0), texts: ["text": texts])
    }

    @Test func aLineIsItsTemplatesEmbeddingAndEachTemplateIsEmbeddedOnce() throws {
        let e = try encoder()
        let step = LogEncoderStep(encoder: e)
        let (out, encoding) = try step.transform(rows: rows(Self.lines), progress: nil)
        #expect(out.x.rows == 5 && out.x.cols == e.dimension)
        #expect(encoding.lines == 5 && encoding.distinctTemplates == 3)
        #expect(abs(encoding.cacheHitRate - 0.4) < 1e-12)
        let templates = ["disk <num> failed on <path>", "user <num> login", "kernel panic at <hex>"]
        let direct = try e.embed(templates).matrix
        for (row, k) in [0, 1, 0, 1, 2].enumerated() {
            for j in 0..<e.dimension { #expect(abs(out.x[row, j] - direct[k, j]) <= 1e-5) }
        }
        #expect(step.featureNames.count == e.dimension && step.featureNames[0] == "text[0]")
    }

    @Test func aSessionIsItsLinesMeanEmbeddingThenItsTemplateCounts() throws {
        let e = try encoder()
        // Training sessions: "user" twice as often as "disk"; the kernel line is in no training session.
        let training = [[Self.lines[1], Self.lines[0], Self.lines[3]], [Self.lines[1]]].map { $0.joined(separator: "\n") }
        let step = LogEncoderStep(encoder: e, fittingSessions: training, sessionPattern: "(x)")
        #expect(step.sessionTemplates == ["user <num> login", "disk <num> failed on <path>"])
        #expect(step.outputCount == e.dimension + 3)
        #expect(step.featureNames.suffix(3) == ["template[0]", "template[1]", "other_templates"])

        let scored = [[Self.lines[0], Self.lines[2], Self.lines[4]], [Self.lines[3]]].map { $0.joined(separator: "\n") }
        let (out, encoding) = try step.transform(rows: rows(scored), progress: nil)
        #expect(out.x.rows == 2 && encoding.lines == 4 && encoding.distinctTemplates == 3)
        let d = e.dimension
        #expect(Array(out.x.row(0)[d...]) == [0, 2, 1])
        #expect(Array(out.x.row(1)[d...]) == [1, 0, 0])
        let t = try e.embed(["disk <num> failed on <path>", "kernel panic at <hex>", "user <num> login"]).matrix
        for j in 0..<d {
            #expect(abs(out.x[0, j] - (2 * t[0, j] + t[1, j]) / 3) <= 1e-5)
            #expect(abs(out.x[1, j] - t[2, j]) <= 1e-5)
        }
    }

    @Test func aSessionStepRoundTripsThroughItsState() throws {
        let e = try encoder()
        let step = LogEncoderStep(encoder: e, fittingSessions: [Self.lines.joined(separator: "\n")], sessionPattern: #"(R\d+)"#,
                                  labelPattern: #"^(\S+) "#)
        var state = StepState()
        step.save(to: &state)
        let restored = try LogEncoderStep(restoring: state)
        #expect(restored.sessionTemplates == step.sessionTemplates)
        #expect(restored.sessionPattern == step.sessionPattern)
        #expect(restored.labelPattern == #"^(\S+) "#)
        #expect(restored.outputCount == step.outputCount)
        let lineStep = LogEncoderStep(encoder: e)
        var lineState = StepState()
        lineStep.save(to: &lineState)
        #expect(try LogEncoderStep(restoring: lineState).isSessions == false)

        var damaged = state
        damaged.settings["session_template_count"] = .int(99)
        #expect(throws: AnomalyError.self) { try LogEncoderStep(restoring: damaged) }
        var badPattern = state
        badPattern.settings["session_regex"] = .string("(unclosed")
        #expect(throws: AnomalyError.self) { try LogEncoderStep(restoring: badPattern) }
    }

    @Test func numericColumnsBesideALogAreRefused() throws {
        let step = LogEncoderStep(encoder: try encoder())
        let withNumbers = PipelineRows(x: Matrix(rows: 1, cols: 2), texts: ["text": ["a"]])
        #expect(throws: AnomalyError.self) { try step.transform(rows: withNumbers) }
    }
}
