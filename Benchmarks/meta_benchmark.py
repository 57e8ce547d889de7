"""The meta-learning benchmark of issue 4 §4 (few-shot part): `anomalykit meta --json` per target and seed.

MVTec-AD (ResNet-18 embeddings), leave one category out: tasks = the other 14 categories,
target = the one; K = 5 and K = 10 normal support rows, A = 0; modes scratch, finetuned, meta,
knn_shots; means over --seeds (default 0,1,2); --meta-args passes extra arguments to
`anomalykit meta` (e.g. detector parameters). Usage:
  meta_benchmark.py --anomalykit BIN --datasets ../shared/datasets [--methods metric,reptile]
"""
import argparse
import glob
import json
import os
import subprocess

from transfer_benchmark import mean_over_seeds, table, write_results

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
                rows.append((name, mean_over_seeds(res, MODES)))
                print(label, name, {k: None if v is None else round(v, 3) for k, v in rows[-1][1].items()}, flush=True)
            text, summary[label] = table(rows, f"{label} — mean ROC-AUC over seeds {args.seeds}", MODES)
            report.append(text)
    write_results(args.out, raw, summary, report)


if __name__ == "__main__":
    main()
