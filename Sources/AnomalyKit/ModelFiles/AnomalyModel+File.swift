import AnomalyMath
import Foundation

/// The JSON metadata block of a model file (stored under `__metadata__["anomalykit"]`).
struct ModelMetadata: Codable {
    var format: String
    var format_version: Int
    var anomalykit_version: String
    var detector: String
    var params: [String: ParameterValue]
    var n_features: Int
    var feature_names: [String]
    var n_train: Int
    var contamination: Double
    var threshold: Double
    var training_scores: ScoreSummary
    var preprocessing: Preprocessor
    var schema: TableSchema?
    var scalars: [String: Double]
    /// "pending" or "fitted" for models that read rows relative to a target's normal rows
    /// (absent otherwise); the rows are the tensor `relative_frame.shots`.
    var relative_frame: String?
}

extension AnomalyModel {
    static let formatName = "anomalykit-model"
    static let detectorPrefix = "detector."
    static let trainingScoresTensor = "training_scores"
    static let relativeShotsTensor = "relative_frame.shots"

    /// The model as safetensors bytes: detector arrays under `detector.*`, training scores, and
    /// the JSON metadata (format version, detector, parameters, preprocessing, threshold, summary).
    public func serialized() throws -> Data {
        var state = DetectorState()
        detector.save(to: &state)
        var tensors: [String: Tensor] = [:]
        for (k, v) in state.tensors { tensors[Self.detectorPrefix + k] = v }
        tensors[Self.trainingScoresTensor] = Tensor(doubles: detector.trainingScores)
        var relative: String?
        if case .relative(let frame) = reading {
            relative = frame == nil ? "pending" : "fitted"
            if let frame { tensors[Self.relativeShotsTensor] = Tensor(frame.shots) }
        }
        let meta = ModelMetadata(
            format: Self.formatName, format_version: Self.formatVersion, anomalykit_version: AnomalyKitInfo.version,
            detector: detectorName, params: parameters.values, n_features: featureCount,
            feature_names: featureNames, n_train: trainingRows, contamination: threshold.contamination,
            threshold: threshold.value, training_scores: trainingSummary, preprocessing: preprocessor,
            schema: schema, scalars: state.scalars, relative_frame: relative)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(meta), as: UTF8.self)
        return try SafeTensors.encode(tensors: tensors, metadata: ["anomalykit": json, "format": Self.formatName])
    }

    /// Saves atomically to `path` (temporary file, then rename).
    public func save(to path: String) throws {
        try writeAtomically(serialized(), to: path)
    }

    /// Loads a model file, checking its format version and every tensor's shape.
    public static func load(from path: String) throws -> AnomalyModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AnomalyError.model("no such model file", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AnomalyError.model("cannot read the model file", file: path)
        }
        return try load(data: data, file: path)
    }

    /// Loads a model from safetensors bytes; `file` names the source in errors.
    public static func load(data: Data, file: String) throws -> AnomalyModel {
        let (tensors, metadata) = try SafeTensors.decode(data, file: file)
        guard let json = metadata["anomalykit"] else {
            throw AnomalyError.model("not an AnomalyKit model: the safetensors metadata has no 'anomalykit' entry", file: file)
        }
        // Check the version before decoding the rest, so a newer format gets a clear message.
        if let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
           let version = obj["format_version"] as? Int, version != formatVersion {
            throw AnomalyError.model("model format version \(version) is not supported by this AnomalyKit (reads version \(formatVersion)); refit the model", file: file, field: "format_version")
        }
        let meta: ModelMetadata
        do {
            meta = try JSONDecoder().decode(ModelMetadata.self, from: Data(json.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AnomalyError.model("metadata lacks '\(key.stringValue)'", file: file, field: key.stringValue)
        } catch {
            throw AnomalyError.model("metadata is malformed: \(error)", file: file, field: "anomalykit")
        }
        guard meta.format == formatName else {
            throw AnomalyError.model("format '\(meta.format)' is not '\(formatName)'", file: file, field: "format")
        }
        guard meta.feature_names.count == meta.n_features, meta.n_features > 0 else {
            throw AnomalyError.model("feature_names has \(meta.feature_names.count) entries, n_features is \(meta.n_features)", file: file, field: "feature_names")
        }
        var state = DetectorState(scalars: meta.scalars)
        for (k, v) in tensors where k.hasPrefix(detectorPrefix) { state.tensors[String(k.dropFirst(detectorPrefix.count))] = v }
        guard let ts = tensors[trainingScoresTensor], ts.shape.count == 1 else {
            throw AnomalyError.model("missing or malformed tensor", file: file, field: trainingScoresTensor)
        }
        let reading: RowReading
        switch meta.relative_frame {
        case nil:
            reading = .direct
        case "pending":
            reading = .relative(nil)
        case "fitted":
            guard let t = tensors[relativeShotsTensor], t.shape.count == 2, t.shape[1] == meta.n_features,
                  t.shape[0] >= RelativeFrame.minimumShots else {
                throw AnomalyError.model("missing or malformed tensor (needs ≥ \(RelativeFrame.minimumShots) rows × \(meta.n_features))",
                                         file: file, field: relativeShotsTensor)
            }
            do {
                reading = .relative(try RelativeFrame(shots: Matrix(rows: t.shape[0], cols: t.shape[1], values: t.floats())))
            } catch let e as AnomalyError {
                throw AnomalyError.model(e.message, file: file, field: relativeShotsTensor)
            }
        case let other?:
            throw AnomalyError.model("relative_frame is '\(other)', expected 'pending' or 'fitted'", file: file, field: "relative_frame")
        }
        do {
            let detector = try DetectorRegistry.restore(meta.detector, parameters: meta.params,
                                                        featureCount: reading.detectorInputs(features: meta.n_features),
                                                        trainingScores: ts.doubles(), state: state)
            return AnomalyModel(detector: detector, preprocessor: meta.preprocessing, schema: meta.schema,
                                featureNames: meta.feature_names,
                                threshold: ContaminationThreshold(contamination: meta.contamination, value: meta.threshold),
                                trainingRows: meta.n_train, reading: reading)
        } catch let e as AnomalyError {
            var e = e
            if e.kind == .parameter { e.kind = .model }
            throw e.inFile(file)
        }
    }
}

/// Facts about this build of AnomalyKit.
public enum AnomalyKitInfo {
    public static let version = "0.1.0"
}
