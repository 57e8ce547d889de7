import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import Foundation

/// Serialises a JSON object with sorted keys; NaN and infinity become null.
func jsonString(_ object: Any) throws -> String {
    func clean(_ v: Any) -> Any {
        switch v {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let a as [Any]: return a.map(clean)
        case let m as [String: Any]: return m.mapValues(clean)
        default: return v
        }
    }
    let data = try JSONSerialization.data(withJSONObject: clean(object), options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

extension ParameterValues {
    /// Parameters as a JSON-ready dictionary.
    var jsonObject: [String: Any] {
        values.mapValues { v -> Any in
            switch v {
            case .int(let i): return i
            case .double(let d): return d
            case .string(let s): return s
            case .bool(let b): return b
            }
        }
    }
}
