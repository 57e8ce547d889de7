"""The transfer benchmark of issue 3 §5, in one run: `anomalykit transfer --json` per target and seed.

Suites (each prints a table and writes results JSON/markdown into --out):
  mvtec      MVTec-AD (ResNet-18 embeddings), leave one category out: source = the other 14.
             K = 10, A = 0 with --detector (default autoencoder); and K = 10, A = 5 with classifier
             and devnet.
  kdd        16_http ↔ 34_smtp (3 shared features), both directions, K = 20.
  shift      a recalibrated copy of a dataset (per-feature scale and offset, a random rotation and
             noise) as target, the original as source; K = 20.
Means over --seeds (default 0,1,2). Usage:
  transfer_benchmark.py --anomalykit BIN --datasets ../shared/datasets [--suite mvtec,kdd,shift]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

MODES = ["scratch", "source_only", "finetuned", "adapted", "interpolated", "knn_shots"]


def run(binary, sources, target, shots, anomaly_shots, detector, adapt, seed, params=()):
    cmd = [binary, "transfer", "--source", ",".join(sources), "--target", target, "--shots", str(shots),
           "--anomaly-shots", str(anomaly_shots), "--detector", detector, "--adapt", adapt, "--seed", str(seed), "--json"]
    for p in params:
        cmd += ["--param", p]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return json.loads(out.stdout)


def table(rows, title):
    """rows: list of (target, {mode: mean auc}) → markdown."""
    lines = [f"### {title}", "", "| target | " + " | ".join(MODES) + " |", "|---" * (len(MODES) + 1) + "|"]
    for name, r in rows:
        lines.append(f"| {name} | " + " | ".join("—" if r.get(m) is None else f"{r[m]:.3f}" for m in MODES) + " |")
    means = {m: np.mean([r[m] for _, r in rows if r.get(m) is not None]) if any(r.get(m) is not None for _, r in rows) else None for m in MODES}
    lines.append("| **mean** | " + " | ".join("—" if means[m] is None else f"**{means[m]:.3f}**" for m in MODES) + " |")
    return "\n".join(lines), means


def mean_over_seeds(results):
    out = {}
    for m in MODES:
        vals = [r[m]["roc_auc"] for r in results if r.get(m) and r[m].get("roc_auc") is not None]
        out[m] = float(np.mean(vals)) if len(vals) == len(results) else None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--suite", default="mvtec,kdd,shift")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--detector", default="autoencoder")
    ap.add_argument("--adapt", default="coral")
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--categories", default="", help="MVTec categories to run (default: all 15)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "transfer"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    report, raw = [], {}
    suites = args.suite.split(",")
    if "mvtec" in suites:
        files = sorted(glob.glob(os.path.join(args.datasets, "adbench/CV_by_ResNet18/MVTec-AD_*.npz")))
        if args.categories:
            keep = set(args.categories.split(","))
            targets = [f for f in files if os.path.basename(f)[9:-4] in keep]
        else:
            targets = files
        for label, detector, shots, anomalies in [(f"MVTec-AD, K=10, A=0, {args.detector}", args.detector, 10, 0),
                                                  ("MVTec-AD, K=10, A=5, classifier", "classifier", 10, 5),
                                                  ("MVTec-AD, K=10, A=5, devnet", "devnet", 10, 5)]:
            rows = []
            for t in targets:
                sources = [f for f in files if f != t]
                res = [run(args.anomalykit, sources, t, shots, anomalies, detector, args.adapt, s, args.param) for s in seeds]
                raw[f"{label}:{os.path.basename(t)}"] = res
                rows.append((os.path.basename(t)[9:-4], mean_over_seeds(res)))
                print(label, rows[-1][0], {k: None if v is None else round(v, 3) for k, v in rows[-1][1].items()}, flush=True)
            text, _ = table(rows, label + f" (mean ROC-AUC over seeds {args.seeds})")
            report.append(text)
    if "kdd" in suites:
        http = os.path.join(args.datasets, "adbench/Classical/16_http.npz")
        smtp = os.path.join(args.datasets, "adbench/Classical/34_smtp.npz")
        rows = []
        for src, tgt, name in [(http, smtp, "http → smtp"), (smtp, http, "smtp → http")]:
            res = [run(args.anomalykit, [src], tgt, 20, 0, args.detector, args.adapt, s, args.param) for s in seeds]
            raw[name] = res
            rows.append((name, mean_over_seeds(res)))
            print(name, rows[-1][1], flush=True)
        text, _ = table(rows, f"KDD Cup 99 http ↔ smtp, K=20, {args.detector}, adapt {args.adapt}")
        report.append(text)
    if "shift" in suites:
        base = os.path.join(args.datasets, "adbench/Classical/22_magic.gamma.npz")
        d = np.load(base)
        x, y = d["X"].astype(np.float64), d["y"]
        rng = np.random.default_rng(123)
        q, _ = np.linalg.qr(rng.normal(size=(x.shape[1], x.shape[1])))
        scale = np.exp(rng.normal(scale=0.7, size=x.shape[1]))
        offset = rng.normal(scale=2.0, size=x.shape[1]) * x.std(0)
        shifted = ((x * scale + offset) @ q) + rng.normal(scale=0.05, size=x.shape) * x.std()
        with tempfile.TemporaryDirectory() as tmp:
            tpath = os.path.join(tmp, "magic_recalibrated.npz")
            np.savez(tpath, X=shifted, y=y)
            res = [run(args.anomalykit, [base], tpath, 20, 0, args.detector, args.adapt, s, args.param) for s in seeds]
        raw["shift"] = res
        text, _ = table([("magic.gamma → recalibrated", mean_over_seeds(res))],
                        f"Domain shift: magic.gamma → recalibrated copy (scale, offset, rotation, noise), K=20, {args.detector}, adapt {args.adapt}")
        report.append(text)
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump(raw, fh, indent=1)
    with open(os.path.join(args.out, "report.md"), "w") as fh:
        fh.write("\n\n".join(report) + "\n")
    print("\n\n".join(report))


if __name__ == "__main__":
    main()
