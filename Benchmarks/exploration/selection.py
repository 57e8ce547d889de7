"""Detector-selection variants, leave one dataset out over ADBench Classical (issue 4 §4).

Reads what Benchmarks/selection_benchmark.py leaves: Benchmarks/results/classical-benchmark-seedS.json
(ROC-AUC per dataset and detector), Benchmarks/out/selection/scores-seedS/*.csv (test scores) and
the shipped selector's meta-features (Models/selector-classical.safetensors). Compares, as means
over datasets and seeds: predicting ROC-AUC vs the detector's position among the detectors, the
number of neighbours and the shrinkage, a risk-averse choice (mean − λ·spread of the
neighbours), and rank-averaged ensembles of the top n (test-score ranks, which approximate the
`ensemble` detector's positions among its training scores).
Run from the repository root: .venv/bin/python Benchmarks/exploration/selection.py
"""
import glob
import json
import os
import struct

import numpy as np
from safetensors.numpy import load_file
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

SELECTOR = "Models/selector-classical.safetensors"
raw = open(SELECTOR, "rb").read()
header = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
names = json.loads(header["__metadata__"]["names"])
features, detectors, datasets = load_file(SELECTOR)["meta_features"], names["detectors"], names["datasets"]
seeds = sorted(int(p.split("seed")[-1][:-5]) for p in glob.glob("Benchmarks/results/classical-benchmark-seed*.json"))
auc, ranks = {}, {}
for s in seeds:
    runs = {(r["dataset"], r["detector"]): r["roc_auc"] for r in json.load(open(f"Benchmarks/results/classical-benchmark-seed{s}.json"))["runs"]}
    auc[s] = np.array([[runs[(d, k)] for k in detectors] for d in datasets])
    for d in datasets:
        table = np.genfromtxt(f"Benchmarks/out/selection/scores-seed{s}/{d}.csv", delimiter=",", names=True)
        ranks[(s, d)] = (table["label"].astype(int),
                         np.stack([rankdata(np.nan_to_num(table[k])) for k in detectors], axis=1))
mean_auc = np.mean([auc[s] for s in seeds], axis=0)
targets = {"roc_auc": mean_auc,
           "position": np.array([(rankdata(np.round(r, 9)) - 1) / (len(r) - 1) for r in mean_auc])}
z = (features - features.mean(0)) / np.where(features.std(0, ddof=1) > 1e-12, features.std(0, ddof=1), 1)
best = int(np.argmax(mean_auc.mean(0)))


def predict(i, table, k, shrinkage, risk=0.0):
    keep = [j for j in range(len(datasets)) if j != i]
    dist = np.sqrt(((z[keep] - z[i]) ** 2).sum(1))
    near = np.argsort(dist)[:k]
    w = 1 / (dist[near] + 1e-6)
    w /= w.sum()
    rows = table[np.array(keep)[near]]
    local = (rows * w[:, None]).sum(0)
    spread = np.sqrt((w[:, None] * (rows - local) ** 2).sum(0))
    mean = shrinkage * table[keep].mean(0) + (1 - shrinkage) * local
    return mean - risk * (shrinkage * table[keep].std(0) + (1 - shrinkage) * spread)


def ensemble_auc(s, i, members):
    labels, r = ranks[(s, datasets[i])]
    return roc_auc_score(labels, r[:, members].mean(1))


def evaluate(choice):
    return float(np.mean([np.mean([choice(s, i) for i in range(len(datasets))]) for s in seeds]))


print(f"seeds {seeds}; best single {detectors[best]} {evaluate(lambda s, i: auc[s][i, best]):.4f}; "
      f"oracle {evaluate(lambda s, i: auc[s][i].max()):.4f}; average detector {evaluate(lambda s, i: auc[s][i].mean()):.4f}; "
      f"all {len(detectors)} rank-averaged {evaluate(lambda s, i: ensemble_auc(s, i, list(range(len(detectors))))):.4f}")
print("target k shrinkage risk: top choice | top-n ensembles n = 3, 4, 5, 6")
for target, table in targets.items():
    for k, shrinkage in [(5, 0.5), (10, 0.25), (10, 0.5), (10, 0.75), (15, 0.5)]:
        for risk in [0.0, 0.5]:
            order = {i: np.argsort(-predict(i, table, k, shrinkage, risk), kind="stable") for i in range(len(datasets))}
            top = evaluate(lambda s, i: auc[s][i, order[i][0]])
            ens = [evaluate(lambda s, i: ensemble_auc(s, i, list(order[i][:n]))) for n in [3, 4, 5, 6]]
            print(f"{target:8s} {k:2d} {shrinkage:.2f} {risk:.1f}: {top:.4f} | " + " ".join(f"{v:.4f}" for v in ens))
