#!/usr/bin/env python3
"""Writes a tiny fastText .bin model (version 12, skip-gram, dim 2, words "</s>" "ab" "cd",
bucket 5, minn 3, maxn 4) with the same bytes fastText 0.9 writes, optionally spoiled, and
prints on stdout the vectors fastText would give to the words named after the options,
as "word v1 v2" with 9 significant digits (written independently of lib/vecio/fasttext.c:
hash over signed bytes, n-grams over UTF-8 code points, float32 sums).

usage: fasttext_make_model.py OUT.bin [--supervised] [--quantized] [--bucket N]
                              [--version N] [--nan] [word ...]"""
import struct
import sys

import numpy as np

WORDS = ["</s>", "ab", "cd"]


def fnv(b):
    h = 2166136261
    for c in b:
        h ^= c if c < 0x80 else (c | 0xFFFFFF00)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def ngrams(word, minn, maxn):
    w = ("<" + word + ">").encode("utf-8")
    out = []
    for i in range(len(w)):
        if w[i] & 0xC0 == 0x80:
            continue
        j, n = i, 1
        while j < len(w) and n <= maxn:
            j += 1
            while j < len(w) and w[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(w))):
                out.append(w[i:j])
            n += 1
    return out


def main():
    args = sys.argv[1:]
    out = args.pop(0)
    opt = {"--supervised": False, "--quantized": False, "--nan": False}
    bucket, version, words = 5, 12, []
    while args:
        a = args.pop(0)
        if a in opt:
            opt[a] = True
        elif a == "--bucket":
            bucket = int(args.pop(0))
        elif a == "--version":
            version = int(args.pop(0))
        else:
            words.append(a)
    dim, minn, maxn, nw = 2, 3, 4, len(WORDS)
    rows = nw + 5  # the matrix really written; --bucket only changes what the header says
    m = np.arange(rows * dim, dtype=np.float32).reshape(rows, dim) * np.float32(0.125) - 1
    if opt["--nan"]:
        m[4, 1] = np.nan
    b = struct.pack("<ii", 793712314, version)
    b += struct.pack("<12i", dim, 5, 1, 1, 5, 1, 2, 3 if opt["--supervised"] else 2, bucket,
                     minn, maxn, 100)
    b += struct.pack("<d", 1e-4)
    b += struct.pack("<iiiqq", nw, nw, 0, 100, -1)
    for w in WORDS:
        b += w.encode() + b"\0" + struct.pack("<qb", 10, 0)
    b += struct.pack("<?qq", opt["--quantized"], nw + bucket, dim) + m.tobytes()
    b += struct.pack("<?qq", False, nw, dim) + np.zeros(nw * dim, np.float32).tobytes()
    open(out, "wb").write(b)
    for w in words:
        ids = [WORDS.index(w)] if w in WORDS else []
        if w != "</s>":
            ids += [nw + fnv(g) % bucket for g in ngrams(w, minn, maxn)]
        v = np.zeros(dim, np.float32)
        for i in ids:
            v += m[i]
        if ids:
            v *= np.float32(1.0 / len(ids))
        print(w, " ".join("%.9g" % x for x in v))


main()
