import AnomalyKit
import AnomalyNN
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// The `anomalykit` command: its subcommands, and the one place where errors become messages and
/// exit codes (64 for bad parameters, 65 for bad data or model files, 1 otherwise).
public struct AnomalyKitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "anomalykit",
        abstract: "Anomaly detection for new domains: fit, score, evaluate and benchmark detectors.",
        version: AnomalyKitInfo.version,
        subcommands: [DetectorsCommand.self, FitCommand.self, ScoreCommand.self, EvaluateCommand.self,
                      BenchmarkCommand.self, DemoCommand.self, PretrainCommand.self, FinetuneCommand.self,
                      TransferCommand.self, MetaTrainCommand.self, MetaCommand.self,
                      SelectTrainCommand.self, SelectCommand.self, AutoCommand.self, TrainSpeedCommand.self, EmbedCommand.self, SgemmPeakCommand.self,
                      TokenizeCommand.self, GenerateCommand.self, AttackCommand.self]
    )

    public init() {}

    /// Parses `arguments` (the process's when nil), runs the command and exits with its status.
    public static func main(_ arguments: [String]?) -> Never {
        Foundation.exit(execute(arguments ?? Array(CommandLine.arguments.dropFirst())))
    }

    public static func main() -> Never { main(nil) }

    /// Parses and runs one command line, writing to `Console.current`; returns the exit status.
    package static func execute(_ arguments: [String]) -> Int32 {
        let console = Console.current
        var parsed: (any ParsableCommand)?
        do {
            var command = try parseAsRoot(arguments)
            parsed = command
            // Training draws a progress bar only on a terminal (never in tests, which capture).
            if stderrIsTerminal { Trainer.progress = ProgressBar().trainingSink }
            try command.run()
            return 0
        } catch let e as AnomalyError {
            let hint = e.hint.map { "; " + $0.commandLineText(for: parsed) } ?? ""
            console.write("anomalykit: error: \(e.namingFlags.summary)\(hint)\n", to: .error)
            return e.kind == .parameter ? 64 : 65
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                console.write(message + "\n", to: code == .success ? .output : .error)
            }
            return code.rawValue
        }
    }
}

extension AnomalyError {
    /// The options that set a library parameter, by the Swift argument label the library names
    /// it with (detector parameters keep their PyOD names: they are set with `--param`).
    static let flagsForParameters = [
        "shots": "--shots", "anomalyShots": "--anomaly-shots", "querySize": "--query-size",
        "iterations": "--iterations", "tasksPerIteration": "--tasks-per-iteration", "innerEpochs": "--inner-epochs",
        "innerLearningRate": "--inner-lr", "outerLearningRate": "--outer-lr", "newHead": "--new-head",
        "freeze": "--freeze", "testFraction": "--test-size", "labelColumn": "--label-column",
        "drop": "--drop", "categorical": "--categorical", "delimiter": "--delimiter", "tasks": "--tasks",
    ]

    /// The same error with a library parameter's field shown as the flag that sets it.
    var namingFlags: AnomalyError {
        guard kind == .parameter, let field, let flag = Self.flagsForParameters[field] else { return self }
        var e = self
        e.field = flag
        return e
    }
}

extension AnomalyError.Hint {
    /// The library's remedy spelled with this tool's flags, as far as `command` offers them.
    func commandLineText(for command: (any ParsableCommand)?) -> String {
        switch self {
        case .declareCategorical(let column): return "declare it categorical with --categorical \(column)"
        case .dropColumn(let column): return "drop it (--drop \(column))"
        case .impute:
            switch command {
            case is FitCommand, is EvaluateCommand: return "impute it (--impute mean|median) or remove the row"
            case is ScoreCommand: return "remove the row, or fit the model with --impute mean|median"
            default: return "remove the row or fill it in (this command does not impute missing values)"
            }
        case .fineTuneInRelativeFrame: return "fine-tune it on the target first (finetune --domain-norm relative)"
        case .giveSupportRows: return "give it a few normal rows of the task with --support FILE"
        case .chooseShots(let range): return "choose --shots between \(range.lowerBound) and \(range.upperBound)"
        case .giveLabels: return command is EvaluateCommand ? "give them with --label-column COL or --train-labels FILE" : "give them with --label-column COL"
        case .smallerLearningRate(let field):
            let flags = ["innerLearningRate": "--inner-lr", "outerLearningRate": "--outer-lr", "learningRate": "--lr"]
            return "try a smaller " + (flags[field] ?? "--param \(field)=…")
        case .giveSelectorFile: return "run scripts/build-selector or pass --selector FILE"
        case .retrainSelector: return "rebuild it with select-train"
        case .installEncoder(let name): return "install it with scripts/fetch-models \(name) (or pass --encoder DIR)"
        }
    }
}
