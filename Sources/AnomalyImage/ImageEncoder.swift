import AnomalyKit
@_spi(Kernels) import AnomalyMath
import Foundation

/// A pretrained image encoder: an EfficientNet-Lite network whose pooled features (1280 for
/// EfficientNet-Lite0) describe an image, and the preprocessing its weights expect.
///
/// ```swift
/// let encoder = try ImageEncoder(spec: "efficientnet-lite0")   // or a directory path
/// let embedding = try encoder.embed(files: [URL(fileURLWithPath: "part-017.png")])
/// embedding.matrix                                             // 1 × 1280
/// ```
///
/// A directory holds `config.json` (see `EfficientNetConfig`) and `model.safetensors`;
/// `scripts/fetch-models efficientnet-lite0` installs one in the model cache.
public final class ImageEncoder: Sendable {
    /// Short names `scripts/fetch-models` installs, and the cache folder each gets.
    public static let knownNames: [String: String] = ["efficientnet-lite0": "efficientnet-lite0"]

    /// The cache name (`efficientnet-lite0`), or nil for a directory given by path.
    public let name: String?
    /// The directory holding the files.
    public let directory: URL
    public let network: EfficientNet
    /// SHA-256 of `model.safetensors`: the identity a model file records.
    public let weightsSHA256: String
    /// The resize and centre crop that turn a decoded image into the network's input.
    public let preprocessing: ImagePreprocessing

    /// Columns of an embedding.
    public var dimension: Int { network.config.featureCount }
    /// How a name or path is shown in messages and model files.
    public var spec: String { name ?? directory.path }
    /// A one-line description of the architecture, kept in model files for the reader.
    public var architectureSummary: String {
        let c = network.config
        return "\(c.name) blocks=\(c.blocks.count) input=\(c.imageSize) resize=\(c.resizeSize) features=\(c.featureCount)"
    }

    /// Whether `spec` names an image encoder: a known short name, or a directory whose
    /// `config.json` has `"architecture": "efficientnet-lite"`.
    public static func recognizes(_ spec: String) -> Bool {
        if knownNames[spec] != nil { return true }
        let config = URL(fileURLWithPath: spec).appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: config),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return (object["architecture"] as? String)?.hasPrefix("efficientnet") == true
    }

    /// Loads the encoder named `spec`: a cache name or a directory.
    /// - Throws: `AnomalyError` (`.model`) with the install hint when a known name is not
    ///   installed; naming the file and field when the directory is incomplete or wrong.
    public init(spec: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let fm = FileManager.default
        if let folder = Self.knownNames[spec] {
            directory = ModelCache.folder(folder, environment: environment)
            guard fm.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
                throw AnomalyError.model("encoder '\(spec)' is not installed (looked in \(directory.path))",
                                         field: "encoder", hint: .installEncoder(name: spec))
            }
            name = spec
        } else {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: spec, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw AnomalyError.model("no encoder directory at this path, and not a known encoder name (\(Self.knownNames.keys.sorted().joined(separator: ", ")))",
                                         file: spec, field: "encoder")
            }
            directory = URL(fileURLWithPath: spec, isDirectory: true)
            name = nil
        }
        for required in ["config.json", "model.safetensors"] where !fm.fileExists(atPath: directory.appendingPathComponent(required).path) {
            throw AnomalyError.model("the encoder directory is incomplete: \(required) is missing", file: directory.path, field: required)
        }
        network = try EfficientNet(directory: directory)
        do {
            preprocessing = try ImagePreprocessing(inputSize: network.config.imageSize, resizeSize: network.config.resizeSize)
        } catch let e as AnomalyError {
            throw AnomalyError.model(e.message, file: directory.appendingPathComponent("config.json").path, field: "image_size")
        }
        weightsSHA256 = try FileDigest.sha256(of: directory.appendingPathComponent("model.safetensors"))
    }

    /// Embeddings of some images, with what it took.
    public struct Embedding: Sendable {
        /// One row per image, in the input order.
        public var matrix: Matrix
        /// Multiply-adds of the forward passes (for the fraction of sgemm peak).
        public var multiplyAdds: Int
        /// Seconds spent reading, decoding and resizing files (0 for pixels given directly).
        public var decodeSeconds: Double
        /// Seconds spent in the network.
        public var networkSeconds: Double
        /// Top-1 ImageNet classes, when asked for (`classify`).
        public var classes: [Int]
    }

    /// Embeddings of `count` images already preprocessed: `imageSize × imageSize × 3` values on
    /// 0…255 each, HWC, RGB. Batches of `batchSize` go through the network in turn.
    /// - Throws: `.shape` when `pixels` does not hold `count` such images; `.numeric` naming the
    ///   first image with a NaN or infinite value.
    public func embed(pixels: [Float], count: Int, batchSize: Int = 32, classify: Bool = false,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Embedding {
        let side = network.config.imageSize, per = side * side * 3
        guard count >= 0, pixels.count == count * per else {
            throw AnomalyError.shape("\(pixels.count) values for \(count) images of \(side) × \(side) × 3", field: "pixels")
        }
        if let bad = pixels.firstIndex(where: { !$0.isFinite }) {
            throw AnomalyError.numeric("image \(bad / per + 1) has a NaN or infinite pixel value", field: "pixels")
        }
        return try embedBatches(count: count, batchSize: batchSize, classify: classify, progress: progress) { range in
            (Array(pixels[(range.lowerBound * per)..<(range.upperBound * per)]), 0)
        }
    }

    /// Embeddings of `images` images whose model inputs `input(i)` makes (in parallel).
    func embed(images: Int, batchSize: Int, classify: Bool, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?,
               input: @escaping @Sendable (Int) throws -> [Float]) throws -> Embedding {
        let per = network.config.imageSize * network.config.imageSize * 3
        return try embedBatches(count: images, batchSize: batchSize, classify: classify, progress: progress) { range in
            let clock = ContinuousClock()
            var pixels = [Float](repeating: 0, count: range.count * per)
            let failures = Failures()
            let elapsed = clock.measure {
                pixels.withUnsafeMutableBufferPointer { buffer in
                    let out = SharedMutableBuffer(buffer)
                    parallelFor(range.count) { chunk in
                        for k in chunk {
                            do {
                                let image = try input(range.lowerBound + k)
                                image.withUnsafeBufferPointer { (out.base + k * per).update(from: $0.baseAddress!, count: per) }
                            } catch {
                                failures.record(error, at: k)
                            }
                        }
                    }
                }
            }
            if let error = failures.first { throw error }
            return (pixels, elapsed.seconds)
        }
    }

    /// Runs the network over `count` images a batch at a time; `batch(range)` gives a batch's
    /// pixels and the seconds it took to make them.
    private func embedBatches(count: Int, batchSize: Int, classify: Bool,
                              progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?,
                              batch: (Range<Int>) throws -> ([Float], Double)) throws -> Embedding {
        guard batchSize >= 1 else { throw AnomalyError.parameter("batchSize", "must be ≥ 1, got \(batchSize)") }
        let width = dimension
        var out = [Float](repeating: 0, count: count * width)
        var classes: [Int] = []
        var decodeSeconds = 0.0, networkSeconds = 0.0
        let clock = ContinuousClock()
        var start = 0
        while start < count {
            let range = start..<min(start + batchSize, count)
            let (pixels, seconds) = try batch(range)
            decodeSeconds += seconds
            var result: EfficientNet.Output?
            networkSeconds += try clock.measure {
                result = try network.forward(pixels: pixels, count: range.count, classify: classify)
            }.seconds
            guard let result else { break }
            out.replaceSubrange((range.lowerBound * width)..<(range.upperBound * width), with: result.features)
            if classify {
                let k = network.config.classCount
                for i in 0..<range.count {
                    let row = result.logits[(i * k)..<((i + 1) * k)]
                    classes.append(row.indices.max { row[$0] < row[$1] }.map { $0 - i * k } ?? 0)
                }
            }
            start = range.upperBound
            progress?(start, count)
        }
        return Embedding(matrix: Matrix(rows: count, cols: width, values: out),
                         multiplyAdds: count * network.config.multiplyAdds,
                         decodeSeconds: decodeSeconds, networkSeconds: networkSeconds, classes: classes)
    }

    // MARK: - One load per process

    private static let loaded = LoadedOnce<ImageEncoder>()

    /// The encoder named `spec`, loaded once per process.
    public static func shared(_ spec: String) throws -> ImageEncoder {
        let key = knownNames[spec] != nil ? "name:" + spec : URL(fileURLWithPath: spec).standardizedFileURL.path
        return try loaded.value(for: key) { try ImageEncoder(spec: spec) }
    }
}

/// Errors thrown by concurrent iterations, by index: the first in index order is the one reported,
/// so the message does not depend on thread timing.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var byIndex: [Int: Error] = [:]  // guarded by `lock`

    func record(_ error: Error, at index: Int) { lock.withLock { byIndex[index] = error } }

    var first: Error? { lock.withLock { byIndex.keys.min().map { byIndex[$0]! } } }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
