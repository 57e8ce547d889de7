import numpy as np, glob, os, sys
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
from scipy.linalg import eigh
files = sorted(glob.glob(os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'adbench/CV_by_ResNet18/MVTec-AD_*.npz')))
data = {os.path.basename(f)[9:-4]: np.load(f) for f in files}
data = {k:(v['X'].astype(np.float64), v['y'].astype(int)) for k,v in data.items()}
def knn1(S, Q):
    d = ((Q[:,None,:]-S[None,:,:])**2).sum(-1)
    return np.sqrt(d.min(1))
def fisher(srcs, m, shrink):
    d = srcs[0][0].shape[1]
    Sw = np.zeros((d,d)); Sa = np.zeros((d,d)); nw=0; na=0
    for X,y in srcs:
        mu = X[y==0].mean(0)
        N = X[y==0]-mu; A = X[y==1]-mu
        Sw += N.T@N/len(N); Sa += A.T@A/len(A)
    Sw/=len(srcs); Sa/=len(srcs)
    Sw = (1-shrink)*Sw + shrink*np.trace(Sw)/d*np.eye(d)
    w, V = eigh(Sa, Sw)
    idx = np.argsort(w)[::-1][:m]
    return V[:,idx]*np.sqrt(np.maximum(w[idx],0))[None,:] if False else V[:,idx]
res = {}
cfgs = [(m,s) for m in [16,32,64,128] for s in [0.1,0.5]]
for cat in data:
    srcs = [data[c] for c in data if c!=cat]
    projs = {cfg: fisher(srcs,*cfg) for cfg in cfgs}
    X,y = data[cat]
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        rng = np.random.default_rng(seed)
        S = tr[ytr==0][rng.choice((ytr==0).sum(), 10, replace=False)]
        r = res.setdefault(cat, {})
        r.setdefault('knn1', []).append(roc_auc_score(yte, knn1(S, te)))
        for cfg,P in projs.items():
            r.setdefault(cfg, []).append(roc_auc_score(yte, knn1(S@P, te@P)))
    print(cat, {k: round(np.mean(v),3) for k,v in res[cat].items()}, flush=True)
keys = list(next(iter(res.values())).keys())
print('MEAN', {k: round(np.mean([np.mean(res[c][k]) for c in res]),4) for k in keys})
