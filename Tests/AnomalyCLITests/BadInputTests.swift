import Foundation
import Testing
import TestSupport

/// One bad command line: what it runs (`$T` = the shared workspace, `$O` = a fresh folder for this
/// case's outputs), the exit status it must give (64 = bad parameters, 65 = bad data or model
/// files), and a fragment its message must hold (the file, line, column or field at fault).
struct BadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let line: String
    let status: Int32
    let fragment: String

    init(_ name: String, _ line: String, _ status: Int32, _ fragment: String) {
        self.name = name
        self.line = line
        self.status = status
        self.fragment = fragment
    }

    var testDescription: String { name }
}

/// The bad-input table of the command line (formerly `scripts/cli-checks`): each case fails with
/// the right status and message and writes nothing.
@Suite struct BadInputTests {
    static let data: [BadInput] = [
        .init("empty file", "fit --detector knn --train $T/empty.csv --out $O/x.safetensors", 65, "empty.csv"),
        .init("header only", "fit --detector knn --train $T/header.csv --out $O/x.safetensors", 65, "header.csv:2"),
        .init("ragged row", "fit --detector knn --train $T/ragged.csv --out $O/x.safetensors", 65, "ragged.csv:3"),
        .init("infinity", "fit --detector knn --param n_neighbors=1 --train $T/inf.csv --out $O/x.safetensors", 65, "inf.csv:3:2"),
        .init("missing without impute", "fit --detector knn --param n_neighbors=1 --train $T/nan.csv --out $O/x.safetensors", 65, "nan.csv:3:2: 'b': missing value (empty cell or NaN); impute it (--impute mean|median)"),
        .init("missing value in a source (pretrain does not impute)", "pretrain --source $T/nan.csv --detector autoencoder --out $O/x.safetensors", 65, "nan.csv:3:2: 'b': missing value (empty cell or NaN); remove the row or fill it in (this command does not impute missing values)"),
        .init("missing value when scoring", "score --model $T/m.safetensors --data $T/nan-fraud.csv --out $O/o.csv", 65, "nan-fraud.csv:3:1: 'amount': missing value (empty cell or NaN); remove the row, or fit the model with --impute mean|median"),
        .init("a text cell in a numeric column", "fit --detector knn --train $T/mixed.csv --out $O/x.safetensors", 65, "mixed.csv:22:1: 'a': 'x1' is not a number (the column is numeric elsewhere); declare it categorical with --categorical a"),
        .init("--categorical names no column", "fit --detector knn --train $T/mixed.csv --categorical nope --out $O/x.safetensors", 65, "mixed.csv:1: 'nope': column declared categorical is not in the header (columns: a, b)"),
        .init("--categorical on .npy", "fit --detector knn --train $T/ok.npy --categorical a --out $O/x.safetensors", 64, "applies to CSV files"),
        .init("non-numeric cell in a numeric column (scoring)", "score --model $T/m.safetensors --data $T/nonnum.csv --out $O/o.csv", 65, "nonnum.csv:2:1: 'amount'"),
        .init("scoring columns differ", "score --model $T/m.safetensors --data $T/cols.csv --out $O/o.csv", 65, "'country'"),
        .init("--keep names no column", "score --model $T/m.safetensors --data $T/train.csv --keep amount,idx --out $O/o.csv", 65, "train.csv:1: 'idx': --keep names no such column (the columns are: amount, country, hour, is_fraud)"),
        .init("--keep with .npz input", "score --model $T/npy.safetensors --data $T/tgt.npz --keep id --out $O/o.csv", 64, "no named columns"),
        .init("--keep with .npy output", "score --model $T/m.safetensors --data $T/train.csv --keep amount --out $O/o.npy", 64, "--keep copies input columns into a CSV scores file"),
        .init("--keep a column named like an output column", "score --model $T/m.safetensors --data $T/train.csv --keep score --out $O/o.csv", 64, "already has a column 'score'"),
        .init("--probability with .npy output", "score --model $T/m.safetensors --data $T/train.csv --probability unify --out $O/o.npy", 64, "--probability sets the CSV output's probability column"),
        .init("evaluate: --train-labels with --data", "evaluate --detector devnet --data $T/tgt.npz --train-labels $T/labels.npy", 64, "not both"),
        .init("evaluate: --seed with --train/--test", "evaluate --detector knn --train $T/ok.npy --test $T/ok.npy --test-labels $T/labels.npy --seed 3", 64, "'--seed': splits --data"),
        .init("evaluate: --test-size with --train/--test", "evaluate --detector knn --train $T/ok.npy --test $T/ok.npy --test-labels $T/labels.npy --test-size 0.5", 64, "'--test-size': splits --data"),
        .init("score to another extension", "score --model $T/m.safetensors --data $T/train.csv --out $O/o.txt", 64, ".csv or .npy"),
        .init("npy wrong magic", "fit --detector knn --train $T/magic.npy --out $O/x.safetensors", 65, "magic.npy"),
        .init("npy truncated", "fit --detector knn --train $T/trunc.npy --out $O/x.safetensors", 65, "trunc.npy"),
        .init("npy big-endian", "fit --detector knn --train $T/big.npy --out $O/x.safetensors", 65, "big.npy"),
        .init("npy unsupported dtype", "fit --detector knn --train $T/cplx.npy --out $O/x.safetensors", 65, "cplx.npy"),
        .init("npz without X", "evaluate --detector knn --data $T/noX.npz", 65, "'X'"),
        .init("scoring feature count differs", "score --model $T/npy.safetensors --data $T/wide.npy --out $O/o.npy", 65, "feature"),
        .init("truncated model", "score --model $T/trunc.safetensors --data $T/train.csv --out $O/o.csv", 65, "trunc.safetensors"),
        .init("corrupted model", "score --model $T/corrupt.safetensors --data $T/train.csv --out $O/o.csv", 65, "corrupt.safetensors"),
        .init("other format version", "score --model $T/v9.safetensors --data $T/train.csv --out $O/o.csv", 65, "format_version"),
        .init("unknown detector", "fit --detector nope --train $T/train.csv --out $O/x.safetensors", 64, "unknown detector 'nope'"),
        .init("unknown parameter", "fit --detector knn --param bogus=1 --train $T/train.csv --out $O/x.safetensors", 64, "bogus"),
        .init("contamination out of range (--param)", "fit --detector knn --param contamination=0.7 --train $T/train.csv --out $O/x.safetensors", 64, "contamination"),
        .init("contamination out of range (--contamination)", "fit --detector knn --contamination 0.7 --train $T/train.csv --out $O/x.safetensors", 64, "--contamination"),
        .init("contamination given twice", "fit --detector knn --contamination 0.2 --param contamination=0.2 --train $T/train.csv --out $O/x.safetensors", 64, "give one"),
        .init("k >= rows", "fit --detector knn --param n_neighbors=50 --train $T/train.csv --label-column is_fraud --out $O/x.safetensors", 64, "n_neighbors"),
        .init("fit without an output", "fit --detector knn --train $T/train.csv", 64, "--out"),
        .init("fit with --out and --model", "fit --detector knn --train $T/train.csv --out $O/a.safetensors --model $O/b.safetensors", 64, "not both"),
        .init("unknown --preprocess", "fit --detector knn --preprocess zscore --train $T/train.csv --out $O/x.safetensors", 64, "robust"),
        .init("unknown --delimiter", "fit --detector knn --delimiter pipe --train $T/train.csv --out $O/x.safetensors", 64, "semicolon"),
        .init("unknown --probability", "score --model $T/m.safetensors --data $T/train.csv --probability sigmoid --out $O/o.csv", 64, "unify"),

        // Transfer.
        .init("score: relative model before fine-tuning", "score --model $T/base-r.safetensors --data $T/tgt.npz --out $O/r.csv", 65, "finetune --domain-norm relative"),
        .init("finetune: relative model without --domain-norm relative", "finetune --model $T/base-r.safetensors --train $T/tgt.npz --out $O/r.safetensors", 65, "domain-norm relative"),
        .init("finetune: --shots beyond the target's normal rows", "finetune --model $T/base-r.safetensors --train $T/tgt.npz --domain-norm relative --shots 5000 --out $O/r.safetensors", 64, "--shots"),
        .init("finetune: --shots without relative", "finetune --model $T/base.safetensors --train $T/tgt.npz --shots 5 --out $O/r.safetensors", 64, "--shots applies with --domain-norm relative only"),
        .init("transfer: --domain-norm is --adapt center", "transfer --source $T/srcA.npz --target $T/tgt.npz --shots 5 --domain-norm center --param epoch_num=2", 64, "adapt center"),
        .init("transfer: contamination has no effect", "transfer --source $T/srcA.npz --target $T/tgt.npz --shots 5 --param contamination=0.2", 64, "no effect"),
        .init("pretrain: unknown --domain-norm", "pretrain --source $T/srcA.npz --detector autoencoder --domain-norm centre --out $O/x.safetensors", 64, "domain-norm"),
        .init("pretrain: --preprocess is refused, not ignored", "pretrain --source $T/srcA.npz --detector autoencoder --preprocess standard --out $O/x.safetensors", 64, "pretrain does not take --preprocess"),
        .init("pretrain: --impute is refused, not ignored", "pretrain --source $T/srcA.npz --detector autoencoder --impute mean --out $O/x.safetensors", 64, "pretrain does not take --preprocess or --impute"),
        .init("pretrain: --shots without relative", "pretrain --source $T/srcA.npz --detector autoencoder --shots 5 --out $O/x.safetensors", 64, "--shots applies"),
        .init("transfer: unknown adaptation", "transfer --source $T/srcA.npz --target $T/tgt.npz --shots 5 --adapt centre", 64, "center"),
        .init("transfer: source features differ", "transfer --source $T/narrow.npz --target $T/tgt.npz --shots 5 --param epoch_num=2", 65, "narrow.npz"),
        .init("transfer: target among sources", "transfer --source $T/srcA.npz,$T/tgt.npz --target $T/tgt.npz --shots 5 --param epoch_num=2", 64, "target itself"),
        .init("transfer: K above the normal rows", "transfer --source $T/srcA.npz --target $T/tgt.npz --shots 500 --param epoch_num=2", 64, "normal shots requested"),
        .init("transfer: A above the anomalies", "transfer --source $T/srcA.npz --target $T/tgt.npz --shots 5 --anomaly-shots 50 --param epoch_num=2", 64, "anomaly shots requested"),
        .init("transfer: classic detector", "transfer --source $T/srcA.npz --target $T/tgt.npz --shots 5 --detector knn", 64, "neural detector"),
        .init("pretrain: sources' features differ", "pretrain --source $T/srcA.npz,$T/narrow.npz --detector autoencoder --param epoch_num=2 --out $O/x.safetensors", 65, "narrow.npz"),
        .init("finetune: another architecture's data", "finetune --model $T/base.safetensors --train $T/narrow.npz --out $O/x.safetensors", 65, "features"),
        .init("finetune: classic model", "finetune --model $T/npy.safetensors --train $T/ok.npy --out $O/x.safetensors", 65, "neural model"),
        .init("finetune: freeze matches no layer", "finetune --model $T/base.safetensors --train $T/tgt.npz --freeze encodr --out $O/x.safetensors", 64, "matches no layer"),
        .init("finetune: learning rate out of range", "finetune --model $T/base.safetensors --train $T/tgt.npz --lr 0 --out $O/x.safetensors", 64, "--lr"),
        .init("finetune: epochs out of range", "finetune --model $T/base.safetensors --train $T/tgt.npz --epochs 0 --out $O/x.safetensors", 64, "--epochs"),
        .init("finetune: no output", "finetune --model $T/base.safetensors --train $T/tgt.npz", 64, "--out"),
        .init("finetune: --model twice and --out", "finetune --model $T/base.safetensors --train $T/tgt.npz --model $O/a.safetensors --out $O/b.safetensors", 64, "--model BASE --out TUNED"),

        // Meta-learning.
        .init("meta: task features differ", "meta-train --tasks $T/srcA.npz,$T/narrow.npz --iterations 3 --inner-epochs 2 --shots 5 --param epoch_num=2 --out $O/x.safetensors", 65, "narrow.npz"),
        .init("meta: task too small for K + query", "meta-train --tasks $T/srcA.npz --iterations 2 --shots 80 --param epoch_num=2 --out $O/x.safetensors", 65, "an episode needs"),
        .init("meta: target among the tasks", "meta --tasks $T/srcA.npz,$T/tgt.npz --target $T/tgt.npz --iterations 3 --shots 5", 64, "target itself"),
        .init("meta: unknown method", "meta-train --tasks $T/srcA.npz --method maml --out $O/x.safetensors", 64, "reptile"),
        .init("meta: classic detector", "meta-train --tasks $T/srcA.npz --detector knn --iterations 2 --out $O/x.safetensors", 64, "neural detector"),
        .init("meta: iterations out of range", "meta-train --tasks $T/srcA.npz --iterations 0 --out $O/x.safetensors", 64, "--iterations must be in"),
        .init("meta-train metric: gradient options refused", "meta-train --tasks $T/srcA.npz --method metric --detector devnet --iterations 5 --inner-lr 0.1 --inner-epochs 2 --outer-lr 0.1 --out $O/x.safetensors", 64, "takes no --iterations, --outer-lr, --detector, --inner-lr, --inner-epochs"),
        .init("meta metric: iterations refused", "meta --tasks $T/srcA.npz --target $T/tgt.npz --method metric --iterations 3", 64, "takes no --iterations"),
        .init("score a metric model without --support", "score --model $T/metric.safetensors --data $T/tgt.npz --out $O/metric.csv", 64, "support"),
        .init("score --support on a knn model", "score --model $T/npy.safetensors --support $T/ok.npy --data $T/ok.npy --out $O/x.csv", 64, "few-shot"),
        .init("span on many rows", "fit --detector span --train $T/srcA.npz --param max_rows=20 --out $O/x.safetensors", 64, "few-shot"),

        // Selection.
        .init("ensemble with an unknown member", "fit --detector ensemble --param members=iforest,nope --train \(bundled("29_Pima.npz")) --out $O/x.safetensors", 64, "members"),
        .init("a model file is not a selector", "select --data \(bundled("4_breastw.npz")) --selector $T/npy.safetensors", 65, "not a selector"),
        .init("dataset too small for meta-features", "select --data $T/tiny.npy", 65, "at least 20 rows"),
        .init("auto: ensemble too large", "auto --data \(bundled("29_Pima.npz")) --ensemble 50", 64, "ensemble"),
        .init("auto: ensemble below 1", "auto --data \(bundled("29_Pima.npz")) --ensemble 0", 64, "--ensemble must be ≥ 1"),
        .init("select-train: a missing benchmark file", "select-train --benchmark $T/bench9.json --datasets $T --out $O/x.safetensors", 65, "bench9.json"),
        .init("fit: a diverging loss", "fit --detector autoencoder --param lr=10 --param optimizer_name=sgd --param batch_norm=false --param preprocessing=false --param epoch_num=50 --train $T/huge.npy --out $O/x.safetensors", 65, "NaN or infinite"),
        .init("devnet without labels", "fit --detector devnet --train $T/ok.npy --out $O/x.safetensors", 64, "devnet needs labels"),
    ]

    @Test(arguments: data)
    func failsClearlyAndWritesNothing(_ c: BadInput) {
        let out = TestSupport.temporaryDirectory()
        let r = anomalykit(line: Workspace.shared.expand(c.line, out: out))
        #expect(r.status == c.status, "exit \(r.status), expected \(c.status): \(r.error)")
        #expect(r.error.contains(Workspace.shared.expand(c.fragment)), "message lacks '\(c.fragment)': \(r.error)")
        #expect(!r.error.contains("Fatal error"))
        #expect(files(in: out).isEmpty, "a failed command wrote \(files(in: out))")
    }
}

@Suite struct WorkspaceTests {
    /// The models the tables rely on were written (a failed setup would make every case vacuous).
    @Test func theSharedModelsExist() {
        for name in ["m", "npy", "base", "base-r", "metric", "trunc", "corrupt", "v9"] {
            #expect(FileManager.default.fileExists(atPath: Workspace.shared.path(name + ".safetensors")), "\(name).safetensors")
        }
    }
}

@Suite struct HintTests {
    /// A column the model never saw: the library's `.dropColumn` hint, spelled with `--drop`.
    @Test func anUnknownScoringColumnSuggestsDroppingIt() {
        let dir = TestSupport.temporaryDirectory()
        write("amount,country,hour,extra\n10,FR,12,1\n", "extra.csv", in: dir)
        let r = anomalykit(line: Workspace.shared.expand("score --model $T/m.safetensors --data \(dir)/extra.csv --out \(dir)/o.csv"))
        #expect(r.status == 65)
        #expect(r.error.contains("extra.csv:1:4: 'extra': column was not in the training data; drop it (--drop extra)"), "\(r.error)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.csv"))
    }
}
