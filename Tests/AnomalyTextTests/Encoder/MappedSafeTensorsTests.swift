import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyEncoding
@testable import AnomalyText

@Suite struct MappedSafeTensorsTests {
    private func temporaryFile(_ name: String = "w.safetensors") -> URL {
        URL(fileURLWithPath: TestSupport.temporaryDirectory()).appendingPathComponent(name)
    }

    private func bytes(_ floats: [Float]) -> [UInt8] { floats.withUnsafeBytes { Array($0) } }

    @Test func readsTheTinyFixtureInPlace() throws {
        let url = try EncoderFixtures.tinyBertDirectory().appendingPathComponent("model.safetensors")
        let mapped = try MappedSafeTensors(contentsOf: url)
        let (copied, metadata) = try SafeTensors.decode(Data(contentsOf: url), file: url.path)
        #expect(mapped.metadata == metadata)
        #expect(Set(mapped.names) == Set(copied.keys))
        let words = try mapped.floats("embeddings.word_embeddings.weight")
        #expect(words.shape == [100, 32])
        #expect(Array(words.buffer) == copied["embeddings.word_embeddings.weight"]!.floats())
        #expect(mapped.entries["embeddings.position_ids"] == nil || mapped.entries["embeddings.position_ids"]!.dtype == .i64)
    }

    @Test func convertsHalfAndBFloat16Once() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        // F16: 1, −2, 65504, 2⁻²⁴ (the smallest subnormal), −0, ∞. BF16: 1, −2.5, 3.140625.
        let half: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00]
        let bf16: [UInt16] = [0x3F80, 0xC020, 0x4049]
        try EncoderFixtures.writeSafeTensors([
            ("h", "F16", [2, 3], half.withUnsafeBytes { Array($0) }),
            ("b", "BF16", [3], bf16.withUnsafeBytes { Array($0) }),
            ("f", "F32", [2], bytes([1.5, -0.25])),
            ("i", "I64", [1], [UInt8](repeating: 0, count: 8)),
        ], to: url)
        let mapped = try MappedSafeTensors(contentsOf: url)
        let h = try mapped.floats("h")
        #expect(h.shape == [2, 3])
        #expect(Array(h.buffer) == [1, -2, 65504, 0x1p-24, -0.0, .infinity])
        #expect(Array(try mapped.floats("b").buffer) == [1, -2.5, 3.140625])
        #expect(Array(try mapped.floats("f").buffer) == [1.5, -0.25])
        #expect(try mapped.floats("h").buffer.baseAddress == h.buffer.baseAddress)  // converted once
        let intError = EncoderFixtures.error { _ = try mapped.floats("i") }
        #expect(intError?.field == "i" && intError?.message.contains("I64") == true)
        #expect(EncoderFixtures.error { _ = try mapped.floats("nope") }?.field == "nope")
        #expect(MappedSafeTensors.halfToFloat(0xFE00).isNaN)
    }

    @Test func aTruncatedFileNamesTheFileAndTheTensor() throws {
        let source = try EncoderFixtures.tinyBertDirectory().appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: source)
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try data.prefix(data.count - 100).write(to: url)
        let error = EncoderFixtures.error { _ = try MappedSafeTensors(contentsOf: url) }
        #expect(error?.kind == .model)
        #expect(error?.file == url.path)
        #expect(error?.field != nil)
        #expect(error?.message.contains("truncated") == true)
        // Through the model too.
        let directory = try EncoderFixtures.tinyBertCopy()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        try data.prefix(data.count / 2).write(to: directory.appendingPathComponent("model.safetensors"))
        let modelError = EncoderFixtures.error { _ = try BertModel(directory: directory) }
        #expect(modelError?.file == directory.appendingPathComponent("model.safetensors").path)
        #expect(modelError?.field != nil)

        for cut in [0, 5, 8, 200] {
            try data.prefix(cut).write(to: url)
            let e = EncoderFixtures.error { _ = try MappedSafeTensors(contentsOf: url) }
            #expect(e?.file == url.path, "cut at \(cut)")
        }
    }

    @Test func corruptHeadersAreRefused() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        func header(_ json: String, data: Int = 16) throws -> AnomalyError? {
            var out = Data()
            var n = UInt64(json.utf8.count).littleEndian
            withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
            out.append(Data(json.utf8))
            out.append(Data(count: data))
            try out.write(to: url)
            return EncoderFixtures.error { _ = try MappedSafeTensors(contentsOf: url) }
        }
        #expect(try header("{not json")?.message.contains("JSON") == true)
        #expect(try header(#"{"a":{"dtype":"F32","shape":[2]}}"#)?.field == "a")
        #expect(try header(#"{"a":{"dtype":"Q8","shape":[2],"data_offsets":[0,8]}}"#)?.field == "a")
        #expect(try header(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}"#)?.field == "a")
        #expect(try header(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#)?.message.contains("needs 12") == true)
        #expect(try header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#)?.field == "a")
        #expect(try header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#)?
                    .message.contains("overlap") == true)
        #expect(try header(#"{"__metadata__":{"k":1}}"#)?.message.contains("__metadata__") == true)
        #expect(EncoderFixtures.error { _ = try MappedSafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/w.safetensors")) }?.file
                == "/nonexistent/w.safetensors")
    }
}
