/* lmsoftmax.h - the output layer of the language model: full softmax (exact) and sampled
 * softmax (Jean et al. 2015, as TensorFlow's sampled_softmax_loss used by bilm-tf: a
 * log-uniform sampler over the frequency-sorted vocabulary, unique samples, the log of the
 * expected count subtracted from each logit, accidental hits removed).
 *
 * Shapes: W [V x d] row-major, b [V]; H [n x d] the n hidden states; tgt [n] target ids.
 * Rows with tgt == LMSOFTMAX_SKIP contribute nothing. Losses are sums of -log p over the
 * rows (natural log); gradients are scaled by `scale` (e.g. 1/batch) and ADDED into dH,
 * dW, db. dH may be NULL only if dW and db are NULL too (evaluation). */
#ifndef WP_LMSOFTMAX_H
#define WP_LMSOFTMAX_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"

#define LMSOFTMAX_SKIP UINT32_MAX

/* Exact softmax over all V classes, through sgemm in row blocks. work: at least
 * lmsoftmax_full_work(V, n) floats. Returns the summed loss. */
size_t lmsoftmax_full_work(size_t V, size_t n);
double lmsoftmax_full(const float *W, const float *b, size_t V, size_t d, const float *H,
                      const uint32_t *tgt, size_t n, float scale, float *dH, float *dW,
                      float *db, float *work);

/* Log-uniform (Zipfian) candidate sampler over ids [0, V): P(k) = log((k+2)/(k+1)) / log(V+1). */
struct lmsampler {
    uint32_t V;
    double log_v1;  /* log(V + 1) */
};
void lmsampler_init(struct lmsampler *s, uint32_t V);
double lmsampler_prob(const struct lmsampler *s, uint32_t k);
/* Draws S distinct ids (S < V) into out, in draw order, and the number of draws it took
 * (needed for the expected counts of unique sampling). */
uint64_t lmsampler_draw_unique(const struct lmsampler *s, struct rng *r, uint32_t *out,
                               uint32_t S);
/* TF's expected count under unique sampling with `tries` draws: 1 - (1 - p)^tries. */
double lmsampler_expected(const struct lmsampler *s, uint32_t k, uint64_t tries);

/* Sampled softmax for n rows sharing one set of S candidates (drawn once per batch, as
 * TF does). Each row's logits are [true target, the S samples], each minus log(expected
 * count); a sample equal to the row's target gets -inf (accidental hit). Returns the summed
 * loss of this approximation (not a perplexity: evaluate with lmsoftmax_full).
 * work: at least lmsoftmax_sampled_work(S, n, d) floats. */
size_t lmsoftmax_sampled_work(size_t S, size_t n, size_t d);
double lmsoftmax_sampled(const float *W, const float *b, size_t V, size_t d, const float *H,
                         const uint32_t *tgt, size_t n, const struct lmsampler *smp,
                         const uint32_t *samples, size_t S, uint64_t tries, float scale,
                         float *dH, float *dW, float *db, float *work);

#endif
