"""Autoencoder training throughput: AnomalyKit's neural engine vs PyTorch, in one run.

Same architecture (d → 64 → 32 → 64 → d, ReLU, no batch norm or dropout), MSE loss, Adam
(lr 1e-3), batch 32, shuffled rows, standardised features, and the same number of threads
(torch.set_num_threads; OpenBLAS uses the machine's cores). Reports the median epoch's rows per
second for each side and their ratio, on each dataset given. Peak memory: AnomalyKit's peak
resident set on the data and on the data repeated --memory-repeat times (training memory
should not grow with the number of rows beyond the data itself).

Usage: nn_throughput.py --anomalykit BIN --data FILE[,FILE...] [--epochs 5] [--repeats 7] [--threads 2]
       [--busy-cores N] (the timed runs with N other processes spinning)
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def load(path):
    """A .npz's X or a .npy; a glob pattern (e.g. all MVTec categories) loads and stacks every match."""
    if any(c in path for c in "*?["):
        return np.concatenate([load(p) for p in sorted(glob.glob(path))])
    if path.endswith(".npz"):
        return np.load(path)["X"].astype(np.float32)
    return np.load(path).astype(np.float32)


def torch_rows_per_second(x, epochs, batch, threads, seed):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    d = x.shape[1]
    model = torch.nn.Sequential(
        torch.nn.Linear(d, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, d))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    xs = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1)
    data = torch.from_numpy(xs.astype(np.float32))
    n = len(data)
    rates = []
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, batch):
            b = data[perm[i:i + batch]]
            opt.zero_grad()
            loss = loss_fn(model(b), b)
            loss.backward()
            opt.step()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates), float(loss.detach())


def anomalykit(binary, path, epochs, batch, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "train-speed", "--data", path, "--epochs", str(epochs), "--batch", str(batch), "--json"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7, help="runs per side, interleaved; the median is reported (3 was too few on a noisy 2-core VM: 512-d ratios 1.26–1.88)")
    ap.add_argument("--memory-repeat", type=int, default=4)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--busy-cores", type=int, default=0,
                    help="keep this many other processes spinning during the timed runs (both sides alike), "
                         "to show how each degrades when the machine is not idle")
    args = ap.parse_args()
    if args.memory_repeat < 1 or args.repeats < 1 or args.busy_cores < 0:
        ap.error("--memory-repeat and --repeats must be ≥ 1, --busy-cores ≥ 0")
    results = []
    for path in args.data.split(","):
        x = load(path)
        name = os.path.basename(path).rsplit(".", 1)[0].replace("*", "all")
        if any(c in path for c in "*?["):
            stacked = os.path.join(tempfile.gettempdir(), f"nn_throughput_{name}.npy")
            np.save(stacked, x)
            path = stacked
        ak_runs, torch_runs = [], []
        spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy_cores)]
        try:
            for _ in range(args.repeats):  # interleaved, so load changes hit both sides alike
                ak_runs.append(anomalykit(args.anomalykit, path, args.epochs, args.batch, args.threads)["rows_per_second"])
                torch_runs.append(torch_rows_per_second(x, args.epochs, args.batch, args.threads, seed=0)[0])
        finally:
            for p in spinners:
                p.kill()
                p.wait()
        ak, pt = statistics.median(ak_runs), statistics.median(torch_runs)
        row = {"dataset": name, "rows": int(x.shape[0]), "features": int(x.shape[1]), "batch": args.batch,
               "threads": args.threads, "busy_cores": args.busy_cores, "anomalykit_rows_per_second": ak, "pytorch_rows_per_second": pt,
               "ratio": ak / pt, "anomalykit_runs": ak_runs, "pytorch_runs": torch_runs}
        # Memory: the same training on the data repeated k times.
        with tempfile.TemporaryDirectory() as tmp:
            big = os.path.join(tmp, "repeated.npy")
            np.save(big, np.tile(x, (args.memory_repeat, 1)))
            small_run = anomalykit(args.anomalykit, path, 1, args.batch, args.threads)
            big_run = anomalykit(args.anomalykit, big, 1, args.batch, args.threads)
        row["peak_mib"] = small_run["peak_resident_bytes"] / 2**20
        row["peak_mib_repeated"] = big_run["peak_resident_bytes"] / 2**20
        row["data_mib"] = small_run["data_bytes"] / 2**20
        row["data_mib_repeated"] = big_run["data_bytes"] / 2**20
        results.append(row)
        print(f"{name:28s} {x.shape[0]:7d}×{x.shape[1]:<4d} AnomalyKit {ak:10.0f} rows/s  PyTorch {pt:10.0f} rows/s  "
              f"ratio {ak / pt:4.2f}×  | peak {row['peak_mib']:.0f} MiB (data {row['data_mib']:.0f}); "
              f"×{args.memory_repeat} rows: {row['peak_mib_repeated']:.0f} MiB (data {row['data_mib_repeated']:.0f})",
              flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
