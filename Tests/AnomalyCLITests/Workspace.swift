import AnomalyKit
import AnomalyMath
import Foundation
import TestSupport

/// The files the command tests share, made once per test process: a small fraud CSV and a kNN
/// model fitted on it, a `.npy` model, malformed CSV, `.npy` and model files, labelled domains
/// for transfer and meta-learning (`.npz`), a pretrained autoencoder, a relative-frame devnet, a
/// metric model and a trained selector. Tests read them and write only into their own folders.
final class Workspace: Sendable {
    static let shared = Workspace()

    /// The folder holding the files (`$T` in command lines).
    let dir = TestSupport.temporaryDirectory()

    /// `dir/name`.
    func path(_ name: String) -> String { dir + "/" + name }

    /// `line` with `$T` replaced by this folder and `$O` by `out`.
    func expand(_ line: String, out: String = "") -> String {
        line.replacingOccurrences(of: "$T", with: dir).replacingOccurrences(of: "$O", with: out)
    }

    static let trainCSV = """
        amount,country,hour,is_fraud
        10.5,FR,12,0
        12.0,DE,13,0
        11.0,FR,11,0
        9.8,DE,12,0
        10.1,FR,14,0
        11.7,FR,12,0
        10.9,DE,13,0
        250.0,US,3,1
        10.4,FR,12,0
        12.2,DE,15,0

        """

    private init() {
        write(Self.trainCSV, "train.csv", in: dir)
        write("", "empty.csv", in: dir)
        write("a,b\n", "header.csv", in: dir)
        write("a,b\n1,2\n3\n4,5\n", "ragged.csv", in: dir)
        write("a,b\n1,2\n3,inf\n4,5\n", "inf.csv", in: dir)
        write("a,b\n1,2\n3,\n4,5\n6,7\n", "nan.csv", in: dir)
        write("amount,country,hour\nabc,FR,12\n", "nonnum.csv", in: dir)
        write("amount,hour\n1,2\n", "cols.csv", in: dir)
        write("amount,country,hour\n10,FR,12\n,DE,13\n", "nan-fraud.csv", in: dir)
        write("XNUMPY garbage", "magic.npy", in: dir)
        // A column of numbers with one text cell on line 22.
        let mixed = (1...25).map { i in i == 21 ? "x1,\(i)" : "\(Double(i) / 10),\(i)" }
        write("a,b\n" + mixed.joined(separator: "\n") + "\n", "mixed.csv", in: dir)

        let ok = TestSupport.gaussianWithOutliers(n: 50, d: 3, outliers: 0, seed: 11).x
        try? NumPy.write(ok, to: path("ok.npy"), dtype: .float64)
        let okBytes = (try? Data(contentsOf: URL(fileURLWithPath: path("ok.npy")))) ?? Data()
        try? okBytes.prefix(okBytes.count - 100).write(to: URL(fileURLWithPath: path("trunc.npy")))
        try? Self.npy(descr: ">f8", shape: [50, 3], payload: Data(count: 50 * 3 * 8)).write(to: URL(fileURLWithPath: path("big.npy")))
        try? Self.npy(descr: "<c16", shape: [5, 2], payload: Data(count: 5 * 2 * 16)).write(to: URL(fileURLWithPath: path("cplx.npy")))
        try? NumPy.writeArchive(["Z": NumPyArray(Matrix(rows: 5, cols: 2, values: [Float](repeating: 0, count: 10))),
                                 "y": NumPyArray(labels: [0, 0, 0, 0, 0])], to: path("noX.npz"))
        try? NumPy.write(TestSupport.gaussianWithOutliers(n: 10, d: 4, outliers: 0, seed: 12).x, to: path("wide.npy"))
        try? NumPy.write(TestSupport.gaussianWithOutliers(n: 8, d: 3, outliers: 0, seed: 13).x, to: path("tiny.npy"))
        let huge = TestSupport.gaussianWithOutliers(n: 50, d: 3, outliers: 0, seed: 5).x
        try? NumPy.write(Matrix(rows: 50, cols: 3, values: huge.values.map { $0 * 1e6 }), to: path("huge.npy"))
        // Labelled domains: normal Gaussian rows and shifted anomalies.
        for (name, seed, cols) in [("srcA", 1, 4), ("srcB", 2, 4), ("tgt", 3, 4), ("narrow", 4, 3)] as [(String, UInt64, Int)] {
            let (x, y) = TestSupport.gaussianWithOutliers(n: 80, d: cols, outliers: 12, seed: seed)
            try? NumPy.writeArchive(["X": NumPyArray(x, dtype: .float64), "y": NumPyArray(labels: y)], to: path("\(name).npz"))
        }

        // Models.
        let runs = [
            "fit --detector knn --param n_neighbors=3 --train $T/train.csv --label-column is_fraud --out $T/m.safetensors",
            "fit --detector knn --train $T/ok.npy --out $T/npy.safetensors",
            "pretrain --source $T/srcA.npz,$T/srcB.npz --detector autoencoder --param epoch_num=2 --out $T/base.safetensors",
            "pretrain --source $T/srcA.npz,$T/srcB.npz --detector devnet --param epochs=2 --domain-norm relative --shots 8 --out $T/base-r.safetensors",
            "meta-train --tasks $T/srcA.npz,$T/srcB.npz --method metric --shots 5 --out $T/metric.safetensors",
        ]
        for line in runs { _ = anomalykit(line: expand(line)) }
        let model = (try? Data(contentsOf: URL(fileURLWithPath: path("m.safetensors")))) ?? Data()
        try? model.prefix(200).write(to: URL(fileURLWithPath: path("trunc.safetensors")))
        var corrupt = model
        if corrupt.count > 24 { corrupt.replaceSubrange(20..<24, with: [0, 0, 0, 0]) }
        try? corrupt.write(to: URL(fileURLWithPath: path("corrupt.safetensors")))
        try? Self.withFormatVersion9(model).write(to: URL(fileURLWithPath: path("v9.safetensors")))
    }

    /// A `.npy` file (version 1.0) with any `descr`, for dtypes AnomalyKit does not write.
    static func npy(descr: String, shape: [Int], payload: Data) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(Data(header.utf8))
        out.append(payload)
        return out
    }

    /// A model file whose metadata claims format version 9: the first digit after each
    /// `format_version` key (however its JSON is escaped) becomes 9; the length stays the same.
    static func withFormatVersion9(_ data: Data) -> Data {
        var bytes = [UInt8](data)
        let key = Array("format_version".utf8)
        var i = 0
        while i + key.count < bytes.count {
            if Array(bytes[i..<(i + key.count)]) == key {
                var j = i + key.count
                while j < min(bytes.count, i + key.count + 6), !(0x30...0x39).contains(bytes[j]) { j += 1 }
                if j < bytes.count, (0x30...0x39).contains(bytes[j]) { bytes[j] = UInt8(ascii: "9") }
                i = j
            } else { i += 1 }
        }
        return Data(bytes)
    }

    /// `data` with the bytes of `old` replaced by `new` (same length: offsets stay valid).
    static func replacing(_ data: Data, _ old: String, with new: String) -> Data {
        let o = Array(old.utf8), n = Array(new.utf8)
        var bytes = [UInt8](data)
        var i = 0
        while i + o.count <= bytes.count {
            if Array(bytes[i..<(i + o.count)]) == o { bytes.replaceSubrange(i..<(i + o.count), with: n); i += n.count } else { i += 1 }
        }
        return Data(bytes)
    }
}
