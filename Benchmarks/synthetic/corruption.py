"""ADBench's robustness settings with `anomalykit benchmark`: duplicated anomalies (each anomaly in
N copies, N = 1…6, before the split), irrelevant noise features (0-50 % of the columns) and label
noise (0-50 % of the training labels flipped; only devnet and classifier read labels). Mean test
ROC-AUC over datasets and seeds per detector and setting, and its change from the clean setting.

Datasets: the Classical files of at most 7,603 rows and 100 features (20 of 31).
Usage: scripts/benchmark-corruption [--seeds 0,1]
"""
import argparse, json, os, subprocess, tempfile, time

import numpy as np

from learning_from_anomalies import sh, small_classical

DETECTORS = "iforest,knn,lof,ecod,copod,hbos,pca,ocsvm,autoencoder,devnet,classifier"
SETTINGS = [("duplicate-anomalies", ["1", "2", "4", "6"]), ("noise-features", ["0", "0.1", "0.25", "0.5"]),
            ("label-noise", ["0", "0.05", "0.1", "0.25", "0.5"])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", required=True, help="the Classical folder")
    ap.add_argument("--seeds", default="0,1")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    files = small_classical(args.datasets)
    detectors = DETECTORS.split(",")
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for p in files:
            os.symlink(os.path.abspath(p), os.path.join(tmp, os.path.basename(p)))
        for option, values in SETTINGS:
            dets = "devnet,classifier" if option == "label-noise" else DETECTORS
            for v in values:
                t0 = time.time()
                means = {}
                for s in seeds:
                    runs = json.loads(sh([args.anomalykit, "benchmark", "--datasets", tmp, "--seed", str(s), "--detectors", dets,
                                          f"--{option}", v, "--json", "--quiet"]))["runs"]
                    for d in dets.split(","):
                        aucs = [r["roc_auc"] for r in runs if r["detector"] == d and "roc_auc" in r]
                        means.setdefault(d, []).append(float(np.mean(aucs)))
                result.setdefault(option, {})[v] = {d: float(np.mean(m)) for d, m in means.items()}
                print(f"{option} {v}: {time.time() - t0:.0f} s", flush=True)
    commit = sh(["git", "rev-parse", "--short", "HEAD"]).strip()
    meta = {"date": time.strftime("%Y-%m-%d"), "commit": commit, "seeds": seeds,
            "datasets": [os.path.basename(f)[:-4] for f in files]}
    md = f"# ADBench's robustness settings\n\n{meta['date']}, commit {commit}, seeds {seeds}, {len(files)} Classical datasets " \
         "(≤ 7,603 rows, ≤ 100 features). Mean test ROC-AUC (change from the clean setting).\n"
    for option, values in SETTINGS:
        dets = ["devnet", "classifier"] if option == "label-noise" else detectors
        md += f"\n## --{option}\n\n| detector | " + " | ".join(values) + " |\n|---|" + "---|" * len(values) + "\n"
        for d in dets:
            clean = result[option][values[0]][d]
            cells = [f"{result[option][v][d]:.3f}" + ("" if v == values[0] else f" ({result[option][v][d] - clean:+.3f})") for v in values]
            md += f"| {d} | " + " | ".join(cells) + " |\n"
    with open("Benchmarks/results/corruption.json", "w") as f:
        json.dump({**meta, "results": result}, f, indent=1)
    with open("Benchmarks/results/corruption.md", "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
