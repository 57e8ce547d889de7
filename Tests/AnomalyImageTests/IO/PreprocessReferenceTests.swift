import AnomalyKit
import Foundation
import Testing
@testable import AnomalyImage

/// The check behind scripts/check-image-preprocessing: with ANOMALYKIT_PREPROCESS_REFERENCE set to
/// the folder Benchmarks/image/preprocess_check.py wrote, decode + preprocess its real images and
/// measure |Swift − Pillow| and |Swift − float64 reference| per group into `measured.json` there.
/// Skipped when the variable is unset. The bounds asserted are loose (a regression guard); the
/// numbers themselves are the result.
@Suite struct PreprocessReferenceTests {
    static let folder = ProcessInfo.processInfo.environment["ANOMALYKIT_PREPROCESS_REFERENCE"]

    /// Running sums of |Δ| for one group.
    struct Difference {
        var sum = 0.0, count = 0, largest = 0.0
        mutating func add(_ a: [Float], _ b: [Float]) {
            for (x, y) in zip(a, b) {
                let d = Double(abs(x - y))
                sum += d
                largest = max(largest, d)
            }
            count += min(a.count, b.count)
        }
        var mean: Double { count == 0 ? 0 : sum / Double(count) }
        var json: [String: Double] { ["mean": mean, "max": largest] }
    }

    @Test(.enabled(if: folder != nil)) func measureAgainstPillowOnRealImages() throws {
        let root = URL(fileURLWithPath: try #require(Self.folder))
        let manifestData = try Data(contentsOf: root.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        let preprocessing = ImagePreprocessing()   // Pillow's rounding: compared with Pillow
        var unrounded = ImagePreprocessing()       // no rounding: compared with the float64 reference
        unrounded.rounding = .none
        var pillow: [String: Difference] = [:], exact: [String: Difference] = [:], counts: [String: Int] = [:]
        var rows: [[String: Any]] = []
        func array(_ name: String) throws -> NumPyArray { try NumPy.read(path: root.appendingPathComponent(name).path) }

        for entry in try #require(manifest["images"] as? [[String: Any]]) {
            let group = try #require(entry["group"] as? String), name = try #require(entry["name"] as? String)
            let file = try #require(entry["file"] as? String)
            let got = try preprocessing.modelInput(contentsOf: root.appendingPathComponent(file))
            let gotUnrounded = try unrounded.modelInput(contentsOf: root.appendingPathComponent(file))
            let pillowReference = try array(name + ".pillow.npy").floats(), floatReference = try array(name + ".float.npy").floats()
            var p = Difference(), f = Difference()
            p.add(got, pillowReference)
            f.add(gotUnrounded, floatReference)
            pillow[group, default: Difference()].add(got, pillowReference)
            exact[group, default: Difference()].add(gotUnrounded, floatReference)
            counts[group, default: 0] += 1
            rows.append(["group": group, "name": name, "vs_pillow": p.json, "vs_float64": f.json])
        }

        let idx = try #require(manifest["idx"] as? [String: Any])
        let group = try #require(idx["group"] as? String), count = try #require(idx["count"] as? Int)
        let images = try IDXFile.images(contentsOf: URL(fileURLWithPath: try #require(idx["file"] as? String)))
        let pillowRows = try array("fashion-mnist.pillow.npy").floats(), floatRows = try array("fashion-mnist.float.npy").floats()
        let side = preprocessing.inputSize * preprocessing.inputSize
        for i in 0..<count {
            let got = preprocessing.pixels(images[i]), gotUnrounded = unrounded.pixels(images[i])
            let grey = stride(from: 0, to: got.count, by: 3).map { got[$0] }
            let greyUnrounded = stride(from: 0, to: gotUnrounded.count, by: 3).map { gotUnrounded[$0] }
            pillow[group, default: Difference()].add(grey, Array(pillowRows[(i * side)..<((i + 1) * side)]))
            exact[group, default: Difference()].add(greyUnrounded, Array(floatRows[(i * side)..<((i + 1) * side)]))
        }
        counts[group] = count

        var groups: [String: Any] = [:]
        for (name, d) in pillow {
            groups[name] = ["images": counts[name] ?? 0, "vs_pillow": d.json, "vs_float64": exact[name]?.json ?? [:],
                            "pillow_vs_float64": (manifest["pillow_vs_float"] as? [String: Any])?[name] ?? [:]]
            #expect(d.largest == 0, "\(name): \(d.json)")
        }
        let out: [String: Any] = ["groups": groups, "images": rows, "resize": preprocessing.resizeSize,
                                  "crop": preprocessing.inputSize]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: root.appendingPathComponent("measured.json"))
    }
}
