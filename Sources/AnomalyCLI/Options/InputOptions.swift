import AnomalyKit
import AnomalyMeta
import AnomalyTransfer
import ArgumentParser
import Foundation

/// Options for reading tabular input files.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "CSV: the name of the label column (1 = anomaly, 0 = normal); excluded from the features.")
    var labelColumn: String?

    @Option(name: .long, help: ArgumentHelp("CSV: comma-separated column names to ignore.", valueName: "col,…"), transform: commaList)
    var drop: [String] = []

    @Option(name: .long, help: ArgumentHelp("CSV: comma-separated columns to one-hot encode by their text even where it is a number (saved in the model, so scoring encodes them alike).", valueName: "col,…"), transform: commaList)
    var categorical: [String] = []

    @Option(name: .long, help: "CSV delimiter (default: detected from the header); also the character itself.")
    var delimiter: DelimiterChoice?

    var dropList: [String] { drop }

    /// The delimiter option as a character, nil to detect it.
    var delimiterCharacter: Character? { delimiter?.character }
}

/// Reads a data file with the CLI's input options (see `DataLoader.load`).
func loadDataset(_ path: String, _ input: InputOptions, schema: TableSchema? = nil, allowMissing: Bool) throws -> Dataset {
    try DataLoader.load(path: path, labelColumn: input.labelColumn, drop: input.drop, delimiter: input.delimiterCharacter,
                        schema: schema, allowMissing: allowMissing, categorical: input.categorical)
}

/// Reads a labels file (1-D .npy of 0/1).
func loadLabels(_ path: String) throws -> [Int] { try DataLoader.loadLabels(path: path) }

/// Loads labelled domains for transfer: features must agree across files.
func loadDomains(_ paths: [String], _ input: InputOptions) throws -> [(path: String, data: DomainData, names: [String])] {
    try paths.map { path in
        let ds = try loadDataset(path, input, allowMissing: false)
        try ds.x.requireFinite(path)
        return (path, DomainData(x: ds.x, labels: ds.labels), ds.featureNames)
    }
}
