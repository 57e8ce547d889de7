import AnomalyKit
import AnomalyTransfer
import Foundation

/// The selector shipped with the package: trained by `scripts/build-selector` on the ADBench
/// Classical datasets in `../shared/datasets` (the classic detectors' ROC-AUC from
/// `anomalykit benchmark`, seed 42). Its file is embedded (`ShippedSelectorData`) so the
/// binary needs no resource bundle; the same file is `Models/selector-classical.safetensors`.
public enum ShippedSelector {
    public static func load() throws -> DetectorSelector {
        guard !ShippedSelectorData.base64.isEmpty else {
            throw AnomalyError.model("this build has no shipped selector", field: "selector", hint: .giveSelectorFile)
        }
        guard let data = Data(base64Encoded: ShippedSelectorData.base64) else {
            throw AnomalyError.model("the embedded selector is not valid base64", field: "ShippedSelectorData")
        }
        return try DetectorSelector.decode(data, file: "the shipped selector")
    }
}
