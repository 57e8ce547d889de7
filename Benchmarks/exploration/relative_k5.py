"""K = 5, A = 0 (issue 4 §4): the relative frame's ten measures combined by weights learned on the sources.

Leave one category out, scikit-learn's stratified 70/30 split, 3 seeds, K normal shots. Each
source category is read in the frame of K of its normal rows (3 draws); the weights over the ten
logged measures (see frame.py) are learned there either by logistic regression (anomaly vs
normal, pooled) or by a within-task pairwise ranking loss (each anomaly above each normal of the
same draw; L-BFGS from the span alone, a small pull back to it). The target is read in the frame
of its K shots and scored with the weights; against the span measure alone and kNN (k = 1).
Run: DATASETS=../shared/datasets [K=5] .venv/bin/python Benchmarks/exploration/relative_k5.py
"""
import os
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import mvtec
from frame import frame

warnings.filterwarnings("ignore")
data = mvtec.load()
K = int(os.environ.get("K", "5"))


def ranking_loss(w, groups, w0, lam=1e-2):
    """Mean logistic loss over (anomaly, normal) pairs within each draw, and its gradient."""
    total, grad = 0.0, np.zeros_like(w)
    for F, y in groups:
        s = F @ w
        diff = s[y == 1][:, None] - s[y == 0][None, :]
        p = 1 / (1 + np.exp(np.clip(diff, -30, 30)))
        total += np.mean(np.logaddexp(0, -diff))
        grad += -(p.sum(1) @ F[y == 1] - p.sum(0) @ F[y == 0]) / diff.size
    return total / len(groups) + lam * ((w - w0) ** 2).sum(), grad / len(groups) + 2 * lam * (w - w0)


res = {}
for cat in mvtec.categories(data):
    X, y = data[cat]
    rng0 = np.random.default_rng(7)
    groups = []
    for c, (Xs, ys) in data.items():
        if c == cat:
            continue
        for _ in range(3):
            shots = rng0.choice(np.where(ys == 0)[0], K, replace=False)
            rest = np.setdiff1d(np.arange(len(ys)), shots)
            groups.append((frame(Xs[shots])(Xs[rest]), ys[rest]))
    F = np.vstack([g[0] for g in groups]); Y = np.concatenate([g[1] for g in groups])
    logistic = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(F, Y)
    w0 = np.zeros(F.shape[1]); w0[0] = 1.0
    w = minimize(ranking_loss, w0.copy(), args=(groups, w0), jac=True, method="L-BFGS-B").x
    r = res.setdefault(cat, {})
    for seed in range(3):
        S, te, yte = mvtec.episode(X, y, K, seed)
        T = frame(S)(te)
        for name, s in [("knn", T[:, 1]), ("span", T[:, 0]), ("logistic", logistic.decision_function(T)),
                        ("pairwise ranking", T @ w)]:
            r.setdefault(name, []).append(roc_auc_score(yte, s))
    print(cat, {k: round(float(np.mean(v)), 3) for k, v in r.items()}, flush=True)
mvtec.print_means(res)
