import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// The selector `select` and `auto` use: `--selector FILE`, else the one shipped with the package.
func loadSelector(_ path: String?) throws -> DetectorSelector {
    if let path { return try DetectorSelector.load(from: path) }
    return try ShippedSelector.load()
}

/// The selector's ranking for the dataset at `path` (its meta-features), leaving out a training
/// dataset of the same name.
func selectorRanking(_ s: DetectorSelector, _ ds: Dataset, path: String) throws
    -> (ranking: [(detector: String, predicted: Double, position: Double)], features: [Double], leftOut: [String]) {
    let features = try metaFeatures(ds.x, file: path)
    let own = Set(s.datasets.indices.filter { s.datasets[$0] == datasetStem(path) })
    return (s.ranking(features, excluding: own), features, own.map { s.datasets[$0] })
}

/// `MetaFeatures.compute`, its errors naming the file.
func metaFeatures(_ x: Matrix, file: String) throws -> [Double] {
    do { return try MetaFeatures.compute(x) } catch let e as AnomalyError { throw e.inFile(file) }
}

/// The file stem, which is how benchmark results name a dataset.
func datasetStem(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
