import Foundation

/// Where the commands write: the process's standard output and error, or — in tests, which run
/// commands in-process and in parallel — a buffer bound to the running task (`Console.$current`).
package final class Console: @unchecked Sendable {
    package enum Stream: Sendable { case output, error }

    /// The console of the running command: the process's, unless a test bound another.
    @TaskLocal package static var current = Console(capturing: false)

    private let capturing: Bool
    private let lock = NSLock()
    private var captured = (output: "", error: "")   // guarded by `lock`

    /// A console that writes to the process's streams, or one that keeps what it is given.
    package init(capturing: Bool) { self.capturing = capturing }

    /// Whether this console is the process's (progress bars are drawn only on a real terminal).
    package var isTerminal: Bool { !capturing }

    package func write(_ text: String, to stream: Stream) {
        guard capturing else {
            let handle = stream == .output ? FileHandle.standardOutput : FileHandle.standardError
            handle.write(Data(text.utf8))
            return
        }
        lock.withLock { if stream == .output { captured.output += text } else { captured.error += text } }
    }

    /// What was written to each stream so far (empty for the process's console).
    package var text: (output: String, error: String) { lock.withLock { captured } }
}
