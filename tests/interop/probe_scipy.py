#!/usr/bin/env python3
"""The reference for probe(1): trains skip-gram vectors with gensim on the training
sentences, saves them as word2vec text for embed(1), and fits the same L2-regularised
multinomial logistic regression as probe (features standardised with the training set's
mean and population standard deviation, out-of-vocabulary words as zero vectors, loss =
mean cross-entropy + l2 / 2 |W|^2, bias unregularised) with scipy's L-BFGS. Prints the dev
accuracy in percent as "accuracy<TAB>value".

usage: probe_scipy.py TRAIN_WORDS TRAIN_TAGS DEV_WORDS DEV_TAGS VECTORS_OUT L2
(each input: one sentence per line, space-separated)"""
import logging
import sys

import numpy as np
from scipy.optimize import minimize


def read(path):
    with open(path, encoding="utf-8") as f:
        return [line.split() for line in f if line.strip()]


def features(kv, sents, dim):
    rows = []
    for s in sents:
        for w in s:
            rows.append(kv[w] if w in kv.key_to_index else np.zeros(dim, dtype=np.float32))
    return np.asarray(rows, dtype=np.float64)


def main():
    trw, trt, dvw, dvt = (read(p) for p in sys.argv[1:5])
    out, l2 = sys.argv[5], float(sys.argv[6])
    logging.disable(logging.CRITICAL)
    from gensim.models import Word2Vec
    dim = 32
    m = Word2Vec(sentences=trw, vector_size=dim, window=3, min_count=2, sg=1, negative=5,
                 epochs=5, workers=1, seed=1)
    m.wv.save_word2vec_format(out)
    kv = m.wv
    xtr, xdv = features(kv, trw, dim), features(kv, dvw, dim)
    tags = sorted({t for s in trt for t in s})
    idx = {t: i for i, t in enumerate(tags)}
    ytr = np.array([idx[t] for s in trt for t in s])
    ydv = np.array([idx.get(t, -1) for s in dvt for t in s])
    mu, sd = xtr.mean(0), xtr.std(0)
    sd[sd <= 1e-6 * (1 + np.abs(mu))] = 1
    xtr, xdv = (xtr - mu) / sd, (xdv - mu) / sd
    n, d, c = xtr.shape[0], dim, len(tags)
    onehot = np.zeros((n, c))
    onehot[np.arange(n), ytr] = 1

    def f(theta):
        w, b = theta[:c * d].reshape(c, d), theta[c * d:]
        z = xtr @ w.T + b
        z -= z.max(1, keepdims=True)
        lse = np.log(np.exp(z).sum(1))
        p = np.exp(z - lse[:, None])
        loss = (lse - (z * onehot).sum(1)).mean() + 0.5 * l2 * (w * w).sum()
        g = (p - onehot) / n
        return loss, np.concatenate([(g.T @ xtr + l2 * w).ravel(), g.sum(0)])

    r = minimize(f, np.zeros(c * d + c), jac=True, method="L-BFGS-B",
                 options={"maxiter": 2000, "gtol": 1e-9, "ftol": 1e-12})
    w, b = r.x[:c * d].reshape(c, d), r.x[c * d:]
    pred = (xdv @ w.T + b).argmax(1)
    print("accuracy\t%.4f" % (100.0 * (pred == ydv).mean()))
    print("loss\t%.6f" % r.fun)


if __name__ == "__main__":
    main()
