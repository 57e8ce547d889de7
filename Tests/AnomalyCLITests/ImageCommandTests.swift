@testable import AnomalyCLI
import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// Images through the command line (issue 15, §3 and §5), with the tiny random EfficientNet-Lite
/// (36 × 36 inputs, 1280 features) and the small inspection line of
/// `scripts/fixtures/make_image_line.py`: train/good (16 parts), test/good (4), test/scratch (2
/// PNGs), test/stain (2 JPEGs), and notes.txt.
@Suite struct ImageCommandTests {
    static let tiny = TestSupport.repositoryFile("Tests/AnomalyImageTests/Fixtures/tiny-efficientnet")
    static let line = TestSupport.repositoryFile("Tests/AnomalyImageTests/Fixtures/line")
    static let bad = TestSupport.repositoryFile("Tests/AnomalyImageTests/Fixtures/bad")

    private func scoresCSV(_ path: String) throws -> (header: String, rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines.first ?? "", lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
    }

    /// An IDX images file of `count` seeded grey `side × side` images.
    private func idx(_ count: Int, side: Int = 12, in dir: String, name: String = "parts.idx3-ubyte") -> String {
        var bytes: [UInt8] = [0, 0, 8, 3]
        for v in [count, side, side] { bytes += withUnsafeBytes(of: UInt32(v).bigEndian, Array.init) }
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<(count * side * side) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
        let path = dir + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func aFolderIsFittedAndScoredWithEachImagesPath() throws {
        let dir = TestSupport.temporaryDirectory()
        let fit = anomalykit("fit", "--detector", "knn", "--param", "n_neighbors=3", "--train", Self.line + "/train",
                             "--encoder", Self.tiny, "--out", dir + "/m.safetensors")
        expectSuccess(fit, "fit on a folder")
        #expect(fit.output.contains("16 rows"), "\(fit.output)")
        // The model keeps the encoder: scoring needs no --encoder.
        let score = anomalykit("score", "--model", dir + "/m.safetensors", "--data", Self.line + "/test", "--out", dir + "/s.csv")
        expectSuccess(score, "score a folder")
        let (header, rows) = try scoresCSV(dir + "/s.csv")
        #expect(header == "path,score,label,probability")
        #expect(rows.map { $0[0] } == ["good/000.png", "good/001.png", "good/002.png", "good/003.png",
                                       "scratch/000.png", "scratch/001.png", "stain/000.jpg", "stain/001.jpg"])
        let scores = rows.map { Double($0[1]) ?? .nan }
        #expect(scores.allSatisfy { $0.isFinite })
        // The same images scored twice give the same scores (seeded, no state kept).
        let again = anomalykit("score", "--model", dir + "/m.safetensors", "--data", Self.line + "/test", "--out", dir + "/t.csv")
        expectSuccess(again)
        let second = try scoresCSV(dir + "/t.csv").rows.map { $0[1] }
        #expect(second == rows.map { $0[1] })
    }

    @Test func evaluateTakesLabelsFromSubFolderNamesAndCountsSkippedFiles() throws {
        let r = anomalykit("evaluate", "--detector", "knn", "--param", "n_neighbors=3", "--data", Self.line,
                           "--encoder", Self.tiny, "--json")
        expectSuccess(r, "evaluate a folder")
        #expect(r.error.contains("1 files that are not PNG or JPEG images were skipped"), "\(r.error)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        // 24 images, 4 anomalies: a stratified 30 % test split holds 8 rows.
        #expect((object["n_test"] as? Int).map { $0 > 0 } == true, "\(r.output)")
        #expect(object["roc_auc"] is Double, "\(r.output)")
    }

    @Test func strictRefusesAFileThatIsNotAnImage() {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit("embed", "--encoder", Self.tiny, "--data", Self.line, "--strict", "--out", dir + "/e.npy")
        #expect(r.status != 0)
        #expect(r.error.contains("notes.txt"), "\(r.error)")
        #expect(files(in: dir).isEmpty)
    }

    @Test func embedReadsIDXFilesAndCSVListsAndClassifies() throws {
        let dir = TestSupport.temporaryDirectory()
        let file = idx(5, in: dir)
        let r = anomalykit("embed", "--encoder", Self.tiny, "--data", file, "--out", dir + "/e.npy", "--classify", "--json")
        expectSuccess(r, "embed an IDX file")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        #expect(object["images"] as? Int == 5)
        #expect(object["dimensions"] as? Int == 1280)
        #expect((object["top1"] as? [Int])?.count == 5)
        let e = try NumPy.read(path: dir + "/e.npy")
        #expect(e.shape == [5, 1280])
        // A CSV of paths relative to the CSV's folder, and the same images listed from the folder.
        let csv = write("path,label\n\(Self.line)/test/good/000.png,0\n\(Self.line)/test/stain/001.jpg,1\n", "list.csv", in: dir)
        expectSuccess(anomalykit("embed", "--encoder", Self.tiny, "--data", csv, "--image-column", "path", "--out", dir + "/c.npy"))
        let c = try NumPy.read(path: dir + "/c.npy").floats()
        expectSuccess(anomalykit("embed", "--encoder", Self.tiny, "--data", Self.line + "/test", "--out", dir + "/f.npy"))
        let f = try NumPy.read(path: dir + "/f.npy").floats()
        #expect(Array(c[0..<1280]) == Array(f[0..<1280]))
        #expect(Array(c[1280..<2560]) == Array(f[(7 * 1280)..<(8 * 1280)]))
    }

    @Test func aModelFittedOnAnIDXFileScoresRowsNamedByIndex() throws {
        let dir = TestSupport.temporaryDirectory()
        let train = idx(20, in: dir, name: "train.idx3-ubyte")
        expectSuccess(anomalykit("fit", "--detector", "ecod", "--train", train, "--encoder", Self.tiny, "--out", dir + "/m.safetensors"))
        expectSuccess(anomalykit("score", "--model", dir + "/m.safetensors", "--data", train, "--out", dir + "/s.csv"))
        let (header, rows) = try scoresCSV(dir + "/s.csv")
        #expect(header == "path,score,label,probability")
        #expect(rows.first?.first == "train.idx3-ubyte#0" && rows.count == 20)
    }

    @Test(arguments: [
        ("an empty folder", "embed --encoder $E --data $D/empty --out $D/e.npy", "no PNG or JPEG images"),
        ("a corrupt PNG", "embed --encoder $E --data $B/corrupt.png --out $D/e.npy", "corrupt.png: "),
        ("a folder with a corrupt PNG", "embed --encoder $E --data $D/broken --out $D/e.npy", "corrupt.png"),
        ("an IDX file with a wrong magic", "embed --encoder $E --data $D/wrong.idx3-ubyte --out $D/e.npy", "wrong.idx3-ubyte"),
        ("a CSV path that does not exist", "embed --encoder $E --data $D/missing.csv --image-column path --out $D/e.npy", "nowhere.png"),
        ("an image smaller than 8 pixels", "embed --encoder $E --data $D/small --out $D/e.npy", "tiny4x4.png"),
        ("a text encoder for images", "fit --detector knn --train $L/train --encoder $T --out $D/m.safetensors", "is a text encoder"),
        ("a text option for images", "fit --detector knn --train $L/train --encoder $E --text-column t --out $D/m.safetensors", "text-column"),
    ])
    func badImageInputIsRefusedWithNothingWritten(_ what: String, _ line: String, _ expected: String) throws {
        let dir = TestSupport.temporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/broken", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.bad + "/corrupt.png", toPath: dir + "/broken/corrupt.png")
        try fm.copyItem(atPath: Self.line + "/train/good/000.png", toPath: dir + "/broken/000.png")
        try fm.createDirectory(atPath: dir + "/small", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.bad + "/tiny4x4.png", toPath: dir + "/small/tiny4x4.png")
        write("not an idx file at all", "wrong.idx3-ubyte", in: dir)
        write("path\nnowhere.png\n", "missing.csv", in: dir)
        let before = files(in: dir)
        let expanded = line.replacingOccurrences(of: "$E", with: Self.tiny).replacingOccurrences(of: "$T", with: TextWorkspace.tinyBert).replacingOccurrences(of: "$D", with: dir)
            .replacingOccurrences(of: "$B", with: Self.bad).replacingOccurrences(of: "$L", with: Self.line)
        let r = anomalykit(line: expanded)
        #expect(r.status != 0, "\(what): exit 0")
        #expect(r.error.contains(expected), "\(what): \(r.error)")
        #expect(files(in: dir) == before, "\(what): wrote \(files(in: dir))")
    }

    @Test func benchmarkTransferAndAutoReadImageFolders() throws {
        let dir = TestSupport.temporaryDirectory()
        // Two categories, as MVTec AD's folder holds them.
        try FileManager.default.createSymbolicLink(atPath: dir + "/bottle", withDestinationPath: Self.line)
        try FileManager.default.createSymbolicLink(atPath: dir + "/cable", withDestinationPath: Self.line)
        let bench = anomalykit("benchmark", "--datasets", dir, "--encoder", Self.tiny, "--detectors", "knn,ecod", "--json")
        expectSuccess(bench, "benchmark --datasets of image folders")
        #expect(bench.output.contains("bottle") && bench.output.contains("cable"), "\(bench.output)")
        let transfer = anomalykit("transfer", "--source", Self.line, "--target", dir + "/cable", "--encoder", Self.tiny,
                                  "--shots", "5", "--anomaly-shots", "0", "--detector", "autoencoder", "--adapt", "center",
                                  "--epochs", "2", "--json")
        expectSuccess(transfer, "transfer on image folders")
        #expect(transfer.output.contains("knn_shots"), "\(transfer.output)")
        let auto = anomalykit("auto", "--data", Self.line, "--encoder", Self.tiny, "--ensemble", "1", "--json")
        expectSuccess(auto, "auto on an image folder")
    }

    @Test func aModelRefusesAnEncoderWithOtherWeights() throws {
        let dir = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit("fit", "--detector", "knn", "--train", Self.line + "/train", "--encoder", Self.tiny,
                                 "--out", dir + "/m.safetensors"))
        // A copy of the encoder with one weight changed.
        let other = dir + "/other"
        try FileManager.default.copyItem(atPath: Self.tiny, toPath: other)
        var weights = try Data(contentsOf: URL(fileURLWithPath: other + "/model.safetensors"))
        weights[weights.count - 3] ^= 0x40
        try weights.write(to: URL(fileURLWithPath: other + "/model.safetensors"))
        let r = anomalykit("score", "--model", dir + "/m.safetensors", "--data", Self.line + "/test", "--encoder", other,
                           "--out", dir + "/s.csv")
        #expect(r.status != 0)
        #expect(r.error.contains("other weights"), "\(r.error)")
        #expect(!files(in: dir).contains("s.csv"))
    }

    @Test func aNumericModelRefusesImages() throws {
        let dir = TestSupport.temporaryDirectory()
        let csv = write("a,b\n1,2\n2,3\n3,4\n4,5\n5,7\n", "n.csv", in: dir)
        expectSuccess(anomalykit("fit", "--detector", "knn", "--param", "n_neighbors=2", "--train", csv, "--out", dir + "/m.safetensors"))
        let r = anomalykit("score", "--model", dir + "/m.safetensors", "--data", Self.line + "/test", "--out", dir + "/s.csv")
        #expect(r.status != 0)
        #expect(r.error.contains("not on images"), "\(r.error)")
    }
}
