"""The MVTec-AD embeddings the exploration scripts read (ADBench's ResNet-18 features, 15 categories).

`load()`: {category: (X as float64, y as int)} from $DATASETS (default ../shared/datasets);
`categories(data)`: the ones named in $CATS (comma-separated), else all.
"""
import glob
import os

import numpy as np


def load():
    root = os.environ.get("DATASETS", "../shared/datasets")
    files = sorted(glob.glob(os.path.join(root, "adbench/CV_by_ResNet18/MVTec-AD_*.npz")))
    return {os.path.basename(f)[9:-4]: (np.load(f)["X"].astype(np.float64), np.load(f)["y"].astype(int)) for f in files}


def categories(data):
    return os.environ["CATS"].split(",") if os.environ.get("CATS") else list(data)


def episode(X, y, K, seed):
    """The target's episode: scikit-learn's stratified 70/30 split with `seed`, then K normal shots
    from the train part drawn with numpy's default_rng(seed). Returns (shots, test rows, test labels)."""
    from sklearn.model_selection import train_test_split
    tr, te, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    return tr[ytr == 0][np.random.default_rng(seed).choice((ytr == 0).sum(), K, replace=False)], te, yte


def print_means(res):
    """Prints each score's mean ROC-AUC over categories from {category: {score: [per-seed ROC-AUC]}}."""
    for k in next(iter(res.values())):
        print(f"{k}: {np.mean([np.mean(res[c][k]) for c in res]):.4f}")
