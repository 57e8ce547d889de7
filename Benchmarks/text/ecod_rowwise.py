"""ECOD on text embeddings, AnomalyKit against PyOD scoring each test row alone.

PyOD's ECOD.decision_function recomputes its ECDFs over the training rows and the whole test batch
together, so on a one-class split, where the test rows hold the anomalies, the batch moves every
score; AnomalyKit scores each row as PyOD scores that row alone (docs/detectors.md). This checks the
definition on the cached all-MiniLM-L6-v2 embeddings of quality.py's one-class splits: AnomalyKit's
ROC-AUC, PyOD's with the whole test set in one call (what quality.py reports) and PyOD's one row
per call, and the largest relative difference between AnomalyKit's scores and the row-by-row ones.

Usage (after scripts/benchmark-text-quality has cached the embeddings):
  .venv-text/bin/python Benchmarks/text/ecod_rowwise.py --anomalykit .build/release/anomalykit
"""
import argparse, glob, os, subprocess, sys, tempfile

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpora import bgl, sms  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--cache", default="Benchmarks/out/text-quality")
    args = ap.parse_args()
    from pyod.models.ecod import ECOD
    for name, labels in (("sms", lambda: sms(args.datasets)[1]), ("bgl", lambda: bgl(args.datasets)[2])):
        found = glob.glob(os.path.join(args.cache, f"ak-{name}-*.npy"))
        if not found:
            print(f"{name}: no cached embedding in {args.cache} (run scripts/benchmark-text-quality first); skipped")
            continue
        x, y = np.load(found[0]).astype(np.float64), labels()
        tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=42, stratify=y)
        tr = tr[y[tr] == 0]
        with tempfile.TemporaryDirectory() as work:
            np.save(f"{work}/train.npy", x[tr])
            np.save(f"{work}/test.npy", x[te])
            np.save(f"{work}/y.npy", y[te].astype(np.int64))
            subprocess.run([args.anomalykit, "evaluate", "--train", f"{work}/train.npy", "--test", f"{work}/test.npy",
                            "--test-labels", f"{work}/y.npy", "--detector", "ecod", "--json", "--scores-out", f"{work}/s.npy"],
                           check=True, capture_output=True)
            ak = np.load(f"{work}/s.npy")
        model = ECOD().fit(x[tr])
        batch = model.decision_function(x[te])
        alone = np.array([model.decision_function(x[i:i + 1])[0] for i in te])
        rel = float(np.max(np.abs(ak - alone) / np.maximum(np.abs(alone), 1e-12)))
        print(f"{name}-oneclass ECOD ROC-AUC: AnomalyKit {roc_auc_score(y[te], ak):.4f}, PyOD row by row "
              f"{roc_auc_score(y[te], alone):.4f}, PyOD whole test batch {roc_auc_score(y[te], batch):.4f}; "
              f"max relative |AnomalyKit − row by row| {rel:.1e}")


if __name__ == "__main__":
    main()
