import numpy as np, glob, os
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
files = sorted(glob.glob(os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'adbench/CV_by_ResNet18/MVTec-AD_*.npz')))
data = {os.path.basename(f)[9:-4]: np.load(f) for f in files}
data = {k:(v['X'].astype(np.float64), v['y'].astype(int)) for k,v in data.items()}
K=10
def knn(S,Q):
    d=np.sqrt(((Q[:,None,:]-S[None,:,:])**2).sum(-1)); return d.min(1)
def resid(S,Q,U,lam=0.1):
    # residual of Q-mu after least squares on basis [S-mu ; U]  (rows are basis vectors)
    mu=S.mean(0); B=np.vstack([S-mu]+([U] if U is not None else []))
    G=B@B.T; R=Q-mu
    coef=np.linalg.solve(G+lam*np.trace(G)/len(B)*np.eye(len(B)), B@R.T)
    res=R-coef.T@B
    return np.sqrt((res**2).sum(1))
res={}
for cat,(X,y) in data.items():
    d=X.shape[1]; C=np.zeros((d,d))
    srcs=[data[c] for c in data if c!=cat]
    for Xs,ys in srcs:
        N=Xs[ys==0]-Xs[ys==0].mean(0); C+=N.T@N/len(N)
    ev,V=np.linalg.eigh(C/len(srcs)); V=V[:,::-1]; ev=ev[::-1]
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        rng = np.random.default_rng(seed)
        S = tr[ytr==0][rng.choice((ytr==0).sum(), K, replace=False)]
        r=res.setdefault(cat,{})
        r.setdefault('knn',[]).append(roc_auc_score(yte,knn(S,te)))
        r.setdefault('hull',[]).append(roc_auc_score(yte,resid(S,te,None)))
        sc=np.sqrt(((S-S.mean(0))**2).sum(1).mean())
        for m in [4,8,16,32,64]:
            U=(V[:,:m]*np.sqrt(ev[:m])[None,:]).T
            r.setdefault(('src',m),[]).append(roc_auc_score(yte,resid(S,te,U)))
    print(cat,{k:round(np.mean(v),3) for k,v in r.items()},flush=True)
keys=list(next(iter(res.values())).keys())
print('MEAN',{k:round(np.mean([np.mean(res[c][k]) for c in res]),4) for k in keys})
