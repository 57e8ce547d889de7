"""K = 5 (issue 4 §4): the span distance combined with a "defect" classifier learned on the sources.

Leave one category out, scikit-learn's stratified 70/30 split, 3 seeds. The classifier: logistic
regression on the 14 source categories' rows, each centred on the mean of K of its normal rows
(2 draws), anomalies as positives; on the target, rows centred on the K shots' mean. Combined with
the span distance (what `metric` builds on) as log(span / the shots' leave-one-out median span) +
weight × margin, or by ranks over the test rows (transductive, for an upper look only).
Run: DATASETS=../shared/datasets K=5 .venv/bin/python Benchmarks/exploration/span_classifier.py
"""
import os

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.linear_model import LogisticRegression
from scipy.stats import rankdata
import mvtec
from frame import knn, span
data = mvtec.load()
K = int(os.environ.get("K", "5"))
def span_loo(S):
    return np.array([span(np.delete(S, i, 0), S[i:i+1])[0] for i in range(len(S))])
res = {}
for cat, (X, y) in data.items():
    srcX, srcY = [], []
    rng0 = np.random.default_rng(123)
    for c, (Xs, ys) in data.items():
        if c == cat: continue
        for _ in range(2):
            mu = Xs[ys == 0][rng0.choice((ys == 0).sum(), K, replace=False)].mean(0)
            srcX.append(Xs - mu); srcY.append(ys)
    srcX = np.vstack(srcX); srcY = np.concatenate(srcY)
    clfs = {C: LogisticRegression(C=C, max_iter=3000, class_weight='balanced').fit(srcX, srcY) for C in [0.003, 0.03]}
    for seed in range(3):
        S, te, yte = mvtec.episode(X, y, K, seed)
        mu = S.mean(0)
        r = res.setdefault(cat, {})
        add = lambda k, s: r.setdefault(k, []).append(roc_auc_score(yte, s))
        k = knn(S, te); sp = span(S, te); spl = span_loo(S)
        add("knn", k); add("span", sp)
        for C, clf in clfs.items():
            c = clf.decision_function(te - mu)
            add(("clf", C), c)
            for w in [0.2, 0.35, 0.5]:
                # span / median LOO span (scale-free), log; classifier raw margin (shared scale across tasks)
                add(("log", C, w), (1 - w) * np.log(sp / np.median(spl)) + w * c)
                add(("rank", C, w), (1 - w) * rankdata(sp) + w * rankdata(c))
    print(cat, {str(k): round(float(np.mean(v)), 3) for k, v in r.items() if k in ("knn", "span") or k[0] == "clf"}, flush=True)
for key in next(iter(res.values())):
    print(key, f"{np.mean([np.mean(res[c][key]) for c in res]):.4f}")
