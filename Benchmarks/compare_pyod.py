"""AnomalyKit vs PyOD on the same splits, in one run.

For each dataset: a stratified 70/30 split (seed) is written once to .npy; AnomalyKit
(`anomalykit evaluate --train/--test/--test-labels --json --scores-out`) and PyOD
(pyod_worker.py, a separate process) are fitted on the same training rows and score the same test
rows; both sides' ROC-AUC and AP are computed here with scikit-learn from the saved scores, and
fit/score times are the in-process times each side reports. A side that exceeds --timeout is
recorded as not finished (its time counted as at least the timeout).

Random detectors (--seeds, default iforest=10) are run with detector seeds 0..S−1 on both sides
and compared on their mean ROC-AUC: one isolation forest's AUC varies by ±0.02–0.05 between seeds
on small data sets, so a single seed compares noise, not the implementations. Times are medians:
over the seeds for random detectors, and over --repeats runs for the others when one run takes
less than --repeat-below seconds (longer runs are timed once).

Writes results.json and report.md into --out.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import statistics

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DETECTORS = ["knn", "lof", "iforest", "ecod", "copod", "hbos", "pca", "mcd", "ocsvm", "gmm"]
# Parity criteria from issue 2: per-dataset |ΔAUC| ≤ 0.005 for deterministic detectors, mean ≤ 0.01 otherwise.
STRICT = {"knn", "lof", "hbos", "pca", "gmm"}
# Detectors whose AnomalyKit parameters include random_state (seeded per run).
RANDOM_STATE_DETECTORS = {"iforest", "mcd", "gmm"}


def split(path, seed, workdir):
    data = np.load(path)
    x, y = data["X"], data["y"].astype(np.int64)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.3, random_state=seed, stratify=y)
    np.save(f"{workdir}/X_train.npy", x[tr])
    np.save(f"{workdir}/X_test.npy", x[te])
    np.save(f"{workdir}/y_test.npy", y[te])
    return x.shape, y[te]


def run(cmd, timeout):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout", time.perf_counter() - t0
    if p.returncode != 0:
        return None, (p.stderr or p.stdout).strip()[-400:], time.perf_counter() - t0
    return p.stdout, None, time.perf_counter() - t0


def metrics(y, scores):
    if scores is None or not np.all(np.isfinite(scores)):
        return None, None
    return float(roc_auc_score(y, scores)), float(average_precision_score(y, scores))


def run_anomalykit(args, d, seed, workdir, y_test):
    cmd = [args.anomalykit, "evaluate", "--detector", d, "--train", f"{workdir}/X_train.npy",
           "--test", f"{workdir}/X_test.npy", "--test-labels", f"{workdir}/y_test.npy", "--json",
           "--scores-out", f"{workdir}/ak_scores.npy"]
    if d in RANDOM_STATE_DETECTORS:
        cmd += ["--param", f"random_state={seed}"]
    out, err, wall = run(cmd, args.timeout)
    if err is not None:
        return {"error": err, "seconds_at_least": wall}
    j = json.loads(out)
    auc, ap = metrics(y_test, np.load(f"{workdir}/ak_scores.npy"))
    return {"seconds": j["fit_seconds"] + j["score_seconds"], "fit_seconds": j["fit_seconds"],
            "score_seconds": j["score_seconds"], "auc": auc, "ap": ap}


def run_pyod(args, d, seed, workdir, y_test):
    out, err, wall = run([sys.executable, os.path.join(HERE, "pyod_worker.py"), d, workdir,
                          f"{workdir}/pyod", str(seed)], args.timeout)
    if err is not None:
        return {"error": err, "seconds_at_least": wall}
    with open(f"{workdir}/pyod.json") as fh:
        j = json.load(fh)
    auc, ap = metrics(y_test, np.load(f"{workdir}/pyod.npy"))
    return {"seconds": j["fit_seconds"] + j["score_seconds"], "fit_seconds": j["fit_seconds"],
            "score_seconds": j["score_seconds"], "auc": auc, "ap": ap}


def measure(one_run, seeds, is_random, args):
    """Runs one side: every seed for a random detector, else repeats while runs are short.
    AUC/AP: mean over the seeds; seconds: median over the runs (each run's fit + score)."""
    runs = []
    for i, s in enumerate(seeds):
        r = one_run(s)
        if "error" in r:
            return r
        runs.append(r)
        if is_random and i == 0 and r["seconds"] > args.repeat_below * 10:
            break  # a slow random run: the first seed only
    if not is_random:
        while len(runs) < args.repeats and runs[-1]["seconds"] < args.repeat_below:
            r = one_run(seeds[0])
            if "error" in r:
                break
            runs.append(r)
    out = {"seconds": statistics.median(r["seconds"] for r in runs),
           "fit_seconds": statistics.median(r["fit_seconds"] for r in runs),
           "score_seconds": statistics.median(r["score_seconds"] for r in runs),
           "runs": len(runs)}
    aucs = [r["auc"] for r in runs]
    if all(a is not None for a in aucs):
        out["auc"] = float(np.mean(aucs))
        out["ap"] = float(np.mean([r["ap"] for r in runs]))
        if is_random:
            out["auc_per_seed"] = aucs
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", required=True)
    ap.add_argument("--anomalykit", required=True, help="path of the release anomalykit binary")
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    ap.add_argument("--only", default="", help="comma-separated dataset name filter")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--skip-pyod", default="", help="detector:dataset pairs to skip on the PyOD side")
    ap.add_argument("--seeds", default="iforest=10",
                    help="random detectors and how many detector seeds (0..S-1) to average, e.g. iforest=10,mcd=3")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of a deterministic detector (median)")
    ap.add_argument("--repeat-below", type=float, default=5.0,
                    help="repeat only runs shorter than this many seconds")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--merge", action="store_true",
                    help="keep the other detectors' rows of an earlier results.json in --out and redo only these")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    workdir = os.path.join(args.out, "split")
    os.makedirs(workdir, exist_ok=True)
    files = sorted(f for f in os.listdir(args.datasets) if f.endswith(".npz"))
    if args.only:
        keep = set(args.only.split(","))
        files = [f for f in files if f[:-4] in keep]
    dets = args.detectors.split(",")
    random_seeds = {k: int(v) for k, v in (p.split("=") for p in args.seeds.split(",") if p)}
    results_path = os.path.join(args.out, "results.json")
    results = []
    if args.merge and os.path.exists(results_path):
        with open(results_path) as fh:
            results = [r for r in json.load(fh) if r["detector"] not in dets]
    for f in files:
        name = f[:-4]
        shape, y_test = split(os.path.join(args.datasets, f), args.seed, workdir)
        for d in dets:
            row = {"dataset": name, "detector": d, "n": int(shape[0]), "d": int(shape[1])}
            seeds = list(range(random_seeds[d])) if d in random_seeds else [args.seed]
            row["seeds"] = seeds if d in random_seeds else None
            ak = measure(lambda s: run_anomalykit(args, d, s, workdir, y_test), seeds, d in random_seeds, args)
            row.update({f"ak_{k}": v for k, v in ak.items()})
            if f"{d}:{name}" in args.skip_pyod.split(","):
                row["pyod_error"] = "skipped"
            else:
                py = measure(lambda s: run_pyod(args, d, s, workdir, y_test), seeds, d in random_seeds, args)
                row.update({f"pyod_{k}": v for k, v in py.items()})
            msg = f"{d:8s} {name:22s} AK auc={row.get('ak_auc')} t={row.get('ak_seconds', 0):.3f}s | PyOD auc={row.get('pyod_auc')} t={row.get('pyod_seconds', row.get('pyod_seconds_at_least', 0)):.3f}s"
            if "ak_error" in row:
                msg += f" | AK error: {row['ak_error'][:120]}"
            if "pyod_error" in row:
                msg += f" | PyOD: {row['pyod_error'][:80]}"
            print(msg, flush=True)
            results.append(row)
            with open(results_path, "w") as fh:
                json.dump(results, fh, indent=1)
    present = {r["detector"] for r in results}
    write_report(results, [d for d in DETECTORS if d in present] + sorted(present - set(DETECTORS)), args)


def write_report(results, dets, args):
    lines = ["# AnomalyKit vs PyOD", "",
             f"Datasets: {args.datasets}; stratified 70/30 split, seed {args.seed}; same .npy split for both sides; "
             f"ROC-AUC/AP from the saved test scores with scikit-learn; times are in-process fit + score seconds; "
             f"timeout {args.timeout:.0f} s per side and run. Random detectors ({args.seeds}): mean AUC over detector seeds 0..S−1, "
             f"median time over those runs; others: median of up to {args.repeats} runs when a run takes under {args.repeat_below:g} s. "
             f"A side that did not finish counts as at least the time it ran (≥).", "",
             "| detector | datasets | mean |ΔAUC| | max |ΔAUC| | mean AUC AK | mean AUC PyOD | AK s | PyOD s | speed-up | PyOD unfinished |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    speedups = []
    for d in dets:
        rows = [r for r in results if r["detector"] == d]
        both = [r for r in rows if r.get("ak_auc") is not None and r.get("pyod_auc") is not None]
        deltas = [abs(r["ak_auc"] - r["pyod_auc"]) for r in both]
        ak_t = sum(r.get("ak_seconds", r.get("ak_seconds_at_least", 0)) for r in rows)
        py_t = sum(r.get("pyod_seconds", r.get("pyod_seconds_at_least", 0)) for r in rows)
        unfinished = [r["dataset"] for r in rows if "pyod_error" in r]
        lower = " (≥)" if unfinished else ""
        sp = py_t / ak_t if ak_t > 0 else float("nan")
        speedups.append(sp)
        lines.append(f"| {d} | {len(both)} | {np.mean(deltas) if deltas else float('nan'):.4f} | {max(deltas) if deltas else float('nan'):.4f} | "
                     f"{np.mean([r['ak_auc'] for r in both]) if both else float('nan'):.4f} | {np.mean([r['pyod_auc'] for r in both]) if both else float('nan'):.4f} | "
                     f"{ak_t:.2f} | {py_t:.2f}{lower} | {sp:.1f}×{lower} | {', '.join(unfinished) or '—'} |")
    geo = math.exp(np.mean([math.log(s) for s in speedups if s > 0 and math.isfinite(s)])) if speedups else float("nan")
    lines += ["", f"Geometric mean speed-up over detectors: {geo:.1f}×", "",
              "## Per dataset", "", "| dataset | n × d | detector | AUC AK | AUC PyOD | ΔAUC | AK s | PyOD s |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        ak, py = r.get("ak_auc"), r.get("pyod_auc")
        delta = f"{ak - py:+.4f}" if ak is not None and py is not None else "—"
        pys = f"{r['pyod_seconds']:.3f}" if "pyod_seconds" in r else f"≥{r.get('pyod_seconds_at_least', 0):.0f} ({r.get('pyod_error', '')[:30]})"
        aks = f"{r['ak_seconds']:.3f}" if "ak_error" not in r else f"≥{r.get('ak_seconds_at_least', 0):.0f} ({r['ak_error'][:40]})"
        lines.append(f"| {r['dataset']} | {r['n']}×{r['d']} | {r['detector']} | {ak if ak is None else f'{ak:.4f}'} | "
                     f"{py if py is None else f'{py:.4f}'} | {delta} | {aks} | {pys} |")
    with open(os.path.join(args.out, "report.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines[:len(dets) + 8]))


if __name__ == "__main__":
    main()
