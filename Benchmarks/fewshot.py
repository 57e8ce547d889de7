"""Leave-one-domain-out few-shot runs shared by the text and image benchmarks: each target in turn
with K = 10 normal rows (A = 0) and the other domains as sources (transfer) or tasks (meta).

- `anomalykit transfer` with the transfer benchmark's linear autoencoder (`--adapt center`, lr 0.01,
  50 epochs): scratch, source_only, finetuned, adapted, interpolated and knn_shots;
- `anomalykit meta --method metric`: scratch, finetuned, meta and knn_shots;
means of ROC-AUC over the seeds per target, then over the targets.
"""
import numpy as np

import meta_benchmark
from transfer_benchmark import FINETUNE, LINEAR_AE, MODES, mean_over_seeds, run, table


def with_anomalies(normal, others, seed, share=0.05):
    """A domain's rows: the indices `normal`, then anomalies drawn from `others` (seeded, without
    replacement) making up `share` of the rows; and the labels (0 then 1)."""
    n_anomalies = int(round(len(normal) * share / (1 - share)))
    anomalies = np.random.default_rng(seed).choice(others, size=n_anomalies, replace=False)
    rows = np.concatenate([normal, anomalies])
    return rows, np.concatenate([np.zeros(len(normal), np.int64), np.ones(n_anomalies, np.int64)])


def leave_one_out(binary, files, targets, seeds, title):
    """files: (name, path.npz) of every domain; targets: those to hold out in turn; title names the
    data in the tables ("20 Newsgroups"). Returns (markdown tables, summary, raw results)."""
    seeds_text = ",".join(str(s) for s in seeds)
    report, summary, raw = [], {}, {}
    rows = []
    for name, target in targets:
        sources = [p for n, p in files if n != name]
        res = [run(binary, sources, target, 10, 0, "autoencoder", "center", s, LINEAR_AE, FINETUNE) for s in seeds]
        raw[f"transfer: {name}"] = res
        rows.append((name, mean_over_seeds(res, MODES)))
        print("transfer", name, {k: None if v is None else round(v, 3) for k, v in rows[-1][1].items()}, flush=True)
    text, means = table(rows, f"{title} K=10 A=0 transfer — mean ROC-AUC over seeds {seeds_text}; "
                              f"`autoencoder {' '.join(LINEAR_AE)} --adapt center {' '.join(FINETUNE)}`", MODES)
    report.append(text)
    summary["transfer"] = {"means": means, "rows": dict(rows)}
    rows = []
    for name, target in targets:
        tasks = [p for n, p in files if n != name]
        res = [meta_benchmark.run(binary, tasks, target, 10, "metric", s) for s in seeds]
        raw[f"meta: {name}"] = res
        rows.append((name, mean_over_seeds(res, meta_benchmark.MODES)))
        print("meta", name, {k: None if v is None else round(v, 3) for k, v in rows[-1][1].items()}, flush=True)
    text, means = table(rows, f"{title} K=10 meta (--method metric) — mean ROC-AUC over seeds {seeds_text}",
                        meta_benchmark.MODES)
    report.append(text)
    summary["meta"] = {"means": means, "rows": dict(rows)}
    return report, summary, raw
