/// A fixed-size max-heap of (squared distance, row) with scikit-learn's `heap_push` semantics:
/// a value is admitted only when strictly smaller than the largest, which it replaces before
/// sifting down. Together with candidates pushed in row order and `sort`, this reproduces exactly
/// which of several tied rows scikit-learn's neighbour search keeps.
struct ScikitNeighborHeap {
    let values: UnsafeMutablePointer<Double>
    let indices: UnsafeMutablePointer<Int32>
    let size: Int

    var largest: Double { values[0] }

    /// - Complexity: O(log size)
    mutating func push(_ value: Double, _ index: Int32) {
        guard value < values[0] else { return }
        var current = 0
        while true {
            let left = 2 &* current &+ 1, right = left &+ 1
            var next: Int
            if left >= size {
                break
            } else if right >= size {
                guard values[left] > value else { break }
                next = left
            } else if values[left] >= values[right] {
                guard value < values[left] else { break }
                next = left
            } else {
                guard value < values[right] else { break }
                next = right
            }
            values[current] = values[next]
            indices[current] = indices[next]
            current = next
        }
        values[current] = value
        indices[current] = index
    }

    /// Sorts ascending with scikit-learn's `simultaneous_sort` (median-of-three quicksort, Lomuto
    /// partition); its order among equal values decides which tied row comes first.
    /// - Complexity: O(size log size) expected
    static func sort(_ values: UnsafeMutablePointer<Double>, _ indices: UnsafeMutablePointer<Int32>, _ size: Int) {
        func swapAt(_ a: Int, _ b: Int) {
            let v = values[a]; values[a] = values[b]; values[b] = v
            let i = indices[a]; indices[a] = indices[b]; indices[b] = i
        }
        if size <= 1 { return }
        if size == 2 {
            if values[0] > values[1] { swapAt(0, 1) }
            return
        }
        if size == 3 {
            if values[0] > values[1] { swapAt(0, 1) }
            if values[1] > values[2] {
                swapAt(1, 2)
                if values[0] > values[1] { swapAt(0, 1) }
            }
            return
        }
        let middle = size / 2, last = size - 1
        if values[0] > values[last] { swapAt(0, last) }
        if values[last] > values[middle] {
            swapAt(last, middle)
            if values[0] > values[last] { swapAt(0, last) }
        }
        let pivot = values[last]
        var store = 0
        for i in 0..<last where values[i] < pivot {
            swapAt(i, store)
            store += 1
        }
        swapAt(store, last)
        if store > 1 { sort(values, indices, store) }
        if store + 2 < size { sort(values + store + 1, indices + store + 1, size - store - 1) }
    }

    /// Sorts one query's heap and writes its `k` neighbours (distances, not squared) at
    /// `query·k`. With `excludeSelf` the heap holds k + 1 entries and, as scikit-learn's
    /// `kneighbors(X=None)`, the query's own row is dropped — or the first entry when duplicates
    /// crowded the row itself out.
    static func emit(_ values: UnsafeMutablePointer<Double>, _ rows: UnsafeMutablePointer<Int32>, size: Int,
                     query: Int, k: Int, excludeSelf: Bool,
                     indices: SharedMutableBuffer<Int32>, distances: SharedMutableBuffer<Double>) {
        sort(values, rows, size)
        let skip = excludeSelf ? ((0..<size).first { rows[$0] == Int32(query) } ?? 0) : -1
        let out = query &* k
        var j = 0
        for t in 0..<size where t != skip {
            distances[out &+ j] = max(values[t], 0).squareRoot()
            indices[out &+ j] = rows[t]
            j &+= 1
        }
    }
}
