#!/usr/bin/env python3
"""The gensim side of bench/knn-big.sh: load a word2vec binary with
KeyedVectors.load_word2vec_format and ask most_similar once, timing both.

usage: knn_big_gensim.py VECTORS.bin WORD K
Prints key<TAB>value lines (load_s, query_s, and the neighbours as nn<TAB>word<TAB>score)."""
import logging
import sys
import time

logging.disable(logging.CRITICAL)
t0 = time.perf_counter()
from gensim.models import KeyedVectors  # noqa: E402  (import time counts: a script pays it)

path, word, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
kv = KeyedVectors.load_word2vec_format(path, binary=True)
t1 = time.perf_counter()
nn = kv.most_similar(word, topn=k)
t2 = time.perf_counter()
print("load_s\t%.3f" % (t1 - t0))
print("query_s\t%.3f" % (t2 - t1))
for w, s in nn:
    print("nn\t%s\t%.6f" % (w, s))
