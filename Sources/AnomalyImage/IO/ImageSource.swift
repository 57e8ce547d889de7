import AnomalyKit
import Foundation

/// The images a command reads, in a fixed order: their files, the paths to show, and labels
/// (0 = normal, 1 = anomaly) where the source gives them.
public struct ImageSource: Sendable, Equatable {
    /// Display paths: relative to the folder, or as written in the CSV.
    public let paths: [String]
    /// The files, in the same order.
    public let urls: [URL]
    /// One label per image, or nil when the source gives none.
    public let labels: [Int]?
    /// Files left out of a folder because they are not PNG or JPEG files (hidden files not counted).
    public let skippedFiles: Int

    /// File extensions read as images (compared case-insensitively).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    init(paths: [String], urls: [URL], labels: [Int]?, skippedFiles: Int) {
        self.paths = paths
        self.urls = urls
        self.labels = labels
        self.skippedFiles = skippedFiles
    }

    /// Whether `name` has an image extension.
    static func isImage(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }
}
