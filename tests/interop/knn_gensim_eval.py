#!/usr/bin/env python3
"""Evaluates word2vec vectors with gensim, for comparison with knn(1):
prints total analogy accuracy, questions seen and skipped (gensim's evaluate_word_analogies,
case-insensitive, restrict_vocab=N), then Spearman, Pearson and OOV pairs
(evaluate_word_pairs, same restriction), as key<TAB>value lines.

usage: knn_gensim_eval.py VECTORS QUESTIONS WORDSIM RESTRICT"""
import logging
import sys

from gensim.models import KeyedVectors


def main():
    vpath, qpath, wspath, restrict = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    logging.disable(logging.CRITICAL)
    kv = KeyedVectors.load_word2vec_format(vpath, binary=vpath.endswith(".bin"))
    acc, sections = kv.evaluate_word_analogies(qpath, restrict_vocab=restrict)
    total = sections[-1]
    seen = len(total["correct"]) + len(total["incorrect"])
    print("total\t%.6f" % acc)
    print("seen\t%d" % seen)
    pearson, spearman, oov = kv.evaluate_word_pairs(wspath, restrict_vocab=restrict)
    print("spearman\t%.6f" % spearman[0])
    print("pearson\t%.6f" % pearson[0])
    print("oov_ratio\t%.6f" % oov)


if __name__ == "__main__":
    main()
