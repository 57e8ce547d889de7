import numpy as np, glob, os, sys
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
from sklearn.linear_model import LogisticRegression
from scipy.stats import rankdata
files = sorted(glob.glob(os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'adbench/CV_by_ResNet18/MVTec-AD_*.npz')))
data = {os.path.basename(f)[9:-4]: np.load(f) for f in files}
data = {k:(v['X'].astype(np.float64), v['y'].astype(int)) for k,v in data.items()}
def knn1(S, Q, loo=False):
    d = np.sqrt(((Q[:,None,:]-S[None,:,:])**2).sum(-1))
    if loo: np.fill_diagonal(d, np.inf)
    return d.min(1)
res = {}
K=10
for cat in data:
    X,y = data[cat]
    srcX=[];srcY=[]
    rng0 = np.random.default_rng(123)
    for c in data:
        if c==cat: continue
        Xs,ys = data[c]
        # centre by mean of K random normals, as on the target
        mu = Xs[ys==0][rng0.choice((ys==0).sum(),K,replace=False)].mean(0)
        srcX.append(Xs-mu); srcY.append(ys)
    srcX=np.vstack(srcX); srcY=np.concatenate(srcY)
    clfs = {C: LogisticRegression(C=C, max_iter=2000, class_weight='balanced').fit(srcX, srcY) for C in [0.01, 0.1]}
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        rng = np.random.default_rng(seed)
        S = tr[ytr==0][rng.choice((ytr==0).sum(), K, replace=False)]
        mu = S.mean(0)
        r = res.setdefault(cat, {})
        k = knn1(S, te); kl = knn1(S, S, loo=True)
        r.setdefault('knn1', []).append(roc_auc_score(yte, k))
        for C,clf in clfs.items():
            c = clf.decision_function(te-mu); cs = clf.decision_function(S-mu)
            r.setdefault(('clf',C), []).append(roc_auc_score(yte, c))
            for w in [0.3, 0.5]:
                z = (1-w)*(k-kl.mean())/kl.std() + w*(c-cs.mean())/cs.std()
                r.setdefault(('zhyb',C,w), []).append(roc_auc_score(yte, z))
                ra = (1-w)*rankdata(k) + w*rankdata(c)
                r.setdefault(('rank',C,w), []).append(roc_auc_score(yte, ra))
    print(cat, {k: round(np.mean(v),3) for k,v in res[cat].items()}, flush=True)
keys = list(next(iter(res.values())).keys())
print('MEAN', {k: round(np.mean([np.mean(res[c][k]) for c in res]),4) for k in keys})
