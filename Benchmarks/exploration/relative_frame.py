"""The relative frame behind `transfer --adapt relative` (issue 3 §5, K = 10, A = 5), in Python.

Every category's rows are read as ten scale-free distances to 10 of its own normal rows (span
residual, nearest / 3 nearest / mean distance to the shots, L2 / L1 / cosine distance to their
mean, max and RMS z-score, norm ratio), each divided by the shots' median leave-one-out value and
logged. A logistic regression and a small MLP are trained on the 14 other categories read this
way (`source`), on the target's 15 labelled rows alone (`scratch`, in the same frame) and
fine-tuned from the source model (`finetuned`). IDX=0,1 keeps only some measures. Run:
DATASETS=../shared/datasets [CATS=bottle,carpet] [IDX=0,1,2] .venv/bin/python Benchmarks/exploration/relative_frame.py
"""
import copy, os, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import mvtec
from frame import IDX, frame, shotfeat
warnings.filterwarnings("ignore")
data = mvtec.load()
cats = mvtec.categories(data)
K, A = 10, 5

kinds = {"lr": lambda s: LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced"),
         "mlp": lambda s: MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-3, max_iter=500, random_state=s)}

def finetune(kind, base, F, y):
    m = copy.deepcopy(base)
    if kind == "lr":
        w, b = m.coef_[0].copy(), m.intercept_[0]
        for _ in range(50):
            p = 1 / (1 + np.exp(-np.clip(F @ w + b, -30, 30)))
            w -= 0.05 * F.T @ (p - y) / len(y); b -= 0.05 * (p - y).mean()
        m.coef_, m.intercept_ = w[None, :], np.array([b]); return m
    m.set_params(warm_start=True, max_iter=20, learning_rate_init=1e-4)
    return m.fit(F, y)

res = {}
for cat in cats:
    X, y = data[cat]
    rng0 = np.random.default_rng(7)
    Fs, Ys = [], []
    for c, (Xs, ys) in data.items():
        if c == cat: continue
        for _ in range(3):
            shots = rng0.choice(np.where(ys == 0)[0], K, replace=False)
            rest = np.setdiff1d(np.arange(len(ys)), shots)
            Fs.append(frame(Xs[shots])(Xs[rest])); Ys.append(ys[rest])
            Fs.append(shotfeat(Xs[shots])); Ys.append(np.zeros(K, int))
    Fs, Ys = np.vstack(Fs), np.concatenate(Ys)
    bases = {k: f(0).fit(Fs, Ys) for k, f in kinds.items()}
    r = res.setdefault(cat, {})
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        rng = np.random.default_rng(seed)
        S = tr[ytr == 0][rng.choice((ytr == 0).sum(), K, replace=False)]
        An = tr[ytr == 1][rng.choice((ytr == 1).sum(), A, replace=False)]
        f = frame(S); T = f(te)
        Fsh = np.vstack([shotfeat(S), f(An)]); ysh = np.r_[np.zeros(K), np.ones(A)]
        add = lambda k, s: r.setdefault(k, []).append(roc_auc_score(yte, s))
        add("span", T[:, 0]) if IDX[0] == 0 else None
        for k, mk in kinds.items():
            sc = lambda m: m.predict_proba(T)[:, 1]
            add(f"{k} source", sc(bases[k])); add(f"{k} scratch", sc(mk(seed).fit(Fsh, ysh)))
            add(f"{k} finetuned", sc(finetune(k, bases[k], Fsh, ysh)))
    print(cat, {k: round(float(np.mean(v)), 3) for k, v in r.items()}, flush=True)
for k in next(iter(res.values())):
    print(f"{k}: {np.mean([np.mean(res[c][k]) for c in res]):.4f}")
