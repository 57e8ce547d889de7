import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// Builds `.npy` bytes by hand, the way numpy lays them out.
enum NpyBytes {
    static func make(descr: String, shape: String, fortran: Bool = false, payload: [UInt8], version: UInt8 = 1,
                     header: String? = nil) -> [UInt8] {
        var dict = header ?? "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = dict.utf8.count
        out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
        return out + Array(dict.utf8) + payload
    }

    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }
}

@Suite struct DataNumPyTests {
    func read(_ bytes: [UInt8], name: String = "a.npy") throws -> NumPyArray {
        try NumPy.read(path: DataFiles.write(bytes: bytes, name: name))
    }

    func npyError(_ bytes: [UInt8], name: String = "bad.npy") -> (AnomalyError?, String) {
        let path = DataFiles.write(bytes: bytes, name: name)
        return (DataFiles.error { _ = try NumPy.read(path: path) }, path)
    }

    @Test func everyDTypeKnownAnswer() throws {
        let expected: [Double] = [0, 1, 2, 3, 4, 5]
        let cases: [(String, [UInt8])] = [
            ("<f8", NpyBytes.bytes(expected)),
            ("<f4", NpyBytes.bytes(expected.map(Float.init))),
            ("|i1", NpyBytes.bytes(expected.map { Int8($0) })),
            ("<i2", NpyBytes.bytes(expected.map { Int16($0) })),
            ("<i4", NpyBytes.bytes(expected.map { Int32($0) })),
            ("<i8", NpyBytes.bytes(expected.map { Int64($0) })),
            ("|u1", NpyBytes.bytes(expected.map { UInt8($0) })),
            ("<u2", NpyBytes.bytes(expected.map { UInt16($0) })),
            ("<u4", NpyBytes.bytes(expected.map { UInt32($0) })),
            ("<u8", NpyBytes.bytes(expected.map { UInt64($0) })),
        ]
        for (descr, payload) in cases {
            let a = try read(NpyBytes.make(descr: descr, shape: "(2, 3)", payload: payload))
            #expect(a.shape == [2, 3], "\(descr)")
            #expect(a.doubles() == expected, "\(descr)")
            #expect(a.matrix() == Matrix([[0, 1, 2], [3, 4, 5]] as [[Float]]), "\(descr)")
        }
        let b = try read(NpyBytes.make(descr: "|b1", shape: "(3,)", payload: [1, 0, 1]))
        #expect(b.doubles() == [1, 0, 1])
        #expect(b.matrix().rows == 3 && b.matrix().cols == 1)
        let negative = try read(NpyBytes.make(descr: "<i2", shape: "(2,)", payload: NpyBytes.bytes([Int16(-300), 7])))
        #expect(negative.doubles() == [-300, 7])
    }

    @Test func versionTwoAndThreeAndFortranOrder() throws {
        let v2 = try read(NpyBytes.make(descr: "<f8", shape: "(2,)", payload: NpyBytes.bytes([1.5, 2.5]), version: 2))
        #expect(v2.doubles() == [1.5, 2.5])
        let v3 = try read(NpyBytes.make(descr: "<f8", shape: "(1,)", payload: NpyBytes.bytes([4.0]), version: 3))
        #expect(v3.doubles() == [4])
        // Column-major 2 × 3 [[0,1,2],[3,4,5]] is stored 0 3 1 4 2 5.
        let f = try read(NpyBytes.make(descr: "<i4", shape: "(2, 3)", fortran: true, payload: NpyBytes.bytes([0, 3, 1, 4, 2, 5] as [Int32])))
        #expect(f.matrix() == Matrix([[0, 1, 2], [3, 4, 5]] as [[Float]]))
    }

    @Test func writeReadRoundTrips() throws {
        let dir = TestSupport.temporaryDirectory()
        let m = Matrix([[1.5, -2, 3.25], [0, 1e-7, 6e20]] as [[Float]])
        for dtype in [NumPyDType.float32, .float64] {
            let path = dir + "/m-\(dtype).npy"
            try NumPy.write(m, to: path, dtype: dtype)
            let a = try NumPy.read(path: path)
            #expect(a.dtype == dtype && a.shape == [2, 3])
            #expect(a.matrix() == m)
            // The data starts on a 64-byte boundary like numpy's own files.
            let raw = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect((raw.count - a.bytes.count) % 64 == 0)
        }
        let scores: [Double] = [0.1, 2.5, -3, .pi]
        try NumPy.write(scores, to: dir + "/s.npy")
        #expect(try NumPy.read(path: dir + "/s.npy").doubles() == scores)
        try NumPy.write(scores, to: dir + "/s32.npy", dtype: .float32)
        #expect(try NumPy.read(path: dir + "/s32.npy").floats() == scores.map(Float.init))
        try NumPy.write(labels: [0, 1, 1, 0], to: dir + "/y.npy")
        let y = try NumPy.read(path: dir + "/y.npy")
        #expect(y.dtype == .int64 && y.shape == [4])
        #expect(try DataLoader.loadLabels(path: dir + "/y.npy") == [0, 1, 1, 0])
        // Empty arrays round-trip too.
        try NumPy.write([Double](), to: dir + "/empty.npy")
        #expect(try NumPy.read(path: dir + "/empty.npy").shape == [0])
    }

    @Test func numpyCanReadWhatWeWrite() throws {
        guard FileManager.default.fileExists(atPath: "/work/venv/bin/python") else { return }
        let dir = TestSupport.temporaryDirectory()
        try NumPy.write(Matrix([[1, 2], [3, 4], [5, 6]] as [[Float]]), to: dir + "/m.npy", dtype: .float64)
        try NumPy.write(labels: [1, 0, 1], to: dir + "/y.npy")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/work/venv/bin/python")
        p.arguments = ["-c", "import numpy as n,sys; m=n.load(sys.argv[1]); y=n.load(sys.argv[2]); "
                       + "assert m.dtype==n.float64 and m.shape==(3,2) and m[2,1]==6 and y.dtype==n.int64 and list(y)==[1,0,1]",
                       dir + "/m.npy", dir + "/y.npy"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    // MARK: Errors, each naming the file.

    @Test func wrongMagic() {
        let (e, path) = npyError(Array("PK\u{3}\u{4} not numpy at all".utf8))
        #expect(e?.file == path && e?.message.contains("magic") == true)
    }

    @Test func truncatedHeaderAndData() {
        let good = NpyBytes.make(descr: "<f8", shape: "(4,)", payload: NpyBytes.bytes([1.0, 2, 3, 4]))
        let (header, p1) = npyError(Array(good.prefix(40)))
        #expect(header?.file == p1 && header?.message.contains("truncated .npy header") == true)
        let (short, p2) = npyError(Array(good.prefix(8)))
        #expect(short?.file == p2 && short?.message.contains("truncated") == true)
        let (data, p3) = npyError(Array(good.dropLast(5)))
        #expect(data?.file == p3 && data?.message.contains("truncated data") == true)
    }

    @Test func unsupportedDTypes() {
        for descr in [">f8", "<c16", "|O", "<U5", "<f2"] {
            let (e, path) = npyError(NpyBytes.make(descr: descr, shape: "(1,)", payload: [UInt8](repeating: 0, count: 32)))
            #expect(e?.file == path, "\(descr)")
            #expect(e?.message.contains(descr) == true, "\(descr): \(String(describing: e))")
        }
        let (big, _) = npyError(NpyBytes.make(descr: ">i4", shape: "(1,)", payload: [0, 0, 0, 1]))
        #expect(big?.message.contains("big-endian") == true)
    }

    @Test func badHeaderDictAndShapes() {
        let bad = ["{'descr': '<f8', 'shape': (2,)}", "not a dict", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } extra",
                   "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }",
                   "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2), }",
                   "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"]
        for header in bad {
            let (e, path) = npyError(NpyBytes.make(descr: "", shape: "", payload: [UInt8](repeating: 0, count: 16), header: header))
            #expect(e?.file == path, "\(header)")
            #expect(e?.kind == .data, "\(header)")
        }
    }

    @Test func missingFile() {
        let e = DataFiles.error { _ = try NumPy.read(path: "/nonexistent/x.npy") }
        #expect(e?.file == "/nonexistent/x.npy")
    }
}
