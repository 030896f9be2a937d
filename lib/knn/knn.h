/* knn.h - exact top-k search over a matrix of rows.
 *
 * Batches go through blocked OpenBLAS sgemm (query block x database block) with the top-k
 * selection fused into each block, so memory stays bounded by the block size whatever the
 * vocabulary. The all-against-all mode computes each block pair once (the score matrix is
 * symmetric) and feeds both its rows and its columns into the selections. Single queries
 * use a streaming dot kernel (no 1-row sgemm).
 *
 * Scores: cosine and dot are the inner product of the (caller-normalised, for cosine) rows;
 * L2 ranks by 2 q.x - |x|^2, which orders like -|q - x|^2 (knn_l2_distance converts back).
 * Order: score descending, then row id ascending, so ties are deterministic whatever the
 * thread count or block size. Missing hits (fewer candidates than k) have id KNN_NONE.
 *
 * Threads: each worker calls sgemm itself; with threads > 1 the caller should set OpenBLAS
 * to one thread (blas_set_threads(1), kernels/blas.h) so the cores are not oversubscribed. */
#ifndef WP_KNN_H
#define WP_KNN_H

#include <stddef.h>
#include <stdint.h>

enum knn_metric { KNN_COS = 0, KNN_DOT = 1, KNN_L2 = 2 };
enum knn_mode { KNN_PLAIN = 0, KNN_COSMUL = 1 };
#define KNN_NONE UINT32_MAX
#define KNN_COSMUL_EPS 0.001f /* Levy & Goldberg 2014; gensim's most_similar_cosmul uses 1e-6 */

struct knn_hit {
    float score;
    uint32_t id;
};

/* The database: n rows of d floats. sqnorm (|x|^2 per row) is required for L2 only.
 * m16 (optional, from knn_half_build) is a half-precision copy that knn_one scans first:
 * it moves half the bytes, and every row whose half-precision score comes within the
 * proven error bound of the k-th best is rescored in single precision, so the answer is
 * exactly the one without m16. maxnorm is the largest row norm (knn_half_build sets it). */
/* rownorm (optional, cos only): m holds raw rows and each row's dot is divided by its norm
 * (a zero norm scores 0), so a mapped matrix serves cosine without a unit-length copy.
 * sq8 (optional): int8 codes that knn_one and knn_batch scan instead of m (see below). */
struct knn_sq8;
struct knn_db {
    const float *m;
    const float *sqnorm;
    const uint16_t *m16;
    const float *rownorm;
    const struct knn_sq8 *sq8;
    float maxnorm;
    size_t n, d;
    int metric;
};

/* int8 search: the codes of the unit-length rows (per-dimension scalar quantization, unit row
 * j ~ vmin[j] + step[j] * code[j]). A query q (as the metric sees it) becomes the 16-bit
 * integer weights round(q[j] step[j] / s) (kernels/i8dot.h), each row's approximate
 * inner product with its unit row is sum_j q[j] vmin[j] + s * (codes . weights), scaled by
 * norm[] for dot and l2; the rerank best of those are rescored in float, from m when the
 * database has it (exact: the answer of the float search whenever the true top k are among
 * the candidates) or else from the decoded rows (which only removes the query's rounding).
 * Scores printed are the rescored ones. */
struct knn_sq8 {
    const uint8_t *codes;   /* n x d */
    const float *vmin, *step; /* d each */
    const float *norm;      /* n: |x|, for dot and l2 */
    size_t rerank;          /* candidates rescored (at least k are) */
};

/* Builds the half-precision copy of m (n x d) for knn_db.m16 (free() it) and the largest
 * row norm. WP_ERANGE if a value does not fit in half precision (|x| > 65504). */
int knn_half_build(const float *m, size_t n, size_t d, uint16_t **out, float *maxnorm);

/* Tuning and threads; knn_opts_default fills sensible values. */
struct knn_opts {
    int threads;       /* workers for batches, >= 1 */
    size_t qblock;     /* query rows per sgemm block */
    size_t dblock;     /* database rows per sgemm block */
};
void knn_opts_default(struct knn_opts *o);

/* Top k of each of nq queries (rows of q, nq x d). excl: nexcl ids per query to skip (KNN_NONE
 * = unused slot), or NULL. out: nq x k hits, best first.
 * mode KNN_COSMUL: q holds 3 rows per query (a, b, c, unit length) and the score of row x is
 * 3CosMul: cos'(x,b) cos'(x,c) / (cos'(x,a) + eps) with cos' = (1 + cos) / 2 (db rows must be
 * unit length). Returns WP_OK, WP_ERANGE (k == 0, bad sizes) or WP_ENOMEM. */
int knn_batch(const struct knn_db *db, const float *q, size_t nq, size_t k, int mode,
              const uint32_t *excl, size_t nexcl, const struct knn_opts *o,
              struct knn_hit *out);

/* Every database row as a query against all rows (out: n x k), excluding the row itself
 * when exclude_self. */
int knn_all(const struct knn_db *db, size_t k, int exclude_self, const struct knn_opts *o,
            struct knn_hit *out);

/* One query with the streaming kernel (rows split over up to threads workers when there are
 * enough of them): scratch must hold db->n floats. */
int knn_one(const struct knn_db *db, const float *q, size_t k, const uint32_t *excl,
            size_t nexcl, int threads, float *scratch, struct knn_hit *out);

/* One query on db->sq8 (knn_one, knn_batch and knn_all go there when db->sq8 is set; their
 * plain mode only: knn_batch's KNN_COSMUL scans the floats). */
int knn_sq8_search(const struct knn_db *db, const float *q, size_t k, const uint32_t *excl,
                   size_t nexcl, struct knn_hit *out);

/* Distance |q - x| from an L2 score and |q|^2. */
float knn_l2_distance(float score, float q_sqnorm);

/* Scalar reference: the same answer computed the slow, obvious way (tests). */
int knn_ref(const struct knn_db *db, const float *q, size_t nq, size_t k, int mode,
            const uint32_t *excl, size_t nexcl, struct knn_hit *out);

#endif
