import AnomalyKit
import Foundation

/// What an encoder pipeline step records of its pretrained encoder instead of its weights: how the
/// encoder is found (a cache name or a directory), the SHA-256 of its weights, the width it gives
/// and a one-line summary of its architecture. Text and image steps share it, so a model file
/// names its encoder the same way whatever it reads.
public struct EncoderIdentity: Sendable, Equatable {
    /// A cache name (`minilm`, `efficientnet-lite0`) or a directory path.
    public let encoder: String
    public let weightsSHA256: String
    public let dimension: Int
    public let architecture: String

    public init(encoder: String, weightsSHA256: String, dimension: Int, architecture: String) {
        self.encoder = encoder
        self.weightsSHA256 = weightsSHA256
        self.dimension = dimension
        self.architecture = architecture
    }

    /// Checks that a loaded encoder (shown as `name`, its weights at `weightsFile`) is the one
    /// recorded. - Throws: `.model` naming both digests when the weights differ, or both widths.
    public func check(name: String, weightsSHA256 loaded: String, dimension loadedDimension: Int, weightsFile: String) throws {
        guard loaded == weightsSHA256 else {
            throw AnomalyError.model("the encoder '\(name)' has other weights (sha256 \(loaded)) than the model was fitted with (\(weightsSHA256))",
                                     file: weightsFile, field: "encoder")
        }
        guard loadedDimension == dimension else {
            throw AnomalyError.model("the encoder gives \(loadedDimension) dimensions, the model was fitted on \(dimension)", field: "encoder")
        }
    }

    /// The settings a step saves for its encoder.
    public var settings: [String: ParameterValue] {
        ["encoder": .string(encoder), "weights_sha256": .string(weightsSHA256), "dimension": .int(dimension),
         "architecture": .string(architecture)]
    }

    /// Reads what `settings` wrote from a `kind` step's state.
    /// - Throws: `.model` naming the step's kind when a value is missing or out of range.
    public init(restoring state: StepState, kind: String) throws {
        encoder = try state.string("encoder")
        weightsSHA256 = try state.string("weights_sha256")
        dimension = try state.int("dimension")
        architecture = (try? state.string("architecture")) ?? ""
        guard !encoder.isEmpty, dimension > 0, weightsSHA256.count == 64, weightsSHA256.allSatisfy(\.isHexDigit) else {
            throw AnomalyError.model("the \(kind) step's encoder settings are out of range", field: "steps")
        }
    }
}

/// A pipeline step that reads through a pretrained encoder it records by identity.
public protocol EncoderStep: InputStep {
    /// The encoder the step was fitted with.
    var identity: EncoderIdentity { get }
}

extension EncoderStep {
    /// How the encoder is found: a cache name or a directory path.
    public var encoder: String { identity.encoder }
    /// SHA-256 of the `model.safetensors` the step was fitted with.
    public var weightsSHA256: String { identity.weightsSHA256 }
    /// Embedding width.
    public var dimension: Int { identity.dimension }
    /// A one-line summary of the encoder's architecture.
    public var architecture: String { identity.architecture }
}
