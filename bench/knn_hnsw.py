#!/usr/bin/env python3
"""The reference side of bench/knn_hnsw.sh: hnswlib at the same settings (cosine, M,
ef_construction, ef, threads) on the same vectors, and recall@k against the exact answer
(knn -a output) for hnswlib and for knn's own HNSW answer.

usage: knn_hnsw.py VECTORS EXACT_TSV KNN_HNSW_TSV THREADS K M EFC EF"""
import sys
import time

import numpy as np


def load(path):
    import logging
    logging.disable(logging.CRITICAL)
    from gensim.models import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"))
    return list(kv.index_to_key), np.ascontiguousarray(kv.vectors, dtype=np.float32)


def read_tsv(path, index_of):
    res = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            q, _, nb, _ = line.rstrip("\n").split("\t")
            res.setdefault(index_of[q], []).append(index_of[nb])
    return res


def main():
    vpath, exact_tsv, ours_tsv = sys.argv[1:4]
    threads, k, m_, efc, ef = (int(x) for x in sys.argv[4:9])
    words, m = load(vpath)
    n, d = m.shape
    import hnswlib
    p = hnswlib.Index(space="cosine", dim=d)
    t0 = time.perf_counter()
    p.init_index(max_elements=n, ef_construction=efc, M=m_, random_seed=1)
    p.add_items(m, np.arange(n), num_threads=threads)
    print("hnswlib_build_s\t%.2f" % (time.perf_counter() - t0))
    p.set_ef(ef)
    t0 = time.perf_counter()
    labels, _ = p.knn_query(m, k=k, num_threads=threads)
    t = time.perf_counter() - t0
    print("hnswlib_query_s\t%.2f" % t)
    print("hnswlib_qps\t%.0f" % (n / t))
    index_of = {w: i for i, w in enumerate(words)}
    exact = read_tsv(exact_tsv, index_of)
    ours = read_tsv(ours_tsv, index_of)
    hit_h = hit_o = total = 0
    for i in range(n):
        e = set(exact.get(i, []))
        total += len(e)
        hit_h += len(e.intersection(labels[i].tolist()))
        hit_o += len(e.intersection(ours.get(i, [])))
    print("hnswlib_recall@%d\t%.4f" % (k, hit_h / total))
    print("knn_hnsw_recall@%d\t%.4f" % (k, hit_o / total))


if __name__ == "__main__":
    main()
