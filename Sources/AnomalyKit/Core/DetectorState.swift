import AnomalyMath
import Foundation

/// One named array in a model file: a dtype, a shape and little-endian bytes (safetensors' layout).
public struct Tensor: Sendable, Equatable {
    public enum DType: String, Sendable, Codable {
        case f32 = "F32", f64 = "F64", i64 = "I64", i32 = "I32", u8 = "U8"
        public var byteSize: Int {
            switch self { case .f32, .i32: return 4; case .f64, .i64: return 8; case .u8: return 1 }
        }
    }
    public var dtype: DType
    public var shape: [Int]
    /// Little-endian element bytes, `shape.product × dtype.byteSize` long.
    public var bytes: [UInt8]

    public var elementCount: Int { shape.reduce(1, *) }

    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public init(_ matrix: Matrix) {
        self.init(floats: matrix.values, shape: [matrix.rows, matrix.cols])
    }
    public init(floats: [Float], shape: [Int]? = nil) {
        self.init(dtype: .f32, shape: shape ?? [floats.count], bytes: floats.withUnsafeBytes { Array($0) })
    }
    public init(doubles: [Double], shape: [Int]? = nil) {
        self.init(dtype: .f64, shape: shape ?? [doubles.count], bytes: doubles.withUnsafeBytes { Array($0) })
    }
    public init(ints: [Int], shape: [Int]? = nil) {
        let v = ints.map { Int64($0) }
        self.init(dtype: .i64, shape: shape ?? [ints.count], bytes: v.withUnsafeBytes { Array($0) })
    }
    public init(int32s: [Int32], shape: [Int]? = nil) {
        self.init(dtype: .i32, shape: shape ?? [int32s.count], bytes: int32s.withUnsafeBytes { Array($0) })
    }

    private func load<T>(_ type: T.Type) -> [T] {
        let n = bytes.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { buf, count in
            _ = bytes.withUnsafeBytes { raw in memcpy(buf.baseAddress!, raw.baseAddress!, n * MemoryLayout<T>.size) }
            count = n
        }
    }

    /// Elements as `Float` (converted from any numeric dtype).
    public func floats() -> [Float] {
        switch dtype {
        case .f32: return load(Float.self)
        case .f64: return load(Double.self).map { Float($0) }
        case .i64: return load(Int64.self).map { Float($0) }
        case .i32: return load(Int32.self).map { Float($0) }
        case .u8: return bytes.map { Float($0) }
        }
    }
    /// Elements as `Double` (converted from any numeric dtype).
    public func doubles() -> [Double] {
        switch dtype {
        case .f32: return load(Float.self).map { Double($0) }
        case .f64: return load(Double.self)
        case .i64: return load(Int64.self).map { Double($0) }
        case .i32: return load(Int32.self).map { Double($0) }
        case .u8: return bytes.map { Double($0) }
        }
    }
    /// Elements as `Int` (integer dtypes only; floats are truncated).
    public func ints() -> [Int] {
        switch dtype {
        case .i64: return load(Int64.self).map { Int($0) }
        case .i32: return load(Int32.self).map { Int($0) }
        case .u8: return bytes.map { Int($0) }
        case .f32: return load(Float.self).map { Int($0) }
        case .f64: return load(Double.self).map { Int($0) }
        }
    }
}

/// The fitted arrays of a detector, by name, with checked typed access.
///
/// A fitted detector writes its arrays here (`set`), and reads them back on load with the shapes
/// it expects; any mismatch is a model error that names the tensor.
public struct DetectorState: Sendable, Equatable {
    public var tensors: [String: Tensor] = [:]
    /// Small scalar facts (e.g. a fitted offset) stored in the model's JSON metadata.
    public var scalars: [String: Double] = [:]

    public init(tensors: [String: Tensor] = [:], scalars: [String: Double] = [:]) {
        self.tensors = tensors
        self.scalars = scalars
    }

    public mutating func set(_ name: String, _ tensor: Tensor) { tensors[name] = tensor }
    public mutating func set(_ name: String, _ matrix: Matrix) { tensors[name] = Tensor(matrix) }
    public mutating func set(_ name: String, doubles: [Double], shape: [Int]? = nil) { tensors[name] = Tensor(doubles: doubles, shape: shape) }
    public mutating func set(_ name: String, floats: [Float], shape: [Int]? = nil) { tensors[name] = Tensor(floats: floats, shape: shape) }
    public mutating func set(_ name: String, ints: [Int], shape: [Int]? = nil) { tensors[name] = Tensor(ints: ints, shape: shape) }
    public mutating func set(_ name: String, scalar: Double) { scalars[name] = scalar }

    /// The tensor called `name`, checked against `shape` (nil entries match any size).
    public func tensor(_ name: String, shape: [Int?]? = nil) throws -> Tensor {
        guard let t = tensors[name] else { throw AnomalyError.model("missing tensor", field: name) }
        if let shape {
            let ok = t.shape.count == shape.count && zip(t.shape, shape).allSatisfy { $1 == nil || $0 == $1! }
            if !ok {
                let want = shape.map { $0.map(String.init) ?? "*" }.joined(separator: ", ")
                throw AnomalyError.model("tensor has shape [\(t.shape.map(String.init).joined(separator: ", "))], expected [\(want)]", field: name)
            }
        }
        guard t.bytes.count == t.elementCount * t.dtype.byteSize else {
            throw AnomalyError.model("tensor data has \(t.bytes.count) bytes, expected \(t.elementCount * t.dtype.byteSize)", field: name)
        }
        return t
    }

    public func matrix(_ name: String, rows: Int? = nil, cols: Int? = nil) throws -> Matrix {
        let t = try tensor(name, shape: [rows, cols])
        return Matrix(rows: t.shape[0], cols: t.shape[1], values: t.floats())
    }
    public func doubles(_ name: String, count: Int? = nil) throws -> [Double] {
        try tensor(name, shape: [count]).doubles()
    }
    public func floats(_ name: String, count: Int? = nil) throws -> [Float] {
        try tensor(name, shape: [count]).floats()
    }
    public func ints(_ name: String, count: Int? = nil) throws -> [Int] {
        try tensor(name, shape: [count]).ints()
    }
    public func scalar(_ name: String) throws -> Double {
        guard let v = scalars[name] else { throw AnomalyError.model("missing value", field: name) }
        return v
    }
}
