import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The number of cores data-parallel loops spread over.
package let coreCount: Int = {
    #if canImport(Glibc)
    return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    #else
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
    #endif
}()

/// The single audited escape hatch for writing from concurrent loops.
///
/// Swift 6 rejects capturing an `UnsafeMutableBufferPointer` in a `@Sendable` closure. Parallel
/// kernels wrap their output pointer in this type instead; the contract — which every caller keeps —
/// is that concurrent iterations write **disjoint** index ranges and that the buffer outlives the
/// loop (`parallelFor` is synchronous).
///
/// SPI-public (`@_spi(Kernels) import AnomalyMath`), not `package`: Swift 6.3 does not specialise
/// an `@inlinable package` subscript of a generic type in another module, so every element access
/// in a detector's inner loop became a generic call (the isolation forest scored 6× slower,
/// 2026-12-02); as SPI it inlines as a public one does and stays out of the documented API.
@_spi(Kernels) public struct SharedMutableBuffer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public let count: Int
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.base = buffer.baseAddress ?? UnsafeMutablePointer<Element>.allocate(capacity: 0)
        self.count = buffer.count
    }
    @inlinable public subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Read-only counterpart of `SharedMutableBuffer` for inputs shared by concurrent loops.
@_spi(Kernels) public struct SharedBuffer<Element>: @unchecked Sendable {
    public let base: UnsafePointer<Element>
    public let count: Int
    public init(_ buffer: UnsafeBufferPointer<Element>) {
        self.base = buffer.baseAddress ?? UnsafePointer(UnsafeMutablePointer<Element>.allocate(capacity: 0))
        self.count = buffer.count
    }
    @inlinable public subscript(i: Int) -> Element { base[i] }
}

/// Runs `body` over `0..<count` split into contiguous chunks, on all cores, and returns when all
/// chunks are done. Chunks are at least `minimumChunk` long so tiny loops stay on one thread.
///
/// - Complexity: the work of `body` over all indices, divided over `coreCount` threads.
package func parallelFor(_ count: Int, minimumChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let maxChunks = max(1, count / max(1, minimumChunk))
    // A few chunks per core balances uneven work without much scheduling overhead.
    let chunks = min(maxChunks, coreCount * 4)
    if chunks <= 1 || coreCount == 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let start = c * count / chunks
        let end = (c + 1) * count / chunks
        if start < end { body(start..<end) }
    }
}

/// Maps `0..<count` to an array in parallel; `transform` must be free of shared mutable state.
package func parallelMap<T>(_ count: Int, minimumChunk: Int = 1, _ transform: @Sendable (Int) -> T) -> [T] {
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buf in
        let out = SharedMutableBuffer(buf)
        parallelFor(count, minimumChunk: minimumChunk) { range in
            for i in range { out[i] = transform(i) }
        }
    }
    return results.map { $0! }
}
