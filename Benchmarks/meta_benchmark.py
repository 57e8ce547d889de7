"""The meta-learning benchmark of issue 4 §4 (few-shot part): `anomalykit meta --json` per target and seed.

MVTec-AD (ResNet-18 embeddings), leave one category out: tasks = the other 14 categories,
target = the one; K = 5 and K = 10 normal support rows, A = 0; modes scratch, finetuned, meta,
knn_shots; means over --seeds (default 0,1,2). Also "knn_all": kNN (k = 1) on all of the
target's training normals, the stretch goal's reference, computed here with scikit-learn.
Usage:
  meta_benchmark.py --anomalykit BIN --datasets ../shared/datasets [--methods metric,reptile]
"""
import argparse
import glob
import json
import os
import subprocess

import numpy as np

MODES = ["scratch", "finetuned", "meta", "knn_shots"]


def run(binary, tasks, target, shots, method, seed, extra=()):
    cmd = [binary, "meta", "--tasks", ",".join(tasks), "--target", target, "--shots", str(shots),
           "--method", method, "--seed", str(seed), "--json"] + list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--methods", default="metric")
    ap.add_argument("--shots", default="5,10")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--categories", default="")
    ap.add_argument("--meta-args", default="", help="extra arguments for `anomalykit meta` (e.g. detector parameters)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "meta"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    files = sorted(glob.glob(os.path.join(args.datasets, "adbench/CV_by_ResNet18/MVTec-AD_*.npz")))
    keep = set(args.categories.split(",")) if args.categories else None
    targets = [f for f in files if keep is None or os.path.basename(f)[9:-4] in keep]
    report, raw, summary = [], {}, {}
    for method in args.methods.split(","):
        for shots in [int(k) for k in args.shots.split(",")]:
            label = f"MVTec-AD K={shots} A=0 {method}" + (f" ({args.meta_args})" if args.meta_args else "")
            rows = []
            for t in targets:
                name = os.path.basename(t)[9:-4]
                res = [run(args.anomalykit, [f for f in files if f != t], t, shots, method, s, args.meta_args.split()) for s in seeds]
                raw[f"{label}: {name}"] = res
                means = {m: float(np.mean([r[m]["roc_auc"] for r in res])) if all(r[m]["roc_auc"] is not None for r in res) else None
                         for m in MODES}
                rows.append((name, means))
                print(label, name, {k: None if v is None else round(v, 3) for k, v in means.items()}, flush=True)
            lines = [f"### {label} — mean ROC-AUC over seeds {args.seeds}", "",
                     "| target | " + " | ".join(MODES) + " |", "|---" * (len(MODES) + 1) + "|"]
            for name, r in rows:
                lines.append(f"| {name} | " + " | ".join("—" if r[m] is None else f"{r[m]:.3f}" for m in MODES) + " |")
            means = {m: float(np.mean([r[m] for _, r in rows if r[m] is not None])) for m in MODES}
            lines.append("| **mean** | " + " | ".join(f"**{means[m]:.3f}**" for m in MODES) + " |")
            report.append("\n".join(lines))
            summary[label] = means
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump({"runs": raw, "summary": summary}, fh, indent=1)
    with open(os.path.join(args.out, "report.md"), "w") as fh:
        fh.write("\n\n".join(report) + "\n")
    print("\n\n".join(report))


if __name__ == "__main__":
    main()
