import AnomalyKit
import Foundation

extension ImageEncoder {
    /// Embeddings of image files (PNG or JPEG), read, decoded and preprocessed on every core a
    /// batch at a time. - Throws: `AnomalyError` naming the first file that cannot be read.
    public func embed(files: [URL], batchSize: Int = 32, classify: Bool = false,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Embedding {
        let preprocessing = self.preprocessing
        return try embed(images: files.count, batchSize: batchSize, classify: classify, progress: progress) { i in
            try preprocessing.modelInput(contentsOf: files[i])
        }
    }

    /// Embeddings of decoded images (an IDX file's, say), preprocessed on every core.
    public func embed(decoded: [DecodedImage], batchSize: Int = 32, classify: Bool = false,
                      progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Embedding {
        let preprocessing = self.preprocessing
        return try embed(images: decoded.count, batchSize: batchSize, classify: classify, progress: progress) { i in
            preprocessing.pixels(decoded[i])
        }
    }
}
