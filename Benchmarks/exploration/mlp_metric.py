"""K = 5 (issue 4 §4): a nonlinear encoder trained episodically before the span distance.

The encoder is x + V·relu(U·standardise(x)) (64 hidden units, V starts at zero so training starts
from the plain span); each step draws 4 source categories, K normal shots and up to 32 normal and
32 anomalous query rows from each, and lowers a pairwise logistic loss on the span distances in
the encoded space (anomaly above normal, scaled by the episode's median normal distance). AdamW
(lr 1e-3, weight decay 1e-3), 600 steps. Leave one category out, scikit-learn's stratified 70/30
split, 3 seeds. Needs PyTorch and scikit-learn (see README). Run:
DATASETS=../shared/datasets [K=5] [H=64] [ITERS=600] .venv-torch/bin/python Benchmarks/exploration/mlp_metric.py
"""
import os
import numpy as np, torch
from sklearn.metrics import roc_auc_score
import mvtec
torch.set_num_threads(2)
data = {k: (v[0].astype(np.float32), v[1]) for k, v in mvtec.load().items()}
K = int(os.environ.get("K", "5")); H = int(os.environ.get("H", "64")); ITERS = int(os.environ.get("ITERS", "600"))
LR = float(os.environ.get("LR", "1e-3")); WD = float(os.environ.get("WD", "1e-3"))
def span(s, q, lam=0.1):
    mu = s.mean(0); B = s - mu; G = B @ B.T; R = q - mu
    coef = torch.linalg.solve(G + lam * torch.trace(G) / len(B) * torch.eye(len(B)) + 1e-6 * torch.eye(len(B)), B @ R.T)
    return ((R - coef.T @ B) ** 2).sum(1).clamp_min(1e-12).sqrt()
class Enc(torch.nn.Module):
    def __init__(s, d, h, mean, sd):
        super().__init__(); s.u = torch.nn.Linear(d, h); s.v = torch.nn.Linear(h, d, bias=False)
        torch.nn.init.zeros_(s.v.weight); s.mean = mean; s.sd = sd
    def forward(s, x): return x + s.v(torch.relu(s.u((x - s.mean) / s.sd)))
res = {}
for cat, (X, y) in data.items():
    torch.manual_seed(0); rng = np.random.default_rng(0)
    src = {c: (torch.tensor(Xs), ys) for c, (Xs, ys) in data.items() if c != cat}
    allx = torch.cat([v[0] for v in src.values()])
    f = Enc(512, H, allx.mean(0), allx.std(0) + 1e-3)
    opt = torch.optim.AdamW(f.parameters(), lr=LR, weight_decay=WD)
    names = list(src)
    for it in range(ITERS):
        loss = 0
        for c in rng.choice(names, 4, replace=False):
            Xs, ys = src[c]
            nidx = np.where(ys == 0)[0]; aidx = np.where(ys == 1)[0]
            sh = rng.choice(nidx, K, replace=False)
            qn = rng.choice(np.setdiff1d(nidx, sh), min(32, len(nidx) - K), replace=False)
            qa = rng.choice(aidx, min(32, len(aidx)), replace=False)
            s = f(Xs[sh]); sa = span(s, f(Xs[qa])); sn = span(s, f(Xs[qn]))
            scale = sn.detach().median()
            loss = loss + torch.nn.functional.softplus(-(sa[:, None] - sn[None, :]) / scale * 3).mean()
        opt.zero_grad(); (loss / 4).backward(); opt.step()
    r = res.setdefault(cat, {})
    with torch.no_grad():
        for seed in range(3):
            S, te, yte = mvtec.episode(X, y, K, seed)
            St, Tt = torch.tensor(S), torch.tensor(te)
            r.setdefault("span", []).append(roc_auc_score(yte, span(St, Tt).numpy()))
            r.setdefault("learned", []).append(roc_auc_score(yte, span(f(St), f(Tt)).numpy()))
    print(cat, {k: round(float(np.mean(v)), 3) for k, v in r.items()}, flush=True)
mvtec.print_means(res)
