/* window.h - word2vec's training windows: frequent-word subsampling and the dynamic
 * window. pairs(1) and w2v-train's token fast path both call these, in the same order with
 * the same generator, so one seed gives the same windows through either path. */
#ifndef WP_WINDOW_H
#define WP_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"
#include "vocab.h"

/* The largest -w of pairs and w2v-train (and a windows stream's header): a window of 1000
 * is 2000 contexts around a word, already past any use; streams made with more are refused. */
enum { WINDOW_MAX = 1000 };

struct window_cfg {
    uint32_t window; /* largest distance between center and context (-w) */
    int fixed;       /* 1: always the full window (--fixed-window) */
    double sample;   /* subsampling threshold t (-s); 0 keeps every word */
    uint64_t sample_total; /* f's denominator: 0, the vocabulary's total (word2vec); or
                            * every token counted, pruned ones too (fastText) */
};

/* Keep probability per id, word2vec's formula with f = count / total:
 * keep = (sqrt(f / t) + 1) * t / f, capped at 1. */
struct subsampler {
    float *keep;
    uint32_t n;
};
int subsample_init(struct subsampler *s, const struct vocab *v, double sample);
/* The same with f = count / total (0: vocab_total, as subsample_init). */
int subsample_init_total(struct subsampler *s, const struct vocab *v, double sample,
                         uint64_t total);
void subsample_free(struct subsampler *s);

/* Drops ids in place by their keep probability (one draw per word whose keep < 1);
 * returns how many remain. */
size_t subsample_sentence(const struct subsampler *s, uint32_t *ids, size_t n, struct rng *r);
/* How many of ids[0..n) subsample_sentence keeps, with the same draws, ids left alone: for
 * counting windows exactly before emitting them. */
size_t subsample_count(const struct subsampler *s, const uint32_t *ids, size_t n,
                       struct rng *r);
/* The words a corpus whose counts are v's keeps, expected: sum of count x keep, rounded
 * (the windows one epoch gives, estimated before reading it). */
uint64_t subsample_expected(const struct subsampler *s, const struct vocab *v);

/* The dynamic window's radius for one position: one rng_below(r, window) draw giving
 * b = 1 + that draw, uniform in [1, window]; the full window and no draw when cfg->fixed;
 * 0 and no draw when cfg->window is 0. */
size_t window_radius(const struct window_cfg *cfg, struct rng *r);

/* Writes the contexts of ids[i] (i < n) for radius b to ctx, which has room for
 * 2 * min(b, n - 1) ids: ids[i-b .. i+b] clipped to [0, n), left to right, skipping i.
 * Returns the count. No draw. */
size_t window_span(const uint32_t *ids, size_t n, size_t i, size_t b, uint32_t *ctx);

/* Writes the contexts of ids[i] (ids[0..n) already subsampled) to ctx, which has room for
 * 2 * window ids, nearest-first is NOT promised: left to right, skipping i. One draw from r
 * shrinks the window uniformly to b in [1, window] unless cfg->fixed: window_span after
 * window_radius. Returns the count; 0 and no draw when i >= n. */
size_t window_contexts(const struct window_cfg *cfg, const uint32_t *ids, size_t n, size_t i,
                       struct rng *r, uint32_t *ctx);

#endif
