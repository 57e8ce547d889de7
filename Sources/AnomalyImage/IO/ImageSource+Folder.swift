import AnomalyKit
import Foundation

extension ImageSource {
    /// The images under `folder`, recursively, sorted by relative path (Unicode scalar order, as
    /// Python's `sorted`). Files ending in `.png`, `.jpg`, `.jpeg` (any case) are images; hidden
    /// files and folders (names starting with `.`) are ignored; other files are skipped and
    /// counted in `skippedFiles`, or with `strict` refused. Symbolic links are followed (a link
    /// back to a folder already visited is not entered again).
    ///
    /// Labels follow MVTec AD's layout: an image whose parent folder is named `good` is normal
    /// (0), any other is an anomaly (1) — given only when at least one image is in a `good`
    /// folder; otherwise `labels` is nil.
    /// - Throws: `AnomalyError` (`.data`) naming the folder when it is missing, not a folder or
    ///   holds no image, or (strict) naming the first file that is not an image.
    /// - Complexity: O(entries × log entries)
    public static func folder(_ folder: URL, strict: Bool = false) throws -> ImageSource {
        let root = folder.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw AnomalyError.data("no such folder", file: folder.path)
        }
        guard isDirectory.boolValue else {
            throw AnomalyError.data("is a file, not a folder of images", file: folder.path)
        }
        var images: [String] = [], others: [String] = []
        var visited: Set<String> = [root.resolvingSymlinksInPath().path]
        try walk(root, relative: "", images: &images, others: &others, visited: &visited)
        func precedes(_ a: String, _ b: String) -> Bool { a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) }
        images.sort(by: precedes)
        others.sort(by: precedes)
        if strict, let first = others.first {
            throw AnomalyError.data("not a PNG or JPEG image: '\(first)' (only .png, .jpg and .jpeg files may be in the folder)",
                                    file: folder.path)
        }
        guard !images.isEmpty else {
            let skipped = others.isEmpty ? "" : " (\(others.count) other file\(others.count == 1 ? "" : "s") skipped)"
            throw AnomalyError.data("no PNG or JPEG images in the folder\(skipped)", file: folder.path)
        }
        let urls = images.map { root.appendingPathComponent($0) }
        let parents = urls.map { $0.deletingLastPathComponent().lastPathComponent }
        let labels = parents.contains("good") ? parents.map { $0 == "good" ? 0 : 1 } : nil
        return ImageSource(paths: images, urls: urls, labels: labels, skippedFiles: others.count)
    }

    private static func walk(_ folder: URL, relative: String, images: inout [String], others: inout [String],
                             visited: inout Set<String>) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw AnomalyError.data("cannot list the folder: \(error.localizedDescription)", file: folder.path)
        }
        for name in names where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            let path = relative.isEmpty ? name : relative + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                others.append(path)  // a broken symbolic link
                continue
            }
            if isDirectory.boolValue {
                guard visited.insert(url.resolvingSymlinksInPath().path).inserted else { continue }
                try walk(url, relative: path, images: &images, others: &others, visited: &visited)
            } else if isImage(name) {
                images.append(path)
            } else {
                others.append(path)
            }
        }
    }
}
