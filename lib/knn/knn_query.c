/* knn_query.c - knn(1)'s word queries and the search of a batch; see knn_query.h. */
#include "knn_query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/status.h"
#include "kernels/vec.h"
#include "knn_hnsw.h"
#include "vecio/vecset.h"
#include "vecio/vectab.h"

int
knn_queries_init(struct knn_queries *q, const struct vecset *s, int metric)
{
    memset(q, 0, sizeof *q);
    q->s = s;
    q->metric = metric;
    q->qbuf = malloc((s->d ? s->d : 1) * sizeof *q->qbuf);
    return q->qbuf == NULL ? WP_ENOMEM : WP_OK;
}

void
knn_queries_free(struct knn_queries *q)
{
    knn_queries_clear(q);
    free(q->xq);
    free(q->xsq);
    free(q->xw);
    free(q->qbuf);
    memset(q, 0, sizeof *q);
}

void
knn_queries_clear(struct knn_queries *q)
{
    for (size_t i = 0; i < q->nx; i++)
        free(q->xw[i]);
    q->nx = 0;
}

/* Room for one more n-gram query in each of the three arrays. */
static int
grow(struct knn_queries *q)
{
    const size_t need = q->nx + 1, d = q->s->d ? q->s->d : 1;
    size_t c1 = q->xcap, c2 = q->xcap, c3 = q->xcap;
    WP_TRY(wp_grow(&q->xq, &c1, need, d * sizeof *q->xq, 16));
    WP_TRY(wp_grow(&q->xsq, &c2, need, sizeof *q->xsq, 16));
    WP_TRY(wp_grow(&q->xw, &c3, need, sizeof *q->xw, 16));
    q->xcap = c1;
    return WP_OK;
}

int
knn_queries_add_ngrams(struct knn_queries *q, const char *w, uint32_t *id)
{
    const size_t d = q->s->d, len = strlen(w);
    if (q->nx == q->xcap)
        WP_TRY(grow(q));
    float *x = q->xq + q->nx * d;
    const int rc = vecset_vector(q->s, w, len, 0, x, NULL);
    if (rc == WP_ENOMEM)
        return rc;
    if (rc < 0)
        return 0;
    const double sq = vec_sumsq_f64(x, d);
    if (q->metric == KNN_COS)
        vecset_vector(q->s, w, len, 1, x, NULL);
    if ((q->xw[q->nx] = malloc(len + 1)) == NULL)
        return WP_ENOMEM;
    memcpy(q->xw[q->nx], w, len + 1);
    q->xsq[q->nx] = (float)sq;
    *id = (uint32_t)(q->s->v + q->nx++);
    return 1;
}

const float *
knn_queries_vec(struct knn_queries *q, uint32_t id)
{
    if (id >= q->s->v)
        return q->xq + (size_t)(id - q->s->v) * q->s->d;
    const float *rows = q->metric == KNN_COS ? q->s->unit : q->s->m;
    if (rows != NULL)
        return rows + (size_t)id * q->s->d;
    const char *w = q->s->words[id];
    vecset_vector(q->s, w, strlen(w), q->metric == KNN_COS, q->qbuf, NULL);
    return q->qbuf;
}

const char *
knn_queries_word(const struct knn_queries *q, uint32_t id)
{
    return id >= q->s->v ? q->xw[id - q->s->v] : q->s->words[id];
}

float
knn_queries_sqnorm(const struct knn_queries *q, uint32_t id)
{
    return id >= q->s->v ? q->xsq[id - q->s->v] : q->s->sqnorm[id];
}

/* The n query rows side by side, for the batched searches. */
static float *
gather(struct knn_queries *q, const uint32_t *ids, size_t n)
{
    const size_t d = q->s->d;
    float *x = malloc((n ? n : 1) * d * sizeof *x);
    if (x != NULL)
        for (size_t i = 0; i < n; i++)
            memcpy(x + i * d, knn_queries_vec(q, ids[i]), d * sizeof *x);
    return x;
}

int
knn_queries_search(struct knn_queries *q, const struct knn_db *db, const struct knn_hnsw *hnsw,
                   const struct knn_query_cfg *cfg, const uint32_t *ids, size_t n,
                   float *scratch, struct knn_hit *h)
{
    const uint32_t *excl = cfg->exclude ? ids : NULL;
    int rc = WP_OK;
    if (hnsw != NULL || (n >= KNN_QUERY_BATCH_MIN && !cfg->single)) {
        float *x = gather(q, ids, n);
        if (x == NULL)
            return WP_ENOMEM;
        rc = hnsw != NULL ? knn_hnsw_search_batch(hnsw, x, n, cfg->k, cfg->ef, excl, 1,
                                                  n < KNN_QUERY_BATCH_MIN ? 1 : cfg->knn->threads,
                                                  h)
                          : knn_batch(db, x, n, cfg->k, KNN_PLAIN, excl, 1, cfg->knn, h);
        free(x);
        return rc;
    }
    /* one thread: splitting a 1 ms query over threads pays only on an idle machine (a busy
     * one makes the join wait for a scheduler tick), and the half-precision pass already
     * answers well over 1,000 queries/s on one core; but a float scan of a matrix of millions
     * of rows (a mapped table: 1.2 GB at 1M x 300) takes a tenth of a second or more, and
     * then the threads split it */
    enum { SPLIT_CELLS = 1 << 26 };
    const int threads = db->sq8 == NULL && db->m16 == NULL && (double)db->n * (double)db->d >=
                        SPLIT_CELLS ? cfg->knn->threads : 1;
    for (size_t i = 0; i < n && rc == WP_OK; i++)
        rc = knn_one(db, knn_queries_vec(q, ids[i]), cfg->k, excl ? &ids[i] : NULL, 1, threads,
                     scratch, h + i * cfg->k);
    return rc;
}

uint16_t *
knn_db_add_half(struct knn_db *db)
{
    enum { HALF_MIN_CELLS = 1 << 20 };
    uint16_t *m16 = NULL;
    if (db->rownorm == NULL && db->sq8 == NULL && db->n * db->d >= HALF_MIN_CELLS &&
        knn_half_build(db->m, db->n, db->d, &m16, &db->maxnorm) == WP_OK)
        db->m16 = m16;
    return m16;
}

int
knn_queries_lookup(struct knn_queries *q, const char *w, uint32_t *id)
{
    const int64_t i = vecset_find(q->s, w, strlen(w));
    if (i >= 0) {
        *id = (uint32_t)i;
        return KNN_QUERY_ROW;
    }
    if (!vecset_has_subwords(q->s))
        return 0;
    const int rc = knn_queries_add_ngrams(q, w, id);
    return rc < 0 ? rc : rc > 0 ? KNN_QUERY_NGRAMS : 0;
}

int
knn_queries_search_all(struct knn_queries *q, const struct knn_db *db,
                       const struct knn_hnsw *hnsw, const struct knn_query_cfg *cfg,
                       float *scratch, struct knn_hit *h)
{
    if (hnsw == NULL)
        return knn_all(db, cfg->k, cfg->exclude, cfg->knn, h);
    uint32_t *ids = malloc((db->n ? db->n : 1) * sizeof *ids);
    if (ids == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < db->n; i++)
        ids[i] = (uint32_t)i;
    const int rc = knn_queries_search(q, db, hnsw, cfg, ids, db->n, scratch, h);
    free(ids);
    return rc;
}

void
knn_db_of_set(struct knn_db *db, struct knn_sq8 *sq8, const struct vecset *s, int metric,
              size_t n, int int8, size_t rerank)
{
    *db = (struct knn_db){.m = metric == KNN_COS ? s->unit : s->m, .sqnorm = s->sqnorm,
                          .n = n, .d = s->d, .metric = metric};
    if (s->tab == NULL || s->unit != NULL)
        return;
    db->m = s->m; /* in place: raw rows, divided by norms for cos */
    db->rownorm = metric == KNN_COS ? s->tab->norm : NULL;
    if (int8 || s->m == NULL) {
        *sq8 = (struct knn_sq8){.codes = s->tab->codes, .vmin = s->tab->sq8_min,
                                .step = s->tab->sq8_step, .norm = s->tab->norm,
                                .rerank = rerank};
        db->sq8 = sq8;
    }
}

int
knn_qvecs_init(struct knn_qvecs *b, size_t d, size_t cap, int metric)
{
    *b = (struct knn_qvecs){.d = d, .cap = cap, .metric = metric};
    b->q = malloc((cap > 0 && d > 0 ? cap * d : 1) * sizeof *b->q);
    b->sq = malloc((cap ? cap : 1) * sizeof *b->sq);
    b->labels = calloc(cap ? cap : 1, sizeof *b->labels);
    if (b->q == NULL || b->sq == NULL || b->labels == NULL) {
        knn_qvecs_free(b);
        return WP_ENOMEM;
    }
    return WP_OK;
}

void
knn_qvecs_free(struct knn_qvecs *b)
{
    if (b->labels != NULL)
        knn_qvecs_clear(b);
    free(b->q);
    free(b->sq);
    free(b->labels);
    memset(b, 0, sizeof *b);
}

float *
knn_qvecs_slot(struct knn_qvecs *b)
{
    return b->q + b->n * b->d;
}

int
knn_qvecs_push(struct knn_qvecs *b, const char *label, size_t len)
{
    float *x = b->q + b->n * b->d;
    char *l = malloc(len + 1);
    if (l == NULL)
        return WP_ENOMEM;
    memcpy(l, label, len);
    l[len] = '\0';
    if (b->metric == KNN_COS) { /* exactly as vecset scales its own rows */
        const double sq = vec_sumsq_f64(x, b->d);
        const float inv = sq > 0 ? (float)(1.0 / sqrt(sq)) : 0.0f;
        for (size_t j = 0; j < b->d; j++)
            x[j] *= inv;
    }
    b->sq[b->n] = (float)vec_sumsq_f64(x, b->d);
    b->labels[b->n++] = l;
    return b->n == b->cap;
}

int
knn_qvecs_search(const struct knn_qvecs *b, const struct knn_db *db, size_t k,
                 const struct knn_opts *o, struct knn_hit *h)
{
    return knn_batch(db, b->q, b->n, k, KNN_PLAIN, NULL, 0, o, h);
}

void
knn_qvecs_clear(struct knn_qvecs *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->labels[i]);
    b->n = 0;
}
