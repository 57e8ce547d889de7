import AnomalyKit
import Foundation

/// IDX files, the format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte[.gz]`): a big-endian
/// header — two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions,
/// then each dimension as a 32-bit count — followed by the elements in row-major order.
/// gzip-compressed files are recognised by their magic bytes, whatever their name.
public enum IDXFile {
    /// The images of an `idx3-ubyte` file (magic 0x00000803: count × rows × cols bytes), as grey
    /// `DecodedImage`s of cols × rows pixels (any size: the `ImageDecoder` minimum does not apply).
    /// - Throws: `AnomalyError` (`.data`) naming the file and what is wrong: the magic number, the
    ///   element type, a zero dimension, or a size that does not match the header.
    /// - Complexity: O(file size)
    public static func images(contentsOf url: URL) throws -> [DecodedImage] {
        let (bytes, dims) = try read(url, dimensions: 3, what: "images")
        let (count, rows, cols) = (dims[0], dims[1], dims[2])
        let size = rows * cols
        return bytes.withUnsafeBufferPointer { p in
            (0..<count).map { i in
                let start = 16 + i * size
                return DecodedImage(unchecked: cols, height: rows, channels: 1,
                                    pixels: Array(p[start..<(start + size)]))
            }
        }
    }

    /// The labels of an `idx1-ubyte` file (magic 0x00000801: one byte per label).
    /// - Throws: `AnomalyError` (`.data`) as `images(contentsOf:)`. - Complexity: O(file size)
    public static func labels(contentsOf url: URL) throws -> [Int] {
        let (bytes, _) = try read(url, dimensions: 1, what: "labels")
        return bytes[8...].map { Int($0) }
    }

    /// The file's bytes (decompressed) and its dimensions, checked against the expected layout.
    private static func read(_ url: URL, dimensions: Int, what: String) throws -> ([UInt8], [Int]) {
        let path = url.path
        var data = try NumPy.readFile(path)
        let compressed = Gzip.isCompressed(data)
        if compressed { data = try Gzip.decompress(data, file: path) }
        let bytes = [UInt8](data)
        let has = compressed ? "the decompressed data has" : "the file has"
        let expectedMagic = 0x0800 | dimensions
        guard bytes.count >= 4 else {
            throw AnomalyError.data("not an IDX \(what) file: \(has) \(bytes.count) bytes, fewer than the 4-byte magic number", file: path)
        }
        let magic = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard bytes[0] == 0, bytes[1] == 0, typeNames[bytes[2]] != nil else {
            throw AnomalyError.data("not an IDX file: magic number \(hex(magic)), expected \(hex(expectedMagic)) (IDX \(what))", file: path)
        }
        guard bytes[2] == 0x08 else {
            throw AnomalyError.data("IDX element type \(typeName(bytes[2])) (magic \(hex(magic))); only unsigned bytes (0x08) are read",
                                    file: path)
        }
        guard Int(bytes[3]) == dimensions else {
            let other = bytes[3] == 3 ? "an images file" : bytes[3] == 1 ? "a labels file" : "\(bytes[3]) dimensions"
            throw AnomalyError.data("magic number \(hex(magic)) (\(other)), expected \(hex(expectedMagic)) for IDX \(what)",
                                    file: path)
        }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else {
            throw AnomalyError.data("truncated IDX header: expected \(headerSize) bytes, \(has) \(bytes.count)", file: path)
        }
        let dims = (0..<dimensions).map { d in bytes[(4 + 4 * d)..<(8 + 4 * d)].reduce(0) { $0 << 8 | Int($1) } }
        let names = dimensions == 3 ? ["count", "rows", "cols"] : ["count"]
        let shape = zip(names, dims).map { "\($0) \($1)" }.joined(separator: " × ")
        guard !dims.contains(0) else {
            throw AnomalyError.data("zero-size dimension in the IDX header (\(shape))", file: path)
        }
        var total = 1
        for d in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { throw AnomalyError.data("IDX dimensions too large (\(shape))", file: path) }
            total = product
        }
        guard bytes.count == headerSize + total else {
            throw AnomalyError.data("expected \(headerSize + total) bytes for \(shape), \(has) \(bytes.count)", file: path)
        }
        return (bytes, dims)
    }

    private static func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The element types the IDX format defines.
    private static let typeNames: [UInt8: String] = [0x08: "unsigned bytes", 0x09: "signed bytes", 0x0B: "16-bit integers",
                                                     0x0C: "32-bit integers", 0x0D: "32-bit floats", 0x0E: "64-bit floats"]

    private static func typeName(_ code: UInt8) -> String {
        String(format: "0x%02X", code) + (typeNames[code].map { " (\($0))" } ?? "")
    }
}
