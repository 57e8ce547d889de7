import Foundation
import Testing
import TestSupport

/// Pretraining, fine-tuning, the transfer and meta experiments, meta-training and metric models,
/// on the workspace's generated domains (`srcA`, `srcB` → `tgt`).
@Suite struct TransferAndMetaCommandTests {
    let w = Workspace.shared
    let q = "--param epoch_num=2"

    func json(_ r: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.error)")
    }

    /// The modes of an experiment each have a ROC-AUC, an AP and a fit time.
    func expectModes(_ o: [String: Any], _ modes: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for m in modes {
            let entry = o[m] as? [String: Any]
            #expect(entry?["roc_auc"] is Double && entry?["average_precision"] != nil && entry?["fit_seconds"] != nil,
                    "mode \(m): \(String(describing: o[m]))", sourceLocation: sourceLocation)
        }
    }

    /// `finetune --model BASE --out TUNED`, and the older `--model BASE … --model TUNED`.
    @Test(arguments: ["--out", "--model"])
    func finetuneNamesItsOutput(_ flag: String) throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit(line: w.expand("finetune --model $T/base.safetensors --train $T/tgt.npz --freeze encoder --new-head --lr 1e-4 --epochs 2 \(flag) $O/tuned.safetensors --json", out: dir))
        expectSuccess(r)
        #expect(try json(r)["model"] as? String == dir + "/tuned.safetensors")
        expectSuccess(anomalykit(line: w.expand("score --model $O/tuned.safetensors --data $T/tgt.npz --out $O/s.csv", out: dir)))
    }

    @Test func pretrainAndFinetuneInANormalFrame() {
        let dir = TestSupport.temporaryDirectory()
        expectSuccess(anomalykit(line: w.expand("pretrain --source $T/srcA.npz,$T/srcB.npz --detector autoencoder \(q) --domain-norm standardize --contamination 0.2 --out $O/base.safetensors", out: dir)))
        expectSuccess(anomalykit(line: w.expand("finetune --model $O/base.safetensors --train $T/tgt.npz --domain-norm standardize --epochs 2 --out $O/tuned.safetensors", out: dir)))
        expectSuccess(anomalykit(line: w.expand("finetune --model $T/base-r.safetensors --train $T/tgt.npz --domain-norm relative --epochs 2 --out $O/tuned-r.safetensors", out: dir)))
        expectSuccess(anomalykit(line: w.expand("score --model $O/tuned-r.safetensors --data $T/tgt.npz --out $O/r.csv", out: dir)))
    }

    @Test func transferReportsEveryMode() throws {
        let r = anomalykit(line: w.expand("transfer --source $T/srcA.npz,$T/srcB.npz --target $T/tgt.npz --shots 10 --anomaly-shots 2 --detector autoencoder \(q) --json"))
        expectModes(try json(r), ["scratch", "source_only", "finetuned", "adapted", "interpolated", "knn_shots"])
        let rel = try json(anomalykit(line: w.expand("transfer --source $T/srcA.npz,$T/srcB.npz --target $T/tgt.npz --shots 10 --anomaly-shots 2 --detector devnet --adapt relative --param epochs=2 --json")))
        #expect(rel["adapt"] as? String == "relative")
        expectModes(rel, ["adapted", "relative_scratch"])
        expectSuccess(anomalykit(line: w.expand("transfer --source $T/srcA.npz,$T/srcB.npz --target $T/tgt.npz --shots 10 --detector autoencoder \(q) --adapt center")))
    }

    @Test func metaTrainFinetuneAndTheMetaExperiment() throws {
        let dir = TestSupport.temporaryDirectory(), m = "--iterations 3 --inner-epochs 2 --shots 5 \(q)"
        expectSuccess(anomalykit(line: w.expand("meta-train --tasks $T/srcA.npz,$T/srcB.npz --method fomaml \(m) --out $O/meta.safetensors", out: dir)))
        expectSuccess(anomalykit(line: w.expand("meta-train --tasks $T/srcA.npz,$T/srcB.npz --method metasgd \(m) --model $O/metasgd.safetensors", out: dir)))
        expectSuccess(anomalykit(line: w.expand("finetune --model $O/metasgd.safetensors --train $T/tgt.npz --domain-norm center --epochs 2 --out $O/metasgd-tuned.safetensors", out: dir)))
        // Its learned rates are its learning rate: --lr would be ignored, so it is refused.
        let lr = anomalykit(line: w.expand("finetune --model $O/metasgd.safetensors --train $T/tgt.npz --lr 5 --out $O/metasgd-lr.safetensors", out: dir))
        #expect(lr.status == 64 && lr.error.contains("learned per-parameter rates"))
        expectSuccess(anomalykit(line: w.expand("finetune --model $O/meta.safetensors --train $T/tgt.npz --domain-norm center --lr 0.01 --epochs 2 --model $O/meta-tuned.safetensors", out: dir)))
        expectModes(try json(anomalykit(line: w.expand("meta --tasks $T/srcA.npz,$T/srcB.npz --target $T/tgt.npz --method reptile \(m) --json"))),
                    ["scratch", "finetuned", "meta", "knn_shots"])
        // metric keeps the detector options that its finetuned mode uses.
        expectModes(try json(anomalykit(line: w.expand("meta --tasks $T/srcA.npz,$T/srcB.npz --target $T/tgt.npz --method metric --shots 5 --inner-epochs 2 \(q) --json"))),
                    ["scratch", "finetuned", "meta", "knn_shots"])
    }

    @Test func metricModelScoresWithItsSupport() throws {
        let dir = TestSupport.temporaryDirectory()
        let r = anomalykit(line: w.expand("meta-train --tasks $T/srcA.npz,$T/srcB.npz --method metric --shots 5 --contamination 0.2 --out $O/metric.safetensors --json", out: dir))
        expectSuccess(r)
        #expect(try json(r)["method"] as? String == "metric")
        expectSuccess(anomalykit(line: w.expand("score --model $O/metric.safetensors --support $T/tgt.npz --data $T/tgt.npz --out $O/metric.csv", out: dir)))
    }
}
