"""Sentence-encoder speed: `anomalykit embed` against sentence-transformers (PyTorch CPU) on the
same texts, batch size and thread count, in one run, interleaved.

Sources: SMS spam (short) and 20 Newsgroups test posts (long, truncated at 256 tokens). Per side and
source: the median of --repeats timed encodes (AnomalyKit: the `seconds` embed reports, encoding
only; PyTorch: SentenceTransformer.encode after an untimed warm-up), peak resident memory (AnomalyKit:
/usr/bin/time; PyTorch: the worker's ru_maxrss), and for AnomalyKit the GFLOP/s against this
machine's sgemm rate (`anomalykit sgemm-peak`). Also checks the two sides' embeddings agree.
"""
import argparse, csv, json, os, statistics, subprocess, sys, tempfile

WORKER = r'''
import json, resource, sys, time
import numpy as np, torch
texts_path, model_dir, batch, threads, repeats, out = sys.argv[1:7]
torch.set_num_threads(int(threads))
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(model_dir, device="cpu")
texts = [json.loads(l) for l in open(texts_path)]
m.encode(texts[:64], batch_size=int(batch))
times = []
for _ in range(int(repeats)):
    t = time.perf_counter(); e = m.encode(texts, batch_size=int(batch)); times.append(time.perf_counter() - t)
np.save(out, e)
print(json.dumps({"seconds": times, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "torch": torch.__version__}))
'''


def texts_of(source, datasets, limit):
    if source == "sms":
        rows = list(csv.reader(open(os.path.join(datasets, "text/sms-spam.csv"), encoding="utf-8")))[1:]
        texts = [r[2] for r in rows]
    else:
        lines = open(os.path.join(datasets, "text/20newsgroups-test.tab"), encoding="utf-8").read().split("\n")[3:]
        texts = [l.split("\t", 1)[1] for l in lines if "\t" in l]
    return texts[:limit] if limit else texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--model", default=os.path.expanduser(os.environ.get("ANOMALYKIT_HOME", "~/.cache/anomalykit")) + "/models/all-MiniLM-L6-v2")
    ap.add_argument("--sources", default="sms,20newsgroups")
    ap.add_argument("--limit", type=int, default=2000, help="texts per source (0 = all)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="Benchmarks/out/encoder-speed.json")
    args = ap.parse_args()
    import numpy as np
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    peak = json.loads(subprocess.run([args.anomalykit, "sgemm-peak", "--json"], env=env, check=True,
                                     capture_output=True, text=True).stdout)
    results = {"sgemm": peak, "batch": args.batch, "threads": args.threads, "sources": {}}
    work = tempfile.mkdtemp()
    for source in args.sources.split(","):
        texts = texts_of(source, args.datasets, args.limit)
        path = os.path.join(work, f"{source}.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            for t in texts:
                fh.write(json.dumps(t) + "\n")
        ak_runs, ak_peaks, py_runs = [], [], []
        py_peak, torch_version = 0, ""
        for r in range(args.repeats):
            out = os.path.join(work, f"{source}-ak.npy")
            p = subprocess.run(["/usr/bin/time", "-f", "%M", args.anomalykit, "embed", "--encoder", args.model, "--data", path,
                                "--out", out, "--batch-size", str(args.batch), "--json"],
                               env=env, check=True, capture_output=True, text=True)
            ak_runs.append(json.loads(p.stdout))
            ak_peaks.append(int(p.stderr.strip().splitlines()[-1]))
            pyout = os.path.join(work, f"{source}-py.npy")
            q = subprocess.run([sys.executable, "-c", WORKER, path, args.model, str(args.batch), str(args.threads), "1", pyout],
                               env=env, check=True, capture_output=True, text=True)
            w = json.loads(q.stdout.strip().splitlines()[-1])
            py_runs.append(w["seconds"][0]); py_peak = max(py_peak, w["peak_kib"]); torch_version = w["torch"]
        a, b = np.load(out), np.load(pyout)
        cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        ak_s = statistics.median(r["seconds"] for r in ak_runs)
        py_s = statistics.median(py_runs)
        gflops = statistics.median(r["gflops_per_second"] for r in ak_runs)
        row = {"texts": len(texts), "tokens": ak_runs[0]["tokens"], "truncated": ak_runs[0]["truncated_texts"],
               "anomalykit_seconds": [r["seconds"] for r in ak_runs], "pytorch_seconds": py_runs,
               "anomalykit_sentences_per_second": len(texts) / ak_s, "pytorch_sentences_per_second": len(texts) / py_s,
               "ratio": py_s / ak_s, "anomalykit_gflops_per_second": gflops,
               "fraction_of_sgemm_peak": gflops / peak["gflops_per_second"],
               "anomalykit_peak_mib": max(ak_peaks) / 1024, "pytorch_peak_mib": py_peak / 1024, "torch": torch_version,
               "min_cosine": float(cos.min()), "max_abs_difference": float(np.abs(a - b).max())}
        results["sources"][source] = row
        print(f"{source:13s} {len(texts)} texts: AnomalyKit {row['anomalykit_sentences_per_second']:.1f}/s, PyTorch "
              f"{row['pytorch_sentences_per_second']:.1f}/s, ratio {row['ratio']:.2f}x; {gflops:.1f} GFLOP/s = "
              f"{100 * row['fraction_of_sgemm_peak']:.0f}% of sgemm {peak['gflops_per_second']:.1f}; peak "
              f"{row['anomalykit_peak_mib']:.0f} vs {row['pytorch_peak_mib']:.0f} MiB; min cos {row['min_cosine']:.7f}", flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
