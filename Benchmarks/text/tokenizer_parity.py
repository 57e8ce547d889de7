"""Token-id parity of `anomalykit tokenize` with Hugging Face's BertTokenizerFast (issue 14, §5).

Sources: SMS spam, both 20 Newsgroups files, a seeded stress set (accents, CJK, emoji, control
characters, long words, special tokens, empty strings, random unicode from many blocks) with the
encoder's tokenizer and a cased variant of it, and a sweep of every unicode scalar under three
normalisations (uncased, cased, lower-cased without stripping accents) with a vocabulary holding
every scalar, so each id shows one normalised character, and every combining mark next to marks of
other classes (the canonical reordering of stripped text). Each source is written as JSON lines,
tokenized by both sides with truncation at --max-length, and compared id for id.

Usage: tokenizer_parity.py --anomalykit BIN --encoder-dir DIR [--datasets DIR] [--out FILE]
Exit status 1 on any mismatch.
"""

import argparse
import csv
import datetime
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

import tokenizers
import transformers
from tokenizers import AddedToken, Tokenizer
from tokenizers.models import WordPiece
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer
from tokenizers.processors import TemplateProcessing

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


# ---------------------------------------------------------------- sources

def sms_spam(datasets):
    path = datasets / "text" / "sms-spam.csv"
    with open(path, newline="", encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def newsgroups(path):
    """Orange .tab: a header row, a types row, a flags row, then Category<TAB>Text."""
    lines = path.read_text(encoding="utf-8").split("\n")
    texts = []
    for line in lines[3:]:
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        texts.append(line.split("\t", 1)[1] if "\t" in line else "")
    return texts


# Unicode blocks the random strings draw from: (first, last) code points.
BLOCKS = [
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x0250, 0x02FF), (0x0300, 0x036F), (0x0370, 0x03FF),
    (0x0400, 0x052F), (0x0530, 0x058F), (0x0590, 0x05FF), (0x0600, 0x06FF), (0x0700, 0x08FF),
    (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x0F00, 0x0FFF), (0x1000, 0x109F), (0x10A0, 0x10FF),
    (0x1100, 0x11FF), (0x1200, 0x139F), (0x13A0, 0x13FF), (0x1400, 0x167F), (0x1680, 0x16FF),
    (0x1700, 0x17FF), (0x1800, 0x18AF), (0x1AB0, 0x1AFF), (0x1D00, 0x1DFF), (0x1E00, 0x1FFF),
    (0x2000, 0x206F), (0x2070, 0x20CF), (0x20D0, 0x20FF), (0x2100, 0x23FF), (0x2460, 0x27BF),
    (0x2C00, 0x2E7F), (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3100, 0x33FF), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xA000, 0xA4CF), (0xA640, 0xABFF), (0xAC00, 0xD7FF), (0xE000, 0xF8FF),
    (0xF900, 0xFAFF), (0xFB00, 0xFDFF), (0xFE00, 0xFE6F), (0xFE70, 0xFFFF), (0x10000, 0x1007F),
    (0x10300, 0x1034F), (0x10400, 0x104FF), (0x11000, 0x111FF), (0x11900, 0x1195F), (0x16800, 0x16FFF),
    (0x1D100, 0x1D24F), (0x1D400, 0x1D7FF), (0x1F000, 0x1F0FF), (0x1F100, 0x1F2FF), (0x1F300, 0x1FAFF),
    (0x20000, 0x2A6DF), (0x2A700, 0x2CEAF), (0x2F800, 0x2FA1F), (0x30000, 0x3134F), (0xE0000, 0xE01EF),
    (0xF0000, 0xF00FF), (0x10FF00, 0x10FFFF),
]

WORDS = ("the quick brown fox jumps over lazy dog hello world anomaly detection transformer encoder "
         "tokenizer unbelievable internationalization naïve café résumé façade coöperate").split()
ACCENTED = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňŉòóôõöøōŏőœŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżžǅǆǈǉǋǌ"
COMBINING = [chr(c) for c in range(0x0300, 0x0370)] + ["\u1AB0", "\u1DC0", "\u20D0", "\uFE20", "\u0F74", "\U0001D165", "\u0898", "\u07FD"]
CJK = "日本語中文漢字한국어テキストカタカナひらがな，。「」、《》〈〉！？：；（）｛｝［］"
EMOJI = ["😀", "👍", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇫🇷", "#️⃣", "❤️", "🥰", "🫠", "✌🏿", "🧑‍💻", "☺", "♥", "\u200d", "\ufe0f"]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\r\n", "\x1b", "\x1f", "\x7f",
            "\x80", "\x85", "\x9f", "\u00a0", "\u00ad", "\u061c", "\u1680", "\u180e", "\u2000", "\u200b",
            "\u200c", "\u200d", "\u200e", "\u2028", "\u2029", "\u202a", "\u202f", "\u205f", "\u2060",
            "\u2066", "\u3000", "\ufeff", "\ufff9", "\ufffd", "\U000e0001", "\U000e0041", "\ue000", "\U000f0000"]
TRICKY = ["İ", "ı", "ß", "ẞ", "ﬁ", "ﬀ", "Ǆ", "ǅ", "ς", "Σ", "ΣΑΣ", "ǰ", "ΐ", "Å", "Å", "Ω", "K", "ﬃ",
          "ŉ", "ǈ", "\u0130stanbul", "STRASSE", "straße", "Ελληνικά", "Русский", "עברית", "العربية",
          "हिन्दी", "ไทย", "ქართული", "Ⓐⓑ", "①②", "ᴀʙᴄ", "𝐀𝐁𝐂", "𝔄𝔅", "Ａｂｃ", "ｶﾀｶﾅ", "각", "\u1fef", "\u037e"]
SPECIAL_CASES = ["[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "[mask]", "[MASK ]", "[[MASK]]", "x[MASK]y",
                 "[CLS][SEP]", "[CLS", "CLS]", "[ CLS ]", "[MA\x00SK]", "##", "##ing", "un##able", "[SEP]é"]


def random_scalar(rng):
    if rng.random() < 0.15:
        c = rng.randrange(0, 0x110000)
    else:
        lo, hi = rng.choice(BLOCKS)
        c = rng.randint(lo, hi)
    if 0xD800 <= c <= 0xDFFF:
        c = 0xFFFD
    return chr(c)


def long_word(rng):
    n = rng.choice([98, 99, 100, 101, 102, rng.randint(1, 250)])
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))
    if kind == 1:
        return "".join(rng.choice(ACCENTED) for _ in range(n))
    if kind == 2:  # decomposed accents: the scalar count changes when marks are stripped
        return "".join(rng.choice("aeiou") + rng.choice(COMBINING[:20]) for _ in range(n // 2))
    return rng.choice(WORDS) * (n // 5 + 1)


def stress_set(seed, count):
    rng = random.Random(seed)
    texts = ["", " ", "\t", "\n", "\r\n", "\x00", "\ufffd", "  \t \n  ", "a", ".", "...", "a.b", "[CLS]",
             "\u200d", "\ufe0f", "\U0001F600", "a" * 100, "a" * 101, "é" * 100, "e\u0301" * 100, "İ" * 60]
    texts += SPECIAL_CASES + TRICKY + EMOJI + CONTROLS
    pieces = [lambda: rng.choice(WORDS), lambda: rng.choice(WORDS).upper(), lambda: rng.choice(WORDS).title(),
              lambda: "".join(rng.choice(ACCENTED) for _ in range(rng.randint(1, 8))),
              lambda: rng.choice(WORDS) + rng.choice(COMBINING),
              lambda: "".join(rng.choice(CJK) for _ in range(rng.randint(1, 6))),
              lambda: rng.choice(EMOJI), lambda: rng.choice(CONTROLS), lambda: rng.choice(TRICKY),
              lambda: rng.choice(SPECIAL_CASES), lambda: long_word(rng),
              lambda: "".join(random_scalar(rng) for _ in range(rng.randint(1, 12))),
              lambda: rng.choice("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿§¶«»—–…‘’“”•†‡‰′″‹›"),
              lambda: str(rng.randint(0, 10 ** rng.randint(1, 12)))]
    while len(texts) < count:
        n = rng.choice([1, 2, 3, 5, 8, 13, 30, 60, 150, 400])
        seps = [" ", " ", " ", "", "\t", "\n", "\u3000", "\u00a0"]
        texts.append("".join(rng.choice(pieces)() + rng.choice(seps) for _ in range(n)))
    return texts


def scalar_sweep():
    """Every unicode scalar, 16 to a text: once as a word `a·c·b` each, once run together."""
    scalars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = []
    for i in range(0, len(scalars), 16):
        chunk = scalars[i:i + 16]
        texts.append(" ".join("a" + c + "b" for c in chunk))
        texts.append("".join(chunk))
    return texts


def mark_pairs():
    """Every combining mark next to marks of other classes, both ways round, between letters: with
    accents stripped, the marks left (spacing ones, and ones too new for the library's category
    table) show the canonical reordering."""
    marks = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and unicodedata.combining(chr(c))]
    partners = ["\u0F74", "\U0001D165", "\U0001D16E", "\u0301", "\u0316", "\u0345", "\u05B0", "\u0E38", "\u1885",
                "\u302A", "\u034F", "\u0903"]
    return ["a" + x + y + "b" for m in marks for p in partners for x, y in ((m, p), (p, m))]


# ---------------------------------------------------------------- tokenizers

def hf_from_vocab(vocab, lowercase, strip_accents, max_length):
    """A BertTokenizerFast-equivalent pipeline of the tokenizers library over `vocab`."""
    ids = {}
    for i, token in enumerate(vocab):
        ids[token] = i
    tok = Tokenizer(WordPiece(ids, unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=100))
    tok.normalizer = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=strip_accents,
                                    lowercase=lowercase)
    tok.pre_tokenizer = BertPreTokenizer()
    tok.post_processor = TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", ids["[CLS]"]),
                                                                                     ("[SEP]", ids["[SEP]"])])
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in SPECIALS])
    tok.enable_truncation(max_length)
    return lambda texts: [e.ids for e in tok.encode_batch(texts)]


def read_vocab(path):
    """vocab.txt as AnomalyKit and the tokenizers library read it: lines, a final CR dropped."""
    lines = pathlib.Path(path).read_bytes().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def make_encoder_dir(root, name, vocab_lines, config, max_length):
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "vocab.txt").write_text("".join(t + "\n" for t in vocab_lines), encoding="utf-8")
    (d / "tokenizer_config.json").write_text(json.dumps(config))
    (d / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_length}))
    (d / "config.json").write_text("{}")
    (d / "model.safetensors").write_bytes(b"")
    return d


def run_anomalykit(binary, encoder, texts, work, name, max_length):
    data = work / f"{name}.jsonl"
    out = work / f"{name}.ids.jsonl"
    with open(data, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t, ensure_ascii=True) + "\n")
    cmd = [str(binary), "tokenize", "--encoder", str(encoder), "--data", str(data), "--out", str(out),
           "--max-length", str(max_length), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{name}: anomalykit tokenize failed ({r.returncode}): {r.stderr.strip()}")
    summary = json.loads(r.stdout)
    with open(out, encoding="utf-8") as f:
        ids = [json.loads(line) for line in f]
    return ids, summary


def compare(name, texts, ours, theirs, hf_seconds, summary):
    mismatches = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    if len(ours) != len(theirs):
        mismatches.append(min(len(ours), len(theirs)))
    result = {"texts": len(texts), "mismatches": len(mismatches),
              "tokens": sum(len(x) for x in theirs),
              "truncated_texts": summary.get("truncated_texts"),
              "anomalykit_seconds": round(summary.get("seconds", 0.0), 4),
              "hf_seconds": round(hf_seconds, 4)}
    print(f"{name:>22}: {len(texts):7d} texts, {result['tokens']:9d} tokens, {len(mismatches)} mismatches "
          f"(anomalykit {result['anomalykit_seconds']:.2f} s, Hugging Face {result['hf_seconds']:.2f} s)")
    diffs = []
    for i in mismatches[:5]:
        a = ours[i] if i < len(ours) else None
        b = theirs[i] if i < len(theirs) else None
        at = next((k for k in range(min(len(a or []), len(b or []))) if a[k] != b[k]), None)
        diffs.append({"index": i, "text": texts[i][:200] if i < len(texts) else None, "first_difference": at,
                      "anomalykit": a[:40] if a else a, "hf": b[:40] if b else b})
        print(f"    text {i}: {texts[i][:80]!r}\n      first difference at {at}\n"
              f"      anomalykit {a[:30] if a else a}\n      hf         {b[:30] if b else b}")
    result["first_diffs"] = diffs
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--anomalykit", required=True)
    p.add_argument("--encoder-dir", required=True, help="the model directory (vocab.txt, tokenizer.json)")
    p.add_argument("--datasets", default="../shared/datasets")
    p.add_argument("--out", default="Benchmarks/out/tokenizer-parity.json")
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--stress", type=int, default=5000, help="strings in the stress set")
    p.add_argument("--no-sweep", action="store_true", help="skip the sweep over every unicode scalar")
    args = p.parse_args()

    datasets = pathlib.Path(args.datasets)
    encoder = pathlib.Path(args.encoder_dir).expanduser()
    work = pathlib.Path(tempfile.mkdtemp(prefix="tokenizer-parity-"))
    hf = transformers.BertTokenizerFast.from_pretrained(str(encoder))

    def hf_encode(texts):
        return hf(texts, truncation=True, max_length=args.max_length)["input_ids"]

    vocab = read_vocab(encoder / "vocab.txt")
    json_vocab = json.loads((encoder / "tokenizer.json").read_text())["model"]["vocab"]
    vocab_agrees = json_vocab == {t: i for i, t in enumerate(vocab)}
    print(f"vocab.txt and tokenizer.json's vocabulary agree: {vocab_agrees}")

    stress = stress_set(args.seed, args.stress)
    cased_dir = make_encoder_dir(work, "cased", vocab, {"do_lower_case": False}, args.max_length)
    cased = hf_from_vocab(vocab, lowercase=False, strip_accents=None, max_length=args.max_length)
    runs = [("sms-spam", sms_spam(datasets), encoder, hf_encode),
            ("20newsgroups-train", newsgroups(datasets / "text" / "20newsgroups-train.tab"), encoder, hf_encode),
            ("20newsgroups-test", newsgroups(datasets / "text" / "20newsgroups-test.tab"), encoder, hf_encode),
            ("stress", stress, encoder, hf_encode),
            ("stress-cased", stress, cased_dir, cased)]
    if not args.no_sweep:
        sweep = scalar_sweep()
        scalars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and c not in (0x0A, 0x0D)]
        every = SPECIALS + scalars + ["##" + c for c in scalars]
        for name, lower, strip in [("uncased", True, None), ("cased", False, None), ("lowercase-accents", True, False)]:
            config = {"do_lower_case": lower, "strip_accents": strip}
            d = make_encoder_dir(work, "sweep-" + name, every, config, args.max_length)
            reference = hf_from_vocab(every, lower, strip, args.max_length)
            runs.append((f"scalars-{name}", sweep, d, reference))
            if name == "uncased":
                runs.append(("marks-uncased", mark_pairs(), d, reference))

    results = {}
    for name, texts, enc_dir, reference in runs:
        ours, summary = run_anomalykit(args.anomalykit, enc_dir, texts, work, name, args.max_length)
        t0 = time.perf_counter()
        theirs = reference(texts)
        results[name] = compare(name, texts, ours, theirs, time.perf_counter() - t0, summary)

    total = sum(r["mismatches"] for r in results.values())
    report = {"date": datetime.date.today().isoformat(), "encoder": str(encoder), "max_length": args.max_length,
              "seed": args.seed, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
              "vocab_txt_matches_tokenizer_json": vocab_agrees, "mismatches": total, "sources": results}
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, out)
    print(f"{sum(r['texts'] for r in results.values())} texts compared, {total} mismatches; summary in {out}")
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
