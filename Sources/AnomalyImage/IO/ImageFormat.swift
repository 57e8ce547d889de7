import AnomalyKit
import Foundation

/// The image formats `ImageDecoder` reads, recognised by their first bytes.
enum ImageFormat: Sendable, Equatable {
    case png, jpeg

    var name: String { self == .png ? "PNG" : "JPEG" }

    private static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// - Throws: `AnomalyError` (`.data`) naming `name` and, where it knows it, the format found.
    init(sniffing data: Data, name: String) throws {
        let head = [UInt8](data.prefix(12))
        if head.starts(with: Self.pngMagic) { self = .png; return }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { self = .jpeg; return }
        guard !head.isEmpty else { throw AnomalyError.data("the file is empty; expected a PNG or JPEG image", file: name) }
        let other = Self.otherFormat(head).map { "a \($0) image" } ?? "not a PNG or JPEG image"
        throw AnomalyError.data("\(other): only PNG and JPEG images are read (the format is taken from the file's first bytes)",
                                file: name)
    }

    /// Formats we recognise but do not read, to say what a file is.
    private static func otherFormat(_ head: [UInt8]) -> String? {
        func starts(_ text: String) -> Bool { head.starts(with: Array(text.utf8)) }
        if starts("GIF87a") || starts("GIF89a") { return "GIF" }
        if starts("BM") { return "BMP" }
        if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if starts("RIFF") && head.count >= 12 && Array(head[8..<12]) == Array("WEBP".utf8) { return "WebP" }
        if head.count >= 12 && Array(head[4..<12]) == Array("ftypheic".utf8) { return "HEIC" }
        if head.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50]) || head.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) { return "JPEG 2000" }
        return nil
    }
}
