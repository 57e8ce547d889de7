import numpy as np, glob, os, sys, torch
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
torch.set_num_threads(2)
files = sorted(glob.glob(os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'adbench/CV_by_ResNet18/MVTec-AD_*.npz')))
data = {os.path.basename(f)[9:-4]: np.load(f) for f in files}
data = {k:(v['X'].astype(np.float32), v['y'].astype(int)) for k,v in data.items()}
K=int(os.environ.get('K','10')); M=int(os.environ.get('M','512')); ITERS=int(os.environ.get('ITERS','300')); TAU=float(os.environ.get('TAU','0.1'))
MODE=os.environ.get('MODE','knn'); LR=float(os.environ.get('LR','1e-3'))
def score(W, S, Q):
    s = S@W; q = Q@W
    d = torch.cdist(q, s)  # nq x K
    if MODE=='knn':
        return -TAU*torch.logsumexp(-d/TAU, 1) if TAU>0 else d.min(1).values
    mu=s.mean(0); B=s-mu; G=B@B.T; R=q-mu
    lam=0.1*torch.trace(G)/len(B)
    coef=torch.linalg.solve(G+lam*torch.eye(len(B)), B@R.T)
    res=R-coef.T@B
    return (res**2).sum(1).sqrt()
def norm_scale(W,S):
    s=S@W; d=torch.cdist(s,s)+torch.eye(len(s))*1e9
    return d.min(1).values.mean()
res={}
cats=list(data)
for cat in cats[:int(os.environ.get('NC','15'))]:
    torch.manual_seed(0); rng=np.random.default_rng(0)
    srcs=[c for c in cats if c!=cat]
    W=torch.nn.Parameter(torch.eye(512)[:, :M].clone())
    opt=torch.optim.Adam([W], lr=LR)
    for it in range(ITERS):
        loss=0
        for c in rng.choice(srcs, 4, replace=False):
            X,y=data[c]; nidx=np.where(y==0)[0]
            sel=rng.choice(nidx,K,replace=False); rest=np.setdiff1d(np.arange(len(y)),sel)
            q=rng.choice(rest,min(64,len(rest)),replace=False)
            S=torch.tensor(X[sel]); Q=torch.tensor(X[q]); yq=y[q]
            if yq.min()==yq.max(): continue
            sc=score(W,S,Q)/norm_scale(W,S).detach()
            a=sc[torch.tensor(yq==1)]; n=sc[torch.tensor(yq==0)]
            loss=loss+torch.nn.functional.softplus(-(a[:,None]-n[None,:])).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    X,y=data[cat]
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        r2=np.random.default_rng(seed)
        S=tr[ytr==0][r2.choice((ytr==0).sum(), K, replace=False)]
        with torch.no_grad():
            I=torch.eye(512)
            r=res.setdefault(cat,{})
            St=torch.tensor(S); Tt=torch.tensor(te)
            r.setdefault('base',[]).append(roc_auc_score(yte, torch.cdist(Tt,St).min(1).values.numpy()))
            r.setdefault('learned',[]).append(roc_auc_score(yte, torch.cdist(Tt@W,St@W).min(1).values.numpy()))
            m0=MODE; MODE='hull'
            r.setdefault('hull_base',[]).append(roc_auc_score(yte, score(I,St,Tt).numpy()))
            r.setdefault('hull_learned',[]).append(roc_auc_score(yte, score(W,St,Tt).numpy()))
            MODE=m0
    print(cat,{k:round(np.mean(v),3) for k,v in r.items()},flush=True)
keys=list(next(iter(res.values())).keys())
print('MEAN',{k:round(np.mean([np.mean(res[c][k]) for c in res]),4) for k in keys})
