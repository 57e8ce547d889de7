import Foundation

/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range (plus a `__metadata__` map of strings), then
/// the raw little-endian data. Python's `safetensors` package opens these files.
package enum SafeTensors {
    /// Serialises tensors (sorted by name, 8-byte aligned header) and string metadata.
    /// - Complexity: O(total bytes)
    package static func encode(tensors: [String: Tensor], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]] as [String: Any]
            offset += t.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var out = Data()
        out.reserveCapacity(8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names { out.append(contentsOf: tensors[name]!.bytes) }
        return out
    }

    /// Parses a safetensors blob, validating the header, every dtype, shape and byte range.
    /// Errors name `file` and the offending tensor.
    package static func decode(_ data: Data, file: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ msg: String, _ field: String? = nil) -> AnomalyError { .model(msg, file: file, field: field) }
        guard data.count >= 8 else { throw fail("file is too short to be a safetensors model (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file size (\(data.count) bytes): truncated or not a safetensors file")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let obj = try? JSONSerialization.jsonObject(with: headerData), let header = obj as? [String: Any] else {
            throw fail("header is not valid JSON: corrupted file")
        }
        let body = data.subdata(in: (8 + Int(headerLength))..<data.count)
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any],
                  let dt = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any],
                  let offs = info["data_offsets"] as? [Any], offs.count == 2 else {
                throw fail("tensor entry lacks dtype, shape or data_offsets", name)
            }
            guard let dtype = Tensor.DType(rawValue: dt) else { throw fail("unsupported dtype \(dt)", name) }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }) else { throw fail("invalid shape", name) }
            guard let b = (offs[0] as? NSNumber)?.intValue, let e = (offs[1] as? NSNumber)?.intValue,
                  b >= 0, e >= b, e <= body.count else {
                throw fail("data range lies outside the file: truncated", name)
            }
            let count = shape.reduce(1, *)
            guard e - b == count * dtype.byteSize else {
                throw fail("holds \(e - b) bytes but shape \(shape) of \(dt) needs \(count * dtype.byteSize)", name)
            }
            if e > b { ranges.append((b, e)) }  // empty tensors occupy no bytes
            tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: [UInt8](body[(body.startIndex + b)..<(body.startIndex + e)]))
        }
        ranges.sort { $0.0 < $1.0 }
        for i in 1..<max(1, ranges.count) where ranges[i].0 < ranges[i - 1].1 {
            throw fail("tensor byte ranges overlap: corrupted file")
        }
        return (tensors, metadata)
    }
}

/// Writes `data` to `path` atomically: a temporary file in the same folder, then a rename, so a
/// crash or error never leaves a partial output.
package func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
    do {
        try data.write(to: tmp)
        // rename(2) replaces the target atomically within one file system.
        guard rename(tmp.path, url.path) == 0 else {
            throw AnomalyError(.io, "cannot rename temporary file: \(String(cString: strerror(errno)))", file: path)
        }
    } catch let e as AnomalyError {
        try? FileManager.default.removeItem(at: tmp)
        throw e
    } catch {
        try? FileManager.default.removeItem(at: tmp)
        throw AnomalyError(.io, "cannot write: \(error.localizedDescription)", file: path)
    }
}
