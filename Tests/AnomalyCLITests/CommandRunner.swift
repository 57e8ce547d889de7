@testable import AnomalyCLI
import Foundation
import Testing
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

/// Runs a command line written as one string (words split on spaces; no path holds one).
func anomalykit(line: String) -> CommandResult {
    anomalykit(line.split(separator: " ").map(String.init))
}

/// A bundled dataset's path (`Data/NAME`).
func bundled(_ name: String) -> String { TestSupport.repositoryFile("Data/" + name) }

/// Writes `text` to `dir/name` and returns the path.
@discardableResult
func write(_ text: String, _ name: String, in dir: String) -> String {
    let path = dir + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

/// The files in `dir` (none after a command that failed cleanly).
func files(in dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

/// Expects a run to have succeeded, showing its stderr otherwise.
func expectSuccess(_ r: CommandResult, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == 0, "\(what): exit \(r.status): \(r.error)", sourceLocation: sourceLocation)
}
