/// A dense, row-major matrix of `Float` with value semantics.
///
/// Storage is a Swift `Array`, which is already copy-on-write: copies are O(1) until one of them
/// is mutated. (DESIGN.md suggests a hand-written class storage like NIO's `ByteBuffer`; `Array`
/// gives the same behaviour with less unsafe code, and `withUnsafeBufferPointer` still gives hot
/// loops direct access.)
public struct Matrix: Sendable, Equatable {
    /// Number of rows (samples).
    public let rows: Int
    /// Number of columns (features).
    public let cols: Int
    /// Row-major elements: element (r, c) is at `r * cols + c`.
    public var values: [Float] {
        get { storage }
        // In-place mutation (element assignment, `withUnsafeMutableBufferPointer`) must not copy
        // the array: a `didSet` observer would, once per element. Any change drops `doubleSource`.
        _modify {
            doubleSource = nil
            yield &storage
        }
        set {
            storage = newValue
            doubleSource = nil
        }
    }
    private var storage: [Float]
    /// The same elements in double precision, kept only when the matrix was built from doubles
    /// that `Float` cannot all hold exactly (e.g. a float64 `.npy` of standardised data).
    /// Detectors that compute in `Double` (HBOS, GMM, MCD) read it so they see the data exactly as
    /// a float64 library does — bin edges and ties decided on the true values, not on their
    /// float32 roundings. Any change to `values` drops it; `rows(at:)` and `vstack` carry it.
    public private(set) var doubleSource: [Double]?

    /// A matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix shape must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    /// A matrix over existing row-major values; `values.count` must be `rows * cols`.
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(rows >= 0 && cols >= 0 && values.count == rows * cols,
                     "Matrix(rows: \(rows), cols: \(cols)) needs \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.storage = values
    }

    /// A matrix from an array of equally long rows.
    /// A matrix of `doubles` rounded to `Float`, keeping the doubles as `doubleSource` when the
    /// rounding changed any of them. - Complexity: O(rows·cols)
    public init(rows: Int, cols: Int, doubles: [Double]) {
        precondition(rows >= 0 && cols >= 0 && doubles.count == rows * cols,
                     "Matrix(rows: \(rows), cols: \(cols)) needs \(rows * cols) values, got \(doubles.count)")
        self.rows = rows
        self.cols = cols
        var exact = true
        self.storage = doubles.map { v in
            let f = Float(v)
            if Double(f) != v && !v.isNaN { exact = false }
            return f
        }
        self.doubleSource = exact ? nil : doubles
    }

    public static func == (a: Matrix, b: Matrix) -> Bool {
        a.rows == b.rows && a.cols == b.cols && a.values == b.values
    }

    public init(_ rowArrays: [[Float]]) {
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "All rows must have the same length")
        self.init(rows: rowArrays.count, cols: c, values: rowArrays.flatMap { $0 })
    }

    /// A matrix from `Double` rows (converted to `Float`).
    public init(_ rowArrays: [[Double]]) {
        self.init(rowArrays.map { $0.map { Float($0) } })
    }

    /// Element access. - Complexity: O(1)
    @inlinable
    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// The elements of one row, copied. - Complexity: O(cols)
    public func row(_ r: Int) -> [Float] {
        Array(values[(r * cols)..<((r + 1) * cols)])
    }

    /// The elements of one column, copied. - Complexity: O(rows)
    public func column(_ c: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows)
        values.withUnsafeBufferPointer { v in
            for r in 0..<rows { out[r] = v[r &* cols &+ c] }
        }
        return out
    }

    /// One column as `Double` values. - Complexity: O(rows)
    public func columnDouble(_ c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        if let exact = doubleSource {
            for r in 0..<rows { out[r] = exact[r &* cols &+ c] }
            return out
        }
        values.withUnsafeBufferPointer { v in
            for r in 0..<rows { out[r] = Double(v[r &* cols &+ c]) }
        }
        return out
    }

    /// The rows at `indices`, in that order. - Complexity: O(indices.count × cols)
    public func rows<C: Collection>(at indices: C) -> Matrix where C.Element == Int {
        var out = [Float]()
        out.reserveCapacity(indices.count * cols)
        values.withUnsafeBufferPointer { v in
            for r in indices {
                out.append(contentsOf: v[(r * cols)..<((r + 1) * cols)])
            }
        }
        var selected = Matrix(rows: indices.count, cols: cols, values: out)
        if let exact = doubleSource {
            var d = [Double]()
            d.reserveCapacity(indices.count * cols)
            for r in indices { d.append(contentsOf: exact[(r * cols)..<((r + 1) * cols)]) }
            selected.doubleSource = d
        }
        return selected
    }

    /// The columns at `indices`, in that order. - Complexity: O(rows × indices.count)
    public func columns(at indices: [Int]) -> Matrix {
        var out = [Float](repeating: 0, count: rows * indices.count)
        let n = indices.count
        values.withUnsafeBufferPointer { v in
            for r in 0..<rows {
                for (j, c) in indices.enumerated() { out[r * n + j] = v[r * cols + c] }
            }
        }
        return Matrix(rows: rows, cols: n, values: out)
    }

    /// The transpose. - Complexity: O(rows × cols)
    public func transposed() -> Matrix {
        var out = [Float](repeating: 0, count: rows * cols)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    for c in 0..<cols { o[c &* rows &+ r] = v[r &* cols &+ c] }
                }
            }
        }
        return Matrix(rows: cols, cols: rows, values: out)
    }

    /// Row-major elements as `Double` (`doubleSource` when there is one).
    public var doubleValues: [Double] { doubleSource ?? values.map(Double.init) }

    /// The index of the first element that is NaN or infinite, as (row, col), or nil.
    public func firstNonFinite() -> (row: Int, col: Int)? {
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (i / cols, i % cols)
    }

    /// Rows stacked vertically; all inputs must share `cols`.
    public static func vstack(_ parts: [Matrix]) -> Matrix {
        guard let first = parts.first else { return Matrix(rows: 0, cols: 0) }
        precondition(parts.allSatisfy { $0.cols == first.cols }, "vstack needs equal column counts")
        let rows = parts.reduce(0) { $0 + $1.rows }
        if parts.contains(where: { $0.doubleSource != nil }) {
            return Matrix(rows: rows, cols: first.cols, doubles: parts.flatMap { $0.doubleValues })
        }
        return Matrix(rows: rows, cols: first.cols, values: parts.flatMap { $0.values })
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        var s = "Matrix(\(rows)×\(cols))"
        for r in 0..<min(rows, 6) {
            s += "\n  " + row(r).prefix(8).map { String($0) }.joined(separator: " ")
        }
        return s
    }
}

extension Matrix {
    /// `[self | other]`: the columns of `other` after this matrix's, row by row.
    /// - Precondition: both have the same number of rows. - Complexity: O(rows × (cols + other.cols))
    package func concatenatingColumns(_ other: Matrix) -> Matrix {
        precondition(rows == other.rows, "concatenating columns of matrices with \(rows) and \(other.rows) rows")
        var out = [Float](repeating: 0, count: rows * (cols + other.cols))
        let width = cols + other.cols
        for r in 0..<rows {
            for c in 0..<cols { out[r * width + c] = values[r * cols + c] }
            for c in 0..<other.cols { out[r * width + cols + c] = other.values[r * other.cols + c] }
        }
        return Matrix(rows: rows, cols: width, values: out)
    }
}
