#!/usr/bin/env python3
"""Writes a small word2vec text file whose words cover questions-words.txt and a
WordSim-353 file, with planted structure so that analogy accuracy and similarity
correlations are neither 0 nor 1: a pair (x, y) of a section gets y = x + r_section + noise.
Mixed-case duplicates ("athens" after "Athens") and filler words exercise case folding and
--restrict. Deterministic (seeded).

usage: knn_make_vectors.py QUESTIONS WORDSIM OUT.txt [dim]"""
import sys

import numpy as np


def main():
    qpath, wspath, out = sys.argv[1:4]
    dim = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    rng = np.random.default_rng(20261129)
    vec, order = {}, []

    def put(w, v):
        if w not in vec:
            vec[w] = v.astype(np.float32)
            order.append(w)

    rel = None
    for line in open(qpath, encoding="utf-8"):
        parts = line.split()
        if line.startswith(":"):
            rel = rng.standard_normal(dim)
            continue
        if len(parts) != 4:
            continue
        for x, y in ((parts[0], parts[1]), (parts[2], parts[3])):
            put(x, rng.standard_normal(dim))
            put(y, vec[x] + rel + 0.9 * rng.standard_normal(dim))
    for line in open(wspath, encoding="utf-8"):
        if line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3:
            continue
        a, b, s = parts[0], parts[1], float(parts[2])
        put(a, rng.standard_normal(dim))
        put(b, vec[a] + (10.0 - s) / 3.0 * rng.standard_normal(dim))
    words = list(order)
    rng.shuffle(words)
    fillers = ["filler%d" % i for i in range(3000)]
    lower = [w.lower() for w in words if w.lower() != w]
    allw = []
    fi = iter(fillers)
    for i, w in enumerate(words):  # interleave: 1 question word, then 2 fillers
        allw.append(w)
        for _ in range(2):
            f = next(fi, None)
            if f is not None:
                allw.append(f)
    allw.extend(fi)
    for w in lower:  # lower-case spellings come later (less frequent) with other vectors
        if w not in vec:
            allw.append(w)
    with open(out, "w", encoding="utf-8") as f:
        f.write("%d %d\n" % (len(allw), dim))
        for w in allw:
            v = vec.get(w)
            if v is None:
                v = rng.standard_normal(dim).astype(np.float32)
            f.write(w + " " + " ".join("%f" % x for x in v) + " \n")


if __name__ == "__main__":
    main()
