import AnomalyKit
import ArgumentParser
import Foundation

@main
struct AnomalyKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalykit",
        abstract: "Anomaly detection for new domains: fit, score, evaluate and benchmark detectors.",
        version: AnomalyKitInfo.version,
        subcommands: [DetectorsCommand.self, FitCommand.self, ScoreCommand.self, EvaluateCommand.self,
                      BenchmarkCommand.self, DemoCommand.self, PretrainCommand.self, FinetuneCommand.self,
                      TransferCommand.self, MetaTrainCommand.self, MetaCommand.self,
                      SelectTrainCommand.self, SelectCommand.self, AutoCommand.self, TrainSpeedCommand.self]
    )
}
