"""The seed-to-seed spread of iforest on SMS spam's one-class split (all-MiniLM-L6-v2 embeddings):
AnomalyKit's `evaluate --detector iforest` against scikit-learn's IsolationForest (PyOD's IForest
wraps it), over detector seeds 0..N−1 on the same rows. On 384-dimensional embeddings one forest's
ROC-AUC moves by 0.06–0.08 between seeds, so quality.py's 5-seed means can differ by more than
0.005 while the two forests are the same algorithm; this prints both sides' mean, standard
deviation and the standard error of the difference.

Usage (embeddings cached by scripts/benchmark-text-quality are reused, else computed):
  .venv-text/bin/python Benchmarks/text/iforest_spread.py --anomalykit .build/release/anomalykit [--seeds 12]
"""
import argparse, os, sys, tempfile

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpora import adbench_split, ak_evaluate  # noqa: E402
from definition_checks import MINILM, embedding  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--model-dir", default=MINILM)
    ap.add_argument("--cache", default="Benchmarks/out/text-quality")
    ap.add_argument("--seeds", type=int, default=12)
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    x, y = embedding(args, "sms")
    tr, te = adbench_split(y, oneclass=True)
    ak, sk = [], []
    with tempfile.TemporaryDirectory() as work:
        for seed in range(args.seeds):
            s = ak_evaluate(args.anomalykit, work, x[tr], x[te], y[te], ["--detector", "iforest", "--param", f"random_state={seed}"])
            ak.append(roc_auc_score(y[te], s))
            forest = IsolationForest(random_state=seed).fit(x[tr])
            sk.append(roc_auc_score(y[te], -forest.score_samples(x[te])))
    ak, sk = np.array(ak), np.array(sk)
    se = np.sqrt(ak.var(ddof=1) / len(ak) + sk.var(ddof=1) / len(sk))
    print(f"AnomalyKit   mean {ak.mean():.4f} sd {ak.std(ddof=1):.4f}  {np.round(ak, 3).tolist()}")
    print(f"scikit-learn mean {sk.mean():.4f} sd {sk.std(ddof=1):.4f}  {np.round(sk, 3).tolist()}")
    print(f"difference {ak.mean() - sk.mean():+.4f}, standard error {se:.4f} ({args.seeds} seeds each)")


if __name__ == "__main__":
    main()
