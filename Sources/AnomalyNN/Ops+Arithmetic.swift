import AnomalyMath

// Matrix products, broadcasting arithmetic, reductions and concatenation on the tape.

extension Var {
    /// `op(self) · op(other)` through BLAS `sgemm`. Gradients are accumulated inside the GEMMs
    /// (`beta = 1`), so a parameter used twice costs no extra buffers.
    /// - Complexity: O(m·n·k) flops forward, twice that backward.
    public func matmul(_ other: Var, transposeSelf: Bool = false, transposeOther: Bool = false) -> Var {
        let a = value, b = other.value
        let (m, k) = transposeSelf ? (a.cols, a.rows) : (a.rows, a.cols)
        let (k2, n) = transposeOther ? (b.cols, b.rows) : (b.rows, b.cols)
        precondition(k == k2, "matmul: inner dimensions differ (\(m)×\(k) · \(k2)×\(n))")
        var c = Matrix(rows: m, cols: n)
        Self.gemm(transposeSelf, transposeOther, m, n, k, a, b, &c, beta: 0)
        let ta = transposeSelf, tb = transposeOther, aid = id, bid = other.id
        return tape.record(c, inputs: [self, other]) { tape, g in
            if tape.needsGradient[aid] {
                tape.withGradientBuffer(aid) { ga in
                    // dop(A) = G·op(B)ᵀ; for a transposed A, dA = op(B)·Gᵀ.
                    if !ta {
                        Self.gemmInto(false, !tb, m, k, n, g, b, ga, ldc: k)
                    } else {
                        Self.gemmInto(tb, true, k, m, n, b, g, ga, ldc: m)
                    }
                }
            }
            if tape.needsGradient[bid] {
                tape.withGradientBuffer(bid) { gb in
                    // dop(B) = op(A)ᵀ·G; for a transposed B, dB = Gᵀ·op(A).
                    if !tb {
                        Self.gemmInto(!ta, false, k, n, m, a, g, gb, ldc: n)
                    } else {
                        Self.gemmInto(true, ta, n, k, m, g, a, gb, ldc: k)
                    }
                }
            }
        }
    }

    /// `C = op(A)·op(B)` (`m × n`, inner `k`), `beta` as BLAS.
    static func gemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: Matrix, _ b: Matrix,
                     _ c: inout Matrix, beta: Float) {
        guard m > 0, n > 0 else { return }
        c.values.withUnsafeMutableBufferPointer { cb in
            gemmInto(ta, tb, m, n, k, a, b, cb.baseAddress!, ldc: n, beta: beta)
        }
    }

    /// `C += op(A)·op(B)` into a raw buffer (`beta = 1` by default).
    static func gemmInto(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: Matrix, _ b: Matrix,
                         _ c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 1) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: m * ldc) }
            return
        }
        a.values.withUnsafeBufferPointer { ab in
            b.values.withUnsafeBufferPointer { bb in
                BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: ab.baseAddress!, lda: a.cols,
                           b: bb.baseAddress!, ldb: b.cols, beta: beta, c: c, ldc: ldc)
            }
        }
    }
}

// MARK: - Broadcasting element-wise arithmetic

/// How an operand of a binary element-wise operation is laid over the result: a full matrix,
/// one row repeated (`1 × n`), one column repeated (`m × 1`), or a scalar (`1 × 1`).
struct Broadcast {
    let rows: Int, cols: Int
    let rowStride: Int, colStride: Int

    init(_ m: Matrix, toRows rows: Int, cols: Int) {
        precondition((m.rows == rows || m.rows == 1) && (m.cols == cols || m.cols == 1),
                     "cannot broadcast \(m.rows)×\(m.cols) to \(rows)×\(cols)")
        self.rows = m.rows
        self.cols = m.cols
        self.colStride = m.cols == 1 ? 0 : 1
        self.rowStride = m.rows == 1 ? 0 : m.cols
    }

    /// Sums a full-size gradient down to this operand's shape. - Complexity: O(rows·cols)
    func reduce(_ g: Matrix) -> Matrix {
        if rows == g.rows && cols == g.cols { return g }
        var out = Matrix(rows: rows, cols: cols)
        out.values.withUnsafeMutableBufferPointer { o in
            g.values.withUnsafeBufferPointer { gb in
                for r in 0..<g.rows {
                    let base = r &* g.cols
                    let ob = r &* rowStride
                    for c in 0..<g.cols { o[ob &+ c &* colStride] += gb[base &+ c] }
                }
            }
        }
        return out
    }
}

extension Var {
    static func resultShape(_ a: Matrix, _ b: Matrix) -> (Int, Int) {
        (max(a.rows, b.rows), max(a.cols, b.cols))
    }

    /// Applies `f` element-wise over the broadcast of `a` and `b`. - Complexity: O(rows·cols)
    @inline(__always)
    static func zipBroadcast(_ a: Matrix, _ b: Matrix, _ f: (Float, Float) -> Float) -> (Matrix, Broadcast, Broadcast) {
        let (rows, cols) = resultShape(a, b)
        let ba = Broadcast(a, toRows: rows, cols: cols), bb = Broadcast(b, toRows: rows, cols: cols)
        var out = Matrix(rows: rows, cols: cols)
        out.values.withUnsafeMutableBufferPointer { o in
            a.values.withUnsafeBufferPointer { x in
                b.values.withUnsafeBufferPointer { y in
                    if ba.colStride == 1 && bb.colStride == 1 {
                        for r in 0..<rows {
                            let xa = r &* ba.rowStride, yb = r &* bb.rowStride, ob = r &* cols
                            for c in 0..<cols { o[ob &+ c] = f(x[xa &+ c], y[yb &+ c]) }
                        }
                    } else {
                        for r in 0..<rows {
                            let xa = r &* ba.rowStride, yb = r &* bb.rowStride, ob = r &* cols
                            for c in 0..<cols { o[ob &+ c] = f(x[xa &+ c &* ba.colStride], y[yb &+ c &* bb.colStride]) }
                        }
                    }
                }
            }
        }
        return (out, ba, bb)
    }

    /// Element-wise sum with broadcasting (each dimension equal or 1).
    public static func + (a: Var, b: Var) -> Var {
        let (out, ba, bb) = zipBroadcast(a.value, b.value, +)
        let aid = a.id, bid = b.id
        return a.tape.record(out, inputs: [a, b]) { tape, g in
            if tape.needsGradient[aid] { tape.accumulate(aid, ba.reduce(g)) }
            if tape.needsGradient[bid] { tape.accumulate(bid, bb.reduce(g)) }
        }
    }

    /// Element-wise difference with broadcasting.
    public static func - (a: Var, b: Var) -> Var {
        let (out, ba, bb) = zipBroadcast(a.value, b.value, -)
        let aid = a.id, bid = b.id
        return a.tape.record(out, inputs: [a, b]) { tape, g in
            if tape.needsGradient[aid] { tape.accumulate(aid, ba.reduce(g)) }
            if tape.needsGradient[bid] { tape.accumulate(bid, bb.reduce(g.scaled(-1))) }
        }
    }

    /// Element-wise product with broadcasting.
    public static func * (a: Var, b: Var) -> Var {
        let av = a.value, bv = b.value
        let (out, ba, bb) = zipBroadcast(av, bv, *)
        let aid = a.id, bid = b.id
        return a.tape.record(out, inputs: [a, b]) { tape, g in
            if tape.needsGradient[aid] { tape.accumulate(aid, ba.reduce(zipBroadcast(g, bv, *).0)) }
            if tape.needsGradient[bid] { tape.accumulate(bid, bb.reduce(zipBroadcast(g, av, *).0)) }
        }
    }

    /// Element-wise quotient with broadcasting.
    public static func / (a: Var, b: Var) -> Var {
        let av = a.value, bv = b.value
        let (out, ba, bb) = zipBroadcast(av, bv, /)
        let aid = a.id, bid = b.id
        return a.tape.record(out, inputs: [a, b]) { tape, g in
            if tape.needsGradient[aid] { tape.accumulate(aid, ba.reduce(zipBroadcast(g, bv, /).0)) }
            if tape.needsGradient[bid] {
                // d(a/b)/db = −a/b² = −out/b
                let t = zipBroadcast(out, bv, /).0
                tape.accumulate(bid, bb.reduce(zipBroadcast(g, t, { -$0 * $1 }).0))
            }
        }
    }

    public static func + (a: Var, s: Float) -> Var { a.affine(scale: 1, shift: s) }
    public static func - (a: Var, s: Float) -> Var { a.affine(scale: 1, shift: -s) }
    public static func * (a: Var, s: Float) -> Var { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Var) -> Var { a.affine(scale: s, shift: 0) }
    public static func + (s: Float, a: Var) -> Var { a.affine(scale: 1, shift: s) }
    public static func - (s: Float, a: Var) -> Var { a.affine(scale: -1, shift: s) }
    public static prefix func - (a: Var) -> Var { a.affine(scale: -1, shift: 0) }

    /// `scale · self + shift` element-wise.
    public func affine(scale: Float, shift: Float) -> Var {
        let out = value.mapped { scale * $0 + shift }
        let aid = id
        return tape.record(out, inputs: [self]) { tape, g in tape.accumulate(aid, g.scaled(scale)) }
    }

    // MARK: Reductions

    /// Sum of all elements (`1 × 1`).
    public func sum() -> Var {
        let v = value
        var s = 0.0
        v.values.withUnsafeBufferPointer { for x in $0 { s += Double(x) } }
        let aid = id, rows = v.rows, cols = v.cols
        return tape.record(Matrix(rows: 1, cols: 1, values: [Float(s)]), inputs: [self]) { tape, g in
            tape.accumulate(aid, Matrix(rows: rows, cols: cols, repeating: g.values[0]))
        }
    }

    /// Mean of all elements (`1 × 1`).
    public func mean() -> Var {
        let n = Float(max(1, rows * cols))
        return sum() * (1 / n)
    }

    /// Column sums: the sum over rows (`1 × cols`).
    public func sumRows() -> Var {
        let v = value
        var out = Matrix(rows: 1, cols: v.cols)
        out.values.withUnsafeMutableBufferPointer { o in
            v.values.withUnsafeBufferPointer { x in
                for r in 0..<v.rows { let b = r &* v.cols; for c in 0..<v.cols { o[c] += x[b &+ c] } }
            }
        }
        let aid = id, rows = v.rows, cols = v.cols
        return tape.record(out, inputs: [self]) { tape, g in
            var full = Matrix(rows: rows, cols: cols)
            full.values.withUnsafeMutableBufferPointer { f in
                g.values.withUnsafeBufferPointer { gb in
                    for r in 0..<rows { let b = r &* cols; for c in 0..<cols { f[b &+ c] = gb[c] } }
                }
            }
            tape.accumulate(aid, full)
        }
    }

    /// Row sums: the sum over columns (`rows × 1`).
    public func sumColumns() -> Var {
        let v = value
        var out = Matrix(rows: v.rows, cols: 1)
        out.values.withUnsafeMutableBufferPointer { o in
            v.values.withUnsafeBufferPointer { x in
                for r in 0..<v.rows {
                    var s: Float = 0
                    let b = r &* v.cols
                    for c in 0..<v.cols { s += x[b &+ c] }
                    o[r] = s
                }
            }
        }
        let aid = id, rows = v.rows, cols = v.cols
        return tape.record(out, inputs: [self]) { tape, g in
            var full = Matrix(rows: rows, cols: cols)
            full.values.withUnsafeMutableBufferPointer { f in
                g.values.withUnsafeBufferPointer { gb in
                    for r in 0..<rows { let b = r &* cols; for c in 0..<cols { f[b &+ c] = gb[r] } }
                }
            }
            tape.accumulate(aid, full)
        }
    }

    /// Column means (`1 × cols`).
    package func meanRows() -> Var { sumRows() * (1 / Float(max(1, rows))) }

    /// Row means (`rows × 1`).
    package func meanColumns() -> Var { sumColumns() * (1 / Float(max(1, cols))) }

    // MARK: Concatenation

    /// Side by side: `[a b …]` (equal row counts).
    public static func concatColumns(_ parts: [Var]) -> Var {
        precondition(!parts.isEmpty, "concatColumns needs at least one part")
        let rows = parts[0].rows
        precondition(parts.allSatisfy { $0.rows == rows }, "concatColumns: row counts differ")
        let widths = parts.map(\.cols)
        let total = widths.reduce(0, +)
        var out = Matrix(rows: rows, cols: total)
        var offset = 0
        for p in parts {
            let v = p.value
            out.values.withUnsafeMutableBufferPointer { o in
                v.values.withUnsafeBufferPointer { x in
                    for r in 0..<rows { for c in 0..<v.cols { o[r &* total &+ offset &+ c] = x[r &* v.cols &+ c] } }
                }
            }
            offset += v.cols
        }
        let ids = parts.map(\.id)
        return parts[0].tape.record(out, inputs: parts) { tape, g in
            var offset = 0
            for (i, id) in ids.enumerated() {
                let w = widths[i]
                if tape.needsGradient[id] { tape.accumulate(id, g.columns(at: Array(offset..<(offset + w)))) }
                offset += w
            }
        }
    }

    /// One above the other (equal column counts).
    public static func concatRows(_ parts: [Var]) -> Var {
        precondition(!parts.isEmpty, "concatRows needs at least one part")
        let out = Matrix.vstack(parts.map(\.value))
        let ids = parts.map(\.id), heights = parts.map(\.rows)
        return parts[0].tape.record(out, inputs: parts) { tape, g in
            var offset = 0
            for (i, id) in ids.enumerated() {
                if tape.needsGradient[id] { tape.accumulate(id, g.rows(at: offset..<(offset + heights[i]))) }
                offset += heights[i]
            }
        }
    }

    /// Rows `range` of this value.
    package func rowSlice(_ range: Range<Int>) -> Var {
        let v = value
        let out = v.rows(at: range)
        let aid = id, rows = v.rows, cols = v.cols
        return tape.record(out, inputs: [self]) { tape, g in
            var full = Matrix(rows: rows, cols: cols)
            full.values.replaceSubrange((range.lowerBound * cols)..<(range.upperBound * cols), with: g.values)
            tape.accumulate(aid, full)
        }
    }
}

extension Matrix {
    /// Element-wise `f`. - Complexity: O(rows·cols)
    @inline(__always)
    func mapped(_ f: (Float) -> Float) -> Matrix {
        var out = Matrix(rows: rows, cols: cols)
        out.values.withUnsafeMutableBufferPointer { o in
            values.withUnsafeBufferPointer { x in for i in 0..<x.count { o[i] = f(x[i]) } }
        }
        return out
    }

    /// `s · self`.
    func scaled(_ s: Float) -> Matrix { s == 1 ? self : mapped { s * $0 } }

    /// Element-wise `f(self, other)` for equal shapes.
    @inline(__always)
    func zipped(_ other: Matrix, _ f: (Float, Float) -> Float) -> Matrix {
        precondition(rows == other.rows && cols == other.cols, "shapes differ")
        var out = Matrix(rows: rows, cols: cols)
        out.values.withUnsafeMutableBufferPointer { o in
            values.withUnsafeBufferPointer { x in
                other.values.withUnsafeBufferPointer { y in for i in 0..<x.count { o[i] = f(x[i], y[i]) } }
            }
        }
        return out
    }
}
