import AnomalyKit
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
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for t in DetectorRegistry.all {
            let d = t.descriptor
            print("\(d.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(d.family.padding(toLength: 14, withPad: " ", startingAt: 0)) \(d.summary)")
            for p in d.parameters + [ContaminationThreshold.contaminationSpec] {
                print("    --param \(p.name)=\(p.defaultValue)".padding(toLength: 36, withPad: " ", startingAt: 0) + "\(p.rangeDescription); \(p.help)")
            }
        }
    }
}
