/* sampling.h - the negative-sampling distribution: P(w) proportional to count(w)^power
 * (word2vec: power 0.75), drawn in O(1) from a Walker/Vose alias table of 8 bytes per word
 * instead of word2vec.c's 400 MB lookup table. A draw uses one 64-bit random number: the
 * high 32 bits pick a column by multiply-shift (no division), the low 32 bits decide between
 * the column and its alias. */
#ifndef WP_SAMPLING_H
#define WP_SAMPLING_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"

/* Column i: keep i when the low 32 random bits are below thresh, else answer alias. The
 * two side by side, so a draw reads one cache line. */
struct samp_col {
    uint32_t thresh, alias;
};

struct samp_table {
    uint32_t n;
    struct samp_col *col;
};

/* Builds the table over n counts raised to power (power 0 gives the uniform distribution
 * over words with a non-zero count). WP_ERANGE if n is 0 or every count is 0, WP_ENOMEM. */
int samp_init(struct samp_table *t, const uint64_t *counts, uint32_t n, double power);
void samp_free(struct samp_table *t);

/* The probability that samp_draw answers i, from the table (for tests). */
double samp_prob(const struct samp_table *t, uint32_t i);

/* Without a branch on the table: the keep test is a coin toss for most columns, and a
 * mispredicted branch waiting on a column not yet in cache stalls the draws behind it. */
static inline uint32_t
samp_draw_bits(const struct samp_table *t, uint64_t bits)
{
    const uint32_t col = (uint32_t)(((bits >> 32) * (uint64_t)t->n) >> 32);
    const struct samp_col c = t->col[col];
    const uint32_t keep = -(uint32_t)((uint32_t)bits < c.thresh); /* all ones or zero */
    return (col & keep) | (c.alias & ~keep);
}

static inline uint32_t
samp_draw(const struct samp_table *t, struct rng *r)
{
    return samp_draw_bits(t, rng_u64(r));
}

#endif
