"""The text corpora the benchmarks read, AnomalyKit's embeddings of them (cached by content), the
ADBench split and `anomalykit evaluate` on embedding rows.

- SMS spam (`text/sms-spam.csv`): texts and spam labels.
- 20 Newsgroups (`text/20newsgroups-{train,test}.tab`): the training then the test posts, their groups.
- BGL_2k (`logs/loghub/BGL_2k.log`): lines without their label field (first token; `-` = normal),
  masked into templates with LogTemplate's patterns, and the labels.
"""
import csv, hashlib, json, os, re, subprocess

import numpy as np

BGL_LABEL = r"^(\S+) "

# LogTemplate's patterns, in its order (Sources/AnomalyText/Logs/LogTemplate.swift).
TEMPLATE_PATTERNS = [
    (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<uuid>"),
    (r"\b\d{4}[-./]\d{2}[-./]\d{2}(?:[-T ]\d{2}[:.]\d{2}[:.]\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b", "<time>"),
    (r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", "<time>"),
    (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b", "<ip>"),
    (r"(?<![\w/])(?:/[\w.\-]+){2,}/?", "<path>"),
    (r"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b", "<hex>"),
    (r"(?<![\w.:\-])(?=[\w.:\-]*[A-Za-z])(?=[\w.:\-]*?\d+[A-Za-z_.:\-]+\d)[\w.:\-]+", "<id>"),
    (r"(?<!\w)[-+]?\d+(?:\.\d+)?(?![\w.])", "<num>"),
]
COMPILED = [(re.compile(p), r) for p, r in TEMPLATE_PATTERNS]


def template(line):
    for regex, placeholder in COMPILED:
        line = regex.sub(placeholder, line)
    return line


def sms(datasets):
    rows = list(csv.reader(open(os.path.join(datasets, "text/sms-spam.csv"), encoding="utf-8")))[1:]
    return [r[2] for r in rows], np.array([int(r[1]) for r in rows])


def newsgroups(datasets):
    def read(name):
        lines = open(os.path.join(datasets, "text", name), encoding="utf-8").read().split("\n")[3:]
        pairs = [l.split("\t", 1) for l in lines if "\t" in l]
        return [p[1] for p in pairs], [p[0] for p in pairs]
    train_texts, train_groups = read("20newsgroups-train.tab")
    test_texts, test_groups = read("20newsgroups-test.tab")
    return train_texts + test_texts, np.array(train_groups + test_groups), len(train_texts)


def bgl(datasets):
    path = os.path.join(datasets, "logs/loghub/BGL_2k.log")
    lines = [l for l in open(path, encoding="utf-8").read().split("\n") if l.strip()]
    texts, labels = [], []
    for line in lines:
        m = re.match(BGL_LABEL, line)
        field = m.group(1) if m else ""
        texts.append(line[m.end():] if m else line)
        labels.append(0 if field in ("", "-") else 1)
    return path, [template(t) for t in texts], np.array(labels)


def digest(texts):
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    return h.hexdigest()[:16]


def ak_embed(binary, model_dir, cache, name, texts=None, log=None):
    """`anomalykit embed` of `texts` (or of the log at `log`, by template, label field removed), cached
    in `cache` by content; with the command's --json summary when it ran."""
    out = os.path.join(cache, f"ak-{name}-{digest(texts or [log])}.npy")
    if os.path.exists(out):
        return np.load(out), None
    if log:
        cmd = [binary, "embed", "--encoder", model_dir, "--log", log, "--label-regex", BGL_LABEL, "--out", out, "--json"]
    else:
        src = out[:-4] + ".jsonl"
        with open(src, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps(t) + "\n")
        cmd = [binary, "embed", "--encoder", model_dir, "--data", src, "--out", out, "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"anomalykit embed failed: {p.stderr[-600:]}")
    return np.load(out), json.loads(p.stdout)


def st_embed(model_dir, cache, threads, name, texts):
    """sentence-transformers' embedding of `texts` (PyTorch CPU, `threads` threads, batch 32), cached.
    Each distinct text is encoded once and its row repeated, as `anomalykit embed` does: encoded in
    different batches, one text's vectors differ by float rounding (the padding changes), and on a
    log of repeated templates (BGL_2k) such near-ties reorder neighbour-based scores."""
    out = os.path.join(cache, f"st-distinct-{name}-{digest(texts)}.npy")
    if os.path.exists(out):
        return np.load(out)
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(threads)
    model = SentenceTransformer(model_dir, device="cpu")
    first = {}
    for t in texts:
        first.setdefault(t, len(first))
    distinct = model.encode(list(first), batch_size=32, show_progress_bar=False)
    e = distinct[[first[t] for t in texts]]
    np.save(out, e)
    return e


def adbench_split(y, seed=42, oneclass=False):
    """ADBench's stratified 70/30 split (row indices); `oneclass` keeps the training part's normal rows."""
    from sklearn.model_selection import train_test_split
    tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=seed, stratify=y)
    return (tr[y[tr] == 0] if oneclass else tr), te


def ak_evaluate(binary, work, x_train, x_test, y_test, args):
    """Test scores of `anomalykit evaluate --train --test` on embedding rows (files in `work`);
    `args` names the detector (`--detector knn`, `--param …`)."""
    np.save(f"{work}/X_train.npy", x_train)
    np.save(f"{work}/X_test.npy", x_test)
    np.save(f"{work}/y_test.npy", np.asarray(y_test).astype(np.int64))
    p = subprocess.run([binary, "evaluate", "--train", f"{work}/X_train.npy", "--test", f"{work}/X_test.npy",
                        "--test-labels", f"{work}/y_test.npy", "--json", "--scores-out", f"{work}/s.npy", *args],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"anomalykit evaluate {' '.join(args)} failed: {p.stderr[-600:]}")
    return np.load(f"{work}/s.npy")
