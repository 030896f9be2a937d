/* knn_sq8.c - int8 search (knn.h, struct knn_sq8): each query becomes 16-bit weights on the
 * codes, an integer dot product per row (kernels/i8dot.h) scores every row approximately,
 * and the best candidates are rescored in float, from the matrix or the decoded codes. */
#include "knn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common/status.h"
#include "kernels/i8dot.h"
#include "knn_kern.h"

/* The query as 16-bit weights on the codes: approx(q . unit row) = c0 + scale * (codes . w). */
struct sq8_query {
    int16_t *w;
    float c0, scale;
};

static void
sq8_query_prep(const struct knn_sq8 *z, const float *q, size_t d, struct sq8_query *sq)
{
    double c0 = 0;
    float mx = 0.0f;
    for (size_t j = 0; j < d; j++) {
        c0 += (double)q[j] * z->vmin[j];
        const float a = fabsf(q[j] * z->step[j]);
        mx = a > mx ? a : mx;
    }
    const int wmax = I8DOT_WMAX_FOR(d);
    sq->c0 = (float)c0;
    sq->scale = mx > 0 ? mx / (float)wmax : 0.0f;
    for (size_t j = 0; j < d; j++) { /* clamped: a table opened with --trust may hold NaN */
        const float t = mx > 0 ? q[j] * z->step[j] / sq->scale : 0.0f;
        sq->w[j] = (int16_t)(t >= (float)wmax ? wmax : t <= (float)-wmax ? -wmax
                             : t == t ? lrintf(t) : 0);
    }
}

/* Approximate scores of rows j0..j0+n from their integer dots. */
static void
sq8_scores(const struct knn_db *db, const struct sq8_query *sq, const int32_t *dot, size_t j0,
           size_t n, float *s)
{
    const float *norm = db->sq8->norm;
    for (size_t j = 0; j < n; j++) {
        const float a = sq->c0 + sq->scale * (float)dot[j];
        s[j] = db->metric == KNN_COS ? a
               : db->metric == KNN_DOT ? norm[j0 + j] * a
                                       : 2.0f * norm[j0 + j] * a - db->sqnorm[j0 + j];
    }
}

/* Row j's score in float: from m, or from its decoded codes (row buffer u, d floats). */
static float
sq8_rescore(const struct knn_db *db, const struct knn_kern *kk, const float *q, uint32_t j,
            float *u)
{
    const size_t d = db->d;
    float x;
    if (db->m != NULL) {
        kk->dots(db->m + (size_t)j * d, 1, d, q, &x);
        if (db->metric == KNN_L2)
            return 2.0f * x - db->sqnorm[j];
        if (db->rownorm != NULL)
            return db->rownorm[j] > 0 ? x / db->rownorm[j] : 0.0f;
        return x;
    }
    const struct knn_sq8 *z = db->sq8;
    for (size_t t = 0; t < d; t++)
        u[t] = z->vmin[t] + z->step[t] * (float)z->codes[(size_t)j * d + t];
    kk->dots(u, 1, d, q, &x);
    return db->metric == KNN_COS   ? x
           : db->metric == KNN_DOT ? z->norm[j] * x
                                   : 2.0f * z->norm[j] * x - db->sqnorm[j];
}

/* Per-worker buffers: weights, integer dots and scores of a chunk, candidates, a row. */
struct sq8_buf {
    int16_t *w;
    int32_t *dot;
    float *s, *u;
    struct knn_hit *cand;
};
enum { SQ8_CHUNK = 4096 };

static int
sq8_buf_init(struct sq8_buf *b, size_t d, size_t ncand)
{
    b->w = malloc(d * sizeof *b->w);
    b->dot = malloc(SQ8_CHUNK * sizeof *b->dot);
    b->s = malloc(SQ8_CHUNK * sizeof *b->s);
    b->u = malloc(d * sizeof *b->u);
    b->cand = malloc(ncand * sizeof *b->cand);
    return b->w && b->dot && b->s && b->u && b->cand ? WP_OK : WP_ENOMEM;
}

static void
sq8_buf_free(struct sq8_buf *b)
{
    free(b->w);
    free(b->dot);
    free(b->s);
    free(b->u);
    free(b->cand);
}

static size_t
sq8_ncand(const struct knn_db *db, size_t k)
{
    const size_t r = db->sq8->rerank > k ? db->sq8->rerank : k;
    return r < db->n ? r : db->n ? db->n : 1;
}

static void
sq8_one(const struct knn_db *db, const struct knn_kern *kk, i8dot_fn *dot8, const float *q,
        size_t k, const uint32_t *excl, size_t nexcl, struct sq8_buf *b, struct knn_hit *out)
{
    const struct knn_sq8 *z = db->sq8;
    const size_t ncand = sq8_ncand(db, k);
    struct sq8_query sq = {.w = b->w};
    sq8_query_prep(z, q, db->d, &sq);
    knn_topk_init(b->cand, ncand);
    for (size_t j0 = 0; j0 < db->n; j0 += SQ8_CHUNK) {
        const size_t nj = db->n - j0 < SQ8_CHUNK ? db->n - j0 : SQ8_CHUNK;
        dot8(z->codes + j0 * db->d, nj, db->d, b->w, b->dot);
        sq8_scores(db, &sq, b->dot, j0, nj, b->s);
        knn_select_row(kk, b->s, nj, (uint32_t)j0, b->cand, ncand, excl, excl ? nexcl : 0);
    }
    knn_topk_init(out, k);
    for (size_t i = 0; i < ncand && b->cand[i].id != KNN_NONE; i++)
        knn_topk_insert(out, k, sq8_rescore(db, kk, q, b->cand[i].id, b->u), b->cand[i].id);
}

int
knn_sq8_search(const struct knn_db *db, const float *q, size_t k, const uint32_t *excl,
               size_t nexcl, struct knn_hit *out)
{
    if (k == 0 || db->d == 0 || db->n >= KNN_NONE || db->sq8 == NULL ||
        (db->metric != KNN_COS && db->sq8->norm == NULL) ||
        (db->metric == KNN_L2 && db->sqnorm == NULL))
        return WP_ERANGE;
    struct sq8_buf b;
    const struct knn_kern kk = knn_kern_pick();
    int rc = sq8_buf_init(&b, db->d, sq8_ncand(db, k));
    if (rc == WP_OK)
        sq8_one(db, &kk, i8dot_pick(), q, k, excl, nexcl, &b, out);
    sq8_buf_free(&b);
    return rc;
}

/* Many queries: workers take them one at a time. */
struct sq8_many {
    const struct knn_db *db;
    const float *q;   /* nq x d, or NULL: each database row is its own query (knn_all) */
    size_t nq, k, nexcl;
    const uint32_t *excl;
    struct knn_hit *out;
    atomic_size_t next;
    atomic_int status;
};

/* Database row i as a query, as the metric sees it (unit length for cos). */
static void
sq8_row_query(const struct knn_db *db, size_t i, float *x)
{
    const size_t d = db->d;
    const struct knn_sq8 *z = db->sq8;
    if (db->m != NULL) {
        const float rn = db->rownorm != NULL ? db->rownorm[i] : 1.0f;
        for (size_t t = 0; t < d; t++)
            x[t] = rn > 0 ? db->m[i * d + t] / rn : 0.0f;
        return;
    }
    const float nrm = db->metric == KNN_COS ? 1.0f : z->norm[i];
    for (size_t t = 0; t < d; t++)
        x[t] = nrm * (z->vmin[t] + z->step[t] * (float)z->codes[i * d + t]);
}

static void *
sq8_worker(void *arg)
{
    struct sq8_many *a = arg;
    const struct knn_db *db = a->db;
    const struct knn_kern kk = knn_kern_pick();
    i8dot_fn *dot8 = i8dot_pick();
    struct sq8_buf b;
    float *x = malloc(db->d * sizeof *x);
    if (sq8_buf_init(&b, db->d, sq8_ncand(db, a->k)) < 0 || x == NULL) {
        atomic_store(&a->status, WP_ENOMEM);
    } else {
        for (size_t i; (i = atomic_fetch_add(&a->next, 1)) < a->nq;) {
            const uint32_t self = (uint32_t)i;
            const float *q = a->q ? a->q + i * db->d : x;
            if (a->q == NULL)
                sq8_row_query(db, i, x);
            const uint32_t *ex = a->q ? (a->excl ? a->excl + i * a->nexcl : NULL)
                                      : (a->nexcl ? &self : NULL);
            sq8_one(db, &kk, dot8, q, a->k, ex, a->nexcl, &b, a->out + i * a->k);
        }
    }
    sq8_buf_free(&b);
    free(x);
    return NULL;
}

int
knn_sq8_many(const struct knn_db *db, const float *q, size_t nq, size_t k, const uint32_t *excl,
         size_t nexcl, int threads, struct knn_hit *out)
{
    if (db->metric != KNN_COS && db->sq8->norm == NULL)
        return WP_ERANGE;
    struct sq8_many a = {.db = db, .q = q, .nq = nq, .k = k, .nexcl = nexcl, .excl = excl,
                         .out = out};
    atomic_init(&a.next, 0);
    atomic_init(&a.status, WP_OK);
    void *args[64];
    for (int t = 0; t < 64; t++)
        args[t] = &a;
    const int t = threads < 1 ? 1 : (size_t)threads < nq ? threads : (int)(nq ? nq : 1);
    knn_run_workers(sq8_worker, args, t);
    return atomic_load(&a.status);
}
