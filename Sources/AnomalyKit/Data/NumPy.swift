import AnomalyMath
import Foundation
import ZIPFoundation

/// The element types AnomalyKit reads from (and partly writes to) `.npy` files.
public enum NumPyDType: String, Sendable, CaseIterable {
    case float64 = "f8", float32 = "f4"
    case int8 = "i1", int16 = "i2", int32 = "i4", int64 = "i8"
    case uint8 = "u1", uint16 = "u2", uint32 = "u4", uint64 = "u8"
    case bool = "b1"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64, .uint64: return 8
        case .float32, .int32, .uint32: return 4
        case .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// numpy's `descr` string for this type, e.g. `<f8` or `|u1`.
    public var descr: String { (byteSize == 1 ? "|" : "<") + rawValue }

    public var isFloatingPoint: Bool { self == .float64 || self == .float32 }
}

/// A 1-D or 2-D array read from a `.npy` file: its shape, element type, and little-endian, C-order
/// (row-major) bytes. Fortran-ordered 2-D files are transposed into C order when read.
public struct NumPyArray: Sendable {
    public var shape: [Int]
    public var dtype: NumPyDType
    /// `count × dtype.byteSize` little-endian bytes in C order.
    public var bytes: Data

    public init(shape: [Int], dtype: NumPyDType, bytes: Data) {
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    /// A 2-D float32 (default) or float64 array holding `matrix`.
    public init(_ matrix: Matrix, dtype: NumPyDType = .float32) {
        let bytes: Data = dtype == .float64
            ? matrix.values.map(Double.init).withUnsafeBytes { Data($0) }
            : matrix.values.withUnsafeBytes { Data($0) }
        self.init(shape: [matrix.rows, matrix.cols], dtype: dtype == .float64 ? .float64 : .float32, bytes: bytes)
    }

    /// A 1-D float64 (default) or float32 array holding `values`.
    public init(_ values: [Double], dtype: NumPyDType = .float64) {
        let bytes: Data = dtype == .float32
            ? values.map(Float.init).withUnsafeBytes { Data($0) }
            : values.withUnsafeBytes { Data($0) }
        self.init(shape: [values.count], dtype: dtype == .float32 ? .float32 : .float64, bytes: bytes)
    }

    /// A 1-D int64 array holding `labels`.
    public init(labels: [Int]) {
        self.init(shape: [labels.count], dtype: .int64, bytes: labels.map { Int64($0).littleEndian }.withUnsafeBytes { Data($0) })
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Rows: the first dimension.
    public var rows: Int { shape.first ?? 1 }
    /// Columns: the second dimension, or 1 for a 1-D array (a column vector).
    public var cols: Int { shape.count == 2 ? shape[1] : 1 }

    /// Every element converted to `Double` (exact for all types except 64-bit integers beyond 2⁵³).
    /// - Complexity: O(count)
    public func doubles() -> [Double] { convert(Double.self) }

    /// Every element converted to `Float` (rounded to nearest). - Complexity: O(count)
    public func floats() -> [Float] { convert(Float.self) }

    /// The array as a matrix of `Float`: 2-D as is, 1-D as a column vector. - Complexity: O(count)
    /// float64 and wide-integer arrays keep their exact values as `doubleSource` when `Float` rounds any.
    public func matrix() -> Matrix {
        switch dtype {
        case .float64, .int32, .int64, .uint32, .uint64: Matrix(rows: rows, cols: cols, doubles: doubles())
        default: Matrix(rows: rows, cols: cols, values: floats())
        }
    }

    private func convert<T: BinaryFloatingPoint>(_: T.Type) -> [T] {
        let n = count
        return [T](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                func load<S>(_: S.Type, _ f: (S) -> T) {
                    for i in 0..<n {
                        out[i] = f(raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<S>.size, as: S.self))
                    }
                }
                // Stored little-endian; this platform is little-endian (checked in `NumPy.decode`).
                switch dtype {
                case .float64: load(Double.self) { T($0) }
                case .float32: load(Float.self) { T($0) }
                case .int8: load(Int8.self) { T($0) }
                case .int16: load(Int16.self) { T(Int16(littleEndian: $0)) }
                case .int32: load(Int32.self) { T(Int32(littleEndian: $0)) }
                case .int64: load(Int64.self) { T(Int64(littleEndian: $0)) }
                case .uint8: load(UInt8.self) { T($0) }
                case .uint16: load(UInt16.self) { T(UInt16(littleEndian: $0)) }
                case .uint32: load(UInt32.self) { T(UInt32(littleEndian: $0)) }
                case .uint64: load(UInt64.self) { T(UInt64(littleEndian: $0)) }
                case .bool: load(UInt8.self) { $0 == 0 ? 0 : 1 }
                }
            }
            initialized = n
        }
    }
}

/// Reads and writes numpy's `.npy` format (versions 1.0, 2.0 and 3.0) and reads `.npz` archives.
///
/// Supported: 1-D and 2-D arrays of float64/32, int8/16/32/64, uint8/16/32/64 and bool, little-endian
/// (`<`), byte-order-free (`|`) or native (`=`, this platform being little-endian). Fortran-ordered
/// 2-D arrays are transposed into C order on read. Big-endian data, other types (complex, strings,
/// objects, structured), 0-D and 3-D+ arrays are errors naming the file.
public enum NumPy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    // MARK: Reading

    /// Reads one `.npy` file. - Complexity: O(file size)
    public static func read(path: String) throws -> NumPyArray {
        try decode(readFile(path), file: path)
    }

    /// Reads one `.npy` file of up to `maxDimensions` dimensions in C order (images:
    /// count × height × width × channels). `matrix()` stays for 1-D and 2-D arrays; read higher
    /// ones with `floats()` and `shape`. - Complexity: O(file size)
    public static func read(path: String, maxDimensions: Int) throws -> NumPyArray {
        try decode(readFile(path), file: path, maxDimensions: maxDimensions)
    }

    /// Parses the bytes of a `.npy` file; errors name `file` (and `field`, e.g. an `.npz` member).
    /// - Complexity: O(bytes) (O(1) extra work for C-order data beyond the copy of the payload)
    public static func decode(_ data: Data, file: String, field: String? = nil, maxDimensions: Int = 2) throws -> NumPyArray {
        func fail(_ msg: String) -> AnomalyError { .data(msg, file: file, field: field) }
        let base = data.startIndex
        let (header, payloadStart) = try decodeHeader(data, file: file, field: field, maxDimensions: maxDimensions)
        let count = header.shape.reduce(1, *)
        let needed = count * header.dtype.byteSize
        let available = data.count - payloadStart
        guard available >= needed else {
            throw fail("truncated data: shape \(shapeText(header.shape)) of \(header.dtype.descr) needs \(needed) bytes, the file has \(available)")
        }
        var payload = data.subdata(in: (base + payloadStart)..<(base + payloadStart + needed))
        let shape = header.shape
        if header.fortranOrder && shape.count == 2 && shape[0] > 1 && shape[1] > 1 {
            // Column-major R × C data is the C-order layout of its C × R transpose.
            payload = transposeBytes(payload, rows: shape[1], cols: shape[0], elementSize: header.dtype.byteSize)
        }
        return NumPyArray(shape: shape, dtype: header.dtype, bytes: payload)
    }

    /// Parses the magic, version and header dict of `.npy` bytes; returns the header and where the data starts.
    static func decodeHeader(_ data: Data, file: String, field: String?, maxDimensions: Int = 2) throws -> (Header, Int) {
        func fail(_ msg: String) -> AnomalyError { .data(msg, file: file, field: field) }
        let base = data.startIndex
        guard data.count >= 10 else {
            throw fail(data.count >= 6 && Array(data.prefix(6)) == magic
                       ? "truncated .npy header (\(data.count) bytes)"
                       : "not a .npy file: wrong magic bytes (expected \\x93NUMPY)")
        }
        guard Array(data.prefix(6)) == magic else {
            throw fail("not a .npy file: wrong magic bytes (expected \\x93NUMPY)")
        }
        let major = data[base + 6], minor = data[base + 7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[base + 8]) | Int(data[base + 9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw fail("truncated .npy header (\(data.count) bytes)") }
            headerLength = (0..<4).reduce(0) { $0 | Int(data[base + 8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        guard headerStart + headerLength <= data.count else {
            throw fail("truncated .npy header: it announces \(headerLength) bytes, the file has \(data.count - headerStart)")
        }
        let headerBytes = data[(base + headerStart)..<(base + headerStart + headerLength)]
        guard let headerText = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("the .npy header is not valid text")
        }
        let header = try parseHeader(headerText, maxDimensions: maxDimensions, fail: fail)
        return (header, headerStart + headerLength)
    }

    /// Reads a `.npz` archive (stored or deflated members). Returns the arrays by name (without
    /// `.npy`); with `names`, only those members are decompressed (absent ones are simply missing).
    /// - Complexity: O(archive size + decompressed size of the chosen members)
    public static func readArchive(path: String, names: Set<String>? = nil) throws -> [String: NumPyArray] {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path) else {
            throw AnomalyError.data("no such file", file: path)
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw AnomalyError.data("not a readable .npz (zip) archive: \(error)", file: path)
        }
        var out: [String: NumPyArray] = [:]
        for entry in archive where entry.type == .file {
            guard entry.path.hasSuffix(".npy") else { continue }
            let name = String(entry.path.dropLast(4))
            if let names, !names.contains(name) { continue }
            var data = Data()
            data.reserveCapacity(Int(clamping: min(entry.uncompressedSize, 1 << 28)))  // a hint only; never trust it blindly
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, bufferSize: 1 << 20) { data.append($0) }
            } catch {
                throw AnomalyError.data("cannot decompress member '\(entry.path)': \(error)", file: path, field: name)
            }
            guard checksum == entry.checksum else {
                throw AnomalyError.data("member '\(entry.path)' fails its CRC check: the archive is corrupted", file: path, field: name)
            }
            out[name] = try decode(data, file: path, field: name)
        }
        return out
    }

    /// The shape and type of each array in a `.npz` archive, decompressing only the start of each
    /// member (for listing a dataset without loading it). - Complexity: O(members)
    package static func readArchiveHeaders(path: String) throws -> [String: (shape: [Int], dtype: NumPyDType)] {
        guard FileManager.default.fileExists(atPath: path) else { throw AnomalyError.data("no such file", file: path) }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw AnomalyError.data("not a readable .npz (zip) archive: \(error)", file: path)
        }
        struct Enough: Error {}
        var out: [String: (shape: [Int], dtype: NumPyDType)] = [:]
        for entry in archive where entry.type == .file && entry.path.hasSuffix(".npy") {
            let name = String(entry.path.dropLast(4))
            var data = Data()
            do {
                _ = try archive.extract(entry, bufferSize: 16_384, skipCRC32: true) { chunk in
                    data.append(chunk)
                    // Version 1 headers are < 64 KiB; stop as soon as the announced header is in.
                    if data.count >= 12 {
                        let len = data[data.startIndex + 6] == 1
                            ? 10 + (Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8)
                            : 12 + (0..<4).reduce(0) { $0 | Int(data[data.startIndex + 8 + $1]) << (8 * $1) }
                        if data.count >= len { throw Enough() }
                    }
                }
            } catch is Enough {
            } catch {
                throw AnomalyError.data("cannot decompress member '\(entry.path)': \(error)", file: path, field: name)
            }
            let (header, _) = try decodeHeader(data, file: path, field: name)
            out[name] = (header.shape, header.dtype)
        }
        return out
    }

    // MARK: Writing

    /// Encodes a 1-D or 2-D array as `.npy` version 1.0 (2.0 when the header needs it).
    /// - Complexity: O(bytes)
    public static func encode(_ array: NumPyArray) -> Data {
        let shapeText = shapeText(array.shape)
        var dict = "{'descr': '\(array.dtype.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces and a newline so that the data starts on a 64-byte boundary.
        var prefixLength = 10
        if dict.utf8.count + 1 + 10 > 65535 { prefixLength = 12 }
        let total = prefixLength + dict.utf8.count + 1
        let padding = (64 - total % 64) % 64
        dict += String(repeating: " ", count: padding) + "\n"
        let headerLength = dict.utf8.count
        var out = Data(magic)
        if prefixLength == 10 {
            out.append(contentsOf: [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)])
        } else {
            out.append(contentsOf: [2, 0] + (0..<4).map { UInt8((headerLength >> (8 * $0)) & 0xFF) })
        }
        out.append(contentsOf: Array(dict.utf8))
        out.append(array.bytes)
        return out
    }

    /// Writes a matrix as a 2-D `float32` or `float64` array, atomically.
    public static func write(_ matrix: Matrix, to path: String, dtype: NumPyDType = .float32) throws {
        guard dtype.isFloatingPoint else {
            throw AnomalyError(.io, "can only write float32 or float64 matrices, not \(dtype)", file: path)
        }
        try writeAtomically(encode(NumPyArray(matrix, dtype: dtype)), to: path)
    }

    /// Writes values (e.g. scores) as a 1-D `float64` or `float32` array, atomically.
    public static func write(_ values: [Double], to path: String, dtype: NumPyDType = .float64) throws {
        guard dtype.isFloatingPoint else {
            throw AnomalyError(.io, "can only write float32 or float64 values, not \(dtype)", file: path)
        }
        try writeAtomically(encode(NumPyArray(values, dtype: dtype)), to: path)
    }

    /// Writes labels as a 1-D `int64` array, atomically.
    public static func write(labels: [Int], to path: String) throws {
        try writeAtomically(encode(NumPyArray(labels: labels)), to: path)
    }

    /// Writes arrays as a `.npz` archive (members `<name>.npy`, deflated when `compressed`), atomically;
    /// `numpy.load` opens it. - Complexity: O(total bytes)
    public static func writeArchive(_ arrays: [String: NumPyArray], to path: String, compressed: Bool = true) throws {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for name in arrays.keys.sorted() {
                guard let array = arrays[name] else { continue }
                let bytes = encode(array)
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count),
                                     compressionMethod: compressed ? .deflate : .none) { position, size in
                    bytes.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let data = archive.data else { throw AnomalyError(.io, "cannot build the archive in memory", file: path) }
            try writeAtomically(data, to: path)
        } catch let e as AnomalyError {
            throw e
        } catch {
            throw AnomalyError(.io, "cannot write the .npz archive: \(error)", file: path)
        }
    }

    // MARK: Helpers

    package static func readFile(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AnomalyError.data("no such file", file: path)
        }
        guard !isDirectory.boolValue else { throw AnomalyError.data("is a folder, not a file", file: path) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw AnomalyError.data("cannot read: \(error.localizedDescription)", file: path)
        }
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    private static func transposeBytes(_ data: Data, rows: Int, cols: Int, elementSize: Int) -> Data {
        // `data` holds a rows × cols C-order array; return its cols × rows transpose.
        var out = Data(count: data.count)
        data.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
                for r in 0..<rows {
                    for c in 0..<cols {
                        let from = (r &* cols &+ c) &* elementSize
                        let to = (c &* rows &+ r) &* elementSize
                        for b in 0..<elementSize { dst[to &+ b] = src[from &+ b] }
                    }
                }
            }
        }
        return out
    }

    struct Header {
        var dtype: NumPyDType
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Parses the Python dict literal of a `.npy` header, e.g.
    /// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ text: String, maxDimensions: Int = 2, fail: (String) -> AnomalyError) throws -> Header {
        var p = HeaderParser(Array(text.utf8))
        guard let dict = p.parseDict() else {
            throw fail("bad .npy header: expected a dict like {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}, got \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))")
        }
        guard case .string(let descr)? = dict["descr"] else {
            if dict["descr"] != nil { throw fail("unsupported dtype: structured arrays are not supported") }
            throw fail("bad .npy header: no 'descr' (dtype)")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("bad .npy header: no boolean 'fortran_order'") }
        guard case .tuple(let shape)? = dict["shape"] else { throw fail("bad .npy header: no 'shape' tuple") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("bad .npy header: negative dimension in shape") }
        guard (1...max(2, maxDimensions)).contains(shape.count) else {
            throw fail("unsupported shape \(shapeText(shape)): only 1-D\(maxDimensions > 2 ? " to \(maxDimensions)-D" : " and 2-D") arrays are supported")
        }
        guard shape.count <= 2 || !fortran else {
            throw fail("a Fortran-ordered \(shape.count)-D array is not supported; save it in C order (np.ascontiguousarray)")
        }
        let (total, overflow) = shape.reduce((1, false)) { acc, d in
            let m = acc.0.multipliedReportingOverflow(by: d)
            return (m.partialValue, acc.1 || m.overflow)
        }
        guard !overflow, total <= Int.max / 16 else { throw fail("bad .npy header: shape \(shapeText(shape)) is too large") }
        guard descr.count >= 3 else { throw fail("unsupported dtype '\(descr)'") }
        let order = descr.first ?? "<"
        let code = String(descr.dropFirst())
        guard let dtype = NumPyDType(rawValue: code) else {
            let hint: String
            switch code.first {
            case "c": hint = " (complex numbers)"
            case "U", "S": hint = " (strings)"
            case "O": hint = " (Python objects)"
            case "M", "m": hint = " (dates/times)"
            default: hint = ""
            }
            throw fail("unsupported dtype '\(descr)'\(hint); supported: float64, float32, int8–int64, uint8–uint64, bool")
        }
        switch order {
        case "<", "|", "=": break
        case ">": if dtype.byteSize > 1 {
            throw fail("big-endian dtype '\(descr)' is not supported; convert it with arr.astype('<\(code)')")
        }
        default: throw fail("unsupported dtype '\(descr)'")
        }
        return Header(dtype: dtype, fortranOrder: fortran, shape: shape)
    }
}

/// A tiny parser for the subset of Python literals a `.npy` header uses.
struct HeaderParser {
    enum Value { case string(String), bool(Bool), tuple([Int]), other }
    let s: [UInt8]
    var i = 0
    init(_ s: [UInt8]) { self.s = s }

    mutating func skipSpace() { while i < s.count, s[i] == 0x20 || s[i] == 0x0A || s[i] == 0x09 || s[i] == 0x0D { i += 1 } }
    mutating func eat(_ c: UInt8) -> Bool {
        skipSpace()
        if i < s.count, s[i] == c { i += 1; return true }
        return false
    }

    mutating func parseDict() -> [String: Value]? {
        guard eat(UInt8(ascii: "{")) else { return nil }
        var out: [String: Value] = [:]
        while true {
            if eat(UInt8(ascii: "}")) { break }
            guard let key = parseString(), eat(UInt8(ascii: ":")), let value = parseValue() else { return nil }
            out[key] = value
            if eat(UInt8(ascii: ",")) { continue }
            guard eat(UInt8(ascii: "}")) else { return nil }
            break
        }
        skipSpace()
        return i == s.count ? out : nil
    }

    mutating func parseString() -> String? {
        skipSpace()
        guard i < s.count, s[i] == UInt8(ascii: "'") || s[i] == UInt8(ascii: "\"") else { return nil }
        let q = s[i]; i += 1
        let start = i
        while i < s.count, s[i] != q { i += 1 }
        guard i < s.count else { return nil }
        defer { i += 1 }
        return String(decoding: s[start..<i], as: UTF8.self)
    }

    mutating func parseValue() -> Value? {
        skipSpace()
        guard i < s.count else { return nil }
        switch s[i] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return parseString().map { .string($0) }
        case UInt8(ascii: "("):
            i += 1
            var dims: [Int] = []
            while true {
                if eat(UInt8(ascii: ")")) { return .tuple(dims) }
                guard let n = parseInt() else { return nil }
                dims.append(n)
                if eat(UInt8(ascii: ",")) { continue }
                guard eat(UInt8(ascii: ")")) else { return nil }
                return .tuple(dims)
            }
        case UInt8(ascii: "T"), UInt8(ascii: "F"):
            for (word, value) in [("True", true), ("False", false)] {
                let w = Array(word.utf8)
                if i + w.count <= s.count, Array(s[i..<(i + w.count)]) == w { i += w.count; return .bool(value) }
            }
            return nil
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            // A structured dtype (list of fields) or nested dict: skip it balanced, report as unsupported.
            var depth = 0
            while i < s.count {
                if s[i] == UInt8(ascii: "[") || s[i] == UInt8(ascii: "{") || s[i] == UInt8(ascii: "(") { depth += 1 }
                if s[i] == UInt8(ascii: "]") || s[i] == UInt8(ascii: "}") || s[i] == UInt8(ascii: ")") { depth -= 1 }
                i += 1
                if depth == 0 { return .other }
            }
            return nil
        default:
            return parseInt().map { _ in .other }
        }
    }

    mutating func parseInt() -> Int? {
        skipSpace()
        var neg = false
        if i < s.count, s[i] == UInt8(ascii: "-") { neg = true; i += 1 }
        let start = i
        var n = 0
        while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(s[i] - 0x30))
            guard !o1, !o2 else { return nil }
            n = a; i += 1
        }
        if i < s.count, s[i] == UInt8(ascii: "L") { i += 1 }  // Python 2 longs
        return i > start ? (neg ? -n : n) : nil
    }
}
