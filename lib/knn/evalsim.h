/* evalsim.h - word-pair similarity evaluation (WordSim-353 style: "w1 w2 score" per line,
 * tab- or space-separated, '#' comment lines), as gensim's evaluate_word_pairs: the model
 * score is the cosine of the two words (looked up as analogy_lookup does), Spearman's rho
 * uses tie-averaged ranks (as scipy.stats.spearmanr), Pearson's r is the plain one. A word
 * the lookup misses gets, from a fastText model, its vector (from its character n-grams when
 * it is outside the vocabulary), as fastText's own evaluation does. */
#ifndef WP_EVALSIM_H
#define WP_EVALSIM_H

#include <stddef.h>
#include <stdio.h>

#include "analogy.h"

struct evalsim_result {
    size_t pairs;      /* valid pair lines */
    size_t found;      /* pairs with both words known */
    size_t oov;        /* pairs skipped for an unknown word */
    size_t ngrams;     /* pairs found with a word from a fastText model's n-grams only */
    size_t bad_lines;  /* non-comment lines that are not "w1 w2 number" */
    size_t first_bad_line;
    double spearman, pearson; /* NAN when fewer than 2 pairs or a constant column */
    const char *undefined;    /* with 2 pairs or more and NAN correlations: which column is
                               * constant ("the gold scores are all equal", ...); else NULL */
};

int evalsim_eval(const struct analogy_lookup *lk, FILE *fp, struct evalsim_result *res);

/* Correlations of n pairs (NAN if n < 2 or a column is constant). */
double evalsim_pearson(const double *x, const double *y, size_t n);
double evalsim_spearman(const double *x, const double *y, size_t n);
/* Ranks 1..n of x, ties given the mean of their ranks; WP_ENOMEM or WP_OK. */
int evalsim_rank(const double *x, size_t n, double *rank);

#endif
