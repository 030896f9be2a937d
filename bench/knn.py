#!/usr/bin/env python3
"""The reference side of bench/knn.sh: top-k for every word by cosine with FAISS
IndexFlatIP and with numpy (matmul + argpartition, in blocks), on the given threads, then
the overlap of their answers with knn's TSV output.

usage: knn.py VECTORS KNN_TSV THREADS K [NUMPY_QUERIES]
Prints key<TAB>value lines. NUMPY_QUERIES (default: all) times numpy on that many queries
and extrapolates to the whole vocabulary."""
import os
import sys
import time

import numpy as np


def load(path):
    try:
        import logging
        logging.disable(logging.CRITICAL)
        from gensim.models import KeyedVectors
        kv = KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"))
        return list(kv.index_to_key), np.ascontiguousarray(kv.vectors, dtype=np.float32)
    except ImportError:
        words, rows = [], []
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            f.readline()
            for line in f:
                p = line.rstrip().split(" ")
                words.append(p[0])
                rows.append(np.array(p[1:], dtype=np.float32))
        return words, np.vstack(rows)


def main():
    vpath, tsv, threads, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    nq_numpy = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    words, m = load(vpath)
    n, d = m.shape
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-30)
    print("vectors\t%d x %d" % (n, d))

    import faiss
    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatIP(d)
    index.add(m)
    t0 = time.perf_counter()
    _, ids = index.search(m, k + 1)  # +1: the query itself comes back first
    t_faiss = time.perf_counter() - t0
    print("faiss_all_s\t%.3f" % t_faiss)
    print("faiss_all_qps\t%.0f" % (n / t_faiss))
    nsingle = min(n, 300)
    t0 = time.perf_counter()
    for i in range(nsingle):
        index.search(m[i:i + 1], k + 1)
    t_single = time.perf_counter() - t0
    print("faiss_single_qps\t%.0f" % (nsingle / t_single))

    nq = n if nq_numpy <= 0 else min(n, nq_numpy)
    t0 = time.perf_counter()
    for b0 in range(0, nq, 4096):
        s = m[b0:min(nq, b0 + 4096)] @ m.T
        part = np.argpartition(-s, k + 1, axis=1)[:, :k + 1]
        top = np.take_along_axis(s, part, axis=1)
        np.take_along_axis(part, np.argsort(-top, axis=1), axis=1)
    t_numpy = (time.perf_counter() - t0) * n / nq
    print("numpy_all_s\t%.3f%s" % (t_numpy, "" if nq == n else " (extrapolated from %d)" % nq))

    # overlap of knn's neighbour sets with FAISS's (self removed from FAISS's lists)
    index_of = {w: i for i, w in enumerate(words)}
    ours = {}
    with open(tsv, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            q, _, nb, _ = line.rstrip("\n").split("\t")
            ours.setdefault(index_of[q], set()).add(index_of[nb])
    same = total = 0
    for i in range(n):
        theirs = [j for j in ids[i] if j != i][:k]
        total += len(theirs)
        same += len(ours.get(i, set()).intersection(theirs))
    print("overlap_with_faiss\t%.5f" % (same / max(total, 1)))


if __name__ == "__main__":
    main()
