"""Scoring variants for few-shot MVTec-AD (issue 4 §4, K = 5 by default; `K=10` to change).

Leave one category out, scikit-learn's stratified 70/30 split, 3 seeds, K normal shots: kNN (k = 1)
and the distance to the ridge-regularised affine span of the shots (what `metric` builds on),
against variants that use the 14 source categories or other transforms: power-transformed and
L2-normalised features, per-feature scaling by the sources' within-task variance, an RBF-kernel
span (GP posterior variance), within-task directions from all or only the nearest source
categories, discriminative directions (sources' normal vs anomaly-deviation covariance), and a
rank combination of span and kNN.
Run: DATASETS=../shared/datasets K=5 .venv/bin/python Benchmarks/exploration/fewshot_variants.py
"""
import os

import numpy as np
from scipy.linalg import eigh
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

import mvtec
from frame import knn, span

data = mvtec.load()
K = int(os.environ.get("K", "5"))


def gp(S, Q, factor, lam=0.01):
    sq = lambda A, B: np.maximum((A ** 2).sum(1)[:, None] + (B ** 2).sum(1)[None, :] - 2 * A @ B.T, 0)
    D = sq(S, S)
    h = np.median(D[np.triu_indices(len(S), 1)]) * factor
    kss, kqs = np.exp(-D / h), np.exp(-sq(Q, S) / h)
    return 1 - (kqs * np.linalg.solve(kss + lam * np.eye(len(S)), kqs.T).T).sum(1)


def directions(covariance, m):
    values, vectors = np.linalg.eigh(covariance)
    return (vectors[:, ::-1][:, :m] * np.sqrt(np.maximum(values[::-1][:m], 0))).T


res = {}
for cat, (X, y) in data.items():
    sources = {c: data[c] for c in data if c != cat}
    within = {c: np.cov(Xs[ys == 0].T) for c, (Xs, ys) in sources.items()}
    means = {c: Xs[ys == 0].mean(0) for c, (Xs, ys) in sources.items()}
    cn = sum(within.values()) / len(within)
    ca = sum(((Xs[ys == 1] - means[c]).T @ (Xs[ys == 1] - means[c])) / (ys == 1).sum() for c, (Xs, ys) in sources.items()) / len(sources)
    variance = np.mean([Xs[ys == 0].var(0) for Xs, ys in sources.values()], 0)
    _, gen = eigh(cn, ca + np.trace(ca) / len(ca) * np.eye(len(ca)))
    gen = gen[:, ::-1][:, :8] / np.linalg.norm(gen[:, ::-1][:, :8], axis=0)
    u16 = directions(cn, 16)
    for seed in range(3):
        S, te, yte = mvtec.episode(X, y, K, seed)
        r = res.setdefault(cat, {})
        add = lambda k, s: r.setdefault(k, []).append(roc_auc_score(yte, s))
        add("knn", knn(S, te))
        add("span", span(S, te))
        add("span of x^0.75", span(S ** 0.75, te ** 0.75))
        add("span, L2-normalised", span(S / np.linalg.norm(S, axis=1, keepdims=True), te / np.linalg.norm(te, axis=1, keepdims=True)))
        w = 1 / np.sqrt(variance + 10 * variance.mean())
        add("span, per-feature scaled", span(S * w, te * w))
        add("kernel span (GP)", gp(S, te, 4))
        add("span + 16 source directions", span(S, te, U=u16))
        near = sorted(sources, key=lambda c: np.linalg.norm(means[c] - S.mean(0)))[:3]
        add("span + 16 directions of the 3 nearest sources", span(S, te, U=directions(sum(within[c] for c in near) / 3, 16)))
        add("span + 8 discriminative directions", span(S, te, U=(gen * np.sqrt(np.linalg.eigvalsh(cn)[-1]) * 3).T))
        add("rank(span) + rank(knn)", rankdata(span(S, te)) + rankdata(knn(S, te)))
    print(cat, {k: round(float(np.mean(v)), 3) for k, v in r.items()}, flush=True)
mvtec.print_means(res)
