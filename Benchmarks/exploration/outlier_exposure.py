"""Outlier exposure for few-shot defect detection (issue 3 §5, MVTec-AD, K = 10, A = 5).

Leave one category out, scikit-learn's stratified 70/30 split, 3 seeds. Each source category is
read relative to the mean of 10 of its normal rows; its anomalies plus 100 rows of the other
source categories (in its frame) are the positives for an MLP (64 ReLU units), pretrained on all
sources and fine-tuned on the target's 10 normal + 5 anomalous rows (relative to their mean),
against the distance to the shots' mean and the same MLP trained on the 15 raw target rows.
Run: DATASETS=../shared/datasets [CATS=bottle,carpet] .venv/bin/python Benchmarks/exploration/outlier_exposure.py
"""
import numpy as np, glob, os, warnings, copy
warnings.filterwarnings('ignore')
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
files = sorted(glob.glob(os.path.join(os.environ.get('DATASETS', '../shared/datasets'), 'adbench/CV_by_ResNet18/MVTec-AD_*.npz')))
data = {os.path.basename(f)[9:-4]: np.load(f) for f in files}
data = {k:(v['X'].astype(np.float64), v['y'].astype(int)) for k,v in data.items()}
K=10; A=5
cats=os.environ['CATS'].split(',') if os.environ.get('CATS') else list(data)
res={}
for cat in cats:
    X,y=data[cat]
    rng0=np.random.default_rng(7); Fs=[];Ys=[]
    others={c:v for c,v in data.items() if c!=cat}
    for c,(Xs,ys) in others.items():
        sh=rng0.choice(np.where(ys==0)[0],K,replace=False); mu=Xs[sh].mean(0)
        rest=np.setdiff1d(np.arange(len(ys)),sh)
        Fs.append(Xs[rest]-mu); Ys.append(ys[rest])
        # outlier exposure: rows of the other source categories, in this category's frame
        pool=np.vstack([v[0] for cc,v in others.items() if cc!=c]); pick=rng0.choice(len(pool),100,replace=False)
        Fs.append(pool[pick]-mu); Ys.append(np.ones(100,int))
    Fs=np.vstack(Fs); Ys=np.concatenate(Ys); sc=np.sqrt((Fs**2).sum(1).mean())
    base=MLPClassifier(hidden_layer_sizes=(64,),alpha=1e-3,max_iter=200,random_state=0).fit(Fs/sc,Ys)
    for seed in range(3):
        tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        rng = np.random.default_rng(seed)
        S = tr[ytr==0][rng.choice((ytr==0).sum(), K, replace=False)]
        An = tr[ytr==1][rng.choice((ytr==1).sum(), A, replace=False)]
        mu=S.mean(0); T=(te-mu)/sc
        r=res.setdefault(cat,{})
        def add(k,s): r.setdefault(k,[]).append(roc_auc_score(yte,s))
        add('meandist',np.sqrt(((te-mu)**2).sum(1)))
        add('oe source',base.predict_proba(T)[:,1])
        Fsh=np.vstack([S-mu,An-mu])/sc; ysh=np.r_[np.zeros(K),np.ones(A)]
        ft=copy.deepcopy(base); ft.set_params(warm_start=True,max_iter=30,learning_rate_init=1e-4); ft.fit(Fsh,ysh); add('oe finetuned',ft.predict_proba(T)[:,1])
        raw=MLPClassifier(hidden_layer_sizes=(64,),alpha=1e-3,max_iter=200,random_state=seed).fit(np.vstack([S,An]),ysh); add('scratch raw',raw.predict_proba(te)[:,1])
    print(cat,{k:round(np.mean(v),3) for k,v in r.items()},flush=True)
for k in next(iter(res.values())): print(k, round(np.mean([np.mean(res[c][k]) for c in res]),4))
