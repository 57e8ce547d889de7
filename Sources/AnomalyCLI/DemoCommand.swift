import AnomalyImage
import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// `anomalykit demo`: AnomalyKit's story on the datasets bundled in the repository — a new
/// domain with a few normal rows (scratch, kNN, transfer and meta-learning side by side), then
/// the leaderboard of detectors, and an HTML report of both.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "AnomalyKit on bundled data: a new domain with a few normal rows (scratch, kNN, transfer, meta-learning), then a leaderboard of detectors; writes an HTML report.",
        discussion: """
        Part 1 deals one bundled dataset (--domain, default 47_yeast.npz) out to five "machines", each recalibrated
        its own way (per-feature gains and offsets, noise, cross-talk between features; seeded). Machines A–D have
        labelled history; machine E is new, with only --shots normal rows to train on. Every approach is measured on
        E's test rows (30 % of E, stratified). Part 2 runs the detectors on every bundled dataset (stratified 70/30,
        fitted without labels). Part 3 reads the photos of an inspection line (images/inspection in the data folder, laid
        out as MVTec AD lays out a category) through EfficientNet-Lite0, fits knn on the good parts and scores the test
        parts (skipped when the encoder is not installed). All are seeded: the same seed prints the same numbers.
        """)

    @Option(name: .long, help: "Folder of bundled datasets (default: Data/ of the repository).") var data: String?
    @Option(name: .long, help: "The labelled dataset the machines of part 1 are made from (default: 47_yeast.npz in the data folder).")
    var domain: String?
    @Option(name: .long, help: "Normal rows of the new machine available for training (K).") var shots: Int = 20
    @Option(name: .long, help: "Seed of the machines, the splits, the shots and training.") var seed: UInt64 = 42
    @Option(name: .long, help: ArgumentHelp("Where to write the HTML report.", valueName: "FILE.html")) var report: String = "demo-report.html"
    @Flag(help: "A short run (fewer datasets, detectors and episodes): for tests and a first look.") var quick = false
    @Flag(help: "No progress lines on stderr.") var quiet = false

    /// Part 2's detectors in a quick run: fast classic ones.
    static let quickDetectors = ["knn", "iforest", "ecod", "hbos"]

    func run() throws {
        _ = try checkReport(report, allowed: [.html])
        guard (1...10_000).contains(shots) else { throw AnomalyError.parameter("--shots", "must be in [1, 10000], got \(shots)") }
        let started = Date()
        let folder = try data ?? Self.findBundledData()
        let domainFile = domain ?? (folder as NSString).appendingPathComponent("47_yeast.npz")
        let domainName = datasetStem(domainFile)

        output("AnomalyKit \(AnomalyKitInfo.version) demo (seed \(seed))\n")
        output("1. A new domain with only \(shots) normal rows")
        output("   \(domainName) (ADBench) dealt out to five machines, each recalibrated its own way. Machines A–D have labelled")
        output("   history; machine E is new: \(shots) of its normal rows to train on, its test rows to measure on.")
        if !quiet { note("part 1: transfer and meta-learning on \(domainName) …") }
        let story = try DemoFewShot(domainFile: domainFile, shots: shots, seed: seed, quick: quick).run()
        let e = story.domains[4]
        output("   machines: " + story.domains.map { "\($0.name.replacingOccurrences(of: "machine ", with: "")) \($0.x.rows) rows" }.joined(separator: ", ")
               + "; E's test part: \(story.testRows) rows, \(story.testAnomalies) anomalous\n")
        output(renderTable(["approach", "ROC-AUC", "AP", "fit s", "what it is"], story.rows.map {
            [$0.name, fmt($0.rocAUC, 3), fmt($0.averagePrecision, 3), fmt($0.fitSeconds, 2), $0.explanation + ($0.note.isEmpty || !$0.rocAUC.isNaN ? "" : " (\($0.note))")]
        }).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
        if let verdict = Self.verdict(story.rows) { output("   " + verdict) }

        let files = try BenchmarkRunner.datasetFiles(in: folder, csvLabelColumn: nil)
        let chosen = quick ? Array(files.prefix(2)) : files
        let detectors = quick ? Self.quickDetectors : DetectorRegistry.unsupervisedNames
        output("\n2. Leaderboard: \(detectors.count) detectors on \(chosen.count) bundled ADBench datasets")
        output("   (stratified 70/30 split, seed \(seed); each detector fits on the training split without labels, as ADBench does)\n")
        if !quiet { note("part 2: \(detectors.count) detectors on \(chosen.count) datasets …") }
        let runs = try BenchmarkRunner(detectors: detectors, assignments: [], seed: seed, quiet: true).run(files: chosen, input: nil)
        let datasets = reportDatasets(runs, files: chosen)
        output(leaderboard(datasets, detectors: detectors).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))

        let imagesFolder = (folder as NSString).appendingPathComponent("images/inspection")
        var imageSettings: [HTMLReport.Setting] = []
        if FileManager.default.fileExists(atPath: imagesFolder) {
            if !quiet { note("part 3: images of an inspection line through EfficientNet-Lite0 …") }
            if let images = try DemoImages(folder: imagesFolder).run() {
                output("\n3. Images: an inspection line's photos, read natively through EfficientNet-Lite0 (ImageNet features)")
                output("   knn fitted on \(images.trainImages) photos of good parts (train/good); the test parts scored, each with its path:\n")
                let rows = images.paths.indices.map { i in
                    [images.paths[i], fmt(images.scores[i], 2), images.labels[i] == 1 ? "defect" : "good", images.flagged[i] == 1 ? "flagged" : ""]
                }
                output(renderTable(["image", "score", "truth", "verdict"], rows).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
                output("   → ROC-AUC \(fmt(images.rocAUC, 3)), AP \(fmt(images.averagePrecision, 3)) on \(images.paths.count) test photos in \(fmt(images.seconds, 1)) s; "
                       + "the same from the shell: anomalykit fit --train \(imagesFolder)/train --detector knn --out parts.safetensors")
                imageSettings = [.init("images (part 3)", "\(imagesFolder): knn on EfficientNet-Lite0 features of \(images.trainImages) good parts; ROC-AUC \(fmt(images.rocAUC, 3)) on \(images.paths.count) test photos")]
            } else {
                output("\n3. Images: skipped — EfficientNet-Lite0 is not installed (scripts/fetch-models efficientnet-lite0; scripts/demo installs it).")
            }
        }

        let page = HTMLReport.demo(
            story: "What AnomalyKit is for: a new domain with few rows to learn from, next to related domains with plenty. "
                + "Part 1 compares the ways to build a detector for the new domain; part 2 ranks the classic and neural detectors "
                + "on the bundled datasets. Every number comes from a seeded run of `anomalykit demo`.",
            scenario: [
                .init("base data", "\(domainFile) (ADBench, BSD-2-Clause): \(story.domains.map(\.x.rows).reduce(0, +)) rows, \(e.x.cols) features"),
                .init("machines", story.domains.map { "\($0.name): \($0.x.rows) rows (\($0.labels.reduce(0, +)) anomalous)" }.joined(separator: "; ")),
                .init("recalibration", "per machine: feature gains e^N(0, 0.7), offsets N(0, 2) σ, noise 0.05 σ, features rotated in random pairs by ±0.5 rad"),
                .init("new machine", "\(shots) normal rows of E's training part (70 %) to train on; E's test part: \(story.testRows) rows, \(story.testAnomalies) anomalous"),
                .init("seed", "\(seed)"),
            ],
            comparison: story.rows, conclusion: Self.verdict(story.rows).map { String($0.dropFirst(2)) }, leaderboard: datasets,
            settings: [.init("command", "anomalykit demo --seed \(seed) --shots \(shots)" + (quick ? " --quick" : "")),
                       .init("data folder", folder), .init("split", "stratified by label, 70/30 train/test, seed \(seed)"),
                       .init("training", "unlabelled, detectors' default parameters"),
                       .init("wall time", String(format: "%.1f s", Date().timeIntervalSince(started)))] + imageSettings)
        try ReportFile.write(page.render(), to: report)
        output("\nReport (curves, histograms, tables): \(URL(fileURLWithPath: report).standardizedFileURL.path)")
        output(String(format: "Done in %.1f s.", Date().timeIntervalSince(started)))
    }

    /// One sentence comparing the best approach that reuses machines A–D with the best that
    /// learns from E's rows alone (scratch, kNN), from the measured rows.
    static func verdict(_ rows: [ComparisonRow]) -> String? {
        let local = rows.prefix(2).filter { !$0.rocAUC.isNaN }, reused = rows.dropFirst(2).filter { !$0.rocAUC.isNaN }
        guard let bestLocal = local.max(by: { $0.rocAUC < $1.rocAUC }), let bestReused = reused.max(by: { $0.rocAUC < $1.rocAUC }) else { return nil }
        let gain = bestReused.rocAUC - bestLocal.rocAUC
        return "→ best reuse of A–D: \(bestReused.name) \(fmt(bestReused.rocAUC, 3)); best from E's rows alone: \(bestLocal.name) "
            + "\(fmt(bestLocal.rocAUC, 3)) (\(gain >= 0 ? "+" : "")\(fmt(gain, 3)) ROC-AUC; one seeded split, so gaps of a few hundredths are noise)."
    }

    /// Mean ROC-AUC and AP per detector over the datasets, best first.
    func leaderboard(_ datasets: [ReportDataset], detectors: [String]) -> String {
        let board = detectors.map { d -> (name: String, auc: Double, ap: Double, seconds: Double, count: Int) in
            let ok = datasets.compactMap { ds in ds.results.first { $0.detector == d } }
            let n = Double(max(ok.count, 1))
            return (d, ok.map(\.report.rocAUC).reduce(0, +) / n, ok.map(\.report.averagePrecision).reduce(0, +) / n,
                    ok.map { $0.report.fitSeconds + $0.report.scoreSeconds }.reduce(0, +), ok.count)
        }.sorted { $0.auc > $1.auc }
        return renderTable(["rank", "detector", "ROC-AUC", "AP", "seconds", "datasets"], board.enumerated().map { i, b in
            ["\(i + 1)", b.name, fmt(b.auc, 3), fmt(b.ap, 3), fmt(b.seconds, 2), "\(b.count)"]
        })
    }

    /// `Data/` in the current folder or next to the repository holding the executable.
    static func findBundledData() throws -> String {
        var candidates = [FileManager.default.currentDirectoryPath + "/Data"]
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            candidates.append(url.appendingPathComponent("Data").path)
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/42_WBC.npz") }) else {
            throw AnomalyError.data("cannot find the bundled datasets (Data/); run from the repository or pass --data DIR")
        }
        return found
    }
}
