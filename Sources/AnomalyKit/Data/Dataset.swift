import AnomalyMath

/// Rows of features with optional labels (1 = anomaly, 0 = normal, -1 = unknown).
public struct Dataset: Sendable {
    public var x: Matrix
    public var labels: [Int]?
    /// One name per feature column (after one-hot encoding for CSV input).
    public var featureNames: [String]
    /// How a CSV file was turned into features; nil for numeric matrices (.npy / .npz).
    public var schema: TableSchema?
    /// Raw text columns by name (one text per row), read for an encoder step; not features.
    public var texts: [String: [String]]
    /// The input step (an encoder) that made these features from raw rows, kept so a model fitted
    /// on them can read raw rows too; nil for rows read as numbers.
    public var inputStep: (any InputStep)?
    /// What names each row in an output when the input has no id column of its own: a log's line
    /// numbers (or sessions), the images' paths; nil for tables, whose `--keep` columns name rows.
    public var rowIdentities: RowIdentities?

    public init(x: Matrix, labels: [Int]? = nil, featureNames: [String]? = nil, schema: TableSchema? = nil,
                texts: [String: [String]] = [:]) {
        self.x = x
        self.labels = labels
        self.featureNames = featureNames ?? (0..<x.cols).map { "x\($0)" }
        self.schema = schema
        self.texts = texts
    }

    /// The rows as a pipeline takes them: numeric columns and raw text columns.
    public var pipelineRows: PipelineRows { PipelineRows(x: x, texts: texts) }

    public var rowCount: Int { x.rows }
    public var featureCount: Int { x.cols }
}

/// Columns naming each row of an input in an output (a scores file): a header per column and one
/// value per row and column.
public struct RowIdentities: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }
}

/// How the columns of a CSV file become numeric features, learned from the training file and
/// stored with the model so that scoring files are encoded identically (and checked to match).
public struct TableSchema: Sendable, Equatable, Codable {
    public enum ColumnKind: Sendable, Equatable, Codable {
        case numeric
        /// One-hot encoded: one feature per category, in this order.
        case categorical(categories: [String])
    }
    public struct Column: Sendable, Equatable, Codable {
        public var name: String
        public var kind: ColumnKind
        public init(name: String, kind: ColumnKind) {
            self.name = name
            self.kind = kind
        }
    }

    /// Feature columns in file order.
    public var columns: [Column]
    /// The label column, if one was chosen.
    public var labelColumn: String?
    /// Columns ignored on purpose (the reader's `drop`).
    public var dropped: [String]

    public init(columns: [Column], labelColumn: String? = nil, dropped: [String] = []) {
        self.columns = columns
        self.labelColumn = labelColumn
        self.dropped = dropped
    }

    /// Feature names after one-hot expansion, e.g. `amount`, `country=FR`.
    public var featureNames: [String] {
        columns.flatMap { col -> [String] in
            switch col.kind {
            case .numeric: return [col.name]
            case .categorical(let cats): return cats.map { "\(col.name)=\($0)" }
            }
        }
    }
}
