/* knn_sq8.c - int8 search (knn.h, struct knn_sq8): each query becomes small integer weights
 * on the codes, an integer dot product per row (kernels/i8dot.h) scores every row
 * approximately, and the best candidates are rescored in float, from the matrix or the
 * decoded codes. One query streams over the codes in place (i8dot); many queries (a batch,
 * or every row with knn_all) go through the blocked kernel (i8gemm): blocks of queries
 * against a block of rows packed for it, never a packed copy of all the codes. Both paths
 * compute the same integers and the same float scores from them, so they pick the same
 * candidates and give the same answer, whatever the path, the thread count or the block
 * sizes. */
#include "knn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "kernels/i8dot.h"
#include "knn_kern.h"

/* The query as 16-bit weights on the codes: approx(q . unit row) = c0 + scale * (codes . w). */
struct sq8_query {
    int16_t *w;
    float c0, scale;
};

/* Weights in [-wmax, wmax]: 8 bits for i8gemm, and no int32 overflow for i8dot. The
 * weights' rounding moves a unit score by about sqrt(d) * |q| max|step| / (wmax sqrt(12)),
 * ~1e-3 here against gaps of ~1e-2 between the k-th and the rerank-th candidate. */
static int
sq8_wmax(size_t d)
{
    return I8DOT_WMAX_FOR(d) < I8GEMM_WMAX ? I8DOT_WMAX_FOR(d) : I8GEMM_WMAX;
}

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
    const int wmax = sq8_wmax(d);
    sq->c0 = (float)c0;
    sq->scale = mx > 0 ? mx / (float)wmax : 0.0f;
    for (size_t j = 0; j < d; j++) { /* clamped: a table opened with --trust may hold NaN */
        const float t = mx > 0 ? q[j] * z->step[j] / sq->scale : 0.0f;
        sq->w[j] = (int16_t)(t >= (float)wmax ? wmax : t <= (float)-wmax ? -wmax
                             : t == t ? lrintf(t) : 0);
    }
}

/* Approximate scores of rows j0..j0+n from their integer dots (generic 4-lane vectors below:
 * SSE2 on any x86-64, the same multiply and add per lane as the scalar loops). */
typedef float sq8_v4f __attribute__((vector_size(16)));
typedef int32_t sq8_v4i __attribute__((vector_size(16)));

static void
sq8_scores(const struct knn_db *db, const struct sq8_query *sq, const int32_t *restrict dot,
           size_t j0, size_t n, float *restrict s)
{
    const float *restrict norm = db->sq8->norm + (db->sq8->norm ? j0 : 0);
    const float c0 = sq->c0, scale = sq->scale;
    if (db->metric == KNN_COS) {
        for (size_t j = 0; j < n; j++)
            s[j] = c0 + scale * (float)dot[j];
    } else if (db->metric == KNN_DOT) {
        for (size_t j = 0; j < n; j++)
            s[j] = norm[j] * (c0 + scale * (float)dot[j]);
    } else {
        const float *restrict sqn = db->sqnorm + j0;
        for (size_t j = 0; j < n; j++)
            s[j] = 2.0f * norm[j] * (c0 + scale * (float)dot[j]) - sqn[j];
    }
}

/* Rows id[0..4)'s scores in float, from m or from their decoded codes (u: 4 x d floats): the
 * rows are copied side by side so the dot kernel runs its 4-row path, whose arithmetic per row
 * is the same whichever rows come together. */
static void
sq8_rescore4(const struct knn_db *db, const struct knn_kern *kk, const float *q,
             const uint32_t *id, float *u, float *x)
{
    const size_t d = db->d;
    const struct knn_sq8 *z = db->sq8;
    for (int r = 0; r < 4; r++) {
        float *ur = u + r * d;
        if (db->m != NULL)
            memcpy(ur, db->m + (size_t)id[r] * d, d * sizeof *ur);
        else
            for (size_t t = 0; t < d; t++)
                ur[t] = z->vmin[t] + z->step[t] * (float)z->codes[(size_t)id[r] * d + t];
    }
    kk->dots(u, 4, d, q, x);
    for (int r = 0; r < 4; r++) {
        const uint32_t j = id[r];
        if (db->m != NULL)
            x[r] = db->metric == KNN_L2  ? 2.0f * x[r] - db->sqnorm[j]
                   : db->rownorm != NULL ? (db->rownorm[j] > 0 ? x[r] / db->rownorm[j] : 0.0f)
                                         : x[r];
        else
            x[r] = db->metric == KNN_COS   ? x[r]
                   : db->metric == KNN_DOT ? z->norm[j] * x[r]
                                           : 2.0f * z->norm[j] * x[r] - db->sqnorm[j];
    }
}

/* Per-worker buffers: weights, integer dots and scores of a chunk, candidates, a row. */
struct sq8_buf {
    int16_t *w;
    int32_t *dot;
    float *s, *u;
    uint64_t *cand;
};
enum { SQ8_CHUNK = 4096 };

static int
sq8_buf_init(struct sq8_buf *b, size_t d, size_t ncand)
{
    b->w = malloc(d * sizeof *b->w);
    b->dot = malloc(SQ8_CHUNK * sizeof *b->dot);
    b->s = malloc(SQ8_CHUNK * sizeof *b->s);
    b->u = malloc(4 * d * sizeof *b->u);
    b->cand = malloc(4 * ncand * sizeof *b->cand);
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

/* A query's candidates: the hits better than the floor, appended in any order as 64-bit keys
 * (sq8_key: a larger key is a better hit) in h, which has room for 2 r, then 2 r of scratch;
 * when h is full the r best are kept and the worst of them becomes the floor, so a row costs
 * one comparison and a candidate an append, amortized, and integer keys compare without
 * branches. The set kept in the end is the r best by (score descending, id ascending), as
 * with a sorted list. */
struct sq8_cand {
    uint64_t *h;
    size_t n, r;
    uint64_t floor;    /* 0 until h first fills: below every key */
    float floor_score; /* the floor's score (-inf until then) */
};

static void
sq8_cand_init(struct sq8_cand *c, uint64_t *h, size_t r)
{
    *c = (struct sq8_cand){.h = h, .r = r, .floor = 0, .floor_score = -INFINITY};
}

/* (score, id) as a key ordered like the hits: the score's bits made monotone (-0 as +0; NaN
 * never gets here), then the complement of the id, so equal scores rank the lower id first. */
static inline uint64_t
sq8_key(float s, uint32_t id)
{
    uint32_t u;
    s += 0.0f;
    memcpy(&u, &s, sizeof u);
    u = u & 0x80000000u ? ~u : u | 0x80000000u;
    return (uint64_t)u << 32 | (uint32_t)~id;
}

static inline uint32_t
sq8_key_id(uint64_t key)
{
    return ~(uint32_t)key;
}

static inline float
sq8_key_score(uint64_t key)
{
    uint32_t u = (uint32_t)(key >> 32);
    u = u & 0x80000000u ? u & 0x7fffffffu : ~u;
    float s;
    memcpy(&s, &u, sizeof s);
    return s;
}

/* Keeps the r best of c->h: quickselect whose partition writes each key to the front or the
 * back of the scratch and advances one end, without a branch; the floor becomes the worst
 * kept. */
static void
sq8_cand_trim(struct sq8_cand *c)
{
    if (c->n <= c->r)
        return;
    uint64_t *h = c->h, *t = c->h + 2 * c->r;
    size_t lo = 0, hi = c->n; /* h[0..lo) are among the r best, h[hi..n) are not */
    while (lo < c->r && hi > c->r) {
        const size_t m = hi - lo, piv = lo + m / 2;
        const uint64_t p = h[piv];
        h[piv] = h[lo]; /* the pivot out of the range partitioned */
        size_t f = 0, e = m;
        for (size_t i = lo + 1; i < hi; i++) {
            const uint64_t x = h[i];
            const size_t b = x > p;
            t[f] = x;
            t[e - 1] = x;
            f += b;
            e -= 1 - b;
        }
        t[f] = p;
        memcpy(h + lo, t, m * sizeof *h);
        if (lo + f >= c->r)
            hi = lo + f;
        else
            lo = lo + f + 1;
    }
    c->n = c->r;
    uint64_t mn = h[0];
    for (size_t i = 1; i < c->r; i++)
        mn = h[i] < mn ? h[i] : mn;
    c->floor = mn;
    c->floor_score = sq8_key_score(mn);
}

/* Appends (s, id) if it beats the floor (NaN never does) and is not excluded. No branch on
 * the outcome: near the start of a scan about half the rows pass, unpredictably. */
static inline void
sq8_cand_try(struct sq8_cand *c, float s, uint32_t id, const uint32_t *ex, size_t nexcl)
{
    const uint64_t key = sq8_key(s, id);
    size_t pass = (size_t)(key > c->floor) & (size_t)(s == s);
    if (nexcl != 0)
        pass &= (size_t)!knn_excluded(ex, nexcl, id);
    c->h[c->n] = key;
    c->n += pass;
    if (c->n == 2 * c->r)
        sq8_cand_trim(c);
}

/* The lanes of 16 scores (four vectors) at or above f, as a 16-bit mask. */
static inline unsigned
sq8_mask16(const sq8_v4f *y, float f)
{
    const sq8_v4f vf = {f, f, f, f};
    const sq8_v4i b0 = {1, 2, 4, 8}, b1 = b0 << 4, b2 = b0 << 8, b3 = b0 << 12;
    const sq8_v4i m = ((y[0] >= vf) & b0) | ((y[1] >= vf) & b1) | ((y[2] >= vf) & b2) |
                      ((y[3] >= vf) & b3);
    return (unsigned)(m[0] | m[1] | m[2] | m[3]);
}

/* Feeds scores s[0..n) of rows base.. into c (ex: nexcl ids to skip): sixteen at a time
 * against the floor's score (generic vectors; NaN never passes), then the lanes that pass. */
static void
sq8_cand_add(const float *s, size_t n, uint32_t base, struct sq8_cand *c, const uint32_t *ex,
             size_t nexcl)
{
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        sq8_v4f y[4];
        memcpy(y, s + j, sizeof y);
        for (unsigned bits = sq8_mask16(y, c->floor_score); bits != 0; bits &= bits - 1) {
            const size_t t = j + (size_t)__builtin_ctz(bits);
            sq8_cand_try(c, s[t], base + (uint32_t)t, ex, nexcl);
        }
    }
    for (; j < n; j++)
        if (s[j] >= c->floor_score)
            sq8_cand_try(c, s[j], base + (uint32_t)j, ex, nexcl);
}

/* A dot below which no row can score f or more: c0 + scale * (float)dot < f for every
 * integer dot < the result, float rounding included (a margin of 2 steps plus the rounding of
 * sums near f and c0). INT32_MIN when nothing can be ruled out. */
static int32_t
sq8_dot_floor(float f, float c0, float scale)
{
    if (!(scale > 0) || !(f > -INFINITY) || !(fabsf(c0) < INFINITY))
        return INT32_MIN;
    const double t = ceil(((double)f - c0) / scale) - 2.0 -
                     ceil((fabs((double)f) + fabs((double)c0)) * 1e-6 / scale);
    return t <= (double)INT32_MIN ? INT32_MIN : t >= (double)INT32_MAX ? INT32_MAX : (int32_t)t;
}

/* Feeds rows j0..j0+n, scored from their integer dots, into c. For cosine the score is
 * monotone in the dot, so sixteen dots at a time are tested against the floor turned into a
 * dot (sq8_dot_floor, generic vectors), and only those that may pass are scored (the same
 * multiply and add as sq8_scores, so the same floats); the other metrics go through
 * sq8_scores (s: n floats). */
static void
sq8_cand_dots(const struct knn_db *db, const struct sq8_query *sq, const int32_t *dot,
              size_t j0, size_t n, float *s, struct sq8_cand *c, const uint32_t *ex,
              size_t nexcl)
{
    if (db->metric != KNN_COS) {
        sq8_scores(db, sq, dot, j0, n, s);
        sq8_cand_add(s, n, (uint32_t)j0, c, ex, nexcl);
        return;
    }
    const float c0 = sq->c0, scale = sq->scale;
    float fseen = c->floor_score;
    int32_t lim = sq8_dot_floor(fseen, c0, scale);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        if (c->floor_score != fseen) {
            fseen = c->floor_score;
            lim = sq8_dot_floor(fseen, c0, scale);
        }
        const sq8_v4i vl = {lim, lim, lim, lim}, b0 = {1, 2, 4, 8};
        sq8_v4i x[4];
        memcpy(x, dot + j, sizeof x);
        const sq8_v4i m = ((x[0] >= vl) & b0) | ((x[1] >= vl) & (b0 << 4)) |
                          ((x[2] >= vl) & (b0 << 8)) | ((x[3] >= vl) & (b0 << 12));
        for (unsigned bits = (unsigned)(m[0] | m[1] | m[2] | m[3]); bits != 0; bits &= bits - 1) {
            const size_t t = j + (size_t)__builtin_ctz(bits);
            const float y = c0 + scale * (float)dot[t];
            if (y >= c->floor_score)
                sq8_cand_try(c, y, (uint32_t)(j0 + t), ex, nexcl);
        }
    }
    for (; j < n; j++) {
        const float y = c0 + scale * (float)dot[j];
        if (y >= c->floor_score)
            sq8_cand_try(c, y, (uint32_t)(j0 + j), ex, nexcl);
    }
}

/* The float rescoring of a query's candidates into out, four at a time (u: 4 x d floats);
 * the next four rows are prefetched meanwhile (candidates are scattered over the matrix). */
static void
sq8_rerank(const struct knn_db *db, const struct knn_kern *kk, const float *q,
           struct sq8_cand *c, size_t k, float *u, struct knn_hit *out)
{
    const size_t rowbytes = db->d * (db->m != NULL ? sizeof *db->m : 1);
    const char *base = db->m != NULL ? (const char *)db->m : (const char *)db->sq8->codes;
    sq8_cand_trim(c);
    knn_topk_init(out, k);
    for (size_t i = 0; i < c->n; i += 4) {
        for (size_t f = i + 4; f < i + 8 && f < c->n; f++)
            for (size_t o = 0; o < rowbytes; o += 64)
                __builtin_prefetch(base + (size_t)sq8_key_id(c->h[f]) * rowbytes + o);
        uint32_t id[4];
        float x[4];
        for (size_t r = 0; r < 4; r++) /* a short last group repeats its last row */
            id[r] = sq8_key_id(c->h[i + r < c->n ? i + r : c->n - 1]);
        sq8_rescore4(db, kk, q, id, u, x);
        for (size_t r = 0; r < 4 && i + r < c->n; r++)
            knn_topk_insert(out, k, x[r], id[r]);
    }
}

static void
sq8_one(const struct knn_db *db, const struct knn_kern *kk, i8dot_fn *dot8, const float *q,
        size_t k, const uint32_t *excl, size_t nexcl, struct sq8_buf *b, struct knn_hit *out)
{
    const struct knn_sq8 *z = db->sq8;
    const size_t ncand = sq8_ncand(db, k);
    struct sq8_query sq = {.w = b->w};
    sq8_query_prep(z, q, db->d, &sq);
    struct sq8_cand c;
    sq8_cand_init(&c, b->cand, ncand);
    for (size_t j0 = 0; j0 < db->n; j0 += SQ8_CHUNK) {
        const size_t nj = db->n - j0 < SQ8_CHUNK ? db->n - j0 : SQ8_CHUNK;
        dot8(z->codes + j0 * db->d, nj, db->d, b->w, b->dot);
        sq8_cand_dots(db, &sq, b->dot, j0, nj, b->s, &c, excl, excl ? nexcl : 0);
    }
    sq8_rerank(db, kk, q, &c, k, b->u, out);
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

/* Many queries: workers take runs of queries (a multiple of SQ8_QB, at most SQ8_RUN_MAX); each
 * block of SQ8_NB database rows is packed into the worker's buffer (i8pack's layout) once per
 * run and met by every block of SQ8_QB queries of the run (i8gemm), which select their
 * candidates block by block; the rerank follows per query. So no packed copy of all the codes
 * is made (300 MB at 1M x 300), and packing costs 1/SQ8_RUN_MAX of the integer products. */
enum { SQ8_QB = 64, SQ8_NB = 2048, SQ8_GEMM_MIN = 8, SQ8_RUN_MAX = 1024 };
enum { SQ8_RUN_CAND_BYTES = 16 << 20 }; /* a run's candidate lists, at most (but one block) */

struct sq8_many {
    const struct knn_db *db;
    const float *q;   /* nq x d, or NULL: each database row is its own query (knn_all) */
    size_t nq, k, nexcl;
    const uint32_t *excl;
    struct knn_hit *out;
    size_t run;       /* queries a worker takes at a time through i8gemm, or 0: one at a time */
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

/* The ids query i of the batch excludes (self: where its own id goes) and their count. */
static const uint32_t *
sq8_many_excl(const struct sq8_many *a, size_t i, uint32_t *self, size_t *nexcl)
{
    *self = (uint32_t)i;
    *nexcl = a->q != NULL ? (a->excl ? a->nexcl : 0) : a->nexcl;
    return a->q != NULL ? (a->excl ? a->excl + i * a->nexcl : NULL) : (a->nexcl ? self : NULL);
}

/* Query i of the batch (x: a d-float buffer, used when it is a database row). */
static const float *
sq8_many_query(const struct sq8_many *a, size_t i, float *x)
{
    if (a->q != NULL)
        return a->q + i * a->db->d;
    sq8_row_query(a->db, i, x);
    return x;
}

/* A worker's buffers for a run of queries: their 8-bit weights, query constants and candidate
 * lists (run x 4 ncand), the integer dots of a block of them (SQ8_QB x SQ8_NB) and a block of
 * rows packed. */
struct sq8_blk {
    int8_t *w8;
    struct sq8_query *sq;
    int32_t *dot;
    uint64_t *cand;
    struct sq8_cand *c;
    uint8_t *pack;
};

static int
sq8_blk_init(struct sq8_blk *b, size_t d, size_t ncand, size_t run)
{
    b->w8 = malloc(run * I8PACK_D4(d) * sizeof *b->w8);
    b->sq = malloc(run * sizeof *b->sq);
    b->dot = malloc((size_t)SQ8_QB * SQ8_NB * sizeof *b->dot);
    b->cand = malloc(run * 4 * ncand * sizeof *b->cand);
    b->c = malloc(run * sizeof *b->c);
    b->pack = malloc(i8pack_bytes(SQ8_NB, d));
    return b->w8 && b->sq && b->dot && b->cand && b->c && b->pack ? WP_OK : WP_ENOMEM;
}

/* Rows codes[0..n) in i8pack's layout (kernels/i8dot.h: the same bytes), four bytes a move. */
static void
sq8_pack(const uint8_t *codes, size_t n, size_t d, uint8_t *pack)
{
    const size_t steps = I8PACK_D4(d) / 4, full = d / 4, ng = (n + I8PACK_ROWS - 1) / I8PACK_ROWS;
    for (size_t g = 0; g < ng; g++)
        for (size_t r = 0; r < I8PACK_ROWS; r++) {
            const size_t i = g * I8PACK_ROWS + r;
            uint8_t *o = pack + g * I8PACK_ROWS * steps * 4 + r * 4;
            const uint8_t *c = i < n ? codes + i * d : codes;
            for (size_t t = 0; t < steps; t++) {
                uint8_t x[4] = {0, 0, 0, 0};
                if (i < n && t < full)
                    memcpy(x, c + 4 * t, 4);
                else if (i < n)
                    memcpy(x, c + 4 * t, d - 4 * t);
                memcpy(o + t * 4 * I8PACK_ROWS, x, 4);
            }
        }
}

static void
sq8_blk_free(struct sq8_blk *b)
{
    free(b->w8);
    free(b->sq);
    free(b->dot);
    free(b->cand);
    free(b->c);
    free(b->pack);
}

static void
sq8_block(struct sq8_many *a, const struct knn_kern *kk, i8gemm_fn *gemm, size_t q0, size_t nq,
          struct sq8_buf *b, float *x, struct sq8_blk *k8)
{
    const struct knn_db *db = a->db;
    const size_t d = db->d, d4 = I8PACK_D4(d), ncand = sq8_ncand(db, a->k);
    for (size_t i = 0; i < nq; i++) {
        const float *q = sq8_many_query(a, q0 + i, x);
        k8->sq[i].w = b->w;
        sq8_query_prep(db->sq8, q, d, &k8->sq[i]);
        int8_t *w8 = k8->w8 + i * d4;
        for (size_t t = 0; t < d4; t++)
            w8[t] = t < d ? (int8_t)b->w[t] : 0;
        sq8_cand_init(&k8->c[i], k8->cand + i * 4 * ncand, ncand);
    }
    for (size_t j0 = 0; j0 < db->n; j0 += SQ8_NB) {
        const size_t nj = db->n - j0 < SQ8_NB ? db->n - j0 : SQ8_NB;
        sq8_pack(db->sq8->codes + j0 * d, nj, d, k8->pack);
        for (size_t i0 = 0; i0 < nq; i0 += SQ8_QB) {
            const size_t ni = nq - i0 < SQ8_QB ? nq - i0 : SQ8_QB;
            gemm(k8->pack, (nj + I8PACK_ROWS - 1) / I8PACK_ROWS, d, k8->w8 + i0 * d4, ni,
                 k8->dot, SQ8_NB);
            for (size_t i = i0; i < i0 + ni; i++) {
                uint32_t self;
                size_t nexcl;
                const uint32_t *ex = sq8_many_excl(a, q0 + i, &self, &nexcl);
                sq8_cand_dots(db, &k8->sq[i], k8->dot + (i - i0) * SQ8_NB, j0, nj, b->s,
                              &k8->c[i], ex, nexcl);
            }
        }
    }
    for (size_t i = 0; i < nq; i++) {
        const float *q = sq8_many_query(a, q0 + i, x);
        sq8_rerank(db, kk, q, &k8->c[i], a->k, b->u, a->out + (q0 + i) * a->k);
    }
}

static void *
sq8_worker(void *arg)
{
    struct sq8_many *a = arg;
    const struct knn_db *db = a->db;
    const struct knn_kern kk = knn_kern_pick();
    i8dot_fn *dot8 = i8dot_pick();
    i8gemm_fn *gemm = i8gemm_pick(NULL);
    const size_t ncand = sq8_ncand(db, a->k);
    struct sq8_buf b;
    struct sq8_blk k8 = {0};
    float *x = malloc(db->d * sizeof *x);
    int rc = sq8_buf_init(&b, db->d, ncand);
    if (rc == WP_OK && a->run > 0)
        rc = sq8_blk_init(&k8, db->d, ncand, a->run);
    if (rc < 0 || x == NULL) {
        atomic_store(&a->status, WP_ENOMEM);
    } else if (a->run > 0) {
        for (size_t q0; (q0 = atomic_fetch_add(&a->next, a->run)) < a->nq;)
            sq8_block(a, &kk, gemm, q0, a->nq - q0 < a->run ? a->nq - q0 : a->run, &b, x, &k8);
    } else {
        for (size_t i; (i = atomic_fetch_add(&a->next, 1)) < a->nq;) {
            uint32_t self;
            size_t nexcl;
            const uint32_t *ex = sq8_many_excl(a, i, &self, &nexcl);
            sq8_one(db, &kk, dot8, sq8_many_query(a, i, x), a->k, ex, nexcl, &b,
                    a->out + i * a->k);
        }
    }
    sq8_blk_free(&k8);
    sq8_buf_free(&b);
    free(x);
    return NULL;
}

int
knn_sq8_many(const struct knn_db *db, const float *q, size_t nq, size_t k, const uint32_t *excl,
         size_t nexcl, int threads, struct knn_hit *out)
{
    if (k == 0 || db->d == 0 || db->n >= KNN_NONE || db->sq8 == NULL ||
        (db->metric != KNN_COS && db->sq8->norm == NULL) ||
        (db->metric == KNN_L2 && db->sqnorm == NULL))
        return WP_ERANGE;
    struct sq8_many a = {.db = db, .q = q, .nq = nq, .k = k, .nexcl = nexcl, .excl = excl,
                         .out = out};
    atomic_init(&a.next, 0);
    atomic_init(&a.status, WP_OK);
    if (nq >= SQ8_GEMM_MIN) {
        /* runs as long as the candidate lists allow, but short enough for every thread to
         * get one; a multiple of SQ8_QB */
        const size_t nt = threads < 1 ? 1 : (size_t)threads;
        size_t run = SQ8_RUN_CAND_BYTES / (4 * sq8_ncand(db, k) * sizeof(uint64_t));
        run = run < (nq + nt - 1) / nt ? run : (nq + nt - 1) / nt;
        run = run < SQ8_RUN_MAX ? run : SQ8_RUN_MAX;
        a.run = (run + SQ8_QB - 1) / SQ8_QB * SQ8_QB;
        a.run = a.run ? a.run : SQ8_QB;
    }
    void *args[64];
    for (int t = 0; t < 64; t++)
        args[t] = &a;
    const size_t units = a.run > 0 ? (nq + a.run - 1) / a.run : nq;
    const int t = threads < 1 ? 1 : (size_t)threads < units ? threads : (int)(units ? units : 1);
    knn_run_workers(sq8_worker, args, t);
    return atomic_load(&a.status);
}
