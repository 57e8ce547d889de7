"""The detector-selection benchmark of issue 4 §4: leave one dataset out over ADBench Classical.

1. `anomalykit benchmark --seed S --json --scores DIR` for each seed (the detectors' ROC-AUC and
   test scores on the seed's stratified 70/30 split) into --results/classical-benchmark-seedS.json
   and --out/scores-seedS; reused when both are present (scripts/build-selector reads the same files).
2. `anomalykit select-train` on all seeds' results (mean ROC-AUC per dataset and detector).
3. `anomalykit select --data X --selector … --json` per dataset: the ranking predicted without
   that dataset (select leaves a training dataset out of its own prediction).
4. Per seed and dataset: the top choice's ROC-AUC (`auto`'s default: the benchmark's run of that
   detector on the same split), and for each n in --ensembles the real `auto --ensemble n` run;
   against the single detector with the best corpus mean, the per-dataset oracle and the average
   detector. Means over datasets, then over seeds. Writes selection.{md,json} to --results.
Usage: selection_benchmark.py --anomalykit BIN --datasets ../shared/datasets/adbench/Classical
"""
import argparse
import glob
import json
import os
import subprocess

import numpy as np

DETECTORS = "knn,lof,iforest,ecod,copod,hbos,pca,mcd,ocsvm,gmm"


def sh(cmd, out=None):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stderr}")
    if out:
        with open(out + ".tmp", "w") as fh:
            fh.write(res.stdout)
        os.replace(out + ".tmp", out)
    return res.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", required=True, help="the Classical folder")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--ensembles", default="5", help="ensemble sizes to run with `auto --ensemble n` (empty: none)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "selection"))
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--reuse-results", action="store_true",
                    help="reuse a seed's classical-benchmark-seedS.json when present even without its test scores "
                         "(only scripts/build-selector reads the scores); select and auto still run for real")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    ensembles = [int(n) for n in args.ensembles.split(",") if n]
    files = sorted(glob.glob(os.path.join(args.datasets, "*.npz")))
    names = [os.path.basename(f)[:-4] for f in files]

    bench = {}
    for s in seeds:
        path = os.path.join(args.results, f"classical-benchmark-seed{s}.json")
        scores = os.path.join(args.out, f"scores-seed{s}")
        have_scores = all(os.path.exists(os.path.join(scores, n + ".csv")) for n in names)
        if not (os.path.exists(path) and (have_scores or args.reuse_results)):
            print(f"benchmark, seed {s} …", flush=True)
            sh([args.anomalykit, "benchmark", "--datasets", args.datasets, "--detectors", DETECTORS, "--seed", str(s),
                "--json", "--quiet", "--scores", scores], out=path)
        runs = json.load(open(path))["runs"]
        bench[s] = {(r["dataset"], r["detector"]): r.get("roc_auc") for r in runs}
    detectors = DETECTORS.split(",")
    selector = os.path.join(args.out, "selector.safetensors")
    sh([args.anomalykit, "select-train", "--benchmark", ",".join(os.path.join(args.results, f"classical-benchmark-seed{s}.json") for s in seeds),
        "--datasets", args.datasets, "--model", selector])
    ranking = {n: [r["detector"] for r in json.loads(sh([args.anomalykit, "select", "--data", f, "--selector", selector, "--json"]))["ranking"]]
               for f, n in zip(files, names)}

    auc = {s: np.array([[bench[s][(n, d)] for d in detectors] for n in names], dtype=float) for s in seeds}
    corpus = np.mean([auc[s] for s in seeds], axis=0).mean(axis=0)
    best = int(np.argmax(corpus))
    rows = {n: {} for n in names}
    per_seed = {s: {} for s in seeds}
    for s in seeds:
        modes = {"selected (top choice)": [auc[s][i, detectors.index(ranking[n][0])] for i, n in enumerate(names)],
                 f"best single ({detectors[best]})": list(auc[s][:, best]),
                 "oracle": list(auc[s].max(axis=1)), "average detector": list(auc[s].mean(axis=1))}
        for k in ensembles:
            vals = []
            for f, n in zip(files, names):
                r = json.loads(sh([args.anomalykit, "auto", "--data", f, "--selector", selector, "--ensemble", str(k),
                                   "--seed", str(s), "--json"]))
                assert r["selected"] == ranking[n][:k], (n, r["selected"], ranking[n][:k])
                vals.append(r["roc_auc"])
                print(f"seed {s} auto --ensemble {k} {n}: {r['roc_auc']:.3f} {r['selected']}", flush=True)
            modes[f"auto --ensemble {k}"] = vals
        for mode, vals in modes.items():
            per_seed[s][mode] = float(np.mean(vals))
            for n, v in zip(names, vals):
                rows[n].setdefault(mode, []).append(v)
    mode_names = list(per_seed[seeds[0]])
    means = {m: float(np.mean([per_seed[s][m] for s in seeds])) for m in mode_names}
    lines = [f"### Detector selection, leave one dataset out, {len(names)} ADBench Classical datasets — mean ROC-AUC over seeds {args.seeds}",
             "", "| dataset | top choice | " + " | ".join(mode_names) + " |", "|---" * (len(mode_names) + 2) + "|"]
    for n in names:
        lines.append(f"| {n} | {ranking[n][0]} | " + " | ".join(f"{np.mean(rows[n][m]):.3f}" for m in mode_names) + " |")
    lines.append("| **mean** | | " + " | ".join(f"**{means[m]:.3f}**" for m in mode_names) + " |")
    lines += ["", "Per seed: " + "; ".join(f"seed {s}: " + ", ".join(f"{m} {v:.3f}" for m, v in per_seed[s].items()) for s in seeds)]
    text = "\n".join(lines)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "selection.md"), "w") as fh:
        fh.write(text + "\n")
    with open(os.path.join(args.results, "selection.json"), "w") as fh:
        json.dump({"seeds": seeds, "detectors": detectors, "ranking": ranking, "corpus_mean": dict(zip(detectors, corpus.tolist())),
                   "per_seed": {str(s): per_seed[s] for s in seeds}, "means": means,
                   "per_dataset": {n: {m: rows[n][m] for m in mode_names} for n in names}}, fh, indent=1)
    print(text)


if __name__ == "__main__":
    main()
