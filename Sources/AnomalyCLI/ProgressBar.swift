import AnomalyNN
import Foundation

/// A one-line progress bar on standard error for long work (training epochs, meta-iterations),
/// drawn only when standard error is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var drawn = false   // guarded by `lock`

    /// Draws `done`/`total` after `label`, with a short message; a finished run ends the line.
    func draw(_ label: String, done: Int, total: Int, message: String = "", finished: Bool = false) {
        lock.withLock {
            if finished {
                if drawn { Console.current.write("\n", to: .error) }
                drawn = false
                return
            }
            let width = 24
            let filled = total > 0 ? width * min(done, total) / total : width
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            Console.current.write("\r\(label) [\(bar)] \(done)/\(total) \(message)   ", to: .error)
            drawn = true
        }
    }

    /// A `Trainer.progress` sink that draws training runs.
    var trainingSink: @Sendable (TrainingProgress) -> Void {
        { [self] p in draw(p.label, done: p.epoch, total: p.epochs, message: p.message, finished: p.finished) }
    }
}
