import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit pretrain`: a neural detector trained on source domains, saved for fine-tuning.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain a neural detector on one or more source datasets.",
        discussion: "Unsupervised detectors train on the sources' normal rows when labels are known; devnet and classifier on all rows with their labels.")

    @Option(name: .long, help: ArgumentHelp("Comma-separated source files (same features).", valueName: "file,…"), transform: commaList)
    var source: [String]
    @OptionGroup var detectorChoice: DetectorChoice
    @OptionGroup var input: InputOptions
    @OptionGroup var modelOutput: ModelOutput
    @Option(name: .customLong("domain-norm"), help: "Put each source in its own normal frame before pooling (center, standardize), or read each source as distances to --shots of its normal rows (relative). Fine-tune with the same --domain-norm.")
    var domainNorm: FrameChoice?
    @Option(name: .long, help: "With --domain-norm relative: normal rows per frame (as many as the target will give), 4…1000 (default 10).") var shots: Int?
    @Option(name: .long, help: "With --domain-norm relative: seed for drawing the sources' frames (default 0).") var seed: UInt64?
    @Flag(help: "Print a JSON summary.") var json = false
    // Accepted by `fit`, but pretraining pools raw source rows: refused here rather than ignored.
    @Option(name: .long, help: .hidden) var preprocess: Preprocessor.Scaling?
    @Option(name: .long, help: .hidden) var impute: Preprocessor.Imputation?

    func validate() throws {
        _ = try modelOutput.required()
        if preprocess != nil || impute != nil {
            throw ValidationError("pretrain does not take --preprocess or --impute: the neural detectors standardise their input themselves (--param preprocessing=true, their default), per source with --domain-norm standardize; sources must have no missing values")
        }
        if domainNorm != .relative {
            if shots != nil { throw ValidationError("--shots applies with --domain-norm relative only") }
            if seed != nil { throw ValidationError("--seed applies with --domain-norm relative only (drawing the sources' frames)") }
        }
    }

    func run() throws {
        let model = try modelOutput.required()
        let (detector, contamination) = try detectorChoice.resolve()
        let shots = self.shots ?? 10, seed = self.seed ?? 0
        let domains = try loadDomains(source, input)
        for d in domains.dropFirst() where d.data.x.cols != domains[0].data.x.cols {
            throw AnomalyError.shape("has \(d.data.x.cols) features but \(domains[0].path) has \(domains[0].data.x.cols)", field: d.path)
        }
        // A model pretrained in the relative frame waits for a target's frame (a PendingModel).
        let (m, seconds) = try Stopwatch.measure { () throws -> LoadedModel in
            if domainNorm == .relative {
                return .pending(try AnomalyModel.pretrainRelative(detector, sources: domains.map(\.data), shots: shots, seed: seed,
                                                                  contamination: contamination, featureNames: domains[0].names))
            }
            let pooled = domainNorm?.domainNorm.map { DomainFrame.pooled(domains.map(\.data), norm: $0, count: nil, seed: 0) }
                ?? DomainData.pooled(domains.map(\.data))
            return .ready(try AnomalyModel.pretrain(detector, sources: pooled, contamination: contamination, featureNames: domains[0].names))
        }
        let (name, rows, features): (String, Int, Int)
        switch m {
        case .ready(let m):
            try input.keepingEncoder(m, featureNames: domains[0].names, readFrom: domains[0].path).save(to: model)
            (name, rows, features) = (m.detectorName, m.trainingRows, m.featureCount)
        case .pending(let m):
            try input.keepingEncoder(m, featureNames: domains[0].names, readFrom: domains[0].path).save(to: model)
            (name, rows, features) = (m.detectorName, m.trainingRows, m.featureCount)
        }
        let summary: [String: Any] = ["detector": name, "sources": domains.map(\.path), "rows": rows,
                                      "features": features, "fit_seconds": seconds, "model": model, "domain_norm": domainNorm?.rawValue as Any]
        if json { output(try jsonString(summary)) } else {
            output("pretrained \(name) on \(domains.count) source file(s), \(rows) rows × \(features) features in \(fmt(seconds, 2)) s → \(model)")
        }
    }
}
