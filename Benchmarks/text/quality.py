"""Detection quality on raw text and logs: AnomalyKit end to end (its own encoder, its own detectors)
against the Python pipeline (sentence-transformers on PyTorch CPU, then PyOD) on the same splits.

Protocols (issue 14, §5):
- sms-adbench: SMS spam, spam = anomaly; stratified 70/30 split (seed 42), fitted on the training
  part with its spam (unsupervised, as ADBench does).
- sms-oneclass: the same split, fitted on the training part's ham only.
- 20ng-oneclass: each of the 20 groups in turn is normal: fitted on its training posts, tested on
  its test posts plus 5 % anomalies drawn (seed = group index) from the other groups' test posts;
  the mean over the groups.
- bgl-adbench / bgl-oneclass: BGL_2k lines (first field `-` = normal, removed from the text) as
  log templates, split as SMS is.

AnomalyKit's side: `anomalykit embed` once per corpus (texts; the log through `embed --log
--label-regex`), then `anomalykit evaluate` on the embedding rows of each split, and `auto` as the
shipped selector's top five rank-averaged (`select` on the training rows, then `--detector
ensemble`), as `anomalykit auto` fits. The Python side embeds with sentence-transformers (the same
weights; for BGL the same templates, masked here with LogTemplate's patterns) and fits PyOD's
detector with its defaults. Random detectors are averaged over seeds on both sides (iforest 0..4,
autoencoder and deepsvdd 0..2). ROC-AUC and AP from the test scores with scikit-learn.

Usage: quality.py --anomalykit BIN --model-dir DIR --datasets DIR --out FILE.json
       [--protocols sms-adbench,...] [--detectors knn,...] [--groups N] [--cache DIR]
"""
import argparse, inspect, json, os, subprocess, sys, tempfile, time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

DETECTORS = ["knn", "lof", "iforest", "ecod", "autoencoder", "deepsvdd", "auto"]
PROTOCOLS = ["sms-adbench", "sms-oneclass", "20ng-oneclass", "bgl-adbench", "bgl-oneclass"]
SEEDS = {"iforest": [0, 1, 2, 3, 4], "autoencoder": [0, 1, 2], "deepsvdd": [0, 1, 2]}
from corpora import adbench_split, ak_embed, ak_evaluate, bgl, newsgroups, sms, st_embed


# ---------------------------------------------------------------- splits

def splits(protocol, corpus, groups_limit):
    """(name, train rows, test rows, test labels) of a protocol."""
    if protocol in ("sms-adbench", "bgl-adbench", "sms-oneclass", "bgl-oneclass"):
        y = corpus["y"]
        tr, te = adbench_split(y, oneclass=protocol.endswith("oneclass"))
        return [(protocol, tr, te, y[te])]
    groups, n_train = corpus["groups"], corpus["n_train"]
    names = sorted(set(groups.tolist()))[:groups_limit or None]
    out = []
    for g, name in enumerate(names):
        train = np.where(groups[:n_train] == name)[0]
        test_normal = n_train + np.where(groups[n_train:] == name)[0]
        others = n_train + np.where(groups[n_train:] != name)[0]
        n_anomalies = int(round(len(test_normal) * 5 / 95))
        anomalies = np.random.default_rng(g).choice(others, size=n_anomalies, replace=False)
        test = np.concatenate([test_normal, anomalies])
        out.append((name, train, test, np.concatenate([np.zeros(len(test_normal), int), np.ones(n_anomalies, int)])))
    return out


# ---------------------------------------------------------------- detectors

def metrics(y, s):
    s = np.asarray(s, dtype=np.float64)
    if not np.all(np.isfinite(s)):
        return None, None
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def ak_scores(args, work, detector, seed, x_train, x_test, y_test):
    if detector == "auto":
        np.save(f"{work}/X_select.npy", x_train)
        p = subprocess.run([args.anomalykit, "select", "--data", f"{work}/X_select.npy", "--json"], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"anomalykit select failed: {p.stderr[-600:]}")
        top = [r["detector"] for r in json.loads(p.stdout)["ranking"][:5]]
        chosen = ["--detector", "ensemble", "--param", "members=" + ",".join(top)]
    else:
        top = None
        chosen = ["--detector", detector] + ([] if seed is None else ["--param", f"random_state={seed}"])
    return ak_evaluate(args.anomalykit, work, x_train, x_test, y_test, chosen), top


# PyOD's class for each detector: (module, class name).
PYOD_CLASSES = {"knn": ("pyod.models.knn", "KNN"), "lof": ("pyod.models.lof", "LOF"),
                "iforest": ("pyod.models.iforest", "IForest"), "ecod": ("pyod.models.ecod", "ECOD"),
                "autoencoder": ("pyod.models.auto_encoder", "AutoEncoder"), "deepsvdd": ("pyod.models.deep_svdd", "DeepSVDD")}


def pyod_model(detector, seed, n_features):
    import importlib
    module, name = PYOD_CLASSES[detector]
    cls = getattr(importlib.import_module(module), name)
    params = inspect.signature(cls.__init__).parameters
    kwargs = {}
    if seed is not None and "random_state" in params:
        kwargs["random_state"] = seed
    if "n_features" in params:
        kwargs["n_features"] = n_features
    if "verbose" in params:
        kwargs["verbose"] = 0
    return cls(**kwargs)


def pyod_scores(detector, seed, x_train, x_test):
    m = pyod_model(detector, seed, x_train.shape[1])
    m.fit(x_train.astype(np.float64))
    return m.decision_function(x_test.astype(np.float64))


def sms_end_to_end(args, work):
    """knn on SMS spam's ADBench split through the text pipeline itself (`evaluate --encoder
    --text-column` on CSV files of raw text), against the same split on `embed`'s rows: the two
    routes must give the same scores."""
    import csv
    texts, y = sms(args.datasets)
    tr, te = adbench_split(y)
    for name, rows in (("train", tr), ("test", te)):
        with open(f"{work}/{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["text"])
            for i in rows:
                w.writerow([texts[i]])
    np.save(f"{work}/y_csv.npy", y[te].astype(np.int64))
    p = subprocess.run([args.anomalykit, "evaluate", "--detector", "knn", "--train", f"{work}/train.csv", "--test", f"{work}/test.csv",
                        "--test-labels", f"{work}/y_csv.npy", "--encoder", args.model_dir, "--text-column", "text", "--json",
                        "--scores-out", f"{work}/e2e.npy"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"anomalykit evaluate --encoder failed: {p.stderr[-600:]}")
    direct = np.load(f"{work}/e2e.npy")
    auc, ap = metrics(y[te], direct)
    return {"roc_auc": auc, "average_precision": ap, "scores": direct.tolist()}


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--out", required=True)
    ap.add_argument("--protocols", default=",".join(PROTOCOLS))
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    ap.add_argument("--groups", type=int, default=0, help="20ng-oneclass: only the first N groups (0 = all 20)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default="Benchmarks/out/text-quality")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    import torch
    torch.set_num_threads(args.threads)
    protocols = args.protocols.split(",")
    detectors = args.detectors.split(",")

    corpora, embedding_checks = {}, {}
    def embedded(name, texts, log=None):
        ak, summary = ak_embed(args.anomalykit, args.model_dir, args.cache, name, texts=None if log else texts, log=log)
        st = st_embed(args.model_dir, args.cache, args.threads, name, texts)
        cos = np.sum(ak * st, axis=1) / (np.linalg.norm(ak, axis=1) * np.linalg.norm(st, axis=1))
        embedding_checks[name] = {"rows": int(len(ak)), "max_abs_diff": float(np.max(np.abs(ak - st))),
                                  "min_cosine": float(np.min(cos)), "ak_embed": summary}
        print(f"{name}: {len(ak)} rows, max |Δ| {embedding_checks[name]['max_abs_diff']:.2e}, min cosine {np.min(cos):.7f}",
              file=sys.stderr)
        return ak, st
    if any(p.startswith("sms") for p in protocols):
        texts, y = sms(args.datasets)
        ak, st = embedded("sms", texts)
        corpora["sms"] = {"ak": ak, "st": st, "y": y}
    if "20ng-oneclass" in protocols:
        texts, groups, n_train = newsgroups(args.datasets)
        ak, st = embedded("20ng", texts)
        corpora["20ng"] = {"ak": ak, "st": st, "groups": groups, "n_train": n_train}
    if any(p.startswith("bgl") for p in protocols):
        path, templates, y = bgl(args.datasets)
        ak, st = embedded("bgl", templates, log=path)
        ak_templates = (embedding_checks["bgl"]["ak_embed"] or {}).get("distinct_templates")
        embedding_checks["bgl"].update({"python_distinct_templates": len(set(templates)), "ak_distinct_templates": ak_templates})
        corpora["bgl"] = {"ak": ak, "st": st, "y": y}

    results = []
    end_to_end = None
    with tempfile.TemporaryDirectory() as work:
        if "sms-adbench" in protocols and "knn" in detectors:
            end_to_end = sms_end_to_end(args, work)
        for protocol in protocols:
            corpus = corpora[protocol.split("-")[0]]
            for name, tr, te, y_test in splits(protocol, corpus, args.groups):
                for d in detectors:
                    seeds = SEEDS.get(d, [None])
                    row = {"protocol": protocol, "split": name, "detector": d, "n_train": int(len(tr)), "n_test": int(len(te)),
                           "n_anomalies": int(y_test.sum())}
                    ak_m, py_m = [], []
                    for seed in seeds:
                        s, top = ak_scores(args, work, d, seed, corpus["ak"][tr], corpus["ak"][te], y_test)
                        ak_m.append(metrics(y_test, s))
                        if end_to_end and protocol == "sms-adbench" and d == "knn":
                            e2e = np.array(end_to_end.pop("scores"))
                            end_to_end["max_relative_score_difference"] = float(np.max(np.abs(e2e - s) / np.maximum(np.abs(s), 1e-12)))
                        if top:
                            row["members"] = top
                        if d != "auto":
                            py_m.append(metrics(y_test, pyod_scores(d, seed, corpus["st"][tr], corpus["st"][te])))
                    mean = lambda ms, i: float(np.mean([m[i] for m in ms])) if ms and all(m[i] is not None for m in ms) else None
                    row.update({"ak_auc": mean(ak_m, 0), "ak_ap": mean(ak_m, 1), "py_auc": mean(py_m, 0), "py_ap": mean(py_m, 1)})
                    results.append(row)
                    print(f"{protocol:14} {name[:24]:24} {d:12} AK {row['ak_auc']} | Python {row['py_auc']}", file=sys.stderr)

    summary = []
    for protocol in protocols:
        for d in detectors:
            rows = [r for r in results if r["protocol"] == protocol and r["detector"] == d]
            if not rows:
                continue
            avg = lambda k: float(np.mean([r[k] for r in rows])) if all(r[k] is not None for r in rows) else None
            s = {"protocol": protocol, "detector": d, "splits": len(rows), "ak_auc": avg("ak_auc"), "ak_ap": avg("ak_ap"),
                 "py_auc": avg("py_auc"), "py_ap": avg("py_ap")}
            if s["py_auc"] is not None:
                s["max_abs_delta_auc"] = float(max(abs(r["ak_auc"] - r["py_auc"]) for r in rows))
                s["max_abs_delta_ap"] = float(max(abs(r["ak_ap"] - r["py_ap"]) for r in rows))
            summary.append(s)
    import pyod, sentence_transformers, sklearn
    out = {"date": time.strftime("%Y-%m-%d"), "protocols": protocols, "detectors": detectors,
           "versions": {"pyod": pyod.__version__, "sentence_transformers": sentence_transformers.__version__,
                        "torch": torch.__version__, "scikit_learn": sklearn.__version__},
           "embeddings": embedding_checks, "sms_knn_end_to_end": end_to_end, "summary": summary, "results": results}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, args.out)
    md = ["| protocol | detector | splits | AK ROC-AUC | Python ROC-AUC | max \\|Δ\\| | AK AP | Python AP | max \\|Δ\\| |", "|---|---|---|---|---|---|---|---|---|"]
    f4 = lambda v: "—" if v is None else f"{v:.4f}"
    for s in summary:
        md.append(f"| {s['protocol']} | {s['detector']} | {s['splits']} | {f4(s['ak_auc'])} | {f4(s['py_auc'])} | "
                  f"{f4(s.get('max_abs_delta_auc'))} | {f4(s['ak_ap'])} | {f4(s['py_ap'])} | {f4(s.get('max_abs_delta_ap'))} |")
    with open(args.out[:-5] + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
