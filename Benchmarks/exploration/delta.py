import numpy as np, glob, os, sys
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
from sklearn.linear_model import LogisticRegression
files = sorted(glob.glob(os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'adbench/CV_by_ResNet18/MVTec-AD_*.npz')))
data = {os.path.basename(f)[9:-4]: np.load(f) for f in files}
data = {k:(v['X'].astype(np.float64), v['y'].astype(int)) for k,v in data.items()}
K=10
def nnd(S, Q, loo=False):
    d = ((Q[:,None,:]-S[None,:,:])**2).sum(-1)
    if loo: np.fill_diagonal(d, np.inf)
    i = d.argmin(1)
    return Q - S[i]
def episodes(Xs, ys, rng, n):
    F=[];Y=[]
    norm = np.where(ys==0)[0]
    for _ in range(n):
        sel = rng.choice(norm, K, replace=False)
        rest = np.setdiff1d(np.arange(len(ys)), sel)
        D = nnd(Xs[sel], Xs[rest])
        F.append(D); Y.append(ys[rest])
    return F, Y
feats = {'sq': lambda D: D**2, 'abs': lambda D: np.abs(D)}
res={}
for cat in data:
    X,y = data[cat]
    rng0 = np.random.default_rng(7)
    Fs=[];Ys=[]
    for c in data:
        if c==cat: continue
        F,Y = episodes(*data[c], rng0, 4)
        Fs+=F; Ys+=Y
    D=np.vstack(Fs); Yall=np.concatenate(Ys)
    models={}
    for fn,f in feats.items():
        Z=f(D); s=Z.std(0)+1e-9
        for C in [0.01,0.1,1]:
            models[(fn,C)] = (f, s, LogisticRegression(C=C, max_iter=3000, class_weight='balanced').fit(Z/s, Yall))
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        rng = np.random.default_rng(seed)
        S = tr[ytr==0][rng.choice((ytr==0).sum(), K, replace=False)]
        Dt = nnd(S, te)
        r = res.setdefault(cat, {})
        r.setdefault('knn1', []).append(roc_auc_score(yte, (Dt**2).sum(1)))
        for k,(f,s,m) in models.items():
            r.setdefault(k, []).append(roc_auc_score(yte, m.decision_function(f(Dt)/s)))
    print(cat, {k: round(np.mean(v),3) for k,v in res[cat].items()}, flush=True)
keys = list(next(iter(res.values())).keys())
print('MEAN', {k: round(np.mean([np.mean(res[c][k]) for c in res]),4) for k in keys})
