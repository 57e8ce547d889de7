import CImageCodecs
import Foundation

/// One call into CImageCodecs: the status and the C library's message.
enum CodecCall {
    static let messageSize = 256

    /// Runs `body` on `data`'s bytes (nil when empty: the C functions then see zero bytes) and a
    /// message buffer of `messageSize` bytes; returns the status and the message.
    static func run(_ data: Data,
                    _ body: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<CChar>?) -> ak_codec_status)
        -> (status: ak_codec_status, message: String) {
        var message = [CChar](repeating: 0, count: messageSize)
        let status = data.withUnsafeBytes { raw in
            message.withUnsafeMutableBufferPointer { m in
                body(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, m.baseAddress)
            }
        }
        message[messageSize - 1] = 0
        let text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (status, text)
    }
}
