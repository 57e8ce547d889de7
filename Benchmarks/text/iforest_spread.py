"""The seed-to-seed spread of iforest on SMS spam's one-class split (all-MiniLM-L6-v2 embeddings):
AnomalyKit's `evaluate --detector iforest` against scikit-learn's IsolationForest (PyOD's IForest
wraps it), over detector seeds 0..N−1 on the same rows. On 384-dimensional embeddings one forest's
ROC-AUC moves by 0.06–0.08 between seeds, so quality.py's 5-seed means can differ by more than
0.005 while the two forests are the same algorithm; this prints both sides' mean, standard
deviation and the standard error of the difference.

Usage (after quality.py has cached the SMS embeddings):
  .venv-text/bin/python Benchmarks/text/iforest_spread.py --anomalykit .build/release/anomalykit [--seeds 12]
"""
import argparse, glob, os, subprocess, sys, tempfile

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpora import sms  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--cache", default="Benchmarks/out/text-quality")
    ap.add_argument("--seeds", type=int, default=12)
    args = ap.parse_args()
    _, y = sms(args.datasets)
    found = glob.glob(os.path.join(args.cache, "ak-sms-*.npy"))
    if not found:
        raise SystemExit(f"no cached SMS embedding in {args.cache}: run scripts/benchmark-text-quality --protocols sms-oneclass first")
    x = np.load(found[0])
    tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=42, stratify=y)
    tr = tr[y[tr] == 0]
    ak, sk = [], []
    with tempfile.TemporaryDirectory() as work:
        np.save(f"{work}/train.npy", x[tr])
        np.save(f"{work}/test.npy", x[te])
        np.save(f"{work}/y.npy", y[te].astype(np.int64))
        for seed in range(args.seeds):
            subprocess.run([args.anomalykit, "evaluate", "--train", f"{work}/train.npy", "--test", f"{work}/test.npy",
                            "--test-labels", f"{work}/y.npy", "--detector", "iforest", "--param", f"random_state={seed}",
                            "--json", "--scores-out", f"{work}/s.npy"], check=True, capture_output=True)
            ak.append(roc_auc_score(y[te], np.load(f"{work}/s.npy")))
            forest = IsolationForest(random_state=seed).fit(x[tr].astype(np.float64))
            sk.append(roc_auc_score(y[te], -forest.score_samples(x[te].astype(np.float64))))
    ak, sk = np.array(ak), np.array(sk)
    se = np.sqrt(ak.var(ddof=1) / len(ak) + sk.var(ddof=1) / len(sk))
    print(f"AnomalyKit   mean {ak.mean():.4f} sd {ak.std(ddof=1):.4f}  {np.round(ak, 3).tolist()}")
    print(f"scikit-learn mean {sk.mean():.4f} sd {sk.std(ddof=1):.4f}  {np.round(sk, 3).tolist()}")
    print(f"difference {ak.mean() - sk.mean():+.4f}, standard error {se:.4f} ({args.seeds} seeds each)")


if __name__ == "__main__":
    main()
