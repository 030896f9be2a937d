/* embed_static.h - static vectors for a sentence's tokens, as embed --vectors gives them:
 * each token's row of a vector set; for a token outside the set, its character n-gram vector
 * when the set is a fastText model, else what the OOV policy says: left out (EMBED_OOV_SKIP;
 * where rows are positions, as in .npy token arrays, kept as a zero row instead), a zero
 * vector, the row of a stand-in word (EMBED_OOV_UNK), or an error. The kept tokens' text and
 * positions are compacted in the sentence (tok, len, pos) as their vectors are;
 * embed_tokens_reset undoes that. Nothing here prints. */
#ifndef WP_EMBED_STATIC_H
#define WP_EMBED_STATIC_H

#include <stddef.h>
#include <stdint.h>

#include "embed_sent.h"

struct vecset;
struct embed_pool;
struct rec_reader;

enum embed_oov { EMBED_OOV_SKIP, EMBED_OOV_ZERO, EMBED_OOV_ERROR, EMBED_OOV_UNK };

struct embed_static {
    const struct vecset *vs;
    int oov;             /* enum embed_oov */
    int64_t unk;         /* the stand-in's row, for EMBED_OOV_UNK */
    int npy_slots;       /* a skipped token keeps its place as a zero row */
    int subwords;        /* vs gives words outside it n-gram vectors */
    /* counted over every sentence: tokens seen, not in the set (n-grams aside), given their
     * n-gram vectors */
    uint64_t tokens, oov_tokens, ngram_tokens;
};

void embed_static_init(struct embed_static *e, const struct vecset *vs, int oov, int64_t unk,
                       int npy_slots);
/* The vectors of s's tokens into x (room for s->n x vs->d floats), each kept token's (not a
 * skipped one's) also added to pool; *n receives how many rows x holds. WP_OK;
 * WP_ENOTFOUND for EMBED_OOV_ERROR, *bad the index of the token not in the set (s->tok[*bad]
 * is still that token); WP_ENOMEM. */
int embed_static_sentence(struct embed_static *e, struct embed_tokens *s, float *x,
                          struct embed_pool *pool, size_t *n, size_t *bad);

/* Every sentence of the tokens stream r decoded into s (the caller's: it frees it, and on
 * EMBED_FAIL_OOV s->tok[f->bad] is the token), its vectors (embed_static_sentence) or, with
 * pool (enum embed_pool_how; normalize: the mean to unit length) their pooled vector, handed
 * to emit with the sentence's id in input order; a pooled sentence's tokens are reset
 * first (its label is the whole input sentence). WP_OK, or an error with f->what:
 * embed_tokens_next's, EMBED_FAIL_OOV (WP_ENOTFOUND: sentence f->id, token f->bad) or
 * EMBED_FAIL_EMBED (WP_ENOMEM, or emit's error). */
int embed_static_run(struct embed_static *e, struct rec_reader *r, struct embed_tokens *s,
                     int pool, int normalize, embed_emit_fn emit, void *ctx,
                     struct embed_fail *f);

/* The header of static vectors' output: source=static, oov=skip|zero|error|unk (enum
 * embed_oov), model_hash (REC_META_MODEL_HASH): the fingerprint of the vectors vs that made
 * them (vecset_made_by). WP_OK or WP_ENOMEM. */
struct rec_meta;
int embed_static_meta(struct rec_meta *meta, int oov, const struct vecset *vs);

#endif
