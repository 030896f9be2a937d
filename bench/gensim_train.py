#!/usr/bin/env python3
"""gensim_train.py - gensim Word2Vec in corpus_file mode with the bench settings; times the
vocabulary scan and the training separately and writes word2vec text vectors.

Usage: gensim_train.py CORPUS OUT.txt sg|cbow EPOCHS THREADS [ALPHA]
ALPHA is the starting learning rate (default gensim's 0.025; bench/w2v.sh passes word2vec.c's
default for the mode, as it does to every tool).
Prints one line: vocab_s=SECONDS train_s=SECONDS words=N
"""
import logging
import sys
import time

from gensim.models import Word2Vec


def main():
    corpus, out, mode, epochs, threads = sys.argv[1:6]
    alpha = float(sys.argv[6]) if len(sys.argv) > 6 else 0.025
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO,
                        stream=sys.stderr)
    m = Word2Vec(vector_size=100, window=5, negative=5, hs=0, sample=1e-4, min_count=5,
                 sg=1 if mode == "sg" else 0, workers=int(threads), epochs=int(epochs),
                 alpha=alpha, seed=1)
    t0 = time.monotonic()
    m.build_vocab(corpus_file=corpus)
    t1 = time.monotonic()
    m.train(corpus_file=corpus, total_examples=m.corpus_count, total_words=m.corpus_total_words,
            epochs=m.epochs)
    t2 = time.monotonic()
    m.wv.save_word2vec_format(out)
    print(f"vocab_s={t1 - t0:.2f} train_s={t2 - t1:.2f} words={m.corpus_total_words}")


if __name__ == "__main__":
    main()
