import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import AnomalyNN
import ArgumentParser
import Foundation

/// `anomalykit train-speed`: training throughput of the neural engine on an autoencoder, the
/// measurement `Benchmarks/nn_throughput.py` compares with PyTorch.
struct TrainSpeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-speed",
        abstract: "Measure autoencoder training throughput (rows per second per epoch) and peak memory.",
        discussion: """
        Trains d → hidden… → mirrored → d with ReLU (no batch norm, no dropout), MSE, Adam (lr 1e-3), shuffled
        mini-batches, on standardised rows of FILE (.npy, .npz or .csv). Prints the median epoch throughput.
        """)

    @Option(name: .long, help: "Training data.") var data: String
    @Option(name: .long, help: ArgumentHelp("Comma-separated encoder widths; the decoder mirrors them.", valueName: "n,…"), transform: positiveIntegerList)
    var hidden: [Int] = [64, 32]
    @Option(name: .long, help: "Rows per mini-batch.") var batch: Int = 32
    @Option(name: .long, help: "Epochs (the median epoch is reported).") var epochs: Int = 3
    @Option(name: .long, help: "Seed.") var seed: UInt64 = 0
    @OptionGroup var input: InputOptions
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
    }

    func run() throws {
        let widths = hidden
        let ds = try loadDataset(data, input, allowMissing: false)
        try ds.x.requireFinite(data)
        let x = Standardizer(fitting: ds.x).transform(ds.x)
        let d = x.cols
        let decoder = Array(widths.dropLast().reversed())
        let network = Network([
            .init("encoder", .perceptron(inputs: d, hidden: widths, outputs: nil)),
            .init("decoder", .perceptron(inputs: widths.last!, hidden: decoder, outputs: d)),
        ])
        var (parameters, buffers) = network.initialise(seed: seed)
        var optimizer = Optimizer(.adam(), learningRate: 1e-3)
        let options = TrainingOptions(epochs: epochs, batchSize: batch, seed: seed,
                                      progressLabel: stderrIsTerminal ? "train-speed" : nil)
        let history = try Trainer.train(parameters: &parameters, buffers: &buffers, rows: x.rows, options: options,
                                        optimizer: &optimizer) { rows, p in
            let input = p.tape.constant(x.rows(at: rows))
            return Loss.meanSquaredError(network("decoder", network("encoder", input, p), p), input)
        }
        let perEpoch = history.epochSeconds.map { Double(x.rows) / $0 }
        let median = perEpoch.sorted()[perEpoch.count / 2]
        let peak = PeakMemory.residentBytes()
        let result: [String: Any] = [
            "rows": x.rows, "features": d, "hidden": widths, "batch": batch, "epochs": epochs,
            "rows_per_second": median, "rows_per_second_per_epoch": perEpoch,
            "final_loss": history.trainingLoss.last ?? .nan, "peak_resident_bytes": peak as Any,
            "data_bytes": x.values.count * MemoryLayout<Float>.size,
        ]
        if json {
            output(try jsonString(result))
        } else {
            output("\(x.rows) rows × \(d) features, hidden \(widths), batch \(batch): \(fmt(median, 0)) rows/s (median of \(epochs) epochs)")
            if let peak { output("peak resident memory: \(fmt(Double(peak) / 1_048_576, 1)) MiB") }
        }
    }
}

/// The process's peak resident set size (Linux `VmHWM`), or nil where unavailable.
enum PeakMemory {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}
