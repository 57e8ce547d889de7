"""The transfer benchmark of issue 3 §5, in one run: `anomalykit transfer --json` per target and seed.

Suites (each prints a table; results JSON and markdown go to --out):
  mvtec      MVTec-AD (ResNet-18 embeddings), leave one category out: source = the other 14.
             K = 10, A = 0: a linear autoencoder with per-domain centring (--adapt center);
             K = 10, A = 5: devnet and classifier with every domain read relative to its normal
             shots (--adapt relative; the experiment's default fine-tuning), plus `relative_scratch`
             (the same frame, no sources).
  kdd        16_http ↔ 34_smtp (3 shared features), both directions, K = 20, adapt coral and center.
  shift      magic.gamma split in halves; the target half goes through an unseen recalibration
             (per-feature scale and offset, a random rotation, noise); K = 20; autoencoder and
             classifier (trained on the source's labels), adapt coral and standardize; plus the
             same target half without recalibration as the no-shift reference.
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
import scipy.linalg

MODES = ["scratch", "source_only", "finetuned", "adapted", "interpolated", "knn_shots"]


# The configurations measured (see README): a linear autoencoder (identity activations, no batch
# norm, dropout or standardisation: ≈ PCA, which 10 rows can pin down) for one-class transfer;
# devnet / classifier with their defaults when anomalies are labelled. Fine-tuning: lr 0.01, 50 epochs.
LINEAR_AE = ["hidden_neuron_list=64", "hidden_activation_name=identity", "batch_norm=false", "dropout_rate=0",
             "preprocessing=false"]
FINETUNE = ["--lr", "0.01", "--epochs", "50"]


def run(binary, sources, target, shots, anomaly_shots, detector, adapt, seed, params=(), extra=()):
    cmd = [binary, "transfer", "--source", ",".join(sources), "--target", target, "--shots", str(shots),
           "--anomaly-shots", str(anomaly_shots), "--detector", detector, "--adapt", adapt, "--seed", str(seed), "--json"]
    for p in params:
        cmd += ["--param", p]
    cmd += list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return json.loads(out.stdout)


def table(rows, title, modes=MODES):
    """rows: list of (target, {mode: mean auc}) → markdown, and the means over targets."""
    lines = [f"### {title}", "", "| target | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]
    for name, r in rows:
        lines.append(f"| {name} | " + " | ".join("—" if r.get(m) is None else f"{r[m]:.3f}" for m in modes) + " |")
    means = {m: float(np.mean([r[m] for _, r in rows if r.get(m) is not None])) if any(r.get(m) is not None for _, r in rows) else None
             for m in modes}
    lines.append("| **mean** | " + " | ".join("—" if means[m] is None else f"**{means[m]:.3f}**" for m in modes) + " |")
    return "\n".join(lines), means


def mean_over_seeds(results, modes=MODES):
    """Each mode's ROC-AUC averaged over the seeds' runs (None when a run lacks it)."""
    out = {}
    for m in modes:
        vals = [r[m]["roc_auc"] for r in results if r.get(m) and r[m].get("roc_auc") is not None]
        out[m] = float(np.mean(vals)) if len(vals) == len(results) else None
    return out


def write_results(out, raw, summary, report):
    """results.json (every run and the means) and report.md (the tables) in `out`; prints the tables."""
    with open(os.path.join(out, "results.json"), "w") as fh:
        json.dump({"runs": raw, "summary": summary}, fh, indent=1)
    with open(os.path.join(out, "report.md"), "w") as fh:
        fh.write("\n\n".join(report) + "\n")
    print("\n\n".join(report))


def recalibrated_pair(base, tmp, angle):
    """magic.gamma split in two halves: the first is the source as it is; the second, the target,
    goes through an unseen recalibration (per-feature scale and offset, a random rotation, noise)."""
    d = np.load(base)
    x, y = d["X"].astype(np.float64), d["y"]
    rng = np.random.default_rng(123)
    order = rng.permutation(len(y))
    src, tgt = order[: len(y) // 2], order[len(y) // 2:]
    # A rotation by `angle` radians in random planes (sensor cross-talk), not a full random mixing.
    skew = rng.normal(size=(x.shape[1], x.shape[1]))
    skew = (skew - skew.T) / np.linalg.norm(skew - skew.T, 2)
    q = scipy.linalg.expm(angle * skew)
    scale = np.exp(rng.normal(scale=0.7, size=x.shape[1]))
    offset = rng.normal(scale=2.0, size=x.shape[1]) * x.std(0)
    xt = x[tgt]
    shifted = ((xt * scale + offset) @ q) + rng.normal(scale=0.05, size=xt.shape) * xt.std(0).mean()
    spath, tpath = os.path.join(tmp, "magic_source_half.npz"), os.path.join(tmp, "magic_recalibrated_half.npz")
    ppath = os.path.join(tmp, "magic_plain_half.npz")
    np.savez(spath, X=x[src], y=y[src])
    np.savez(tpath, X=shifted, y=y[tgt])
    np.savez(ppath, X=xt, y=y[tgt])
    return spath, tpath, ppath


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--suite", default="mvtec,kdd,shift")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--rotation", type=float, default=0.5, help="shift suite: rotation angle in radians")
    ap.add_argument("--categories", default="", help="MVTec categories to run (default: all 15)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "transfer"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    report, raw, summary = [], {}, {}
    suites = args.suite.split(",")

    def experiment(label, pairs, shots, anomalies, detector, adapt, params, extra):
        """pairs: [(name, sources, target)] → markdown table over seeds; records means."""
        rows = []
        modes = MODES[:-1] + ["relative_scratch", MODES[-1]] if adapt == "relative" else MODES
        for name, sources, target in pairs:
            res = [run(args.anomalykit, sources, target, shots, anomalies, detector, adapt, s, params, extra) for s in seeds]
            raw[f"{label}: {name}"] = res
            rows.append((name, mean_over_seeds(res, modes)))
            print(label, name, {k: None if v is None else round(v, 3) for k, v in rows[-1][1].items()}, flush=True)
        config = f"{detector} {' '.join(params)} --adapt {adapt} {' '.join(extra)}".replace("  ", " ")
        text, means = table(rows, f"{label} — mean ROC-AUC over seeds {args.seeds}; `{config}`", modes)
        report.append(text)
        summary[label] = {"means": means, "rows": {n: r for n, r in rows}, "config": config}

    with tempfile.TemporaryDirectory() as tmp:
        if "mvtec" in suites:
            files = sorted(glob.glob(os.path.join(args.datasets, "adbench/CV_by_ResNet18/MVTec-AD_*.npz")))
            keep = set(args.categories.split(",")) if args.categories else None
            pairs = [(os.path.basename(t)[9:-4], [f for f in files if f != t], t) for t in files
                     if keep is None or os.path.basename(t)[9:-4] in keep]
            experiment("MVTec-AD K=10 A=0", pairs, 10, 0, "autoencoder", "center", LINEAR_AE, FINETUNE)
            experiment("MVTec-AD K=10 A=5 devnet", pairs, 10, 5, "devnet", "relative", [], [])
            experiment("MVTec-AD K=10 A=5 classifier", pairs, 10, 5, "classifier", "relative", [], [])
        if "kdd" in suites:
            http = os.path.join(args.datasets, "adbench/Classical/16_http.npz")
            smtp = os.path.join(args.datasets, "adbench/Classical/34_smtp.npz")
            pairs = [("http → smtp", [http], smtp), ("smtp → http", [smtp], http)]
            for adapt in ["coral", "standardize"]:
                experiment(f"KDD Cup 99 K=20 adapt {adapt}", pairs, 20, 0, "autoencoder", adapt, [], [])
        if "shift" in suites:
            spath, tpath, ppath = recalibrated_pair(os.path.join(args.datasets, "adbench/Classical/22_magic.gamma.npz"), tmp,
                                                   args.rotation)
            # An unsupervised autoencoder, and the classifier trained on the source's labels (the
            # stronger source model, so the shift costs more); each also on the same target half
            # without the recalibration: what source-only would give with no shift.
            for detector in ["autoencoder", "classifier"]:
                for adapt in ["coral", "standardize"]:
                    experiment(f"Recalibrated magic.gamma K=20 {detector} adapt {adapt}",
                               [("magic half → recalibrated half", [spath], tpath)], 20, 0, detector, adapt, [], [])
                experiment(f"Unshifted magic.gamma K=20 {detector} (reference)",
                           [("magic half → other half, no recalibration", [spath], ppath)], 20, 0, detector, "coral", [], [])
    write_results(args.out, raw, summary, report)


if __name__ == "__main__":
    main()
