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
