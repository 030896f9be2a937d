/* knn.c - exact top-k: blocked sgemm with fused selection, the symmetric all-pairs mode,
 * the streaming single-query kernel and the scalar reference. */
#include "knn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/status.h"
#include "kernels/blas.h"
#include "kernels/vec.h"
#include "knn_kern.h"

/* ---- reference kernels ---- */
static void
dots_ref(const float *m, size_t n, size_t d, const float *q, float *out)
{
    for (size_t i = 0; i < n; i++) {
        float s = 0.0f;
        for (size_t j = 0; j < d; j++)
            s += m[i * d + j] * q[j];
        out[i] = s;
    }
}

static size_t
scan_ref(const float *s, size_t j, size_t n, float thr)
{
    for (; j < n; j++)
        if (s[j] >= thr)
            return j;
    return n;
}

static size_t
scan2_ref(const float *s, const float *thr, size_t j, size_t n)
{
    for (; j < n; j++)
        if (s[j] >= thr[j])
            return j;
    return n;
}

/* IEEE binary16 <-> binary32, round to nearest even (the F16C instructions do the same). */
static float
half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, f = h & 0x3ff;
    uint32_t u;
    if (e == 0) {
        const float x = ldexpf((float)f, -24); /* zero or subnormal */
        memcpy(&u, &x, sizeof u);
        u |= sign;
    } else if (e == 31) {
        u = sign | 0x7f800000u | (f << 13);
    } else {
        u = sign | ((e + 112) << 23) | (f << 13);
    }
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static uint16_t
float_to_half(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    const uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    const float a = fabsf(x);
    if (a >= 65520.0f)
        return sign | 0x7c00; /* overflow (callers reject it first) */
    if (a < 6.103515625e-05f) { /* subnormal half: a multiple of 2^-24 */
        const float q = nearbyintf(ldexpf(a, 24));
        return sign | (uint16_t)q;
    }
    memcpy(&u, &a, sizeof u);
    /* keep 10 mantissa bits, rounding to nearest even on the 13 dropped bits */
    const uint32_t rest = u & 0x1fff, keep = u >> 13;
    uint32_t h = keep - (112u << 10);
    if (rest > 0x1000 || (rest == 0x1000 && (keep & 1)))
        h++;
    return sign | (uint16_t)h;
}

static void
dots16_ref(const uint16_t *m16, size_t n, size_t d, const float *q, float *out)
{
    for (size_t i = 0; i < n; i++) {
        float s = 0.0f;
        for (size_t j = 0; j < d; j++)
            s += half_to_float(m16[i * d + j]) * q[j];
        out[i] = s;
    }
}

struct knn_kern
knn_kern_pick(void)
{
    struct knn_kern k = {dots_ref, scan_ref, scan2_ref, dots16_ref};
#if defined(__x86_64__)
    if (strcmp(vec_ops()->name, "avx2") == 0) {
        k.dots = knn_dots_avx2;
        k.scan = knn_scan_avx2;
        k.scan2 = knn_scan2_avx2;
        if (__builtin_cpu_supports("f16c"))
            k.dots16 = knn_dots16_avx2;
    }
#endif
    return k;
}

int
knn_half_build(const float *m, size_t n, size_t d, uint16_t **out, float *maxnorm)
{
    size_t cells;
    if (!size_mul_ok(n, d, &cells))
        return WP_ERANGE;
    uint16_t *h = malloc((cells ? cells : 1) * sizeof *h);
    if (h == NULL)
        return WP_ENOMEM;
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            const float x = m[i * d + j];
            if (!(fabsf(x) <= 65504.0f)) {
                free(h);
                return WP_ERANGE;
            }
            h[i * d + j] = float_to_half(x);
        }
        const double sq = vec_sumsq_f64(m + i * d, d);
        if (sq > mx)
            mx = sq;
    }
    *maxnorm = (float)(sqrt(mx) * (1 + 1e-6));
    *out = h;
    return WP_OK;
}

void
knn_opts_default(struct knn_opts *o)
{
    o->threads = 1;
    o->qblock = 1024;
    o->dblock = 1024;
}

float
knn_l2_distance(float score, float q_sqnorm)
{
    const float d2 = q_sqnorm - score;
    return d2 > 0.0f ? sqrtf(d2) : 0.0f;
}

/* Divides scores s[0..n) of rows j0.. by their norms (cosine over raw rows). */
static void
by_rownorm(const float *rn, size_t j0, size_t n, const float *s, float *out)
{
    for (size_t j = 0; j < n; j++)
        out[j] = rn[j0 + j] > 0 ? s[j] / rn[j0 + j] : 0.0f;
}

/* ---- one query's top-k list, best first ---- */
void
knn_topk_init(struct knn_hit *h, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        h[i].score = -INFINITY;
        h[i].id = KNN_NONE;
    }
}

static inline int
better(float s, uint32_t id, const struct knn_hit *h)
{
    return s > h->score || (s == h->score && id < h->id);
}

/* Inserts (s, id) if it beats the last entry; returns the new threshold score. */
float
knn_topk_insert(struct knn_hit *h, size_t k, float s, uint32_t id)
{
    if (!better(s, id, &h[k - 1]))
        return h[k - 1].score;
    size_t i = k - 1;
    while (i > 0 && better(s, id, &h[i - 1])) {
        h[i] = h[i - 1];
        i--;
    }
    h[i].score = s;
    h[i].id = id;
    return h[k - 1].score;
}

/* Feeds scores s[0..n) of candidates base.. into one list. */
void
knn_select_row(const struct knn_kern *kk, const float *s, size_t n, uint32_t base,
           struct knn_hit *h, size_t k, const uint32_t *ex, size_t nexcl)
{
    float thr = h[k - 1].score;
    for (size_t j = kk->scan(s, 0, n, thr); j < n; j = kk->scan(s, j + 1, n, thr))
        if (!knn_excluded(ex, nexcl, base + (uint32_t)j))
            thr = knn_topk_insert(h, k, s[j], base + (uint32_t)j);
}

static inline float
cosmul(float sa, float sb, float sc)
{
    return (0.5f * (1.0f + sb)) * (0.5f * (1.0f + sc)) / (0.5f * (1.0f + sa) + KNN_COSMUL_EPS);
}

/* ---- batches ---- */
struct batch {
    const struct knn_db *db;
    const float *q;
    size_t nq, k, nexcl;
    int mode;
    const uint32_t *excl;
    const struct knn_opts *o;
    struct knn_hit *out;
    struct knn_kern kk;
    atomic_size_t next;   /* next query block to take */
    atomic_int status;
};

static void
batch_block(struct batch *b, size_t q0, size_t nq, float *S, float *tmp)
{
    const struct knn_db *db = b->db;
    const size_t rows_per_q = b->mode == KNN_COSMUL ? 3 : 1, qrows = nq * rows_per_q;
    for (size_t i = 0; i < nq; i++)
        knn_topk_init(b->out + (q0 + i) * b->k, b->k);
    for (size_t j0 = 0; j0 < db->n; j0 += b->o->dblock) {
        const size_t nj = db->n - j0 < b->o->dblock ? db->n - j0 : b->o->dblock;
        const float alpha = db->metric == KNN_L2 ? 2.0f : 1.0f;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)qrows, (int)nj, (int)db->d,
                    alpha, b->q + q0 * rows_per_q * db->d, (int)db->d, db->m + j0 * db->d,
                    (int)db->d, 0.0f, S, (int)nj);
        for (size_t i = 0; i < nq; i++) {
            const float *s = S + i * rows_per_q * nj;
            if (b->mode == KNN_COSMUL) {
                for (size_t j = 0; j < nj; j++)
                    tmp[j] = cosmul(s[j], s[nj + j], s[2 * nj + j]);
                s = tmp;
            } else if (db->metric == KNN_L2) {
                for (size_t j = 0; j < nj; j++)
                    tmp[j] = s[j] - db->sqnorm[j0 + j];
                s = tmp;
            } else if (db->rownorm != NULL) {
                by_rownorm(db->rownorm, j0, nj, s, tmp);
                s = tmp;
            }
            const uint32_t *ex = b->excl ? b->excl + (q0 + i) * b->nexcl : NULL;
            knn_select_row(&b->kk, s, nj, (uint32_t)j0, b->out + (q0 + i) * b->k, b->k, ex,
                       b->excl ? b->nexcl : 0);
        }
    }
}

static void *
batch_worker(void *arg)
{
    struct batch *b = arg;
    const size_t rows_per_q = b->mode == KNN_COSMUL ? 3 : 1;
    float *S = malloc(b->o->qblock * rows_per_q * b->o->dblock * sizeof *S);
    float *tmp = malloc(b->o->dblock * sizeof *tmp);
    if (S == NULL || tmp == NULL) {
        atomic_store(&b->status, WP_ENOMEM);
    } else {
        for (;;) {
            const size_t q0 = atomic_fetch_add(&b->next, b->o->qblock);
            if (q0 >= b->nq)
                break;
            batch_block(b, q0, b->nq - q0 < b->o->qblock ? b->nq - q0 : b->o->qblock, S, tmp);
        }
    }
    free(S);
    free(tmp);
    return NULL;
}

/* Runs fn on threads workers (the calling thread is one of them). */
int
knn_run_workers(void *(*fn)(void *), void *const *args, int threads)
{
    pthread_t tid[64];
    int started = 0;
    if (threads > 64)
        threads = 64;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, fn, args[t]) != 0)
            break;
        started = t;
    }
    fn(args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    if (started < threads - 1) /* could not start them all: the others did the work */
        for (int t = started + 1; t < threads; t++)
            fn(args[t]);
    return WP_OK;
}

static int
check_args(const struct knn_db *db, size_t k, const struct knn_opts *o)
{
    if (k == 0 || db->d == 0 || db->d > INT32_MAX || db->n >= KNN_NONE || o->threads < 1 ||
        o->qblock == 0 || o->dblock == 0 || o->qblock * 3 > INT32_MAX || o->dblock > INT32_MAX)
        return WP_ERANGE;
    if (db->metric == KNN_L2 && db->sqnorm == NULL)
        return WP_ERANGE;
    size_t bytes;
    if (!size_mul_ok(o->qblock * 3, o->dblock, &bytes) || !size_mul_ok(bytes, 4, &bytes))
        return WP_ERANGE;
    return WP_OK;
}

int
knn_batch(const struct knn_db *db, const float *q, size_t nq, size_t k, int mode,
          const uint32_t *excl, size_t nexcl, const struct knn_opts *o, struct knn_hit *out)
{
    WP_TRY(check_args(db, k, o));
    if (mode != KNN_PLAIN && mode != KNN_COSMUL)
        return WP_ERANGE;
    if (db->sq8 != NULL && mode == KNN_PLAIN)
        return knn_sq8_many(db, q, nq, k, excl, nexcl, o->threads, out);
    struct batch b = {.db = db, .q = q, .nq = nq, .k = k, .nexcl = nexcl, .mode = mode,
                      .excl = excl, .o = o, .out = out, .kk = knn_kern_pick()};
    atomic_init(&b.next, 0);
    atomic_init(&b.status, WP_OK);
    void *args[64];
    for (int t = 0; t < 64; t++)
        args[t] = &b;
    const size_t blocks = (nq + o->qblock - 1) / o->qblock;
    const int threads = (size_t)o->threads < blocks ? o->threads : (int)(blocks ? blocks : 1);
    knn_run_workers(batch_worker, args, threads);
    return atomic_load(&b.status);
}

/* ---- all against all: each block pair (I <= J) once, rows and columns both selected ---- */
struct allpairs {
    const struct knn_db *db;
    size_t k, bs, nb;
    int exclude_self;
    struct knn_kern kk;
    atomic_size_t next; /* next block pair, numbered row-major over I <= J */
    atomic_int status;
};

struct allpairs_worker {
    struct allpairs *ap;
    struct knn_hit *h; /* this worker's n x k lists */
};

static void
allpairs_pair(struct allpairs *ap, struct knn_hit *h, size_t bi, size_t bj, float *S,
              float *thr)
{
    const struct knn_db *db = ap->db;
    const size_t k = ap->k, i0 = bi * ap->bs, j0 = bj * ap->bs;
    const size_t ni = db->n - i0 < ap->bs ? db->n - i0 : ap->bs;
    const size_t nj = db->n - j0 < ap->bs ? db->n - j0 : ap->bs;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)ni, (int)nj, (int)db->d, 1.0f,
                db->m + i0 * db->d, (int)db->d, db->m + j0 * db->d, (int)db->d, 0.0f, S,
                (int)nj);
    if (db->rownorm != NULL) /* cosine of raw rows: both norms divide */
        for (size_t r = 0; r < ni; r++) {
            const float ri = db->rownorm[i0 + r];
            by_rownorm(db->rownorm, j0, nj, S + r * nj, S + r * nj);
            for (size_t c = 0; c < nj; c++)
                S[r * nj + c] = ri > 0 ? S[r * nj + c] / ri : 0.0f;
        }
    for (size_t c = 0; c < nj; c++)
        thr[c] = h[(j0 + c) * k + k - 1].score;
    for (size_t r = 0; r < ni; r++) {
        const float *s = S + r * nj;
        const uint32_t qi = (uint32_t)(i0 + r);
        knn_select_row(&ap->kk, s, nj, (uint32_t)j0, h + (size_t)qi * k, k, &qi,
                   ap->exclude_self ? 1 : 0);
        if (bi == bj)
            continue;
        for (size_t c = ap->kk.scan2(s, thr, 0, nj); c < nj; c = ap->kk.scan2(s, thr, c + 1, nj))
            thr[c] = knn_topk_insert(h + (j0 + c) * k, k, s[c], qi);
    }
}

static void *
allpairs_worker(void *arg)
{
    struct allpairs_worker *w = arg;
    struct allpairs *ap = w->ap;
    float *S = malloc(ap->bs * ap->bs * sizeof *S), *thr = malloc(ap->bs * sizeof *thr);
    if (S == NULL || thr == NULL) {
        atomic_store(&ap->status, WP_ENOMEM);
        goto out;
    }
    const size_t npairs = ap->nb * (ap->nb + 1) / 2;
    size_t bi = 0, bj = 0, p = 0; /* pair p <-> (bi, bj) walked forward as p grows */
    for (;;) {
        const size_t want = atomic_fetch_add(&ap->next, 1);
        if (want >= npairs)
            break;
        for (; p < want; p++)
            if (++bj == ap->nb) {
                bi++;
                bj = bi;
            }
        allpairs_pair(ap, w->h, bi, bj, S, thr);
    }
out:
    free(S);
    free(thr);
    return NULL;
}

/* Merges the per-worker lists of every query into out. */
static void
allpairs_merge(struct knn_hit *out, struct knn_hit *const *h, int threads, size_t n, size_t k)
{
    for (size_t q = 0; q < n; q++)
        for (int t = 1; t < threads; t++)
            for (size_t i = 0; i < k; i++) {
                const struct knn_hit *x = &h[t][q * k + i];
                if (x->id == KNN_NONE)
                    break;
                knn_topk_insert(out + q * k, k, x->score, x->id);
            }
}

int
knn_all(const struct knn_db *db, size_t k, int exclude_self, const struct knn_opts *o,
        struct knn_hit *out)
{
    WP_TRY(check_args(db, k, o));
    if (db->sq8 != NULL)
        return knn_sq8_many(db, NULL, db->n, k, NULL, exclude_self ? 1 : 0, o->threads, out);
    if (db->metric == KNN_L2) { /* 2 x.y - |y|^2 is not symmetric: plain batch */
        if (!exclude_self)
            return knn_batch(db, db->m, db->n, k, KNN_PLAIN, NULL, 0, o, out);
        uint32_t *ex = malloc((db->n ? db->n : 1) * sizeof *ex);
        if (ex == NULL)
            return WP_ENOMEM;
        for (size_t i = 0; i < db->n; i++)
            ex[i] = (uint32_t)i;
        const int rc = knn_batch(db, db->m, db->n, k, KNN_PLAIN, ex, 1, o, out);
        free(ex);
        return rc;
    }
    struct allpairs ap = {.db = db, .k = k, .bs = o->qblock, .exclude_self = exclude_self,
                          .kk = knn_kern_pick()};
    ap.nb = (db->n + ap.bs - 1) / ap.bs;
    atomic_init(&ap.next, 0);
    atomic_init(&ap.status, WP_OK);
    int threads = o->threads > 64 ? 64 : o->threads;
    struct allpairs_worker w[64];
    struct knn_hit *h[64];
    void *args[64];
    int rc = WP_OK;
    for (int t = 0; t < threads; t++) {
        h[t] = t == 0 ? out : malloc((db->n ? db->n : 1) * k * sizeof **h);
        if (h[t] == NULL) {
            threads = t;
            rc = WP_ENOMEM;
            break;
        }
        knn_topk_init(h[t], db->n * k);
        w[t].ap = &ap;
        w[t].h = h[t];
        args[t] = &w[t];
    }
    if (rc == WP_OK) {
        knn_run_workers(allpairs_worker, args, threads);
        rc = atomic_load(&ap.status);
    }
    if (rc == WP_OK)
        allpairs_merge(out, h, threads, db->n, k);
    for (int t = 1; t < threads; t++)
        free(h[t]);
    return rc;
}

/* ---- single queries: streaming dot kernel, chunked so the scores stay in cache ---- */
struct one {
    const struct knn_db *db;
    const float *q;
    size_t k, nexcl, j0, j1;
    const uint32_t *excl;
    float *scratch;
    struct knn_hit *out;
};

/* Bound on |half-precision score - single-precision score| for a query of norm qn and
 * 1-norm q1: conversion 2^-11 relative per element (Cauchy-Schwarz gives qn * maxnorm),
 * half subnormals 2^-25 absolute, and float accumulation of both sums (d * 2^-24 each). */
static float
half_error_bound(const struct knn_db *db, const float *q)
{
    double q1 = 0;
    for (size_t j = 0; j < db->d; j++)
        q1 += fabs(q[j]);
    const double qn = sqrt(vec_sumsq_f64(q, db->d));
    const double e = qn * db->maxnorm * (ldexp(1, -11) + 2.0 * (double)db->d * ldexp(1, -24)) +
                     q1 * ldexp(1, -25);
    return (float)(2.0 * e + 1e-30) * (db->metric == KNN_L2 ? 2.0f : 1.0f);
}

static void
one_exact(const struct one *w, const struct knn_kern *kk, size_t j0, size_t nj, float *s)
{
    const struct knn_db *db = w->db;
    kk->dots(db->m + j0 * db->d, nj, db->d, w->q, s);
    if (db->metric == KNN_L2)
        for (size_t j = 0; j < nj; j++)
            s[j] = 2.0f * s[j] - db->sqnorm[j0 + j];
    else if (db->rownorm != NULL)
        by_rownorm(db->rownorm, j0, nj, s, s);
}

static void *
one_range(void *arg)
{
    const struct one *w = arg;
    const struct knn_db *db = w->db;
    const struct knn_kern kk = knn_kern_pick();
    const size_t nexcl = w->excl ? w->nexcl : 0;
    enum { CHUNK = 4096 };
    knn_topk_init(w->out, w->k);
    if (db->m16 == NULL || w->j1 - w->j0 <= w->k) {
        for (size_t j0 = w->j0; j0 < w->j1; j0 += CHUNK) {
            const size_t nj = w->j1 - j0 < CHUNK ? w->j1 - j0 : CHUNK;
            one_exact(w, &kk, j0, nj, w->scratch + j0);
            knn_select_row(&kk, w->scratch + j0, nj, (uint32_t)j0, w->out, w->k, w->excl, nexcl);
        }
        return NULL;
    }
    /* pass 1: half-precision scores of every row and their k-th best */
    for (size_t j0 = w->j0; j0 < w->j1; j0 += CHUNK) {
        const size_t nj = w->j1 - j0 < CHUNK ? w->j1 - j0 : CHUNK;
        float *s = w->scratch + j0;
        kk.dots16(db->m16 + j0 * db->d, nj, db->d, w->q, s);
        if (db->metric == KNN_L2)
            for (size_t j = 0; j < nj; j++)
                s[j] = 2.0f * s[j] - db->sqnorm[j0 + j];
        knn_select_row(&kk, s, nj, (uint32_t)j0, w->out, w->k, w->excl, nexcl);
    }
    /* pass 2: every row that may be in the true top k, rescored exactly */
    const float thr = w->out[w->k - 1].score - half_error_bound(db, w->q);
    const float *s = w->scratch;
    knn_topk_init(w->out, w->k);
    for (size_t j = kk.scan(s, w->j0, w->j1, thr); j < w->j1; j = kk.scan(s, j + 1, w->j1, thr)) {
        if (knn_excluded(w->excl, nexcl, (uint32_t)j))
            continue;
        float x;
        one_exact(w, &kk, j, 1, &x);
        knn_topk_insert(w->out, w->k, x, (uint32_t)j);
    }
    return NULL;
}

int
knn_one(const struct knn_db *db, const float *q, size_t k, const uint32_t *excl,
        size_t nexcl, int threads, float *scratch, struct knn_hit *out)
{
    enum { PER_THREAD_MIN = 16384, T_MAX = 16 }; /* below this a thread costs more than it saves */
    if (k == 0 || db->d == 0 || db->n >= KNN_NONE || (db->metric == KNN_L2 && !db->sqnorm))
        return WP_ERANGE;
    if (db->sq8 != NULL)
        return knn_sq8_search(db, q, k, excl, nexcl, out);
    size_t t = threads < 1 ? 1 : threads > T_MAX ? T_MAX : (size_t)threads;
    while (t > 1 && db->n / t < PER_THREAD_MIN)
        t--;
    struct one w[T_MAX];
    pthread_t tid[T_MAX];
    size_t started = 0;
    struct knn_hit *part = t > 1 ? malloc(t * k * sizeof *part) : out;
    if (part == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < t; i++) {
        w[i] = (struct one){.db = db, .q = q, .k = k, .nexcl = nexcl, .excl = excl,
                            .j0 = db->n * i / t, .j1 = db->n * (i + 1) / t,
                            .scratch = scratch, .out = part + i * k};
        if (i > 0 && pthread_create(&tid[i], NULL, one_range, &w[i]) == 0)
            started = i;
    }
    one_range(&w[0]);
    for (size_t i = 1; i < t; i++) {
        if (i <= started)
            pthread_join(tid[i], NULL);
        else
            one_range(&w[i]); /* thread creation failed: do it here */
    }
    if (t > 1) {
        knn_topk_init(out, k);
        for (size_t i = 0; i < t * k; i++)
            if (part[i].id != KNN_NONE)
                knn_topk_insert(out, k, part[i].score, part[i].id);
        free(part);
    }
    return WP_OK;
}

/* ---- the reference: double-precision dots, full sort semantics via topk_insert ---- */
int
knn_ref(const struct knn_db *db, const float *q, size_t nq, size_t k, int mode,
        const uint32_t *excl, size_t nexcl, struct knn_hit *out)
{
    if (k == 0 || db->d == 0 || (db->metric == KNN_L2 && !db->sqnorm))
        return WP_ERANGE;
    const size_t rows = mode == KNN_COSMUL ? 3 : 1;
    for (size_t i = 0; i < nq; i++) {
        struct knn_hit *h = out + i * k;
        knn_topk_init(h, k);
        for (size_t j = 0; j < db->n; j++) {
            double dot[3] = {0, 0, 0};
            for (size_t r = 0; r < rows; r++)
                for (size_t t = 0; t < db->d; t++)
                    dot[r] += (double)q[(i * rows + r) * db->d + t] * db->m[j * db->d + t];
            float s = (float)dot[0];
            if (mode == KNN_COSMUL)
                s = cosmul((float)dot[0], (float)dot[1], (float)dot[2]);
            else if (db->metric == KNN_L2)
                s = (float)(2.0 * dot[0] - db->sqnorm[j]);
            else if (db->rownorm != NULL)
                s = db->rownorm[j] > 0 ? (float)(dot[0] / db->rownorm[j]) : 0.0f;
            if (!knn_excluded(excl ? excl + i * nexcl : NULL, excl ? nexcl : 0, (uint32_t)j))
                knn_topk_insert(h, k, s, (uint32_t)j);
        }
    }
    return WP_OK;
}
