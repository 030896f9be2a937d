/* embed_layers.h - what embed(1) makes of a model's layers and of a sentence's tokens:
 * the layer selection (all layers, one layer, their average, or ELMo's scalar mix
 * gamma * sum_j softmax(w)_j * layer_j) and pooling of token vectors into one sentence
 * vector (mean, optionally of unit-normalised vectors as fastText's print-sentence-vectors,
 * or element-wise max). Pure arithmetic: no model, no I/O. */
#ifndef WP_EMBED_LAYERS_H
#define WP_EMBED_LAYERS_H

#include <stddef.h>
#include <stdint.h>

enum { EMBED_MAX_LAYERS = 9 }; /* LM_MAX_LAYERS LSTM layers + the token layer */

enum embed_sel_mode {
    EMBED_SEL_ALL = 0,     /* every layer, in order */
    EMBED_SEL_ONE = 1,     /* layer sel.layer only */
    EMBED_SEL_AVERAGE = 2, /* the plain mean of all layers */
    EMBED_SEL_MIX = 3      /* gamma * sum_j s_j layer_j, s = softmax(w) */
};

struct embed_sel {
    int mode;
    uint32_t layer;             /* EMBED_SEL_ONE */
    size_t nmix;                /* EMBED_SEL_MIX: weights given */
    float s[EMBED_MAX_LAYERS];  /* EMBED_SEL_MIX: softmax-normalised weights */
    float gamma;
};

/* Sets sel to the scalar mix of raw weights w[0..n) (softmax taken here, in double, with
 * the maximum subtracted so large weights do not overflow). WP_ERANGE if n is 0 or above
 * EMBED_MAX_LAYERS or a weight or gamma is not finite. */
int embed_sel_mix(struct embed_sel *sel, const double *w, size_t n, double gamma);
/* WP_OK if sel fits a model with nlayers layers (token layer included), else WP_ERANGE. */
int embed_sel_check(const struct embed_sel *sel, size_t nlayers);
/* Layers in the output: nlayers for EMBED_SEL_ALL, else 1. */
size_t embed_sel_count(const struct embed_sel *sel, size_t nlayers);
/* x is [nlayers][n][d] (lm_embed's layout); writes token t's selection, [count][d], to out. */
void embed_sel_token(const struct embed_sel *sel, const float *x, size_t nlayers, size_t n,
                     size_t d, size_t t, float *out);

enum embed_pool_how { EMBED_POOL_NONE = 0, EMBED_POOL_MEAN = 1, EMBED_POOL_MAX = 2 };

/* An accumulator of k-float token vectors (k = layers x dim). */
struct embed_pool {
    int how, normalize; /* normalize: each token vector scaled to unit length first */
    size_t k, count;
    double *acc;
};
int embed_pool_init(struct embed_pool *p, int how, int normalize, size_t k); /* WP_ENOMEM */
void embed_pool_free(struct embed_pool *p);
void embed_pool_reset(struct embed_pool *p);
/* Adds one token vector. With normalize, a zero vector is left out (it has no direction),
 * exactly as fastText skips words of norm 0. */
void embed_pool_add(struct embed_pool *p, const float *x);
/* The pooled vector; zeros when nothing was added. */
void embed_pool_result(const struct embed_pool *p, float *out);

/* A sentence's output for embed(1): each of its n tokens' selection (embed_sel_token) into
 * out, [n][count][d], each added to pool (reset first); for a pooled output (pool->how not
 * EMBED_POOL_NONE) the pooled vector then replaces out's first row. */
void embed_sel_sentence(const struct embed_sel *sel, const float *x, size_t nlayers, size_t n,
                        size_t d, struct embed_pool *pool, float *out);

#endif
