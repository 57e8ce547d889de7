import AnomalyMath
import Foundation

/// What a training run does: epochs of shuffled mini-batches, a learning-rate schedule, optional
/// gradient clipping, and early stopping on a validation loss with the best weights restored.
public struct TrainingOptions: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var shuffle = true
    /// Drop the last incomplete batch (PyOD's data loaders do).
    public var dropLast = false
    public var schedule: LearningRateSchedule = .constant
    /// Clip the global gradient norm to this value.
    public var clipNorm: Float?
    /// Stop after this many epochs without a validation improvement (needs a validation loss).
    public var patience: Int?
    /// Restore the weights of the best validation epoch at the end.
    public var restoreBest = true
    /// Without a validation loss: keep the weights after the epoch with the lowest training loss
    /// (PyOD's DeepSVDD does this).
    public var keepBestTrainingEpoch = false
    public var seed: UInt64
    /// The run's name in progress reports (`Trainer.progress`); nil reports nothing.
    public var progressLabel: String?

    public init(epochs: Int, batchSize: Int, seed: UInt64, progressLabel: String? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.progressLabel = progressLabel
    }
}

/// A loss that became NaN or infinite. The parameters passed to `Trainer.train` keep the last
/// weights from before the failing step.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public let epoch: Int
    public let batch: Int
    public let what: String
    public var description: String {
        "training stopped: the \(what) became NaN or infinite in epoch \(epoch + 1), batch \(batch + 1); "
            + "the last good weights are kept (try a smaller learning rate or scaled inputs)"
    }
}

/// Per-epoch losses of a run.
public struct TrainingHistory: Sendable {
    public var trainingLoss: [Double] = []
    public var validationLoss: [Double] = []
    /// The epoch whose weights were kept (the best validation epoch, or the last).
    public var bestEpoch = 0
    public var stoppedEarly = false
    public var seconds = 0.0
    /// Rows processed per second of training (excluding validation).
    public var rowsPerSecond = 0.0
    /// Wall seconds of each epoch's training steps.
    public var epochSeconds: [Double] = []
}

public enum Trainer {
    /// Whether a step's products are small enough to run on one BLAS thread: the largest GEMM
    /// is about batch × the largest weight matrix. Below 2²³ multiply-adds a two-thread GEMM
    /// gains little when the machine is idle and loses much when it is not, since each product
    /// waits for the busier core (2 cores, 512-d rows, medians of 5: widths 64,32 at batch 32
    /// 62k rows/s on one thread vs 61k on two idle, 59k vs 9.6k with another process busy on
    /// one core; 128,64 at batch 64 49k vs 53k idle, 48k vs 18k loaded). Larger products keep
    /// every thread (512,256 at batch 256: 24k on two vs 16k on one). Results are bitwise the
    /// same either way: OpenBLAS splits a product by output blocks, not along the sum.
    package static func runsSingleThreaded(batch: Int, parameters: ParameterSet) -> Bool {
        let largest = parameters.names.map { parameters[$0]?.values.count ?? 0 }.max() ?? 0
        return batch * largest <= 1 << 23
    }

    /// Trains `parameters` (and batch-norm `buffers`) by mini-batch gradient descent.
    ///
    /// - Parameters:
    ///   - rows: the number of training rows; batches are lists of row numbers.
    ///   - trainable: which parameters are updated (frozen ones get no gradient at all).
    ///   - batchLoss: builds the scalar loss of one batch on the given bound parameters.
    ///   - validationLoss: the loss on held-out data for given weights, for early stopping.
    /// - Throws: `TrainingError` when a loss or gradient is not finite; `parameters` then holds
    ///   the weights from before that step.
    public static func train(parameters: inout ParameterSet, buffers: inout ParameterSet, rows: Int,
                             options: TrainingOptions, optimizer: inout Optimizer,
                             trainable: @escaping (String) -> Bool = { _ in true },
                             batchLoss: (_ batch: ArraySlice<Int>, _ p: BoundParameters) -> Var,
                             validationLoss: ((_ parameters: ParameterSet, _ buffers: ParameterSet) -> Double)? = nil)
        throws -> TrainingHistory {
        var history = TrainingHistory()
        guard rows > 0, options.epochs > 0 else { return history }
        var rng = SeededGenerator(seed: options.seed)
        let baseRate = optimizer.learningRate
        let batch = max(1, min(options.batchSize, rows))
        var best = (loss: Double.infinity, parameters: parameters, buffers: buffers, epoch: 0)
        var sinceBest = 0
        let report = options.progressLabel.flatMap { label in Trainer.progress.map { sink in (label, sink) } }
        var stoppedAt = options.epochs
        let started = DispatchTime.now().uptimeNanoseconds
        var trainingNanoseconds: UInt64 = 0
        var rowsSeen = 0
        defer { report?.1(TrainingProgress(label: report!.0, epoch: stoppedAt, epochs: options.epochs, message: "", finished: true)) }
        let smallProducts = runsSingleThreaded(batch: batch, parameters: parameters)
        for epoch in 0..<options.epochs {
            optimizer.learningRate = options.schedule.rate(base: baseRate, epoch: epoch)
            var order = Array(0..<rows)
            if options.shuffle { order = rng.shuffled(order) }
            var total = 0.0, count = 0
            var start = 0
            let epochStart = DispatchTime.now().uptimeNanoseconds
            // One BLAS thread for the whole epoch when the products are small (`runsSingleThreaded`).
            try BLAS.withSingleThread(if: smallProducts) {
                while start < rows {
                    let end = min(start + batch, rows)
                    if options.dropLast && end - start < batch && start > 0 { break }
                    // Forward and backward in their own scope: the tape and the bound parameters share
                    // the weights' storage, and must be gone before the optimiser updates them in place.
                    func forwardBackward(seed: UInt64) throws -> (Float, [String: Matrix], [String: Matrix]) {
                        let tape = Tape(training: true, seed: seed)
                        let bound = BoundParameters(parameters, buffers: buffers, tape: tape, trainable: trainable)
                        let loss = batchLoss(order[start..<end], bound)
                        let value = loss.scalar
                        guard value.isFinite else { throw TrainingError(epoch: epoch, batch: count, what: "loss") }
                        tape.backward(from: loss)
                        return (value, bound.gradients(), bound.bufferUpdates)
                    }
                    var (value, gradients, bufferUpdates) = try forwardBackward(seed: rng.next())
                    if let clip = options.clipNorm {
                        let norm = Optimizer.clipGradients(&gradients, maxNorm: clip)
                        guard norm.isFinite else { throw TrainingError(epoch: epoch, batch: count, what: "gradient") }
                    } else if gradients.values.contains(where: { $0.values.contains { !$0.isFinite } }) {
                        throw TrainingError(epoch: epoch, batch: count, what: "gradient")
                    }
                    optimizer.step(&parameters, gradients: gradients)
                    for (name, value) in bufferUpdates { buffers.update(name, value) }
                    total += Double(value)
                    count += 1
                    rowsSeen += end - start
                    start = end
                }
            }
            let epochNanoseconds = DispatchTime.now().uptimeNanoseconds - epochStart
            trainingNanoseconds += epochNanoseconds
            history.epochSeconds.append(Double(epochNanoseconds) / 1e9)
            let trainingLoss = total / Double(max(1, count))
            history.trainingLoss.append(trainingLoss)
            var shown = "loss \(String(format: "%.4g", trainingLoss))"
            if let validationLoss {
                let v = validationLoss(parameters, buffers)
                history.validationLoss.append(v)
                shown += "  val \(String(format: "%.4g", v))"
                if v < best.loss {
                    best = (v, parameters, buffers, epoch)
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
                history.bestEpoch = best.epoch
                if let patience = options.patience, sinceBest >= patience {
                    history.stoppedEarly = true
                    stoppedAt = epoch + 1
                    report?.1(TrainingProgress(label: report!.0, epoch: epoch + 1, epochs: options.epochs, message: shown, finished: false))
                    break
                }
            } else if options.keepBestTrainingEpoch {
                if trainingLoss < best.loss {
                    best = (trainingLoss, parameters, buffers, epoch)
                }
                history.bestEpoch = best.epoch
            } else {
                history.bestEpoch = epoch
            }
            report?.1(TrainingProgress(label: report!.0, epoch: epoch + 1, epochs: options.epochs, message: shown, finished: false))
        }
        if (validationLoss != nil && options.restoreBest || validationLoss == nil && options.keepBestTrainingEpoch)
            && best.loss.isFinite {
            parameters = best.parameters
            buffers = best.buffers
        }
        optimizer.learningRate = baseRate
        history.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        history.rowsPerSecond = trainingNanoseconds > 0 ? Double(rowsSeen) / (Double(trainingNanoseconds) / 1e9) : 0
        return history
    }
}

/// A training run's progress, reported after every epoch and once when it ends.
public struct TrainingProgress: Sendable {
    public var label: String
    /// Epochs done.
    public var epoch: Int
    public var epochs: Int
    /// The epoch's losses, e.g. `loss 0.0123  val 0.0150`.
    public var message: String
    /// The run has ended (normally, early, or by an error).
    public var finished: Bool
}

extension Trainer {
    /// Where training runs report progress: nowhere by default. A front end sets it once before it
    /// starts work (the CLI draws a bar on a terminal); the engine never writes to a terminal itself.
    public static var progress: (@Sendable (TrainingProgress) -> Void)? {
        get { progressSink.withLock { $0 } }
        set { progressSink.withLock { $0 = newValue } }
    }

    private static let progressSink = LockedValue<(@Sendable (TrainingProgress) -> Void)?>(nil)
}

/// A value behind a lock, for the few process-wide settings (`Trainer.progress`).
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value   // guarded by `lock`

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
