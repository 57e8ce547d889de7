"""K = 5 (issue 4 §4): a Gaussian score whose covariance is a posterior mixing the shots' scatter
with a prior learned from the sources, and the span's ridge swept.

The prior is the 14 source categories' within-category normal covariance, each scaled to unit trace,
averaged, then scaled to the shots' total variance; `nu` is its weight in pseudo-rows and `eps` an
isotropic floor (relative to the mean variance). Score: Mahalanobis distance to the shots' mean
under (nu·prior + shots' scatter) / (nu + K). Also: the span with its ridge from 0.003 to 3.
Run: DATASETS=../shared/datasets K=5 .venv/bin/python Benchmarks/exploration/source_prior.py
"""
import os

import numpy as np
from sklearn.metrics import roc_auc_score

import mvtec
from frame import knn, span

data = mvtec.load()
K = int(os.environ.get("K", "5"))

res = {}
for cat, (X, y) in data.items():
    within = [np.cov(Xs[ys == 0].T) for c, (Xs, ys) in data.items() if c != cat]
    prior = sum(w / np.trace(w) for w in within) / len(within)
    for seed in range(3):
        S, te, yte = mvtec.episode(X, y, K, seed)
        r = res.setdefault(cat, {})
        add = lambda k, s: r.setdefault(k, []).append(roc_auc_score(yte, s))
        add("knn", knn(S, te))
        for lam in [0.003, 0.03, 0.1, 0.3, 1, 3]:
            add(f"span, ridge {lam}", span(S, te, lam=lam))
        mu = S.mean(0); B = S - mu; R = te - mu
        scale = (B ** 2).sum() / (K - 1)
        for nu in [1, 3, 10, 30]:
            for eps in [0.01, 0.1]:
                P = (nu * scale * prior + B.T @ B) / (nu + K)
                P += eps * np.trace(P) / len(P) * np.eye(len(P))
                add(f"posterior Gaussian, nu {nu}, eps {eps}", np.einsum("ij,ij->i", R, np.linalg.solve(P, R.T).T))
    print(cat, {k: round(float(np.mean(v)), 3) for k, v in r.items() if k in ("knn", "span, ridge 0.1")}, flush=True)
mvtec.print_means(res)
