import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit detectors`: every detector with its parameters and defaults.
struct DetectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detectors", abstract: "List the detectors, their parameters and defaults.")

    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        if json {
            let list: [[String: Any]] = DetectorRegistry.all.map { t in
                let d = t.descriptor
                return ["name": d.name, "family": d.family, "summary": d.summary,
                        "parameters": d.parameters.map { ["name": $0.name, "default": $0.defaultValue.description,
                                                          "values": $0.rangeDescription, "help": $0.help] }]
            }
            let data = try JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys])
            output(String(decoding: data, as: UTF8.self))
            return
        }
        // Columns as wide as their longest entry, so no name or default is cut.
        let descriptors = DetectorRegistry.all.map { $0.descriptor }
        let nameWidth = descriptors.map(\.name.count).max() ?? 0
        let familyWidth = descriptors.map(\.family.count).max() ?? 0
        let settings = descriptors.flatMap { $0.parameters + [ContaminationThreshold.contaminationSpec] }
        let paramWidth = settings.map { "    --param \($0.name)=\($0.defaultValue)".count }.max() ?? 0
        for d in descriptors {
            output("\(pad(d.name, nameWidth)) \(pad(d.family, familyWidth)) \(d.summary)")
            for p in d.parameters + [ContaminationThreshold.contaminationSpec] {
                output(pad("    --param \(p.name)=\(p.defaultValue)", paramWidth) + "  \(p.rangeDescription); \(p.help)")
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
    }
}
