/* embed_ctx.h - contextual embedding of many sentences with an lm (lm.h) on several threads,
 * and the token-layer cache.
 *
 * lm_embed is per sentence and deterministic from zero state, so a batch can be cut up any
 * way: each thread owns an lm_infer and takes whole sentences, longest first (the long ones
 * dominate the time; starting them first keeps the threads busy to the end), and the
 * results land in each sentence's own buffer, so the caller emits them in input order and
 * the output is identical for any thread count or batch size. With carried state the
 * sentences depend on each other and run in order on the calling thread.
 *
 * The cache is bilm-tf's dump_token_embeddings: the token encoder's output for every
 * vocabulary word (ids LM_NSPECIAL..V-1), as a REC_VECTORS stream whose metadata names the
 * model it belongs to (a hash of its weights, its parameter count and vocabulary size). */
#ifndef WP_EMBED_CTX_H
#define WP_EMBED_CTX_H

#include <stddef.h>
#include <stdint.h>

struct lm;
struct lm_state;
struct rec_meta;

struct embed_sent {
    const uint32_t *ids;   /* n token ids (lm_token) */
    const uint16_t *chars; /* n x max_chars for character input, else NULL */
    size_t n;
    float *out;            /* layer0_only: [1][n][2w]; else [(layers+1)][n][2w] (lm_embed) */
};

struct embed_runner;
/* threads >= 1. A non-NULL cache is [V - LM_NSPECIAL][width]: the layer 0 of the vocabulary
 * words, used for their tokens when only layer 0 is asked for (layer0_only). */
int embed_runner_new(struct embed_runner **out, const struct lm *m, int threads,
                     int layer0_only, const float *cache);
void embed_runner_free(struct embed_runner *r);
/* Fills s[i].out for every sentence. st != NULL: in order on this thread, carrying st.
 * WP_OK, WP_ENOMEM, or the first error lm_embed returned. */
int embed_runner_run(struct embed_runner *r, struct embed_sent *s, size_t ns,
                     struct lm_state *st);

/* The identity of a model for its cache: XXH3-64 of its weights. */
uint64_t embed_model_hash(const struct lm *m);
/* The header of a model's contextual vectors: source=elmo, model_hash. WP_OK or
 * WP_ENOMEM. */
int embed_model_meta(struct rec_meta *meta, const struct lm *m);
/* Metadata of a cache for m: cache=elmo_tokens, dim, first_id, model_hash, model_params,
 * model_vocab. */
int embed_cache_meta(struct rec_meta *meta, const struct lm *m);
/* WP_OK if a cache with this metadata belongs to m; WP_EKIND if it is no token cache,
 * WP_EVOCAB if it was made for another model (other weights, size or vocabulary). */
int embed_cache_check(const struct rec_meta *meta, const struct lm *m);
/* The token encoder's output for ids first..first+n-1 into out [n][width], encoded in
 * chunks with scratch of its own. WP_ENOMEM. */
int embed_cache_rows(const struct lm *m, uint32_t first, size_t n, float *out);

#endif
