/* embed_static.c - static vectors for a sentence's tokens; see embed_static.h. */
#include "embed_static.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "embed_layers.h"
#include "embed_sent.h"
#include "stream/rec.h"
#include "vecio/vecset.h"

void
embed_static_init(struct embed_static *e, const struct vecset *vs, int oov, int64_t unk,
                  int npy_slots)
{
    memset(e, 0, sizeof *e);
    e->vs = vs;
    e->oov = oov;
    e->unk = unk;
    e->npy_slots = npy_slots;
    e->subwords = vecset_has_subwords(vs);
}

/* Token i of s becomes token n (its text and position kept with its vector). */
static void
keep(struct embed_tokens *s, size_t i, size_t n)
{
    s->tok[n] = s->tok[i];
    s->len[n] = s->len[i];
    s->pos[n] = s->pos[i];
}

int
embed_static_sentence(struct embed_static *e, struct embed_tokens *s, float *x,
                      struct embed_pool *pool, size_t *nout, size_t *bad)
{
    const size_t d = e->vs->d;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t row = vecset_find(e->vs, (const char *)s->tok[i], s->len[i]);
        e->tokens++;
        if (row < 0 && e->subwords) { /* a fastText model: the word's character n-grams */
            const int rc = vecset_vector(e->vs, (const char *)s->tok[i], s->len[i], 0,
                                         x + n * d, NULL);
            if (rc == WP_ENOMEM)
                return rc;
            if (rc == 0) {
                e->ngram_tokens++;
                goto kept;
            }
        }
        if (row < 0) {
            e->oov_tokens++;
            if (e->oov == EMBED_OOV_ERROR) {
                *bad = i;
                return WP_ENOTFOUND;
            }
            if (e->oov == EMBED_OOV_SKIP && !e->npy_slots)
                continue;
            if (e->oov == EMBED_OOV_SKIP) { /* an array row is a position: keep it, zero */
                memset(x + n * d, 0, d * sizeof *x);
                keep(s, i, n++);
                continue;
            }
            row = e->oov == EMBED_OOV_UNK ? e->unk : -1;
        }
        if (row >= 0)
            vecset_row(e->vs, (size_t)row, 0, x + n * d); /* a vector table: in place */
        else
            memset(x + n * d, 0, d * sizeof *x);
    kept:
        /* skipped tokens are left out: keep each kept token's own text and position */
        keep(s, i, n);
        embed_pool_add(pool, x + n * d);
        n++;
    }
    *nout = n;
    return WP_OK;
}

/* One sentence of embed_static_run: its vectors, pooled when pooled is not NULL, to emit. */
static int
static_one(struct embed_static *e, struct embed_tokens *s, struct embed_pool *pool,
           float *pooled, embed_emit_fn emit, void *ctx, struct embed_fail *f)
{
    const size_t d = e->vs->d;
    size_t n;
    float *x = embed_tokens_out(s, (s->n ? s->n : 1) * d);
    if (x == NULL)
        return WP_ENOMEM;
    embed_pool_reset(pool);
    const int rc = embed_static_sentence(e, s, x, pool, &n, &f->bad);
    if (rc < 0) {
        f->what = rc == WP_ENOTFOUND ? EMBED_FAIL_OOV : EMBED_FAIL_EMBED;
        return rc;
    }
    if (pooled != NULL) {
        embed_pool_result(pool, pooled);
        embed_tokens_reset(s); /* the label is the whole input sentence */
    }
    return emit(ctx, f->id, s, n, pooled != NULL ? pooled : x);
}

int
embed_static_run(struct embed_static *e, struct rec_reader *r, struct embed_tokens *s,
                 int pool, int normalize, embed_emit_fn emit, void *ctx, struct embed_fail *f)
{
    struct embed_pool p;
    float *pooled = malloc((e->vs->d ? e->vs->d : 1) * sizeof *pooled);
    int rc = pooled == NULL ? WP_ENOMEM : embed_pool_init(&p, pool, normalize, e->vs->d);
    if (rc < 0) {
        free(pooled);
        f->what = EMBED_FAIL_EMBED;
        return rc;
    }
    for (f->id = 0; (rc = embed_tokens_next(r, s, 0, f)) == 1; f->id++) {
        f->what = EMBED_FAIL_EMBED;
        if ((rc = static_one(e, s, &p, pool ? pooled : NULL, emit, ctx, f)) < 0)
            break;
    }
    embed_pool_free(&p);
    free(pooled);
    return rc;
}

int
embed_static_meta(struct rec_meta *meta, int oov, const struct vecset *vs)
{
    static const char *const names[] = {"skip", "zero", "error", "unk"};
    WP_TRY(rec_meta_set_str(meta, "source", "static"));
    WP_TRY(rec_meta_set_str(meta, "oov", names[oov]));
    return rec_meta_set_u64(meta, REC_META_MODEL_HASH, vecset_made_by(vs));
}
