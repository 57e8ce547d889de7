@testable import AnomalyCLI
import Foundation
import TestSupport

/// What one in-process run of `anomalykit` printed and returned.
struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs `anomalykit ARGS` in this process with its own console, so tests can run in parallel.
func anomalykit(_ arguments: String...) -> CommandResult { anomalykit(arguments) }

func anomalykit(_ arguments: [String]) -> CommandResult {
    let console = Console(capturing: true)
    let status = Console.$current.withValue(console) { AnomalyKitCommand.execute(arguments) }
    let (output, error) = console.text
    return CommandResult(status: status, output: output, error: error)
}

/// A bundled dataset's path (`Data/NAME`).
func bundled(_ name: String) -> String { TestSupport.repositoryFile("Data/" + name) }
