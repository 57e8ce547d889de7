"""Fits one PyOD detector on a split written by compare_pyod.py and saves its test scores.

Usage: pyod_worker.py DETECTOR SPLIT_DIR OUT_PREFIX SEED
Writes OUT_PREFIX.npy (test scores) and OUT_PREFIX.json (fit/score seconds).
"""
import json
import sys
import time

import numpy as np


def make(name, seed):
    # PyOD defaults, with the random seed fixed and all cores where PyOD offers n_jobs.
    if name == "knn":
        from pyod.models.knn import KNN
        return KNN(n_jobs=-1)
    if name == "lof":
        from pyod.models.lof import LOF
        return LOF(n_jobs=-1)
    if name == "iforest":
        from pyod.models.iforest import IForest
        return IForest(random_state=seed, n_jobs=-1)
    if name == "ecod":
        from pyod.models.ecod import ECOD
        return ECOD(n_jobs=-1)
    if name == "copod":
        from pyod.models.copod import COPOD
        return COPOD(n_jobs=-1)
    if name == "hbos":
        from pyod.models.hbos import HBOS
        return HBOS()
    if name == "pca":
        from pyod.models.pca import PCA
        return PCA(random_state=seed)
    if name == "mcd":
        from pyod.models.mcd import MCD
        return MCD(random_state=seed)
    if name == "ocsvm":
        from pyod.models.ocsvm import OCSVM
        return OCSVM()
    if name == "gmm":
        from pyod.models.gmm import GMM
        return GMM(random_state=seed)
    raise SystemExit(f"unknown detector {name}")


def main():
    name, split_dir, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    x_train = np.load(f"{split_dir}/X_train.npy").astype(np.float64)
    x_test = np.load(f"{split_dir}/X_test.npy").astype(np.float64)
    # Warm-up on a small sample so one-time costs (numba JIT compilation, imports) are not timed.
    warm = x_train[: min(len(x_train), 200)]
    if len(warm) > 30:
        w = make(name, seed)
        w.fit(warm)
        w.decision_function(x_test[:50])
    det = make(name, seed)
    t0 = time.perf_counter()
    det.fit(x_train)
    t1 = time.perf_counter()
    scores = det.decision_function(x_test)
    t2 = time.perf_counter()
    np.save(f"{out}.npy", np.asarray(scores, dtype=np.float64))
    with open(f"{out}.json", "w") as f:
        json.dump({"fit_seconds": t1 - t0, "score_seconds": t2 - t1}, f)


if __name__ == "__main__":
    main()
