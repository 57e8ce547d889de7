import AnomalyKit
import CImageCodecs
import Foundation

/// gzip data (IDX files are distributed as `.gz`), recognised by its magic bytes.
enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1F 8B.
    static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed bytes (all members). - Throws: `AnomalyError` (`.data`) naming `file` when
    /// the data is corrupt, truncated or larger than `maxSize`. - Complexity: O(output size)
    static func decompress(_ data: Data, file: String, maxSize: Int = 1 << 34) throws -> Data {
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        let (status, message) = CodecCall.run(data) { bytes, count, text in
            ak_gunzip(bytes, count, UInt64(maxSize), &output, &outputSize, text, CodecCall.messageSize)
        }
        guard status == AK_CODEC_OK, let output else {
            throw AnomalyError.data("cannot decompress: \(message)", file: file)
        }
        return Data(bytesNoCopy: output, count: outputSize, deallocator: .custom { pointer, _ in ak_codec_free(pointer) })
    }
}
