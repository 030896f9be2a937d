#!/usr/bin/env python3
"""gensim_phrases.py - gensim Phrases with the settings of `phrases`, for bench/phrases.sh
and pipelines/phrases.mk: learns PASSES passes over a corpus of one sentence per line
(tokens separated by spaces, as `wpcat --lines` prints them), writes the phrased corpus the same
way, and the phrases of every pass, one `phrase<TAB>pass` per line.

Usage: gensim_phrases.py CORPUS OUT.txt PHRASES.tsv SCORING MIN_COUNT THRESHOLD PASSES
SCORING is `word2phrase` (word2phrase's score, with the corpus word count: gensim's own
`default` scorer multiplies by the number of vocabulary entries instead, see below) or
`npmi` (gensim's own). Prints one line: learn_s=SECONDS apply_s=SECONDS phrases=N
"""
import sys
import time

from gensim.models.phrases import Phrases


def word2phrase_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count,
                       corpus_word_count):
    """word2phrase.c's score: (count(ab) - min_count) / (count(a) count(b)) * train_words,
    with each of a, b and ab counted at least min_count times. gensim's `default` scorer
    is the same but for len_vocab (unigram and bigram entries) in place of train_words."""
    if worda_count < min_count or wordb_count < min_count or bigram_count < min_count:
        return float("-inf")
    return (bigram_count - min_count) / float(worda_count * wordb_count) * corpus_word_count


class Lines:
    def __init__(self, path):
        self.path = path

    def __iter__(self):
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield line.split()


def main():
    corpus, out, table, scoring, min_count, threshold, passes = sys.argv[1:8]
    scorer = word2phrase_scorer if scoring == "word2phrase" else "npmi"
    t0 = time.monotonic()
    models = []
    sentences = Lines(corpus)
    for k in range(int(passes)):
        p = Phrases(sentences, min_count=int(min_count), threshold=float(threshold),
                    scoring=scorer, max_vocab_size=2_000_000_000, delimiter="_")
        # FrozenPhrases (freeze) is gensim's fast path, but its export_phrases splits every
        # vocabulary entry at the delimiter, so from pass 2 on (tokens such as new_york) it
        # scores the wrong words: only pass 1 is frozen.
        models.append(p.freeze() if k == 0 else p)
        sentences = models[-1][sentences]
    t1 = time.monotonic()
    found = [set(models[0].phrasegrams)] + [set() for _ in models[1:]]
    with open(out, "w", encoding="utf-8") as f:
        for s in Lines(corpus):
            for k, m in enumerate(models):
                t = []
                for tok, score in m.analyze_sentence(s):
                    t.append(tok)
                    if k > 0 and score is not None:
                        found[k].add(tok)
                s = t
            f.write(" ".join(s))
            f.write("\n")
    t2 = time.monotonic()
    n = 0
    # pass 1: every phrase gensim accepts; later passes: the phrases that occur in the output
    with open(table, "w", encoding="utf-8") as f:
        for k, phrases in enumerate(found):
            for phrase in sorted(phrases):
                f.write(f"{phrase}\t{k + 1}\n")
                n += 1
    print(f"learn_s={t1 - t0:.2f} apply_s={t2 - t1:.2f} phrases={n}")


if __name__ == "__main__":
    main()
