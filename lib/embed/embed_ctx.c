/* embed_ctx.c - the threaded sentence runner and the token-layer cache; see embed_ctx.h. */
#include "embed_ctx.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/status.h"
#include "lm/lm.h"
#include "stream/rec.h"

enum { EMBED_INFER_MIN = 64, EMBED_CACHE_CHUNK = 256 };

struct embed_worker {
    struct embed_runner *r;
    struct lm_infer *inf;
    size_t cap;               /* the longest sentence inf takes */
    float *x0;                /* layer0_only: [cap][width] */
    uint32_t *ids;            /* layer0_only: the tokens that miss the cache */
    size_t *where;
    int rc;
};

struct embed_runner {
    const struct lm *m;
    int threads, layer0_only;
    const float *cache;
    struct embed_worker *wk;
    /* the current batch */
    struct embed_sent *s;
    size_t *order, next, ns;
    pthread_mutex_t mu;
};

int
embed_runner_new(struct embed_runner **out, const struct lm *m, int threads, int layer0_only,
                 const float *cache)
{
    struct embed_runner *r = calloc(1, sizeof *r);
    *out = NULL;
    if (r == NULL || (r->wk = calloc((size_t)threads, sizeof *r->wk)) == NULL) {
        free(r);
        return WP_ENOMEM;
    }
    r->m = m;
    r->threads = threads;
    r->layer0_only = layer0_only;
    r->cache = cache;
    pthread_mutex_init(&r->mu, NULL);
    for (int i = 0; i < threads; i++)
        r->wk[i].r = r;
    *out = r;
    return WP_OK;
}

static void
worker_release(struct embed_worker *w)
{
    lm_infer_free(w->inf);
    free(w->x0);
    free(w->ids);
    free(w->where);
    w->inf = NULL;
    w->x0 = NULL;
    w->ids = NULL;
    w->where = NULL;
    w->cap = 0;
}

void
embed_runner_free(struct embed_runner *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < r->threads; i++)
        worker_release(&r->wk[i]);
    pthread_mutex_destroy(&r->mu);
    free(r->wk);
    free(r->order);
    free(r);
}

/* Scratch for sentences of n tokens: regrown (not shrunk) as longer ones come. */
static int
worker_reserve(struct embed_worker *w, size_t n)
{
    if (n <= w->cap && w->inf != NULL)
        return WP_OK;
    const size_t cap = n > 2 * w->cap ? (n > EMBED_INFER_MIN ? n : EMBED_INFER_MIN) : 2 * w->cap;
    const size_t width = lm_width(&w->r->m->c);
    worker_release(w);
    w->inf = lm_infer_new(w->r->m, cap);
    w->x0 = malloc(cap * width * sizeof *w->x0);
    w->ids = malloc(cap * sizeof *w->ids);
    w->where = malloc(cap * sizeof *w->where);
    if (w->inf == NULL || w->x0 == NULL || w->ids == NULL || w->where == NULL) {
        worker_release(w);
        return WP_ENOMEM;
    }
    w->cap = cap;
    return WP_OK;
}

/* Layer 0 into w->x0: cached rows for vocabulary words, the encoder for the rest
 * (specials, <UNK>, and with character input the words it has never seen). */
static void
fill_x0(struct embed_worker *w, const struct embed_sent *s)
{
    const struct lm *m = w->r->m;
    const size_t width = lm_width(&m->c), mc = m->c.ch.max_chars;
    size_t miss = 0;
    for (size_t t = 0; t < s->n; t++) {
        if (w->r->cache != NULL && s->ids[t] >= LM_NSPECIAL) {
            memcpy(w->x0 + t * width, w->r->cache + (size_t)(s->ids[t] - LM_NSPECIAL) * width,
                   width * sizeof *w->x0);
            continue;
        }
        w->ids[miss] = s->ids[t];
        w->where[miss++] = t;
    }
    if (miss == s->n) {
        lm_encode(m, s->ids, s->chars, s->n, w->x0, w->inf);
    } else if (miss > 0) {
        /* the misses, packed at the end of x0's rows past n would overflow: encode them one
         * at a time into a row of their own */
        for (size_t i = 0; i < miss; i++) {
            const size_t t = w->where[i];
            lm_encode(m, &s->ids[t], s->chars ? s->chars + t * mc : NULL, 1, w->x0 + t * width,
                      w->inf);
        }
    }
}

/* Layer 0 alone: [x; x]. */
static void
embed_layer0(struct embed_worker *w, const struct embed_sent *s)
{
    const size_t width = lm_width(&w->r->m->c);
    fill_x0(w, s);
    for (size_t t = 0; t < s->n; t++) {
        memcpy(s->out + t * 2 * width, w->x0 + t * width, width * sizeof *s->out);
        memcpy(s->out + t * 2 * width + width, w->x0 + t * width, width * sizeof *s->out);
    }
}

static int
embed_one(struct embed_worker *w, const struct embed_sent *s, struct lm_state *st)
{
    if (s->n == 0)
        return WP_OK;
    WP_TRY(worker_reserve(w, s->n));
    if (w->r->layer0_only) {
        embed_layer0(w, s);
        return WP_OK;
    }
    if (w->r->cache != NULL) {
        fill_x0(w, s);
        return lm_embed_x0(w->r->m, w->x0, s->n, s->out, w->inf, st);
    }
    return lm_embed(w->r->m, s->ids, s->chars, s->n, s->out, w->inf, st);
}

static void *
worker_main(void *arg)
{
    struct embed_worker *w = arg;
    struct embed_runner *r = w->r;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        const size_t i = r->next < r->ns ? r->order[r->next++] : SIZE_MAX;
        pthread_mutex_unlock(&r->mu);
        if (i == SIZE_MAX || w->rc < 0)
            break;
        w->rc = embed_one(w, &r->s[i], NULL);
    }
    return NULL;
}

struct embed_len {
    size_t n, i;
};

/* Longest first; equal lengths in input order, so the schedule is a total order. */
static int
by_length_desc(const void *a, const void *b)
{
    const struct embed_len *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : (x->i > y->i) - (x->i < y->i);
}

int
embed_runner_run(struct embed_runner *r, struct embed_sent *s, size_t ns, struct lm_state *st)
{
    if (st != NULL || r->threads == 1 || ns < 2) {
        for (size_t i = 0; i < ns; i++)
            WP_TRY(embed_one(&r->wk[0], &s[i], st));
        return WP_OK;
    }
    size_t *order = realloc(r->order, ns * sizeof *order);
    struct embed_len *len = malloc(ns * sizeof *len);
    if (order == NULL || len == NULL) {
        free(len);
        if (order != NULL)
            r->order = order;
        return WP_ENOMEM;
    }
    r->order = order;
    for (size_t i = 0; i < ns; i++)
        len[i] = (struct embed_len){s[i].n, i};
    qsort(len, ns, sizeof *len, by_length_desc);
    for (size_t i = 0; i < ns; i++)
        order[i] = len[i].i;
    free(len);
    r->s = s;
    r->ns = ns;
    r->next = 0;
    const int nth = (size_t)r->threads < ns ? r->threads : (int)ns;
    pthread_t th[64];
    int started = 0, rc = WP_OK;
    for (int t = 1; t < nth && t < 64; t++) {
        r->wk[t].rc = WP_OK;
        if (pthread_create(&th[t], NULL, worker_main, &r->wk[t]) != 0)
            break;
        started = t;
    }
    r->wk[0].rc = WP_OK;
    worker_main(&r->wk[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t <= started; t++)
        if (r->wk[t].rc < 0 && rc == WP_OK)
            rc = r->wk[t].rc;
    return rc;
}

uint64_t
embed_model_hash(const struct lm *m)
{
    return XXH3_64bits(m->w, m->nparams * sizeof *m->w);
}

int
embed_model_meta(struct rec_meta *meta, const struct lm *m)
{
    WP_TRY(rec_meta_set_str(meta, "source", "elmo"));
    return rec_meta_set_u64(meta, REC_META_MODEL_HASH, embed_model_hash(m));
}

int
embed_cache_meta(struct rec_meta *meta, const struct lm *m)
{
    WP_TRY(rec_meta_set_str(meta, "cache", "elmo_tokens"));
    WP_TRY(rec_meta_set_u64(meta, "dim", lm_width(&m->c)));
    WP_TRY(rec_meta_set_u64(meta, "first_id", LM_NSPECIAL));
    WP_TRY(rec_meta_set_u64(meta, REC_META_MODEL_HASH, embed_model_hash(m)));
    WP_TRY(rec_meta_set_u64(meta, "model_params", m->nparams));
    return rec_meta_set_u64(meta, "model_vocab", m->c.vocab);
}

int
embed_cache_check(const struct rec_meta *meta, const struct lm *m)
{
    const char *kind;
    uint64_t dim, first, hash, params, vocab;
    if (rec_meta_get_str(meta, "cache", &kind) < 0 || strcmp(kind, "elmo_tokens") != 0)
        return WP_EKIND;
    if (rec_meta_get_u64(meta, "dim", &dim) < 0 || rec_meta_get_u64(meta, "first_id", &first) < 0 ||
        rec_meta_get_u64(meta, REC_META_MODEL_HASH, &hash) < 0 ||
        rec_meta_get_u64(meta, "model_params", &params) < 0 ||
        rec_meta_get_u64(meta, "model_vocab", &vocab) < 0)
        return WP_EKIND;
    if (dim != lm_width(&m->c) || first != LM_NSPECIAL || params != m->nparams ||
        vocab != m->c.vocab || hash != embed_model_hash(m))
        return WP_EVOCAB;
    return WP_OK;
}

int
embed_cache_rows(const struct lm *m, uint32_t first, size_t n, float *out)
{
    const size_t width = lm_width(&m->c), mc = m->c.ch.max_chars;
    struct lm_infer *inf = lm_infer_new(m, EMBED_CACHE_CHUNK);
    uint32_t ids[EMBED_CACHE_CHUNK];
    uint16_t *chars = m->c.char_input ? malloc(EMBED_CACHE_CHUNK * mc * sizeof *chars) : NULL;
    if (inf == NULL || (m->c.char_input && chars == NULL)) {
        lm_infer_free(inf);
        free(chars);
        return WP_ENOMEM;
    }
    for (size_t i = 0; i < n; i += EMBED_CACHE_CHUNK) {
        const size_t k = n - i < EMBED_CACHE_CHUNK ? n - i : EMBED_CACHE_CHUNK;
        for (size_t j = 0; j < k; j++) {
            ids[j] = first + (uint32_t)(i + j);
            if (chars != NULL)
                lm_special_chars(m, ids[j], chars + j * mc);
        }
        lm_encode(m, ids, chars, k, out + i * width, inf);
    }
    lm_infer_free(inf);
    free(chars);
    return WP_OK;
}
