import Foundation

/// Wall-clock timing of one piece of work (fit seconds in experiments and summaries).
package enum Stopwatch {
    /// The value of `body` and the seconds it took (monotonic clock).
    package static func measure<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
