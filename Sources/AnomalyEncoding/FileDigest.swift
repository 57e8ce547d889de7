import AnomalyKit
import Crypto
import Foundation

/// SHA-256 of a file, read in memory-mapped form: how a model file names the exact encoder
/// weights it was fitted with.
public enum FileDigest {
    /// The lowercase hex SHA-256 of the file at `url`. - Complexity: O(file size)
    /// - Throws: `AnomalyError` (`.model`) naming the file when it cannot be read.
    public static func sha256(of url: URL) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw AnomalyError.model("cannot read: \(error.localizedDescription)", file: url.path)
        }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
