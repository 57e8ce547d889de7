import AnomalyKit
import Foundation

/// Small files written by the tests themselves.
public enum DataFiles {
    public static func write(_ text: String, name: String = "data.csv") -> String {
        let path = TestSupport.temporaryDirectory() + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    public static func write(bytes: [UInt8], name: String) -> String {
        let path = TestSupport.temporaryDirectory() + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Runs `body` and returns the AnomalyError it throws (nil if none or another error).
    public static func error(_ body: () throws -> Void) -> AnomalyError? {
        do { try body() } catch let e as AnomalyError { return e } catch { return nil }
        return nil
    }
}
