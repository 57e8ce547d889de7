import AnomalyKit
import Foundation

/// The images a command reads, from any of the inputs it accepts:
///
/// - one PNG or JPEG file;
/// - a folder, recursively: PNG and JPEG files in path order, labels from sub-folder names as
///   MVTec AD lays them out (`good` = normal, any other folder = anomaly);
/// - a CSV with a path column (`imageColumn`, paths relative to the CSV's folder) and optionally
///   a label column;
/// - an IDX file (`.idx3-ubyte`, optionally `.gz`: the MNIST / Fashion-MNIST format);
/// - a `.npy` of images already preprocessed for the encoder: `count × size × size × 3` values
///   on 0…255, HWC, RGB (for pipelines that resize their own way, and for parity checks).
public struct ImageInput: Sendable {
    /// Where the pixels come from.
    public enum Content: Sendable {
        case files([URL])
        case decoded([DecodedImage])
        case pixels([Float])
    }

    public var content: Content

    public init(content: Content, paths: [String], labels: [Int]?, skippedFiles: Int) {
        self.content = content
        self.paths = paths
        self.labels = labels
        self.skippedFiles = skippedFiles
    }
    /// How each image is named in outputs (`score --keep path`): its path as listed, or
    /// `file#index` for an IDX or `.npy` image.
    public var paths: [String]
    /// 0/1 labels, when the input gives them.
    public var labels: [Int]?
    /// Files in a folder that are not PNG or JPEG images (skipped).
    public var skippedFiles: Int

    public var count: Int { paths.count }

    /// The encoder a folder or IDX file is read with when none is named.
    public static let defaultEncoder = "efficientnet-lite0"

    /// Whether `path` is read as images without naming an image column: a folder, an IDX file,
    /// a PNG or JPEG file.
    public static func isImageInput(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return (FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue) || isIDX(path)
            || ImageSource.imageExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// Whether `path` names an IDX file (`…idx3-ubyte`, `….idx`, optionally `.gz`).
    public static func isIDX(_ path: String) -> Bool {
        var name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        return name.hasSuffix("idx3-ubyte") || name.hasSuffix(".idx")
    }

    /// Reads the images at `path` (see the type's doc). `inputSize` is the encoder's, for `.npy`
    /// inputs. - Throws: `AnomalyError` naming the file (and line, for a CSV) at fault.
    public static func read(_ path: String, imageColumn: String?, labelColumn: String?, strict: Bool,
                            inputSize: Int) throws -> ImageInput {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard exists else { throw AnomalyError.data("no such file or folder", file: path) }
        if isDirectory.boolValue {
            let source = try ImageSource.folder(URL(fileURLWithPath: path, isDirectory: true), strict: strict)
            return ImageInput(content: .files(source.urls), paths: source.paths, labels: source.labels,
                              skippedFiles: source.skippedFiles)
        }
        if ImageSource.imageExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) {
            // One image file.
            return ImageInput(content: .files([URL(fileURLWithPath: path)]), paths: [URL(fileURLWithPath: path).lastPathComponent],
                              labels: nil, skippedFiles: 0)
        }
        if isIDX(path) {
            let images = try IDXFile.images(contentsOf: URL(fileURLWithPath: path))
            let name = URL(fileURLWithPath: path).lastPathComponent
            return ImageInput(content: .decoded(images), paths: images.indices.map { "\(name)#\($0)" }, labels: nil, skippedFiles: 0)
        }
        if URL(fileURLWithPath: path).pathExtension.lowercased() == "npy" {
            let array = try NumPy.read(path: path, maxDimensions: 4)
            guard array.shape.count == 4, array.shape[1] == inputSize, array.shape[2] == inputSize, array.shape[3] == 3 else {
                throw AnomalyError.data("a .npy of images holds count × \(inputSize) × \(inputSize) × 3 preprocessed pixels (HWC, 0…255); this one has shape \(array.shape)",
                                        file: path)
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            return ImageInput(content: .pixels(array.floats()), paths: (0..<array.shape[0]).map { "\(name)#\($0)" },
                              labels: nil, skippedFiles: 0)
        }
        guard let imageColumn else {
            throw AnomalyError.parameter("image-column", "\(path) is a table: name the column holding the image paths with --image-column")
        }
        let source = try ImageSource.csv(URL(fileURLWithPath: path), imageColumn: imageColumn, labelColumn: labelColumn)
        return ImageInput(content: .files(source.urls), paths: source.paths, labels: source.labels, skippedFiles: 0)
    }

    /// Images named by references, as an image step's raw column holds them: file paths, or
    /// `file#index` for the index-th image of an IDX file (each such file decoded once).
    /// - Throws: `AnomalyError` naming the reference or file that cannot be read.
    public init(references: [String]) throws {
        var idxImages: [String: [DecodedImage]] = [:]
        var decoded: [DecodedImage?] = []
        var anyIDX = false
        for reference in references {
            if let hash = reference.lastIndex(of: "#"), let index = Int(reference[reference.index(after: hash)...]),
               Self.isIDX(String(reference[..<hash])) {
                let file = String(reference[..<hash])
                if idxImages[file] == nil { idxImages[file] = try IDXFile.images(contentsOf: URL(fileURLWithPath: file)) }
                let images = idxImages[file]!
                guard images.indices.contains(index) else {
                    throw AnomalyError.data("image \(index) is out of range: the file holds \(images.count) images", file: file)
                }
                decoded.append(images[index])
                anyIDX = true
            } else {
                decoded.append(nil)
            }
        }
        paths = references
        labels = nil
        skippedFiles = 0
        guard anyIDX else {
            content = .files(references.map { URL(fileURLWithPath: $0) })
            return
        }
        content = .decoded(try decoded.enumerated().map { i, image in
            try image ?? ImageDecoder.decode(contentsOf: URL(fileURLWithPath: references[i]))
        })
    }

    /// The images' embeddings by `encoder`, in order.
    public func embed(with encoder: ImageEncoder, batchSize: Int = 32, classify: Bool = false,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> ImageEncoder.Embedding {
        switch content {
        case .files(let urls): return try encoder.embed(files: urls, batchSize: batchSize, classify: classify, progress: progress)
        case .decoded(let images): return try encoder.embed(decoded: images, batchSize: batchSize, classify: classify, progress: progress)
        case .pixels(let values):
            return try encoder.embed(pixels: values, count: count, batchSize: batchSize, classify: classify, progress: progress)
        }
    }
}
