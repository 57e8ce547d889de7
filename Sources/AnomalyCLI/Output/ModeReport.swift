import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// One experiment mode as JSON: `{roc_auc, average_precision, fit_seconds[, note]}`, or nulls and `error`.
func modeJSON(_ result: ModeResult?, _ reason: String?) -> [String: Any] {
    guard let r = result else {
        return ["roc_auc": NSNull(), "average_precision": NSNull(), "fit_seconds": NSNull(), "error": reason ?? "failed"]
    }
    var entry: [String: Any] = ["roc_auc": r.rocAUC, "average_precision": r.averagePrecision, "fit_seconds": r.fitSeconds]
    if let note = r.note { entry["note"] = note }
    return entry
}

/// The modes of an experiment as a table.
func modeTable(_ modes: [(name: String, result: ModeResult?, reason: String?)]) -> String {
    renderTable(["mode", "ROC-AUC", "AP", "fit s", "note"], modes.map { name, r, reason in
        guard let r else { return [name, "—", "—", "—", reason ?? "failed"] }
        return [name, fmt(r.rocAUC), fmt(r.averagePrecision), fmt(r.fitSeconds, 2), r.note ?? ""]
    })
}
