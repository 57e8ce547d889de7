import AnomalyKit
import ArgumentParser
import Foundation


/// `anomalykit generate`: a synthetic dataset of one of ADBench's four anomaly types, made from a
/// dataset's normal rows, written as an ADBench-style `.npz` (X, y).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic normal rows and anomalies of one type (local, global, dependency, clustered) from a dataset's normal rows.",
        discussion: """
        As ADBench's realistic synthetic datasets: local, global and clustered types fit a Gaussian mixture (1-9 \
        components by BIC) to the normal rows and sample the normals from it; local anomalies come from the mixture with \
        covariances x alpha, clustered ones with means x alpha, global ones uniformly per feature in [min(1+p), max(1+p)] \
        (p = 0.1). The dependency type samples the normals from a Gaussian copula (ADBench: a vine copula) and each \
        anomaly feature on its own from its kernel density. The counts are the dataset's (its normal rows, its anomalies), \
        or with --ratio R the same number of rows with a share R of anomalies.
        """)

    @Option(name: .long, help: "The dataset (.npz with X and y, .csv with --label-column, .npy): its normal rows (y = 0; every row without labels).")
    var data: String
    @Option(name: .long, help: "The anomaly type.") var type: SyntheticAnomalyType
    @Option(name: .long, help: "Local: covariance factor; clustered: mean factor (default 5).") var alpha: Double = 5
    @Option(name: .long, help: "Share of anomalies in the output, in (0, 1) (default: the dataset's own share, or 0.1 without labels).")
    var ratio: Double?
    @Option(name: .long, help: "Seed of every random draw.") var seed: UInt64 = 42
    @Option(name: .long, help: "Output: FILE.npz with X (float32) and y (int64); written atomically.") var out: String
    @OptionGroup var input: InputOptions
    @Flag(help: "Print exactly one JSON object.") var json = false

    func validate() throws {
        guard URL(fileURLWithPath: out).pathExtension.lowercased() == "npz" else {
            throw ValidationError("--out: the dataset is written as .npz (X, y), got '\(out)'")
        }
        guard alpha > 0, alpha.isFinite else { throw ValidationError("--alpha must be a positive number, got \(alpha)") }
        if let ratio, !(ratio > 0 && ratio < 1) { throw ValidationError("--ratio must be in (0, 1), got \(ratio)") }
    }

    func run() throws {
        let ds = try loadDataset(data, input, allowMissing: false)
        try ds.x.requireFinite(data)
        let labels = ds.labels ?? [Int](repeating: 0, count: ds.rowCount)
        let normalRows = labels.indices.filter { labels[$0] == 0 }
        let anomalyRows = labels.count - normalRows.count
        let total = ds.rowCount
        let anomalies = ratio.map { Int((Double(total) * $0).rounded()) } ?? (ds.labels == nil ? Int((Double(total) * 0.1).rounded()) : anomalyRows)
        let normals = ratio == nil && ds.labels != nil ? normalRows.count : total - anomalies
        let generated: SyntheticAnomalies.Generated
        do {
            generated = try SyntheticAnomalies(type: type, alpha: alpha, seed: seed)
                .generate(fromNormal: ds.x.rows(at: normalRows), normals: normals, anomalies: anomalies)
        } catch let e as AnomalyError {
            throw e.inFile(data)
        }
        try NumPy.writeArchive(["X": NumPyArray(generated.x), "y": NumPyArray(labels: generated.labels)], to: out)
        if json {
            output(try jsonString(["data": data, "type": type.rawValue, "out": out, "normals": normals, "anomalies": anomalies,
                                  "features": generated.x.cols, "alpha": alpha, "seed": seed, "normal_rows_used": normalRows.count,
                                  "mixture_components": generated.mixtureComponents.map { $0 as Any } ?? NSNull()]))
        } else {
            output("generated \(normals) normal rows and \(anomalies) \(type.rawValue) anomalies on \(generated.x.cols) features from \(normalRows.count) normal rows of \(data); written to \(out)")
        }
    }
}
