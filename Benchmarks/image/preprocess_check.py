#!/usr/bin/env python3
"""Pillow references for ImagePreprocessing on real images (run by scripts/check-image-preprocessing).

Writes to --out (default Benchmarks/out/preprocess):
- images/: scikit-learn's two sample photos (china.jpg 640×427, flower.jpg 640×427) and generated
  photo-like PNGs of odd sizes and kinds: 301×199 RGBA, 640×480 palette, 1000×800 16-bit RGB,
  257×1031 grey;
- <name>.pillow.npy: torchvision's Resize(256) + CenterCrop(224) on Image.open(p).convert("RGB")
  (torchvision's size and offset rules re-implemented: torchvision is not installed), flat uint8;
- <name>.float.npy: the same resize in float64 with Pillow's weights and no uint8 rounding, float32;
- fashion-mnist.pillow.npy / .float.npy: the first --mnist-count test images of Fashion-MNIST
  (read from the IDX file, grey: one channel stored), one row per image;
- manifest.json: the cases, their groups, and Pillow's own |Pillow − float64| per group.
The Swift side (Tests/AnomalyImageTests/IO/PreprocessReferenceTests.swift, enabled by
ANOMALYKIT_PREPROCESS_REFERENCE=<out>) writes measured.json next to them.
"""
import argparse
import gzip
import json
import os
import shutil
import struct
import zlib

import numpy as np
import PIL
import sklearn.datasets
from PIL import Image

RESIZE, CROP = 256, 224


def resized_size(w, h, size=RESIZE):
    """torchvision's _compute_resized_output_size for an int size."""
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)


def crop_offsets(w, h, crop=CROP):
    """torchvision CenterCrop: int(round((size - crop) / 2)), Python's round (halves to even)."""
    return int(round((w - crop) / 2.0)), int(round((h - crop) / 2.0))


def pillow_reference(img):
    img = img.convert("RGB")
    w, h = resized_size(img.width, img.height)
    out = img.resize((w, h), Image.BILINEAR)
    left, top = crop_offsets(w, h)
    return np.asarray(out.crop((left, top, left + CROP, top + CROP)))


def coefficients(in_size, out_size, keep):
    """Pillow's precompute_coeffs (bilinear) for the output positions in `keep`, float64."""
    scale = in_size / out_size
    fs = max(scale, 1.0)
    rows = []
    for p in keep:
        center = (p + 0.5) * scale
        x0 = max(int(center - fs + 0.5), 0)
        x1 = min(int(center + fs + 0.5), in_size)
        w = np.maximum(0.0, 1.0 - np.abs((np.arange(x0, x1) - center + 0.5) / fs))
        rows.append((x0, w / w.sum()))
    return rows


def float_reference(rgb):
    """Resize + crop in float64 (horizontal pass first; an unresized axis is copied)."""
    h, w = rgb.shape[:2]
    ow, oh = resized_size(w, h)
    left, top = crop_offsets(ow, oh)
    src = rgb.astype(np.float64)
    if ow != w:
        src = np.stack([np.tensordot(ws, src[:, x0:x0 + len(ws)], axes=([0], [1]))
                        for x0, ws in coefficients(w, ow, range(left, left + CROP))], axis=1)
    else:
        src = src[:, left:left + CROP]
    if oh != h:
        src = np.stack([np.tensordot(ws, src[y0:y0 + len(ws)], axes=([0], [0]))
                        for y0, ws in coefficients(h, oh, range(top, top + CROP))], axis=0)
    else:
        src = src[top:top + CROP]
    return src


def scene(w, h, seed):
    """A photo-like image: gradients, discs, fine texture and sensor-like noise."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    img[..., 0] = 255 * x / (w - 1)
    img[..., 1] = 255 * y / (h - 1)
    img[..., 2] = 128 + 100 * np.sin(x / 9.0) * np.cos(y / 13.0)
    for _ in range(12):
        cx, cy, rad = r.uniform(0, w), r.uniform(0, h), r.uniform(5, max(w, h) / 5)
        img[(x - cx) ** 2 + (y - cy) ** 2 < rad ** 2] = r.uniform(0, 255, 3)
    img += 40 * np.sin(x * 1.3 + y * 0.7)[..., None] * (y < h / 4)[..., None]
    img += r.normal(0, 6, img.shape)
    return np.clip(img, 0, 255)


def png16(samples):
    """A 16-bit RGB PNG (Pillow cannot write one)."""
    h, w = samples.shape[:2]
    raw = b"".join(b"\x00" + samples[row].astype(">u2").tobytes() for row in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def stats(a, b):
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return {"mean": float(d.mean()), "max": float(d.max())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="Benchmarks/out/preprocess")
    ap.add_argument("--mnist", default="/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    ap.add_argument("--mnist-count", type=int, default=200)
    args = ap.parse_args()
    images = os.path.join(args.out, "images")
    os.makedirs(images, exist_ok=True)

    files = []
    sample_dir = os.path.join(os.path.dirname(sklearn.datasets.__file__), "images")
    for name in ["china.jpg", "flower.jpg"]:
        shutil.copy(os.path.join(sample_dir, name), os.path.join(images, name))
        files.append(("sklearn-photos", name))
    rgba = np.dstack([scene(301, 199, 1), np.random.default_rng(2).uniform(0, 255, (199, 301))]).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(os.path.join(images, "rgba-301x199.png"))
    pal = Image.fromarray(scene(640, 480, 3).astype(np.uint8)).quantize(colors=200)
    pal.save(os.path.join(images, "palette-640x480.png"))
    deep = (scene(1000, 800, 4) * 257).astype(np.uint16)
    with open(os.path.join(images, "rgb16-1000x800.png"), "wb") as f:
        f.write(png16(deep))
    Image.fromarray(scene(257, 1031, 5).astype(np.uint8)).convert("L").save(os.path.join(images, "grey-257x1031.png"))
    files += [("generated-png", n) for n in ["rgba-301x199.png", "palette-640x480.png", "rgb16-1000x800.png",
                                             "grey-257x1031.png"]]

    manifest = {"pillow": PIL.__version__, "resize": RESIZE, "crop": CROP, "images": [], "pillow_vs_float": {}}
    groups = {}
    for group, name in files:
        img = Image.open(os.path.join(images, name))
        pil = pillow_reference(img)
        ref = float_reference(np.asarray(img.convert("RGB")))
        np.save(os.path.join(args.out, name + ".pillow.npy"), pil.reshape(-1))
        np.save(os.path.join(args.out, name + ".float.npy"), ref.astype(np.float32).reshape(-1))
        manifest["images"].append({"group": group, "name": name, "file": "images/" + name,
                                   "size": [img.width, img.height], "mode": img.mode})
        groups.setdefault(group, []).append((pil, ref))

    with gzip.open(args.mnist) as f:
        head = f.read(16)
        magic, count, rows, cols = struct.unpack(">IIII", head)
        n = min(args.mnist_count, count)
        digits = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8).reshape(n, rows, cols)
    pils = np.stack([pillow_reference(Image.fromarray(d, "L"))[..., 0].reshape(-1) for d in digits])
    refs = np.stack([float_reference(np.repeat(d[..., None], 3, axis=2))[..., 0].reshape(-1) for d in digits])
    np.save(os.path.join(args.out, "fashion-mnist.pillow.npy"), pils)
    np.save(os.path.join(args.out, "fashion-mnist.float.npy"), refs.astype(np.float32))
    manifest["idx"] = {"group": "fashion-mnist", "file": os.path.abspath(args.mnist), "count": int(n)}
    groups["fashion-mnist"] = [(pils, refs)]

    for group, pairs in groups.items():
        d = np.concatenate([np.abs(p.astype(np.float64) - r).reshape(-1) for p, r in pairs])
        manifest["pillow_vs_float"][group] = {"mean": round(float(d.mean()), 4), "max": round(float(d.max()), 4)}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    for group, s in manifest["pillow_vs_float"].items():
        print(f"Pillow vs float64 reference  {group:15s} mean |Δ| {s['mean']:.4f}  max |Δ| {s['max']:.4f}")


if __name__ == "__main__":
    main()
