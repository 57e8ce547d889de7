import AnomalyKit
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file mapped into memory (read-only `mmap`), its header parsed and every tensor
/// entry checked against the file, so weights are read in place instead of copied.
///
/// The format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range in the data section (plus an optional `__metadata__` map of strings),
/// then the raw little-endian data. Opening validates every entry — a known dtype, a
/// non-negative shape whose byte size equals the range, a range inside the file, no overlaps —
/// so a truncated or corrupted file fails at `init`, naming the file and the tensor.
///
/// `F32` tensors are exposed as views into the mapping; `F16` and `BF16` are converted to
/// `Float` once, when asked for. The mapping lives as long as this object or any `FloatTensor`
/// taken from it; the file must not be truncated meanwhile (the model cache replaces files by
/// renaming, which leaves a mapping intact).
public final class MappedSafeTensors: @unchecked Sendable {
    /// Element types the header may name (safetensors' spelling).
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .f64, .i64, .u64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    /// One tensor's header entry: dtype, shape, and its byte range from the start of the file.
    public struct Entry: Sendable, Equatable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte range from the start of the file (not of the data section).
        public let bytes: Range<Int>
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The path the tensors were read from (named in errors).
    public let file: String
    /// Every tensor's entry, by name.
    public let entries: [String: Entry]
    /// The header's `__metadata__` map (empty when absent).
    public let metadata: [String: String]

    private let base: UnsafeRawPointer
    private let length: Int
    /// Converted copies of F16/BF16 tensors, made on first use.
    private var converted: [String: UnsafeMutableBufferPointer<Float>] = [:]
    private let lock = NSLock()

    /// Maps the file at `url` and validates its header.
    /// - Throws: `AnomalyError` (`.model`) naming the file (and the tensor, when one entry is at
    ///   fault) when it cannot be opened, is too short, or has a malformed or inconsistent header.
    /// - Complexity: O(header size); the data is paged in lazily by the kernel.
    public convenience init(contentsOf url: URL) throws {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw AnomalyError.model("cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw AnomalyError.model("cannot read its size: \(String(cString: strerror(errno)))", file: path)
        }
        let length = Int(info.st_size)
        guard length >= 8 else {
            throw AnomalyError.model("file is too short to be a safetensors file (\(length) bytes)", file: path)
        }
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw AnomalyError.model("cannot map into memory: \(String(cString: strerror(errno)))", file: path)
        }
        try self.init(mapping: UnsafeRawPointer(mapped), length: length, file: path)
    }

    private init(mapping base: UnsafeRawPointer, length: Int, file: String) throws {
        self.base = base
        self.length = length
        self.file = file
        do {
            (entries, metadata) = try Self.parseHeader(base, length: length, file: file)
        } catch {
            munmap(UnsafeMutableRawPointer(mutating: base), length)
            throw error
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
        for buffer in converted.values { buffer.deallocate() }
    }

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The tensor `name` as `Float`s: a view into the mapping for `F32`, a once-converted copy
    /// for `F16`/`BF16` (and for an `F32` tensor whose bytes are not 4-byte aligned).
    /// - Throws: `AnomalyError` (`.model`) naming the file and tensor when it is absent or of
    ///   another dtype.
    /// - Complexity: O(1) for aligned `F32`; O(elements) the first time otherwise.
    public func floats(_ name: String) throws -> FloatTensor {
        guard let entry = entries[name] else {
            throw AnomalyError.model("the tensor is missing", file: file, field: name)
        }
        let count = entry.elementCount
        let raw = base + entry.bytes.lowerBound
        switch entry.dtype {
        case .f32 where Int(bitPattern: raw) % MemoryLayout<Float>.alignment == 0:
            let view = UnsafeBufferPointer(start: raw.assumingMemoryBound(to: Float.self), count: count)
            return FloatTensor(shape: entry.shape, buffer: view, owner: self)
        case .f32, .f16, .bf16:
            return FloatTensor(shape: entry.shape, buffer: UnsafeBufferPointer(convertedCopy(name, entry, raw)), owner: self)
        default:
            throw AnomalyError.model("has dtype \(entry.dtype.rawValue); expected F32, F16 or BF16", file: file, field: name)
        }
    }

    private func convertedCopy(_ name: String, _ entry: Entry, _ raw: UnsafeRawPointer) -> UnsafeMutableBufferPointer<Float> {
        lock.withLock {
            if let done = converted[name] { return done }
            let count = entry.elementCount
            let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            for i in 0..<count {
                switch entry.dtype {
                case .f32:
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .f16:
                    out[i] = Self.halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                default:  // bf16: the top half of a float32
                    out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                }
            }
            converted[name] = out
            return out
        }
    }

    /// IEEE binary16 bits → `Float`, exactly (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            // ±mantissa · 2⁻²⁴, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }

    /// Parses and validates the header against a file of `length` bytes.
    private static func parseHeader(_ base: UnsafeRawPointer, length: Int, file: String) throws
        -> (entries: [String: Entry], metadata: [String: String]) {
        func fail(_ message: String, _ field: String? = nil) -> AnomalyError { .model(message, file: file, field: field) }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(length - 8), headerLength < 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file size (\(length) bytes): truncated or not a safetensors file")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = Data(bytes: base + 8, count: Int(headerLength))
        guard let object = try? JSONSerialization.jsonObject(with: headerBytes), let header = object as? [String: Any] else {
            throw fail("header is not a JSON object: corrupted file")
        }
        let dataLength = length - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(range: Range<Int>, name: String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shapeValues = info["shape"] as? [Any], let offsets = info["data_offsets"] as? [Any],
                  offsets.count == 2 else {
                throw fail("tensor entry lacks dtype, shape or data_offsets", name)
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("unsupported dtype \(dtypeName)", name) }
            let shape = shapeValues.compactMap { Self.integer($0) }
            guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("invalid shape \(shapeValues)", name)
            }
            guard let begin = Self.integer(offsets[0]), let end = Self.integer(offsets[1]), begin >= 0, end >= begin else {
                throw fail("invalid data_offsets \(offsets)", name)
            }
            guard end <= dataLength else {
                throw fail("data bytes \(begin)..<\(end) lie outside the file's \(dataLength) data bytes: truncated", name)
            }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, elements <= Int.max / dtype.byteSize, end - begin == elements * dtype.byteSize else {
                throw fail("holds \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(elements &* dtype.byteSize)", name)
            }
            let range = (dataStart + begin)..<(dataStart + end)
            if !range.isEmpty { ranges.append((range, name)) }  // empty tensors occupy no bytes
            entries[name] = Entry(dtype: dtype, shape: shape, bytes: range)
        }
        ranges.sort { $0.range.lowerBound < $1.range.lowerBound }
        for i in ranges.indices.dropFirst() where ranges[i].range.lowerBound < ranges[i - 1].range.upperBound {
            throw fail("its bytes overlap those of '\(ranges[i - 1].name)': corrupted file", ranges[i].name)
        }
        return (entries, metadata)
    }

    /// A JSON integer (JSONSerialization gives `NSNumber`s; refuse fractions).
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let d = number.doubleValue
        guard d == d.rounded(), abs(d) < 9e15 else { return nil }
        return number.intValue
    }
}

/// A tensor's `Float` elements in row-major order, viewed in place (or in a converted copy),
/// with its shape. Immutable; it keeps the file's mapping alive, so the view stays valid.
public struct FloatTensor: @unchecked Sendable {
    public let shape: [Int]
    /// The elements; valid as long as this value (it retains the mapping).
    public let buffer: UnsafeBufferPointer<Float>
    private let owner: AnyObject

    init(shape: [Int], buffer: UnsafeBufferPointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.buffer = buffer
        self.owner = owner
    }

    /// The first element's address (a valid dangling pointer for an empty tensor).
    public var base: UnsafePointer<Float> { buffer.baseAddress ?? UnsafePointer(bitPattern: 16)! }
}
