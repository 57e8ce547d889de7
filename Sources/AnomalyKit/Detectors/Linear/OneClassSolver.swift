@_spi(Kernels) import AnomalyMath
import Foundation

/// The SMO solver of libsvm for the one-class SVM dual
/// `min ½ αᵀQα  s.t. 0 ≤ α_i ≤ 1, Σα_i = ν·l` (all labels +1, no linear term):
/// second-order working-set selection (Fan, Chen & Lin 2005), shrinking, gradient reconstruction,
/// and `rho` from the free variables — the algorithm scikit-learn's `OneClassSVM` runs.
///
/// Kernel rows are computed on demand (one `dgemv` per row block, on both cores) in `Float`, as
/// libsvm stores them, and kept in a least-recently-used cache of `cacheMegabytes`.
final class OneClassSolver {
    let l: Int
    let d: Int
    let kernel: SVMKernel
    let eps: Double
    let shrinking: Bool
    let maxIterations: Int

    /// Rows in the solver's current order (permuted by shrinking), row-major `Double`.
    var x: [Double]
    var xSquare: [Double]
    var qd: [Double]
    var alpha: [Double]
    /// 0 = at the lower bound, 1 = at the upper bound, 2 = free.
    var status: [UInt8]
    var gradient: [Double]
    var gradientBar: [Double]
    /// Original index of the row at each position.
    var activeSet: [Int]
    var activeSize: Int
    var unshrink = false
    let cache: KernelRowCache
    var dotScratch: [Double]
    private(set) var iterations = 0

    static let tau = 1e-12

    init(x: [Double], rows l: Int, cols d: Int, kernel: SVMKernel, nu: Double, eps: Double, shrinking: Bool,
         cacheMegabytes: Double, maxIterations: Int) {
        self.l = l
        self.d = d
        self.kernel = kernel
        self.eps = eps
        self.shrinking = shrinking
        self.maxIterations = maxIterations
        self.x = x
        var sq = [Double](repeating: 0, count: l)
        for i in 0..<l {
            var s = 0.0
            for k in 0..<d { s += x[i &* d &+ k] * x[i &* d &+ k] }
            sq[i] = s
        }
        xSquare = sq
        qd = (0..<l).map { kernel.value(dot: sq[$0], squareA: sq[$0], squareB: sq[$0]) }
        // libsvm's start: the first ⌊ν·l⌋ variables at 1, the next one at the remainder.
        var a = [Double](repeating: 0, count: l)
        // ν·l accumulated row by row, as libsvm does (so its rounding, e.g. a tiny last α, is kept).
        var remaining = 0.0
        for _ in 0..<l { remaining += nu }
        var i = 0
        while remaining > 0, i < l {
            a[i] = min(1, remaining)
            remaining -= a[i]
            i += 1
        }
        alpha = a
        status = a.map { $0 >= 1 ? 1 : ($0 <= 0 ? 0 : 2) }
        gradient = [Double](repeating: 0, count: l)
        gradientBar = [Double](repeating: 0, count: l)
        activeSet = Array(0..<l)
        activeSize = l
        let budget = Int(cacheMegabytes * 1_048_576 / 4) - l * 8
        cache = KernelRowCache(l: l, budgetFloats: max(budget, 2 * l))
        dotScratch = [Double](repeating: 0, count: l)
    }

    @inline(__always) func isUpper(_ i: Int) -> Bool { status[i] == 1 }
    @inline(__always) func isLower(_ i: Int) -> Bool { status[i] == 0 }
    @inline(__always) func isFree(_ i: Int) -> Bool { status[i] == 2 }
    @inline(__always) func updateStatus(_ i: Int) {
        status[i] = alpha[i] >= 1 ? 1 : (alpha[i] <= 0 ? 0 : 2)
    }

    /// The kernel row of position `i` over positions `0..<length`, from the cache or computed.
    func row(_ i: Int, _ length: Int, pinned: Int = -1) -> UnsafeMutablePointer<Float> {
        let (pointer, start) = cache.data(i, length: length, pinned: pinned)
        if start < length { fill(pointer, row: i, from: start, to: length) }
        return pointer
    }

    /// Computes K(row i, rows start..<end) into `out[start..<end]`.
    func fill(_ out: UnsafeMutablePointer<Float>, row i: Int, from start: Int, to end: Int) {
        let count = end - start
        let d = self.d, kernel = self.kernel
        x.withUnsafeBufferPointer { xb in
            xSquare.withUnsafeBufferPointer { sb in
                dotScratch.withUnsafeMutableBufferPointer { db in
                    let xs = SharedBuffer(xb), sqs = SharedBuffer(sb), dots = SharedMutableBuffer(db)
                    let o = SharedMutableBuffer(UnsafeMutableBufferPointer(start: out, count: end))
                    let si = sqs[i]
                    parallelFor(count, minimumChunk: max(1, 65_536 / max(d, 1))) { range in
                        let a = start + range.lowerBound, m = range.count
                        BLAS.dgemv(trans: false, m: m, n: d, alpha: 1, a: xs.base + a &* d, lda: d,
                                   x: xs.base + i &* d, beta: 0, y: dots.base + a)
                        kernel.applyInPlace(dots.base + a, count: m, squareA: si, squares: sqs.base + a)
                        for j in a..<(a &+ m) { o[j] = Float(dots[j]) }
                    }
                }
            }
        }
    }

    /// Swaps positions `i` and `j` everywhere (rows, cache, state).
    func swapIndex(_ i: Int, _ j: Int) {
        guard i != j else { return }
        cache.swapIndex(i, j)
        for k in 0..<d { x.swapAt(i &* d &+ k, j &* d &+ k) }
        xSquare.swapAt(i, j)
        qd.swapAt(i, j)
        status.swapAt(i, j)
        alpha.swapAt(i, j)
        gradient.swapAt(i, j)
        activeSet.swapAt(i, j)
        gradientBar.swapAt(i, j)
    }

    /// Initial gradient `G = Qα` and `Ḡ = Σ_{α_i = 1} Q_i`, by blocked kernel sums over the nonzero α.
    func initialiseGradient() {
        let nonzero = (0..<l).filter { !isLower($0) }
        var columns = [Double](repeating: 0, count: nonzero.count * d)
        for (c, i) in nonzero.enumerated() { for k in 0..<d { columns[c &* d &+ k] = x[i &* d &+ k] } }
        let columnSquares = nonzero.map { xSquare[$0] }
        let weights = [nonzero.map { alpha[$0] }, nonzero.map { isUpper($0) ? 1.0 : 0.0 }]
        let sums = kernel.weightedSums(queries: x, querySquares: xSquare, columns: columns,
                                       columnSquares: columnSquares, d: d, weights: weights,
                                       roundKernelToFloat: true)
        gradient = sums[0]
        gradientBar = sums[1]
    }

    func reconstructGradient() {
        if activeSize == l { return }
        for j in activeSize..<l { gradient[j] = gradientBar[j] }
        var freeCount = 0
        for j in 0..<activeSize where isFree(j) { freeCount += 1 }
        if freeCount * l > 2 * activeSize * (l - activeSize) {
            for i in activeSize..<l {
                let q = row(i, activeSize)
                var s = 0.0
                for j in 0..<activeSize where isFree(j) { s += alpha[j] * Double(q[j]) }
                gradient[i] += s
            }
        } else {
            for i in 0..<activeSize where isFree(i) {
                let q = row(i, l)
                let a = alpha[i]
                for j in activeSize..<l { gradient[j] += a * Double(q[j]) }
            }
        }
    }

    /// Second-order working-set selection; nil when optimal within `eps`.
    func selectWorkingSet() -> (Int, Int)? {
        var gmax = -Double.infinity, gmax2 = -Double.infinity
        var gmaxIndex = -1, gminIndex = -1
        var objDiffMin = Double.infinity
        for t in 0..<activeSize where !isUpper(t) {
            if -gradient[t] >= gmax { gmax = -gradient[t]; gmaxIndex = t }
        }
        let i = gmaxIndex
        if i >= 0 {
            let qi = row(i, activeSize)
            let qdi = qd[i]
            gradient.withUnsafeBufferPointer { g in
                status.withUnsafeBufferPointer { st in
                    qd.withUnsafeBufferPointer { qdb in
                        for j in 0..<activeSize where st[j] != 0 {
                            let gj = g[j]
                            let gradDiff = gmax + gj
                            if gj >= gmax2 { gmax2 = gj }
                            if gradDiff > 0 {
                                let quad = qdi + qdb[j] - 2 * Double(qi[j])
                                let objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : Self.tau)
                                if objDiff <= objDiffMin { gminIndex = j; objDiffMin = objDiff }
                            }
                        }
                    }
                }
            }
        } else {
            for j in 0..<activeSize where !isLower(j) { gmax2 = max(gmax2, gradient[j]) }
        }
        if gmax + gmax2 < eps || gminIndex == -1 { return nil }
        return (i, gminIndex)
    }

    func beShrunk(_ i: Int, _ gmax1: Double, _ gmax2: Double) -> Bool {
        if isUpper(i) { return -gradient[i] > gmax1 }
        if isLower(i) { return gradient[i] > gmax2 }
        return false
    }

    func doShrinking() {
        var gmax1 = -Double.infinity, gmax2 = -Double.infinity
        for i in 0..<activeSize {
            if !isUpper(i), -gradient[i] >= gmax1 { gmax1 = -gradient[i] }
            if !isLower(i), gradient[i] >= gmax2 { gmax2 = gradient[i] }
        }
        if !unshrink, gmax1 + gmax2 <= eps * 10 {
            unshrink = true
            reconstructGradient()
            activeSize = l
        }
        var i = 0
        while i < activeSize {
            if beShrunk(i, gmax1, gmax2) {
                activeSize -= 1
                while activeSize > i {
                    if !beShrunk(activeSize, gmax1, gmax2) {
                        swapIndex(i, activeSize)
                        break
                    }
                    activeSize -= 1
                }
            }
            i += 1
        }
    }

    func calculateRho() -> Double {
        var freeCount = 0
        var ub = Double.infinity, lb = -Double.infinity, sumFree = 0.0
        for i in 0..<activeSize {
            let g = gradient[i]
            if isUpper(i) { lb = max(lb, g) } else if isLower(i) { ub = min(ub, g) } else { freeCount += 1; sumFree += g }
        }
        return freeCount > 0 ? sumFree / Double(freeCount) : (ub + lb) / 2
    }

    /// Runs SMO to convergence; returns α in the original row order and `rho`.
    func solve() -> (alpha: [Double], rho: Double, converged: Bool) {
        initialiseGradient()
        return BLAS.withSingleThread {
            var counter = min(l, 1000) + 1
            var converged = true
            while true {
                if maxIterations >= 0, iterations >= maxIterations { converged = false; break }
                counter -= 1
                if counter == 0 {
                    counter = min(l, 1000)
                    if shrinking { doShrinking() }
                }
                var pair = selectWorkingSet()
                if pair == nil {
                    reconstructGradient()
                    activeSize = l
                    pair = selectWorkingSet()
                    if pair == nil { break }
                    counter = 1
                }
                guard let (i, j) = pair else { break }
                iterations += 1

                let qi = row(i, activeSize)
                let qj = row(j, activeSize, pinned: i)
                let oldI = alpha[i], oldJ = alpha[j]
                var quad = qd[i] + qd[j] - 2 * Double(qi[j])
                if quad <= 0 { quad = Self.tau }
                let delta = (gradient[i] - gradient[j]) / quad
                let sum = alpha[i] + alpha[j]
                alpha[i] -= delta
                alpha[j] += delta
                if sum > 1 {
                    if alpha[i] > 1 { alpha[i] = 1; alpha[j] = sum - 1 }
                } else {
                    if alpha[j] < 0 { alpha[j] = 0; alpha[i] = sum }
                }
                if sum > 1 {
                    if alpha[j] > 1 { alpha[j] = 1; alpha[i] = sum - 1 }
                } else {
                    if alpha[i] < 0 { alpha[i] = 0; alpha[j] = sum }
                }
                let dI = alpha[i] - oldI, dJ = alpha[j] - oldJ
                let n = activeSize
                gradient.withUnsafeMutableBufferPointer { g in
                    for k in 0..<n { g[k] += Double(qi[k]) * dI + Double(qj[k]) * dJ }
                }
                let wasUpperI = isUpper(i), wasUpperJ = isUpper(j)
                updateStatus(i)
                updateStatus(j)
                if wasUpperI != isUpper(i) {
                    let q = row(i, l)
                    let sign: Double = wasUpperI ? -1 : 1
                    gradientBar.withUnsafeMutableBufferPointer { gb in
                        for k in 0..<l { gb[k] += sign * Double(q[k]) }
                    }
                }
                if wasUpperJ != isUpper(j) {
                    let q = row(j, l)
                    let sign: Double = wasUpperJ ? -1 : 1
                    gradientBar.withUnsafeMutableBufferPointer { gb in
                        for k in 0..<l { gb[k] += sign * Double(q[k]) }
                    }
                }
            }
            if activeSize < l {
                reconstructGradient()
                activeSize = l
            }
            let rho = calculateRho()
            var out = [Double](repeating: 0, count: l)
            for p in 0..<l { out[activeSet[p]] = alpha[p] }
            return (out, rho, converged)
        }
    }
}

/// libsvm's kernel-row cache: row prefixes by position, least recently used evicted first,
/// within a budget of `Float`s. Swapping positions keeps cached prefixes consistent.
final class KernelRowCache {
    let l: Int
    var budget: Int
    var data: [UnsafeMutablePointer<Float>?]
    var length: [Int]
    /// Doubly linked LRU list over positions; node `l` is the sentinel.
    var prev: [Int]
    var next: [Int]

    init(l: Int, budgetFloats: Int) {
        self.l = l
        budget = budgetFloats
        data = [UnsafeMutablePointer<Float>?](repeating: nil, count: l)
        length = [Int](repeating: 0, count: l)
        prev = [Int](repeating: l, count: l + 1)
        next = [Int](repeating: l, count: l + 1)
    }

    deinit {
        for p in data { if let p { free(p) } }
    }

    private func unlink(_ h: Int) {
        next[prev[h]] = next[h]
        prev[next[h]] = prev[h]
    }

    private func insertMostRecent(_ h: Int) {
        next[h] = l
        prev[h] = prev[l]
        next[prev[h]] = h
        prev[l] = h
    }

    private func release(_ h: Int) {
        unlink(h)
        if let p = data[h] { free(p) }
        data[h] = nil
        budget += length[h]
        length[h] = 0
    }

    /// Storage for row `index` with room for `length` values, and how many are already filled.
    func data(_ index: Int, length want: Int, pinned: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let have = length[index]
        if have > 0 { unlink(index) }
        let more = want - have
        if more > 0 {
            var victim = next[l]
            while budget < more, victim != l {
                let following = next[victim]
                if victim != pinned { release(victim) }
                victim = following
            }
            let bytes = want * MemoryLayout<Float>.stride
            let grown = realloc(data[index], bytes)?.assumingMemoryBound(to: Float.self)
            guard let grown else { preconditionFailure("out of memory for a kernel row of \(want) values") }
            data[index] = grown
            budget -= more
            length[index] = want
        }
        insertMostRecent(index)
        // `data[index]` is non-nil here: either it had a prefix or it was just allocated.
        return (data[index]!, have)
    }

    func swapIndex(_ i0: Int, _ j0: Int) {
        guard i0 != j0 else { return }
        if length[i0] > 0 { unlink(i0) }
        if length[j0] > 0 { unlink(j0) }
        data.swapAt(i0, j0)
        length.swapAt(i0, j0)
        if length[i0] > 0 { insertMostRecent(i0) }
        if length[j0] > 0 { insertMostRecent(j0) }
        let i = min(i0, j0), j = max(i0, j0)
        var h = next[l]
        while h != l {
            let following = next[h]
            if length[h] > i {
                if length[h] > j, let p = data[h] {
                    let t = p[i]; p[i] = p[j]; p[j] = t
                } else {
                    release(h)
                }
            }
            h = following
        }
    }
}
