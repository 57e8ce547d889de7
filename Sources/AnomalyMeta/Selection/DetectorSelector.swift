import AnomalyKit
import AnomalyTransfer
import AnomalyMath
import Foundation

/// Learned detector selection (MetaOD-style): from a performance matrix (datasets × detectors,
/// ROC-AUC from `anomalykit benchmark`) and the datasets' meta-features, predict how each
/// detector will do on a new dataset and rank them.
///
/// What is predicted is the detector's position among the detectors (0 = worst, 1 = best on a
/// dataset, ties averaged), as MetaOD ranks rather than regresses: a dataset where every
/// detector is near 0.5 and one where they spread from 0.6 to 1.0 then count alike, and
/// selection only needs the order. Each prediction blends two estimates: the mean over the
/// `neighbors` training datasets nearest in standardised meta-feature space
/// (inverse-distance weighted) and the mean over all training datasets, `shrinkage` of the way
/// towards the latter — with thirty-odd training datasets the neighbours are noisy, and the
/// corpus mean is the choice a user would make without meta-learning. The predicted ROC-AUC,
/// blended the same way, is reported alongside.
public struct DetectorSelector: Sendable {
    /// 2: ranked by predicted position (1 ranked by predicted ROC-AUC).
    public static let formatVersion = 2
    public let detectors: [String]
    public let datasets: [String]
    public let featureNames: [String]
    /// datasets × features
    public let metaFeatures: [[Double]]
    /// datasets × detectors; missing runs hold the dataset's mean over the other detectors.
    public let performance: [[Double]]
    /// Defaults chosen on the ADBench Classical corpus (leave-one-out; see README).
    public var neighbors = 10
    public var shrinkage = 0.5
    let featureMean: [Double]
    let featureScale: [Double]
    /// The training datasets' meta-features, standardised once.
    let standardisedFeatures: [[Double]]
    /// datasets × detectors: each detector's position on the dataset, 0 = worst, 1 = best.
    let positions: [[Double]]

    /// - Throws: on mismatched shapes, fewer than 3 datasets, or a detector with no result.
    public init(detectors: [String], datasets: [String], metaFeatures: [[Double]], performance: [[Double?]]) throws {
        guard datasets.count >= 3 else { throw AnomalyError.data("a selector needs results on at least 3 datasets, got \(datasets.count)", file: "benchmark") }
        guard metaFeatures.count == datasets.count, performance.count == datasets.count,
              metaFeatures.allSatisfy({ $0.count == MetaFeatures.names.count }), performance.allSatisfy({ $0.count == detectors.count }) else {
            throw AnomalyError.shape("meta-features, performance and dataset names disagree in size")
        }
        for (j, name) in detectors.enumerated() where !performance.contains(where: { $0[j] != nil }) {
            throw AnomalyError.data("has no result for detector '\(name)'", file: "benchmark")
        }
        self.detectors = detectors
        self.datasets = datasets
        self.featureNames = MetaFeatures.names
        self.metaFeatures = metaFeatures
        self.performance = performance.map { row in
            let known = row.compactMap { $0 }
            let fill = known.isEmpty ? 0.5 : Statistics.mean(known)
            return row.map { $0 ?? fill }
        }
        let f = MetaFeatures.names.count
        let mean = (0..<f).map { j in Statistics.mean(metaFeatures.map { $0[j] }) }
        let scale = (0..<f).map { j in let s = Statistics.standardDeviation(metaFeatures.map { $0[j] }); return s > 1e-12 ? s : 1 }
        featureMean = mean
        featureScale = scale
        standardisedFeatures = metaFeatures.map { v in v.indices.map { (v[$0] - mean[$0]) / scale[$0] } }
        // ROC-AUCs equal to 1e-9 tie: means over seeds summed in another order differ in the last
        // bit, and such a difference must not move a detector half a place.
        positions = self.performance.map { row in
            row.count < 2 ? row.map { _ in 1 }
                          : Ranks.averageRanks(row.map { ($0 * 1e9).rounded() }).map { ($0 - 1) / Double(row.count - 1) }
        }
    }

    /// Every detector on a dataset with these meta-features, best predicted position first:
    /// `position` in [0, 1] (1 = best) and `predicted` ROC-AUC. `excluding` leaves training
    /// datasets out (a dataset never predicts itself). - Complexity: O(n·f + n·log n + k·m) for n
    /// training datasets, f meta-features, k neighbours, m detectors.
    public func ranking(_ features: [Double], excluding: Set<Int> = []) -> [(detector: String, predicted: Double, position: Double)] {
        let kept = datasets.indices.filter { !excluding.contains($0) }
        let z = standardised(features)
        let nearest = kept.map { i in (i, distance(z, standardisedFeatures[i])) }.sorted { $0.1 < $1.1 }.prefix(neighbors)
        let weights = nearest.map { 1 / ($0.1 + 1e-6) }
        let totalWeight = weights.reduce(0, +)
        func blend(_ table: [[Double]], _ j: Int) -> Double {
            let local = zip(nearest, weights).reduce(0.0) { $0 + table[$1.0.0][j] * $1.1 } / totalWeight
            return shrinkage * Statistics.mean(kept.map { table[$0][j] }) + (1 - shrinkage) * local
        }
        let ranked = detectors.indices.map { j in (detector: detectors[j], predicted: blend(performance, j), position: blend(positions, j)) }
        return ranked.sorted {
            ($0.position, $0.predicted, $1.detector) > ($1.position, $1.predicted, $0.detector)
        }
    }

    func standardised(_ v: [Double]) -> [Double] { v.indices.map { (v[$0] - featureMean[$0]) / featureScale[$0] } }

    func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    /// Leave-one-dataset-out: each dataset ranked by the selector without it; the top choice's
    /// ROC-AUC against the single detector with the best corpus mean, the per-dataset oracle
    /// and the average detector.
    public struct Evaluation: Sendable {
        public var chosen: [String]
        public var selectedAUC: Double
        public var bestSingle: (detector: String, auc: Double)
        public var oracleAUC: Double
        public var averageDetectorAUC: Double
    }

    public func leaveOneOut() -> Evaluation {
        var chosen: [String] = [], selected = 0.0
        for i in datasets.indices {
            let top = ranking(metaFeatures[i], excluding: [i])[0].detector
            chosen.append(top)
            selected += performance[i][detectors.firstIndex(of: top)!]
        }
        let means = detectors.indices.map { j in Statistics.mean(datasets.indices.map { performance[$0][j] }) }
        let best = means.indices.max { means[$0] < means[$1] }!
        let n = Double(datasets.count)
        return Evaluation(chosen: chosen, selectedAUC: selected / n, bestSingle: (detectors[best], means[best]),
                          oracleAUC: datasets.indices.map { performance[$0].max()! }.reduce(0, +) / n,
                          averageDetectorAUC: Statistics.mean(means))
    }
}

// MARK: Selector files

extension DetectorSelector {
    /// Writes the selector as safetensors (`meta_features`, `performance` in float64; names and
    /// settings in the metadata), atomically.
    public func save(to path: String) throws {
        let tensors: [String: Tensor] = [
            "meta_features": Tensor(doubles: metaFeatures.flatMap { $0 }, shape: [datasets.count, featureNames.count]),
            "performance": Tensor(doubles: performance.flatMap { $0 }, shape: [datasets.count, detectors.count]),
        ]
        let names = try JSONSerialization.data(withJSONObject: ["detectors": detectors, "datasets": datasets, "feature_names": featureNames],
                                               options: [.sortedKeys])
        let metadata = ["format": "anomalykit-selector", "format_version": "\(Self.formatVersion)",
                        "names": String(decoding: names, as: UTF8.self), "neighbors": "\(neighbors)", "shrinkage": "\(shrinkage)"]
        try writeAtomically(try SafeTensors.encode(tensors: tensors, metadata: metadata), to: path)
    }

    /// Reads a selector file. - Throws: naming the file and field for another format or
    /// version, meta-features other than this version's, an unknown detector, or bad shapes.
    public static func load(from path: String) throws -> DetectorSelector {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw AnomalyError(.io, "cannot read the selector file", file: path)
        }
        return try decode(data, file: path)
    }

    /// A selector from the bytes of a selector file; `path` names it in errors.
    package static func decode(_ data: Data, file path: String) throws -> DetectorSelector {
        let (tensors, metadata) = try SafeTensors.decode(data, file: path)
        guard metadata["format"] == "anomalykit-selector" else {
            throw AnomalyError.model("is not a selector file (format '\(metadata["format"] ?? "none")')", field: "format").inFile(path)
        }
        guard metadata["format_version"] == "\(formatVersion)" else {
            throw AnomalyError.model("selector format version \(metadata["format_version"] ?? "?") is not \(formatVersion)", field: "format_version", hint: .retrainSelector).inFile(path)
        }
        guard let text = metadata["names"], let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let detectors = object["detectors"] as? [String], let datasets = object["datasets"] as? [String],
              let features = object["feature_names"] as? [String] else {
            throw AnomalyError.model("lacks the detector, dataset or feature names", field: "names").inFile(path)
        }
        guard features == MetaFeatures.names else {
            throw AnomalyError.model("was trained on other meta-features", field: "feature_names", hint: .retrainSelector).inFile(path)
        }
        for d in detectors where !DetectorRegistry.names.contains(d) {
            throw AnomalyError.model("names the detector '\(d)', unknown to this version", field: "detectors").inFile(path)
        }
        func rows(_ name: String, _ cols: Int) throws -> [[Double]] {
            guard let t = tensors[name], t.shape == [datasets.count, cols] else {
                throw AnomalyError.model("must have shape [\(datasets.count), \(cols)]", field: name).inFile(path)
            }
            let v = t.doubles()
            guard v.allSatisfy(\.isFinite) else { throw AnomalyError.model("must be finite", field: name).inFile(path) }
            return (0..<datasets.count).map { Array(v[($0 * cols)..<(($0 + 1) * cols)]) }
        }
        var selector = try DetectorSelector(detectors: detectors, datasets: datasets, metaFeatures: try rows("meta_features", features.count),
                                            performance: try rows("performance", detectors.count).map { $0.map { Optional($0) } })
        if let k = metadata["neighbors"].flatMap(Int.init), k >= 1 { selector.neighbors = k }
        if let s = metadata["shrinkage"].flatMap(Double.init), (0...1).contains(s) { selector.shrinkage = s }
        return selector
    }
}
