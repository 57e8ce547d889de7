"""Can what the sources teach about defects carry to a new MVTec-AD category? (issue 3 §5, K = 10, A = 5)

Leave one category out, scikit-learn's stratified 70/30 split, 3 seeds; each source category
contributes rows read relative to 10 of its own normal rows (two draws), the target relative to
its 10 normal shots. Two representations:
- `absdev`: per-feature |x − mean of the shots|, standardised; logistic regression;
- `residual`: x's residual from the ridge-regularised affine span of the shots (scaled by the
  shots' spread); an MLP (64 ReLU units).
For each: trained on the sources only (`source`), on the target's 15 labelled rows only
(`scratch`; the shots read leave-one-out), and the source model fine-tuned on them (`finetuned`),
against the span distance itself. Run:
DATASETS=../shared/datasets [CATS=bottle,carpet] .venv/bin/python Benchmarks/exploration/defect_transfer.py
"""
import copy
import os
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import mvtec

warnings.filterwarnings("ignore")
data = mvtec.load()
cats = mvtec.categories(data)
K, A = 10, 5


def residual_frame(S, lam=0.1):
    mu = S.mean(0)
    B = S - mu
    G = B @ B.T
    M = np.linalg.solve(G + lam * np.trace(G) / len(B) * np.eye(len(B)), B)
    spread = np.sqrt((B ** 2).sum(1).mean())
    return lambda Q: ((Q - mu) - ((Q - mu) @ M.T) @ B) / spread


def absdev_frame(S):
    mu = S.mean(0)
    return lambda Q: np.abs(Q - mu)


def models(kind, seed):
    if kind == "absdev":
        return LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced")
    return MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=200, random_state=seed)


def finetune(kind, base, F, y):
    m = copy.deepcopy(base)
    if kind == "absdev":  # 50 gradient steps of the logistic loss from the source weights
        w, b = m.coef_[0].copy(), m.intercept_[0]
        for _ in range(50):
            p = 1 / (1 + np.exp(-np.clip(F @ w + b, -30, 30)))
            w -= 0.01 * F.T @ (p - y) / len(y)
            b -= 0.01 * (p - y).mean()
        m.coef_, m.intercept_ = w[None, :], np.array([b])
        return m
    m.set_params(warm_start=True, max_iter=20, learning_rate_init=1e-4)
    return m.fit(F, y)


res = {}
for cat in cats:
    X, y = data[cat]
    for kind, frame in [("absdev", absdev_frame), ("residual", residual_frame)]:
        rng0 = np.random.default_rng(7)
        Fs, Ys = [], []
        for c, (Xs, ys) in data.items():
            if c == cat:
                continue
            for _ in range(2):
                shots = rng0.choice(np.where(ys == 0)[0], K, replace=False)
                rest = np.setdiff1d(np.arange(len(ys)), shots)
                Fs.append(frame(Xs[shots])(Xs[rest]))
                Ys.append(ys[rest])
        Fs, Ys = np.vstack(Fs), np.concatenate(Ys)
        scale = Fs.std(0) + 1e-9 if kind == "absdev" else 1.0
        base = models(kind, 0).fit(Fs / scale, Ys)
        for seed in range(3):
            tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            rng = np.random.default_rng(seed)
            S = tr[ytr == 0][rng.choice((ytr == 0).sum(), K, replace=False)]
            An = tr[ytr == 1][rng.choice((ytr == 1).sum(), A, replace=False)]
            f = frame(S)
            T = f(te) / scale
            Fsh = np.vstack([frame(np.delete(S, i, 0))(S[[i]]) for i in range(K)] + [f(An)]) / scale
            ysh = np.r_[np.zeros(K), np.ones(A)]
            r = res.setdefault(cat, {})
            add = lambda k, s: r.setdefault(k, []).append(roc_auc_score(yte, s))
            if kind == "residual":
                add("span distance", np.sqrt((T ** 2).sum(1)))
            score = lambda m: m.decision_function(T) if kind == "absdev" else m.predict_proba(T)[:, 1]
            add(f"{kind} source", score(base))
            add(f"{kind} scratch", score(models(kind, seed).fit(Fsh, ysh)))
            add(f"{kind} finetuned", score(finetune(kind, base, Fsh, ysh)))
    print(cat, {k: round(float(np.mean(v)), 3) for k, v in res[cat].items()}, flush=True)
for k in next(iter(res.values())):
    print(f"{k}: {np.mean([np.mean(res[c][k]) for c in res]):.4f}")
