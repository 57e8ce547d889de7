"""Where quality.py's AnomalyKit and PyOD columns differ for a deterministic detector, the definitions
checked on the same rows (the cached all-MiniLM-L6-v2 embeddings):

1. ECOD, AnomalyKit against PyOD scoring each test row alone.

PyOD's ECOD.decision_function recomputes its ECDFs over the training rows and the whole test batch
together, so on a one-class split, where the test rows hold the anomalies, the batch moves every
score; AnomalyKit scores each row as PyOD scores that row alone (docs/detectors.md). This checks the
definition on the cached all-MiniLM-L6-v2 embeddings of quality.py's one-class splits: AnomalyKit's
ROC-AUC, PyOD's with the whole test set in one call (what quality.py reports) and PyOD's one row
per call, and the largest relative difference between AnomalyKit's scores and the row-by-row ones.

2. knn on BGL_2k's ADBench split. A log repeats templates, so many test rows have exact duplicates
among the training rows and their 5th-neighbour distance is 0. AnomalyKit's distances are exact
there (ties, averaged by ROC-AUC); PyOD's default (`algorithm='auto'`, brute force on 384
dimensions) computes ‖a‖² + ‖b‖² − 2a·b and leaves rounding noise of ~1e-7 that orders the tied
rows arbitrarily. With `algorithm='ball_tree'` (distances from differences) PyOD gives AnomalyKit's
scores.

Usage (embeddings cached by scripts/benchmark-text-quality are reused, else computed):
  .venv-text/bin/python Benchmarks/text/definition_checks.py --anomalykit .build/release/anomalykit [--model-dir DIR]
"""
import argparse, os, sys, tempfile

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpora import adbench_split, ak_embed, ak_evaluate, bgl, sms  # noqa: E402

MINILM = os.path.join(os.environ.get("ANOMALYKIT_HOME", os.path.expanduser("~/.cache/anomalykit")), "models", "all-MiniLM-L6-v2")


def embedding(args, name):
    """AnomalyKit's embedding of SMS spam or BGL_2k (cached by content, as quality.py caches it) and its labels."""
    if name == "sms":
        texts, y = sms(args.datasets)
        x, _ = ak_embed(args.anomalykit, args.model_dir, args.cache, "sms", texts=texts)
    else:
        path, _, y = bgl(args.datasets)
        x, _ = ak_embed(args.anomalykit, args.model_dir, args.cache, "bgl", log=path)
    return x.astype(np.float64), y


def ak_scores(binary, detector, x_train, x_test, y_test):
    with tempfile.TemporaryDirectory() as work:
        return ak_evaluate(binary, work, x_train, x_test, y_test, ["--detector", detector])


def knn_on_bgl(args):
    import warnings
    from pyod.models.knn import KNN
    x, y = embedding(args, "bgl")
    tr, te = adbench_split(y)
    ak = ak_scores(args.anomalykit, "knn", x[tr], x[te], y[te])
    line = [f"bgl-adbench knn ROC-AUC: AnomalyKit {roc_auc_score(y[te], ak):.4f} ({int(np.sum(ak == 0))} test rows at distance 0)"]
    for algorithm in ("ball_tree", "auto"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            py = KNN(algorithm=algorithm).fit(x[tr]).decision_function(x[te])
        line.append(f"PyOD algorithm={algorithm} {roc_auc_score(y[te], py):.4f} (max |Δ| {np.max(np.abs(ak - py)):.1e}, "
                    f"{int(np.sum(py == 0))} at 0)")
    print("; ".join(line))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--model-dir", default=MINILM)
    ap.add_argument("--cache", default="Benchmarks/out/text-quality")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    from pyod.models.ecod import ECOD
    for name in ("sms", "bgl"):
        x, y = embedding(args, name)
        tr, te = adbench_split(y, oneclass=True)
        ak = ak_scores(args.anomalykit, "ecod", x[tr], x[te], y[te])
        model = ECOD().fit(x[tr])
        batch = model.decision_function(x[te])
        alone = np.array([model.decision_function(x[i:i + 1])[0] for i in te])
        rel = float(np.max(np.abs(ak - alone) / np.maximum(np.abs(alone), 1e-12)))
        print(f"{name}-oneclass ECOD ROC-AUC: AnomalyKit {roc_auc_score(y[te], ak):.4f}, PyOD row by row "
              f"{roc_auc_score(y[te], alone):.4f}, PyOD whole test batch {roc_auc_score(y[te], batch):.4f}; "
              f"max relative |AnomalyKit − row by row| {rel:.1e}")
    knn_on_bgl(args)


if __name__ == "__main__":
    main()
