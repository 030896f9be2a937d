#!/usr/bin/env python3
"""w2v_eval.py - analogy accuracy (questions-words.txt, restrict_vocab=30000, as
word2vec's compute-accuracy) and WordSim-353 Spearman of word2vec text vectors, with
gensim's own evaluators, so every tool is scored by the same code.

Usage: w2v_eval.py VECTORS.txt QUESTIONS WORDSIM
Prints one line: analogy=PERCENT spearman=RHO oov=PERCENT
"""
import logging
import sys

from gensim.models import KeyedVectors


def main():
    vec, questions, wordsim = sys.argv[1:4]
    logging.basicConfig(level=logging.WARNING)
    kv = KeyedVectors.load_word2vec_format(vec, binary=False)
    score, _ = kv.evaluate_word_analogies(questions, restrict_vocab=30000)
    _, spearman, oov = kv.evaluate_word_pairs(wordsim)
    print(f"analogy={100 * score:.2f} spearman={spearman[0]:.4f} oov={oov:.1f}")


if __name__ == "__main__":
    main()
