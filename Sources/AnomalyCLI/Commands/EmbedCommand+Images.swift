import AnomalyImage
import AnomalyKit
import ArgumentParser
import Foundation

extension EmbedCommand {
    /// The options that apply to images: no text or log options.
    func validateImages() throws {
        let given: [(String, Bool)] = [("--text-column", textColumn != nil), ("--log", log != nil),
                                       ("--session-regex", sessionRegex != nil), ("--label-regex", labelRegex != nil)]
        if let (name, _) = given.first(where: \.1) {
            throw ValidationError("\(name) reads text; \(encoder) is an image encoder")
        }
        guard data != nil else { throw ValidationError("--data: give the images (a folder, a CSV with --image-column, an IDX file or a .npy of preprocessed pixels)") }
    }

    /// Embeds images with an image encoder: one row per image, in the input's order.
    func embedImages() throws {
        guard let data else { return }
        let encoder = try ImageEncoder.shared(self.encoder)
        // The other commands' image reading (and its note on skipped files).
        var options = try InputOptions.parse([])
        options.imageColumn = imageColumn
        options.strict = strict
        let images = try options.readImages(data, inputSize: encoder.network.config.imageSize)
        let bar = stderrIsTerminal ? ProgressBar() : nil
        let clock = ContinuousClock()
        var embedding: ImageEncoder.Embedding?
        let elapsed = try clock.measure {
            embedding = try images.embed(with: encoder, batchSize: batchSize, classify: classify) { done, total in
                bar?.draw("embed", done: done, total: total)
            }
        }
        bar?.draw("embed", done: 0, total: 0, finished: true)
        guard let embedding else { return }
        try NumPy.write(embedding.matrix, to: out)
        let seconds = elapsed.seconds, count = images.count
        let network = embedding.networkSeconds
        if json {
            var summary: [String: Any] = [
                "encoder": self.encoder, "data": data, "out": out, "images": count, "dimensions": embedding.matrix.cols,
                "batch_size": batchSize, "seconds": seconds, "decode_seconds": embedding.decodeSeconds,
                "network_seconds": network, "images_per_second": seconds > 0 ? Double(count) / seconds : 0,
                "network_images_per_second": network > 0 ? Double(count) / network : 0,
                "network_gflops_per_second": network > 0 ? 2 * Double(embedding.multiplyAdds) / network / 1e9 : 0,
                "multiply_adds_per_image": encoder.network.config.multiplyAdds, "skipped_files": images.skippedFiles,
                "weights_sha256": encoder.weightsSHA256]
            if classify { summary["top1"] = embedding.classes }
            output(try jsonString(summary))
        } else {
            output("embedded \(count) images into \(embedding.matrix.cols) dimensions in \(fmt(seconds, 2)) s: \(fmt(seconds > 0 ? Double(count) / seconds : 0, 1)) images/s (network \(fmt(network, 2)) s, decoding and resizing \(fmt(embedding.decodeSeconds, 2)) s)")
            if classify { output("top-1 ImageNet classes: \(embedding.classes.map(String.init).joined(separator: " "))") }
            output("embeddings written to \(out)")
        }
    }
}
