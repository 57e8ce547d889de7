import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

@Suite struct DataLoaderTests {
    /// The repo's bundled `Data/` folder.
    static var bundledData: String { TestSupport.repositoryFile("Data") }

    @Test func bundledGlass() throws {
        // numpy: X (214, 7) float64, y int32 with 9 anomalies; X[0] as printed by numpy.
        let d = try DataLoader.load(path: Self.bundledData + "/14_glass.npz")
        #expect(d.rowCount == 214 && d.featureCount == 7)
        #expect(d.labels?.reduce(0, +) == 9)
        #expect(d.x.row(0) == [0.467651, 0.321584, 0.76888, 0.24663, 0.838799, 0.099737, 0.29834].map { Float($0) })
        #expect(d.schema == nil)
    }

    @Test func everyBundledDatasetLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.bundledData).filter { $0.hasSuffix(".npz") }
        #expect(files.count >= 8)
        for f in files {
            let d = try DataLoader.load(path: Self.bundledData + "/" + f)
            #expect(d.labels?.count == d.rowCount, "\(f)")
            #expect(d.x.firstNonFinite() == nil, "\(f)")
        }
    }

    /// All 31 ADBench classical datasets (skipped when the shared folder is absent). Checks shapes
    /// and anomaly counts recorded with numpy.
    @Test func adbenchClassicalCorpus() throws {
        guard let shared = TestSupport.sharedDatasets else { return }
        let dir = shared + "/adbench/Classical"
        guard FileManager.default.fileExists(atPath: dir) else { return }
        // name: (rows, cols, anomalies) — from numpy.load in /work/venv.
        let expected: [String: (Int, Int, Int)] = [
            "10_cover": (286048, 10, 2747), "11_donors": (619326, 10, 36710), "14_glass": (214, 7, 9),
            "15_Hepatitis": (80, 19, 13), "16_http": (567498, 3, 2211), "17_InternetAds": (1966, 1555, 368),
            "1_ALOI": (49534, 27, 1508), "20_letter": (1600, 32, 100), "21_Lymphography": (148, 18, 6),
            "22_magic.gamma": (19020, 10, 6688), "24_mnist": (7603, 100, 700), "26_optdigits": (5216, 64, 150),
            "28_pendigits": (6870, 16, 156), "29_Pima": (768, 8, 268), "30_satellite": (6435, 36, 2036),
            "32_shuttle": (49097, 9, 3511), "33_skin": (245057, 3, 50859), "34_smtp": (95156, 3, 30),
            "35_SpamBase": (4207, 57, 1679), "37_Stamps": (340, 9, 31), "39_vertebral": (240, 6, 30),
            "41_Waveform": (3443, 21, 100), "42_WBC": (223, 9, 10), "43_WDBC": (367, 30, 10),
            "45_wine": (129, 13, 10), "46_WPBC": (198, 33, 47), "47_yeast": (1484, 8, 507),
            "4_breastw": (683, 9, 239), "5_campaign": (41188, 62, 4640), "7_Cardiotocography": (2114, 21, 466),
            "8_celeba": (202599, 39, 4547),
        ]
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".npz") }
        #expect(files.count == expected.count)
        for f in files {
            let name = String(f.dropLast(4)), path = dir + "/" + f
            guard let (rows, cols, anomalies) = expected[name] else { Issue.record("unexpected \(f)"); continue }
            // Small arrays are loaded whole; for large ones (slow in debug builds) the shapes come from
            // the headers and the anomaly count from `y` alone.
            let headers = try NumPy.readArchiveHeaders(path: path)
            #expect(headers["X"]?.shape == [rows, cols], "\(f)")
            if rows * cols <= 300_000 {
                let d = try DataLoader.load(path: path)
                #expect(d.rowCount == rows && d.featureCount == cols, "\(f)")
                #expect(d.labels?.reduce(0, +) == anomalies, "\(f)")
                #expect(d.x.firstNonFinite() == nil, "\(f)")
            } else {
                let y = try #require(try NumPy.readArchive(path: path, names: ["y"])["y"])
                #expect(y.shape == [rows] && y.doubles().reduce(0, +) == Double(anomalies), "\(f)")
            }
        }
    }

    @Test func npzRoundTripAndErrors() throws {
        let dir = TestSupport.temporaryDirectory()
        let x = Matrix([[1, 2], [3, 4], [5, 6]] as [[Float]])
        for compressed in [true, false] {
            let path = dir + "/d\(compressed).npz"
            try NumPy.writeArchive(["X": NumPyArray(x, dtype: .float64), "y": NumPyArray(labels: [0, 1, 0])], to: path, compressed: compressed)
            let d = try DataLoader.load(path: path)
            #expect(d.x == x && d.labels == [0, 1, 0])
        }
        // Without X.
        let noX = dir + "/nox.npz"
        try NumPy.writeArchive(["features": NumPyArray(x)], to: noX)
        let e = DataFiles.error { _ = try DataLoader.load(path: noX) }
        #expect(e?.file == noX && e?.field == "X")
        // Labels that are not 0/1.
        let badY = dir + "/bady.npz"
        try NumPy.writeArchive(["X": NumPyArray(x), "y": NumPyArray(labels: [0, 2, 1])], to: badY)
        let e2 = DataFiles.error { _ = try DataLoader.load(path: badY) }
        #expect(e2?.file == badY && e2?.field == "y" && e2?.line == 2)
        // Labels of the wrong length.
        let shortY = dir + "/shorty.npz"
        try NumPy.writeArchive(["X": NumPyArray(x), "y": NumPyArray(labels: [0, 1])], to: shortY)
        let e3 = DataFiles.error { _ = try DataLoader.load(path: shortY) }
        #expect(e3?.field == "y")
        // A broken member names the archive and the member.
        let broken = dir + "/broken.npz"
        try NumPy.writeArchive(["X": NumPyArray(shape: [3], dtype: .float64, bytes: Data([1, 2, 3]))], to: broken)
        let e4 = DataFiles.error { _ = try DataLoader.load(path: broken) }
        #expect(e4?.file == broken && e4?.field == "X" && e4?.message.contains("truncated") == true)
        // Not a zip at all.
        let notZip = DataFiles.write("hello", name: "fake.npz")
        let e5 = DataFiles.error { _ = try DataLoader.load(path: notZip) }
        #expect(e5?.file == notZip)
    }

    @Test func npyWithSeparateLabels() throws {
        let dir = TestSupport.temporaryDirectory()
        try NumPy.write(Matrix([[1, 2], [3, 4]] as [[Float]]), to: dir + "/x.npy")
        try NumPy.write(labels: [1, 0], to: dir + "/y.npy")
        let d = try DataLoader.load(path: dir + "/x.npy", labelsPath: dir + "/y.npy")
        #expect(d.labels == [1, 0] && d.featureNames == ["x0", "x1"])
        // 1-D features are one column.
        try NumPy.write([1.0, 2, 3], to: dir + "/v.npy")
        #expect(try DataLoader.load(path: dir + "/v.npy").x == Matrix([[1], [2], [3]] as [[Float]]))
        // Length mismatch names the labels file.
        try NumPy.write(labels: [1, 0, 1], to: dir + "/y3.npy")
        let e = DataFiles.error { _ = try DataLoader.load(path: dir + "/x.npy", labelsPath: dir + "/y3.npy") }
        #expect(e?.field == dir + "/y3.npy")
        // Float and bool labels are accepted when 0/1; anything else names the position.
        try NumPy.write([0.0, 1, 1], to: dir + "/fy.npy")
        #expect(try DataLoader.loadLabels(path: dir + "/fy.npy") == [0, 1, 1])
        try NumPy.write([0.0, 0.5], to: dir + "/bad.npy")
        let e2 = DataFiles.error { _ = try DataLoader.loadLabels(path: dir + "/bad.npy") }
        #expect(e2?.file == dir + "/bad.npy" && e2?.line == 2)
        // CSV-only options are rejected for .npy.
        let e3 = DataFiles.error { _ = try DataLoader.load(path: dir + "/x.npy", drop: ["x0"]) }
        #expect(e3?.kind == .parameter)
        let e4 = DataFiles.error { _ = try DataLoader.load(path: dir + "/x.npy", categorical: ["x0"]) }
        #expect(e4?.kind == .parameter && e4?.field == "categorical")
        let e5 = DataFiles.error { _ = try DataLoader.load(path: dir + "/x.npy", labelColumn: "y") }
        #expect(e5?.kind == .parameter && e5?.field == "labelColumn")
    }

    @Test func categoricalReachesTheCSVReader() throws {
        let path = DataFiles.write("zip,v\n75001,1\n10115,2\n")
        #expect(try DataLoader.load(path: path, categorical: ["zip"]).featureNames == ["zip=10115", "zip=75001", "v"])
    }

    @Test func missingValuesInNumericFilesCarryTheImputeHint() throws {
        let dir = TestSupport.temporaryDirectory()
        try NumPy.write(Matrix([[1, 2], [3, .nan]] as [[Float]]), to: dir + "/nan.npy")
        let e = DataFiles.error { _ = try DataLoader.load(path: dir + "/nan.npy") }
        #expect(e?.hint == .impute && e?.message.contains("--") == false)
    }

    @Test func nanAndInfinityInNumericFiles() throws {
        let dir = TestSupport.temporaryDirectory()
        try NumPy.write(Matrix([[1, 2], [3, .nan]] as [[Float]]), to: dir + "/nan.npy")
        let e = DataFiles.error { _ = try DataLoader.load(path: dir + "/nan.npy") }
        #expect(e?.file == dir + "/nan.npy" && e?.line == 2 && e?.column == 2)
        #expect(try DataLoader.load(path: dir + "/nan.npy", allowMissing: true).x[1, 1].isNaN)
        // float64 beyond Float range counts as infinity, even with allowMissing.
        try NumPy.write([1.0, 1e300], to: dir + "/big.npy")
        let e2 = DataFiles.error { _ = try DataLoader.load(path: dir + "/big.npy", allowMissing: true) }
        #expect(e2?.file == dir + "/big.npy" && e2?.line == 2 && e2?.column == 1)
    }

    @Test func csvThroughTheLoader() throws {
        let path = DataFiles.write("a;b;y\n1;x;0\n2;z;1\n", name: "t.tsv")
        let d = try DataLoader.load(path: path, labelColumn: "y")
        #expect(d.featureNames == ["a", "b=x", "b=z"] && d.labels == [0, 1])
        let score = try DataLoader.load(path: DataFiles.write("b;a\nz;5\n"), schema: d.schema)
        #expect(score.x == Matrix([[5, 0, 1]] as [[Float]]))
        let e = DataFiles.error { _ = try DataLoader.load(path: Self.bundledData + "/14_glass.npz", schema: d.schema) }
        #expect(e?.kind == .shape)
    }
}
