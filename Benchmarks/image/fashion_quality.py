"""Image anomaly detection quality on Fashion-MNIST (issue 15 §4): EfficientNet-Lite0 features
against raw pixels, and few-shot transfer and meta-learning on the features.

Data: Debian's dataset-fashion-mnist (IDX files in /usr/share/datasets/fashion-mnist).
Features: `anomalykit embed --encoder efficientnet-lite0` of the IDX files themselves (28 × 28 grey
upsampled to 256 and centre-cropped to 224, grey replicated to RGB); the training images used (the
first 1,000 of each class in file order) are written to a smaller IDX file first. Embeddings are
cached by the files' content.

- One-class: each class in turn is normal; fit on its 1,000 training images, test on its 1,000 test
  images plus anomalies from the other classes' test images, 5 % of the test set (53, drawn with
  seed = the class); `anomalykit evaluate` with knn, lof, iforest, ecod, pca, autoencoder and
  deepsvdd (defaults; random_state 0) on the features and on the raw pixels (scaled to 0…1). Mean
  ROC-AUC and average precision over the 10 classes.
- Few-shot, leaving one class out: each class's domain is its test images (normal) plus 5 %
  anomalies from the other classes; with K = 10 normal shots of the target and the 9 other domains
  as sources, `anomalykit transfer` (the linear autoencoder, --adapt center, as the MVTec-AD and
  20 Newsgroups runs) and `anomalykit meta --method metric`; means over seeds 0–2.

Usage: scripts/benchmark-image-quality [--seeds 0,1,2] [--detectors knn,…] [--skip-fewshot]
"""
import argparse, gzip, hashlib, json, os, subprocess, sys, time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "text"))
from corpora import ak_evaluate  # noqa: E402
from fewshot import leave_one_out, with_anomalies  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DETECTORS = ["knn", "lof", "iforest", "ecod", "pca", "autoencoder", "deepsvdd"]
SEEDED = {"iforest", "autoencoder", "deepsvdd"}


def idx(name):
    raw = gzip.open(os.path.join(FASHION, name)).read()
    if name.startswith("t10k-images") or name.startswith("train-images"):
        n, rows, cols = np.frombuffer(raw, ">u4", 3, 4)
        return np.frombuffer(raw, np.uint8, offset=16).reshape(int(n), int(rows), int(cols))
    return np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)


def write_idx(path, images):
    n, rows, cols = images.shape
    with open(path, "wb") as f:
        f.write(np.array([0x803, n, rows, cols], ">u4").tobytes())
        f.write(np.ascontiguousarray(images, np.uint8).tobytes())


def embed(binary, path, cache):
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
    out = os.path.join(cache, f"lite0-{digest}.npy")
    if not os.path.exists(out):
        start = time.time()
        p = subprocess.run([binary, "embed", "--encoder", "efficientnet-lite0", "--data", path, "--out", out, "--json"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"anomalykit embed {path} failed: {p.stderr[-600:]}")
        s = json.loads(p.stdout)
        print(f"embedded {s['images']} images of {os.path.basename(path)} in {time.time() - start:.0f} s "
              f"({s['images_per_second']:.1f} images/s)", flush=True)
    return np.load(out)


def metrics(y, s):
    s = np.asarray(s, np.float64)
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def one_class_split(c, train_labels, test_labels):
    test, y = with_anomalies(np.where(test_labels == c)[0], np.where(test_labels != c)[0], seed=c)
    return np.where(train_labels == c)[0][:1000], test, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--skip-fewshot", action="store_true")
    ap.add_argument("--work", default="Benchmarks/out/image-quality")
    ap.add_argument("--out", default="Benchmarks/results/image-quality")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    work = args.work
    train_images, train_labels = idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz")
    test_images, test_labels = idx("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")

    # The training images any one-class run uses: the first 1,000 of each class, in file order.
    used = np.sort(np.concatenate([np.where(train_labels == c)[0][:1000] for c in range(10)]))
    subset = os.path.join(work, "train-first1000-per-class.idx3-ubyte")
    write_idx(subset, train_images[used])
    train_features = np.zeros((len(train_images), 1280), np.float32)
    train_features[used] = embed(args.anomalykit, subset, work)
    test_features = embed(args.anomalykit, os.path.join(FASHION, "t10k-images-idx3-ubyte.gz"), work)
    representations = {
        "features": (train_features, test_features),
        "pixels": (train_images.reshape(len(train_images), -1).astype(np.float32) / 255,
                   test_images.reshape(len(test_images), -1).astype(np.float32) / 255),
    }

    detectors = args.detectors.split(",")
    one_class = {rep: {d: [] for d in detectors} for rep in representations}
    for c in range(10):
        train, test, y = one_class_split(c, train_labels, test_labels)
        for rep, (xtr, xte) in representations.items():
            for d in detectors:
                chosen = ["--detector", d] + (["--param", "random_state=0"] if d in SEEDED else [])
                auc, ap_ = metrics(y, ak_evaluate(args.anomalykit, work, xtr[train], xte[test], y, chosen))
                one_class[rep][d].append({"class": CLASSES[c], "roc_auc": auc, "average_precision": ap_})
        print(f"class {c} ({CLASSES[c]}): " + ", ".join(
            f"{d} {one_class['features'][d][-1]['roc_auc']:.3f}/{one_class['pixels'][d][-1]['roc_auc']:.3f}" for d in detectors),
            flush=True)
    means = {rep: {d: {"roc_auc": float(np.mean([r["roc_auc"] for r in rows])),
                       "average_precision": float(np.mean([r["average_precision"] for r in rows]))}
                   for d, rows in per.items()} for rep, per in one_class.items()}
    lines = ["### Fashion-MNIST one-class — mean over the 10 classes (ROC-AUC / average precision)", "",
             "| detector | EfficientNet-Lite0 features | raw pixels |", "|---|---|---|"]
    for d in detectors:
        f, p = means["features"][d], means["pixels"][d]
        lines.append(f"| {d} | {f['roc_auc']:.3f} / {f['average_precision']:.3f} | {p['roc_auc']:.3f} / {p['average_precision']:.3f} |")
    report = ["\n".join(lines)]
    print(report[0], flush=True)
    result = {"date": time.strftime("%Y-%m-%d"), "one_class": {"means": means, "per_class": one_class}}

    if not args.skip_fewshot:
        seeds = [int(s) for s in args.seeds.split(",")]
        folder = os.path.join(work, "domains")
        os.makedirs(folder, exist_ok=True)
        files = []
        for c in range(10):
            _, test, y = one_class_split(c, train_labels, test_labels)
            path = os.path.join(folder, f"fashion_{c}.npz")
            np.savez(path, X=test_features[test], y=y)
            files.append((CLASSES[c], path))
        texts, summary, raw = leave_one_out(args.anomalykit, files, files, seeds, "Fashion-MNIST (features)")
        report += texts
        result.update(summary)
        result["raw"] = raw

    for ext, text in (("json", json.dumps(result, indent=1)), ("md", "\n\n".join(report) + "\n")):
        tmp = f"{args.out}.{ext}.tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, f"{args.out}.{ext}")
    print(f"written to {args.out}.json and .md")


if __name__ == "__main__":
    main()
