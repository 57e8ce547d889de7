import AnomalyMath
import Foundation

/// The JSON metadata of a model file, format version 2 (under `__metadata__["anomalykit"]`).
///
/// The keys of version 1 keep their meaning (detector, params, n_features, feature_names, n_train,
/// contamination, threshold, training_scores, schema, scalars); the pipeline is `steps`, each with
/// its tensors under `steps.<index>.<name>`; `awaiting` names what a pending model waits for.
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
    var schema: TableSchema?
    var scalars: [String: Double]
    var steps: [StepEntry]
    var awaiting: PendingModel.Awaiting?
    var attachments: [String]?

    /// One pipeline step in the metadata: its kind, settings and widths.
    struct StepEntry: Codable {
        var kind: String
        var settings: [String: ParameterValue]
        var n_inputs: Int
        var n_outputs: Int
    }
}

/// Version 1's metadata (AnomalyKit 0.1.0): preprocessing as one value, and a relative frame
/// marked `pending` or `fitted`; read only.
private struct ModelMetadataV1: Codable {
    var format: String
    var detector: String
    var params: [String: ParameterValue]
    var n_features: Int
    var feature_names: [String]
    var n_train: Int
    var contamination: Double
    var threshold: Double
    var preprocessing: Preprocessor
    var schema: TableSchema?
    var scalars: [String: Double]
    var relative_frame: String?
}

/// A model file's contents: a model that scores, or one that waits for a target's rows.
public enum LoadedModel: Sendable {
    case ready(AnomalyModel)
    case pending(PendingModel)

    /// The columns the model reads, whichever state it is in.
    public var schema: TableSchema? {
        switch self {
        case .ready(let m): return m.schema
        case .pending(let m): return m.schema
        }
    }
}

/// Reading and writing model files (`.safetensors` with JSON metadata).
public enum ModelFile {
    static let formatName = "anomalykit-model"
    static let detectorPrefix = "detector."
    static let stepPrefix = "steps."
    static let attachmentPrefix = "attachment."
    static let trainingScoresTensor = "training_scores"

    /// Loads any model file, checking its format version and every tensor's shape.
    public static func load(from path: String, steps registry: StepRegistry = .standard) throws -> LoadedModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AnomalyError.model("no such model file", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AnomalyError.model("cannot read the model file", file: path)
        }
        return try load(data: data, file: path, steps: registry)
    }

    /// Loads a model from safetensors bytes; `file` names the source in errors.
    public static func load(data: Data, file: String, steps registry: StepRegistry = .standard) throws -> LoadedModel {
        let record: ModelRecord
        do {
            record = try decode(data, file: file, registry: registry)
        } catch let e as AnomalyError {
            var e = e
            if e.kind == .parameter || e.kind == .shape { e.kind = .model }
            throw e.inFile(file)
        }
        return record.awaiting == nil ? .ready(AnomalyModel(record: record)) : .pending(PendingModel(record: record))
    }

    /// The bytes of a model file for `record`.
    static func serialized(_ record: ModelRecord) throws -> Data {
        var state = DetectorState()
        record.detector.save(to: &state)
        var tensors: [String: Tensor] = [:]
        for (k, v) in state.tensors { tensors[detectorPrefix + k] = v }
        tensors[trainingScoresTensor] = Tensor(doubles: record.detector.trainingScores)
        var entries: [ModelMetadata.StepEntry] = []
        for (i, step) in record.pipeline.steps.enumerated() {
            var s = StepState()
            step.save(to: &s)
            for (k, v) in s.arrays.tensors { tensors["\(stepPrefix)\(i).\(k)"] = v }
            entries.append(.init(kind: step.kind, settings: s.settings, n_inputs: step.inputCount, n_outputs: step.outputCount))
        }
        for (k, v) in record.attachments { tensors[attachmentPrefix + k] = v }
        let meta = ModelMetadata(
            format: formatName, format_version: AnomalyModel.formatVersion, anomalykit_version: AnomalyKitInfo.version,
            detector: record.detector.detectorName, params: record.detector.settingsParameters.values,
            n_features: record.featureNames.count, feature_names: record.featureNames, n_train: record.trainingRows,
            contamination: record.threshold.contamination, threshold: record.threshold.value,
            training_scores: record.trainingSummary, schema: record.schema, scalars: state.scalars, steps: entries,
            awaiting: record.awaiting, attachments: record.attachments.isEmpty ? nil : record.attachments.keys.sorted())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(meta), as: UTF8.self)
        return try SafeTensors.encode(tensors: tensors, metadata: ["anomalykit": json, "format": formatName])
    }

    private static func decode(_ data: Data, file: String, registry: StepRegistry) throws -> ModelRecord {
        let (tensors, metadata) = try SafeTensors.decode(data, file: file)
        guard let json = metadata["anomalykit"] else {
            throw AnomalyError.model("not an AnomalyKit model: the safetensors metadata has no 'anomalykit' entry", file: file)
        }
        // Check the version before decoding the rest, so another format gets a clear message.
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        guard let version = object?["format_version"] as? Int else {
            throw AnomalyError.model("metadata lacks an integer 'format_version'", file: file, field: "format_version")
        }
        switch version {
        case 1: return try decodeVersion1(json, tensors: tensors, file: file)
        case AnomalyModel.formatVersion: return try decodeVersion2(json, tensors: tensors, file: file, registry: registry)
        default:
            throw AnomalyError.model("model format version \(version) is not supported by this AnomalyKit (reads versions 1 to \(AnomalyModel.formatVersion)); refit the model or upgrade AnomalyKit",
                                     file: file, field: "format_version")
        }
    }

    private static func metadata<M: Decodable>(_ type: M.Type, _ json: String, file: String) throws -> M {
        do {
            return try JSONDecoder().decode(M.self, from: Data(json.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AnomalyError.model("metadata lacks '\(key.stringValue)'", file: file, field: key.stringValue)
        } catch {
            throw AnomalyError.model("metadata is malformed: \(error)", file: file, field: "anomalykit")
        }
    }

    private static func decodeVersion2(_ json: String, tensors: [String: Tensor], file: String,
                                       registry: StepRegistry) throws -> ModelRecord {
        let meta = try metadata(ModelMetadata.self, json, file: file)
        try checkHeader(format: meta.format, featureNames: meta.feature_names, n: meta.n_features, file: file,
                        allowNoFeatures: true)
        var steps: [any PipelineStep] = []
        for (i, entry) in meta.steps.enumerated() {
            var arrays = DetectorState()
            let prefix = "\(stepPrefix)\(i)."
            for (k, v) in tensors where k.hasPrefix(prefix) { arrays.tensors[String(k.dropFirst(prefix.count))] = v }
            do {
                let step = try registry.restore(kind: entry.kind, from: StepState(settings: entry.settings, arrays: arrays))
                guard step.inputCount == entry.n_inputs, step.outputCount == entry.n_outputs else {
                    throw AnomalyError.model("has \(step.inputCount) → \(step.outputCount) columns, the metadata says \(entry.n_inputs) → \(entry.n_outputs)")
                }
                steps.append(step)
            } catch var e as AnomalyError {
                e.field = "steps.\(i)" + (e.field.map { ".\($0)" } ?? "")
                throw e
            }
        }
        let pipeline = Pipeline(steps)
        guard meta.n_features > 0 || pipeline.inputStep != nil else {
            throw AnomalyError.model("n_features is 0 and no input step reads raw columns", file: file, field: "n_features")
        }
        try pipeline.validate(inputs: meta.n_features)
        var attachments: [String: Tensor] = [:]
        for name in meta.attachments ?? [] {
            guard let t = tensors[attachmentPrefix + name] else {
                throw AnomalyError.model("missing tensor", file: file, field: attachmentPrefix + name)
            }
            attachments[name] = t
        }
        return try record(detector: meta.detector, params: meta.params, scalars: meta.scalars, tensors: tensors,
                          featureNames: meta.feature_names, schema: meta.schema, pipeline: pipeline, awaiting: meta.awaiting,
                          contamination: meta.contamination, threshold: meta.threshold, trainingRows: meta.n_train,
                          attachments: attachments, file: file)
    }

    private static func decodeVersion1(_ json: String, tensors: [String: Tensor], file: String) throws -> ModelRecord {
        let meta = try metadata(ModelMetadataV1.self, json, file: file)
        try checkHeader(format: meta.format, featureNames: meta.feature_names, n: meta.n_features, file: file)
        var pipeline = Pipeline(meta.preprocessing.steps)
        try pipeline.validate(inputs: meta.n_features)
        var awaiting: PendingModel.Awaiting?
        switch meta.relative_frame {
        case nil:
            break
        case "pending":
            awaiting = .relativeFrame
        case "fitted":
            let name = "relative_frame.shots"
            guard let t = tensors[name], t.shape.count == 2, t.shape[1] == meta.n_features else {
                throw AnomalyError.model("missing or malformed tensor (needs ≥ \(RelativeFrame.minimumShots) rows × \(meta.n_features))",
                                         file: file, field: name)
            }
            do {
                pipeline = pipeline.appending(try RelativeFrame(restoring: StepState(arrays: DetectorState(tensors: ["shots": t]))))
            } catch let e as AnomalyError {
                throw AnomalyError.model(e.message, file: file, field: name)
            }
        case let other?:
            throw AnomalyError.model("relative_frame is '\(other)', expected 'pending' or 'fitted'", file: file, field: "relative_frame")
        }
        // Meta-SGD's learned rates lived with the network's tensors in version 1.
        var attachments: [String: Tensor] = [:]
        let ratePrefix = detectorPrefix + "meta_lr."
        for (k, v) in tensors where k.hasPrefix(ratePrefix) { attachments[String(k.dropFirst(detectorPrefix.count))] = v }
        return try record(detector: meta.detector, params: meta.params, scalars: meta.scalars,
                          tensors: tensors.filter { !$0.key.hasPrefix(ratePrefix) },
                          featureNames: meta.feature_names, schema: meta.schema, pipeline: pipeline, awaiting: awaiting,
                          contamination: meta.contamination, threshold: meta.threshold, trainingRows: meta.n_train,
                          attachments: attachments, file: file)
    }

    /// Checks the format name and the feature names; `allowNoFeatures` for a pipeline whose
    /// input step reads raw columns only (a text column, no numeric ones).
    private static func checkHeader(format: String, featureNames: [String], n: Int, file: String,
                                    allowNoFeatures: Bool = false) throws {
        guard format == formatName else {
            throw AnomalyError.model("format '\(format)' is not '\(formatName)'", file: file, field: "format")
        }
        guard featureNames.count == n, n > 0 || allowNoFeatures else {
            throw AnomalyError.model("feature_names has \(featureNames.count) entries, n_features is \(n)", file: file, field: "feature_names")
        }
    }

    /// The record with its detector restored behind the pipeline (or behind the awaited step).
    private static func record(detector name: String, params: [String: ParameterValue], scalars: [String: Double],
                               tensors: [String: Tensor], featureNames: [String], schema: TableSchema?, pipeline: Pipeline,
                               awaiting: PendingModel.Awaiting?, contamination: Double, threshold: Double, trainingRows: Int,
                               attachments: [String: Tensor], file: String) throws -> ModelRecord {
        var state = DetectorState(scalars: scalars)
        for (k, v) in tensors where k.hasPrefix(detectorPrefix) { state.tensors[String(k.dropFirst(detectorPrefix.count))] = v }
        guard let ts = tensors[trainingScoresTensor], ts.shape.count == 1 else {
            throw AnomalyError.model("missing or malformed tensor", file: file, field: trainingScoresTensor)
        }
        let inputs = awaiting == .relativeFrame ? RelativeFrame.measures.count : pipeline.outputCount(inputs: featureNames.count)
        let detector = try DetectorRegistry.restore(name, parameters: params, featureCount: inputs,
                                                    trainingScores: ts.doubles(), state: state)
        var awaiting = awaiting
        if let span = detector as? FittedSpan, span.support.rows == 0 { awaiting = .supportRows }
        return ModelRecord(featureNames: featureNames, schema: schema, pipeline: pipeline, awaiting: awaiting, detector: detector,
                           threshold: ContaminationThreshold(contamination: contamination, value: threshold),
                           trainingRows: trainingRows, attachments: attachments)
    }
}

extension AnomalyModel {
    /// The model as safetensors bytes (format version 2).
    public func serialized() throws -> Data { try ModelFile.serialized(record) }

    /// Saves atomically to `path` (temporary file, then rename).
    public func save(to path: String) throws { try writeAtomically(serialized(), to: path) }

    /// Loads a model file for scoring. A model that cannot score yet (`PendingModel`) is refused
    /// with the reason; `ModelFile.load` opens those too.
    public static func load(from path: String, steps registry: StepRegistry = .standard) throws -> AnomalyModel {
        try ready(ModelFile.load(from: path, steps: registry), file: path)
    }

    /// Loads a model for scoring from safetensors bytes; `file` names the source in errors.
    public static func load(data: Data, file: String, steps registry: StepRegistry = .standard) throws -> AnomalyModel {
        try ready(ModelFile.load(data: data, file: file, steps: registry), file: file)
    }

    private static func ready(_ loaded: LoadedModel, file: String) throws -> AnomalyModel {
        switch loaded {
        case .ready(let model): return model
        case .pending(let pending):
            throw AnomalyError(.model, pending.reason, file: file, field: "awaiting", hint: pending.hint)
        }
    }
}

extension PendingModel {
    /// The model as safetensors bytes (format version 2).
    public func serialized() throws -> Data { try ModelFile.serialized(record) }

    /// Saves atomically to `path` (temporary file, then rename).
    public func save(to path: String) throws { try writeAtomically(serialized(), to: path) }
}

/// Facts about this build of AnomalyKit.
public enum AnomalyKitInfo {
    public static let version = "0.2.0-dev"
}
