import AnomalyKit
import AnomalyMath
import ArgumentParser
import Foundation

/// `anomalykit sgemm-peak`: the single-precision GEMM rate this machine's BLAS reaches, the
/// limit benchmarks of GEMM-bound work (the text encoder) report their fraction of.
struct SgemmPeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm-peak",
        abstract: "Measure the BLAS sgemm rate (GFLOP/s) on n × n matrices, on all cores and on one.",
        discussion: "The median of --repeats products of two n × n float32 matrices (2n³ flops each), after one untimed warm-up.")

    @Option(name: .long, help: "Matrix size n (default 2048).") var size: Int = 2048
    @Option(name: .long, help: "Timed products per thread setting (default 5).") var repeats: Int = 5
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (64...8192).contains(size) else { throw ValidationError("--size must be in 64…8192, got \(size)") }
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats must be in 1…100, got \(repeats)") }
    }

    func run() throws {
        let n = size
        var rng = SeededGenerator(seed: 1)
        let a = (0..<(n * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(n * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        var c = [Float](repeating: 0, count: n * n)
        func rate() -> Double {
            var seconds: [Double] = []
            let clock = ContinuousClock()
            for i in 0...repeats {
                let t = clock.measure {
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                BLAS.sgemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: pa.baseAddress!, lda: n,
                                           b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                            }
                        }
                    }
                }
                if i > 0 { seconds.append(t.seconds) }
            }
            let median = seconds.sorted()[seconds.count / 2]
            return 2 * Double(n) * Double(n) * Double(n) / median / 1e9
        }
        let all = rate()
        let one = BLAS.withSingleThread { rate() }
        if json {
            output(try jsonString(["size": n, "repeats": repeats, "threads": BLAS.defaultThreads,
                                  "gflops_per_second": all, "gflops_per_second_one_thread": one]))
        } else {
            output("sgemm \(n) × \(n): \(fmt(all, 1)) GFLOP/s on \(BLAS.defaultThreads) thread(s), \(fmt(one, 1)) GFLOP/s on one (median of \(repeats))")
        }
    }
}
