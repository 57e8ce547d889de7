"""Issue 16 §2: learning from generated and augmented anomalies.

exposure — outlier exposure on the Classical datasets: devnet and classifier trained on the
  training split with every label hidden, against anomalies generated from it
  (`benchmark --synthetic-anomalies T`), for each type and two mixtures; against the unsupervised
  detectors of the same split (the best single one by corpus mean, and the per-dataset oracle) and
  `auto` (the shipped selector, which leaves the dataset out of its own prediction; `--ensemble 5`).
augmentation — ADBench's semi-supervised settings on the Classical datasets: 1 % and 5 % of the
  training anomalies labelled (`benchmark --labelled-anomalies`), devnet and classifier with and
  without `--augment smote|mixup|jitter`; and MVTec-AD (ResNet-18 embeddings) with K = 10 normal
  and A = 5 labelled anomalous training rows per category (`evaluate --train --test`), the rest
  as test rows, with knn on the 10 normal rows as the label-free reference.

Datasets: the Classical files of at most 7,603 rows and 100 features (20 of 31), seeds 0-2.
Usage: scripts/benchmark-outlier-exposure | scripts/benchmark-augmentation [--seeds 0,1,2]
"""
import argparse, glob, json, os, subprocess, tempfile, time

import numpy as np

UNSUPERVISED = "knn,lof,iforest,ecod,copod,hbos,pca,mcd,ocsvm,gmm,autoencoder,vae,deepsvdd"
LABELLED = ["devnet", "classifier"]
EXPOSURES = ["global", "local", "clustered", "dependency", "global,clustered", "global,local,clustered,dependency"]
AUGMENTS = [None, "smote", "mixup", "jitter"]


def sh(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stderr}")
    return res.stdout


def small_classical(folder, max_rows=7603, max_features=100):
    out = []
    for p in sorted(glob.glob(os.path.join(folder, "*.npz"))):
        with np.load(p) as d:
            n, f = d["X"].shape
        if n <= max_rows and f <= max_features:
            out.append(p)
    return out


def bench(binary, folder, seed, detectors, *extra):
    runs = json.loads(sh([binary, "benchmark", "--datasets", folder, "--seed", str(seed), "--detectors", detectors,
                          "--json", "--quiet", *extra]))["runs"]
    return {(r["dataset"], r["detector"]): r.get("roc_auc", float("nan")) for r in runs}


def exposure(args, files, tmp):
    names = [os.path.basename(f)[:-4] for f in files]
    unsup = UNSUPERVISED.split(",")
    rows = {}  # mode -> seed -> list over datasets
    for s in args.seeds:
        t0 = time.time()
        base = bench(args.anomalykit, tmp, s, UNSUPERVISED)
        auc = np.array([[base[(n, d)] for d in unsup] for n in names])
        rows.setdefault("per detector", {})[s] = {d: list(auc[:, j]) for j, d in enumerate(unsup)}
        rows.setdefault("oracle (best unsupervised per dataset)", {})[s] = list(np.nanmax(auc, axis=1))
        for t in EXPOSURES:
            r = bench(args.anomalykit, tmp, s, ",".join(LABELLED), "--synthetic-anomalies", t)
            for d in LABELLED:
                rows.setdefault(f"{d} + synthetic {t}", {})[s] = [r[(n, d)] for n in names]
        rows.setdefault("auto (ensemble 5)", {})[s] = [
            json.loads(sh([args.anomalykit, "auto", "--data", f, "--seed", str(s), "--json"]))["roc_auc"] for f in files]
        print(f"exposure seed {s}: {time.time() - t0:.0f} s", flush=True)
    per_detector = {d: float(np.mean([np.mean(rows["per detector"][s][d]) for s in args.seeds])) for d in unsup}
    best = max(per_detector, key=per_detector.get)
    modes = {f"best single unsupervised ({best})": {s: rows["per detector"][s][best] for s in args.seeds}}
    modes.update({k: v for k, v in rows.items() if k != "per detector"})
    return summarise(modes, names, args.seeds), per_detector


def augmentation(args, files, tmp):
    names = [os.path.basename(f)[:-4] for f in files]
    modes = {}
    for s in args.seeds:
        t0 = time.time()
        for share in (0.01, 0.05):
            for a in AUGMENTS:
                extra = ["--labelled-anomalies", str(share)] + (["--augment", a] if a else [])
                r = bench(args.anomalykit, tmp, s, ",".join(LABELLED), *extra)
                for d in LABELLED:
                    modes.setdefault(f"{share:.0%} labelled: {d}" + (f" + {a}" if a else ""), {})[s] = [r[(n, d)] for n in names]
        base = bench(args.anomalykit, tmp, s, "iforest,knn")
        for d in ("iforest", "knn"):
            modes.setdefault(f"unsupervised {d}", {})[s] = [base[(n, d)] for n in names]
        print(f"augmentation seed {s}: {time.time() - t0:.0f} s", flush=True)
    classical = summarise(modes, names, args.seeds)
    mvtec = mvtec_few_shot(args)
    return classical, mvtec


def mvtec_few_shot(args, k=10, a=5):
    files = sorted(glob.glob(os.path.join(args.cv, "MVTec-AD_*.npz")))
    names = [os.path.basename(f)[len("MVTec-AD_"):-4] for f in files]
    modes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in args.seeds:
            t0 = time.time()
            for f, n in zip(files, names):
                d = np.load(f)
                x, y = d["X"].astype(np.float32), d["y"].astype(np.int64)
                rng = np.random.default_rng(s)
                normal, anomalous = rng.permutation(np.flatnonzero(y == 0)), rng.permutation(np.flatnonzero(y == 1))
                train = np.concatenate([normal[:k], anomalous[:a]])
                test = np.concatenate([normal[k:], anomalous[a:]])
                tr, te, tr0 = (os.path.join(tmp, f"{n}-{p}.npz") for p in ("train", "test", "normal"))
                labels = os.path.join(tmp, f"{n}-test-labels.npy")
                np.savez(tr, X=x[train], y=y[train])
                np.savez(te, X=x[test])
                np.save(labels, y[test])
                np.savez(tr0, X=x[normal[:k]], y=y[normal[:k]])
                for det in LABELLED:
                    for aug in AUGMENTS:
                        cmd = [args.anomalykit, "evaluate", "--detector", det, "--train", tr, "--test", te, "--test-labels", labels, "--json"]
                        r = json.loads(sh(cmd + (["--augment", aug] if aug else [])))
                        modes.setdefault(f"{det}" + (f" + {aug}" if aug else ""), {}).setdefault(s, []).append(r["roc_auc"])
                r = json.loads(sh([args.anomalykit, "evaluate", "--detector", "knn", "--train", tr0, "--test", te, "--test-labels", labels, "--json"]))
                modes.setdefault("knn on the 10 normal rows", {}).setdefault(s, []).append(r["roc_auc"])
            print(f"MVTec-AD seed {s}: {time.time() - t0:.0f} s", flush=True)
    return summarise(modes, names, args.seeds)


def summarise(modes, names, seeds):
    """mode -> {mean (over seeds of the mean over datasets), per-dataset means over seeds}."""
    out = {}
    for mode, by_seed in modes.items():
        arr = np.array([by_seed[s] for s in seeds], dtype=float)
        out[mode] = {"mean": float(np.nanmean(np.nanmean(arr, axis=1))),
                     "seed_means": [float(v) for v in np.nanmean(arr, axis=1)],
                     "per_dataset": {n: float(v) for n, v in zip(names, np.nanmean(arr, axis=0))}}
    return out


def table(summary, title):
    s = f"| {title} | mean ROC-AUC | per seed |\n|---|---|---|\n"
    for mode, v in summary.items():
        s += f"| {mode} | {v['mean']:.3f} | {' '.join(f'{x:.3f}' for x in v['seed_means'])} |\n"
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=["exposure", "augmentation"])
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", required=True, help="../shared/datasets (Classical and CV_by_ResNet18 under adbench/)")
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args()
    args.seeds = [int(s) for s in args.seeds.split(",")]
    args.cv = os.path.join(args.datasets, "adbench", "CV_by_ResNet18")
    files = small_classical(os.path.join(args.datasets, "adbench", "Classical"))
    commit = sh(["git", "rev-parse", "--short", "HEAD"]).strip()
    meta = {"date": time.strftime("%Y-%m-%d"), "commit": commit, "seeds": args.seeds,
            "datasets": [os.path.basename(f)[:-4] for f in files]}
    with tempfile.TemporaryDirectory() as tmp:
        for p in files:
            os.symlink(os.path.abspath(p), os.path.join(tmp, os.path.basename(p)))
        if args.part == "exposure":
            summary, per_detector = exposure(args, files, tmp)
            result = {**meta, "summary": summary, "unsupervised_means": per_detector}
            md = f"# Outlier exposure\n\n{meta['date']}, commit {commit}, seeds {args.seeds}, {len(files)} Classical datasets " \
                 "(≤ 7,603 rows, ≤ 100 features); devnet and classifier see no label, only the generated anomalies.\n\n"
            md += table(summary, "mode") + "\nUnsupervised detectors (mean ROC-AUC): " + \
                ", ".join(f"{d} {v:.3f}" for d, v in sorted(per_detector.items(), key=lambda kv: -kv[1])) + "\n"
        else:
            classical, mvtec = augmentation(args, files, tmp)
            result = {**meta, "classical": classical, "mvtec": mvtec}
            md = f"# Augmenting the labelled anomalies\n\n{meta['date']}, commit {commit}, seeds {args.seeds}.\n\n" \
                 f"## Classical ({len(files)} datasets, ≤ 7,603 rows, ≤ 100 features), ADBench's semi-supervised settings\n\n" + \
                 table(classical, "mode") + \
                 "\n## MVTec-AD (ResNet-18 embeddings, 15 categories), K = 10 normal + A = 5 labelled anomalies\n\n" + \
                 table(mvtec, "mode")
    name = "outlier-exposure" if args.part == "exposure" else "augmentation"
    with open(f"Benchmarks/results/{name}.json", "w") as f:
        json.dump(result, f, indent=1)
    with open(f"Benchmarks/results/{name}.md", "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
