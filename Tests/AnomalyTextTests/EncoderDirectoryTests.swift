import AnomalyKit
import Foundation
import Testing
@testable import AnomalyText

@Suite struct EncoderDirectoryTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ak-encdir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func cacheRootFollowsTheEnvironment() {
        #expect(EncoderDirectory.cacheRoot(environment: ["ANOMALYKIT_HOME": "/x/y"]).path == "/x/y")
        #expect(EncoderDirectory.cacheRoot(environment: ["HOME": "/home/u"]).path == "/home/u/.cache/anomalykit")
    }

    @Test func aMissingNamedEncoderHintsAtInstalling() throws {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        do {
            _ = try EncoderDirectory("minilm", environment: ["ANOMALYKIT_HOME": home.path])
            Issue.record("expected an error")
        } catch let error as AnomalyError {
            #expect(error.kind == .model)
            #expect(error.hint == .installEncoder(name: "minilm"))
            #expect(error.message.contains("not installed"))
        }
    }

    @Test func anIncompleteDirectoryNamesTheMissingFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{}".utf8).write(to: dir.appendingPathComponent("config.json"))
        try Data().write(to: dir.appendingPathComponent("model.safetensors"))
        #expect(throws: AnomalyError.self) { try EncoderDirectory(dir.path) }
        do { _ = try EncoderDirectory(dir.path) } catch let error as AnomalyError {
            #expect(error.field == "vocab.txt")
        }
        try Data("[PAD]\n".utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        let found = try EncoderDirectory(dir.path)
        #expect(found.name == nil)
        #expect(found.file("vocab.txt").lastPathComponent == "vocab.txt")
    }

    @Test func aPathThatIsNotADirectoryIsRefused() {
        #expect(throws: AnomalyError.self) { try EncoderDirectory("/nonexistent/encoder") }
    }
}

@Suite struct FileDigestTests {
    @Test func sha256MatchesTheKnownAnswer() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ak-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("abc".utf8).write(to: url)
        // FIPS 180-2, appendix B.1.
        #expect(try FileDigest.sha256(of: url) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
