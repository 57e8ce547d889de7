"""Transfer and meta-learning on text (issue 14, §5): 20 Newsgroups, each group in turn the target
with K = 10 normal posts, the other 19 groups the sources.

Every post is embedded once by `anomalykit embed` (all-MiniLM-L6-v2; cached by content, shared with
quality.py); a group's domain is its posts (training and test files) as normal rows plus 5 %
anomalies drawn (seed = the group's index) from the other groups' posts. Then, as the MVTec-AD
experiments do (Benchmarks/transfer_benchmark.py, meta_benchmark.py):
- `anomalykit transfer --shots 10 --anomaly-shots 0 --detector autoencoder` (the linear autoencoder,
  `--adapt center`, lr 0.01, 50 epochs): scratch, source_only, finetuned, adapted, interpolated and
  knn_shots;
- `anomalykit meta --shots 10 --method metric`: scratch, finetuned, meta and knn_shots;
means of ROC-AUC over --seeds per target, then over the targets.

Usage: transfer_20ng.py --anomalykit BIN --model-dir DIR --datasets DIR [--targets N] [--seeds 0,1,2]
       [--out DIR]
"""
import argparse, os, sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from corpora import ak_embed, newsgroups  # noqa: E402
from fewshot import leave_one_out, with_anomalies  # noqa: E402
from transfer_benchmark import write_results  # noqa: E402


def domains(embedding, groups, folder):
    """One .npz per group: its posts (normal) and 5 % anomalies from the other groups."""
    names = sorted(set(groups.tolist()))
    paths = []
    for g, name in enumerate(names):
        rows, y = with_anomalies(np.where(groups == name)[0], np.where(groups != name)[0], seed=g)
        path = os.path.join(folder, f"20ng_{name}.npz")
        np.savez(path, X=embedding[rows], y=y)
        paths.append((name, path))
    return paths


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--targets", type=int, default=0, help="only the first N groups as targets (0 = all 20)")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--cache", default="Benchmarks/out/text-quality")
    ap.add_argument("--out", default="Benchmarks/out/transfer-20ng")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    texts, groups, _ = newsgroups(args.datasets)
    embedding, _ = ak_embed(args.anomalykit, args.model_dir, args.cache, "20ng", texts=texts)
    folder = os.path.join(args.out, "domains")
    os.makedirs(folder, exist_ok=True)
    files = domains(embedding, groups, folder)
    targets = files[: args.targets or None]

    report, summary, raw = leave_one_out(args.anomalykit, files, targets, seeds, "20 Newsgroups")
    write_results(args.out, raw, summary, report)


if __name__ == "__main__":
    main()
