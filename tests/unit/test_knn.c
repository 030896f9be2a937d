/* test_knn.c - every search path (blocked batch, all-pairs, streaming single query, 3CosMul,
 * L2) against the scalar double-precision reference, on random data and on data full of
 * exact ties (where the order must be identical: score, then id). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "knn/knn.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double
urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static float *
random_rows(size_t n, size_t d, int unit, int ties)
{
    float *m = malloc(n * d * sizeof *m);
    for (size_t i = 0; i < n; i++) {
        double sq = 0;
        for (size_t j = 0; j < d; j++) {
            m[i * d + j] = ties ? (float)((int)(urand() * 3) - 1) : (float)(urand() * 2 - 1);
            sq += (double)m[i * d + j] * m[i * d + j];
        }
        if (unit && sq > 0)
            for (size_t j = 0; j < d; j++)
                m[i * d + j] = (float)(m[i * d + j] / sqrt(sq));
    }
    return m;
}

static float *
sqnorms(const float *m, size_t n, size_t d)
{
    float *s = malloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) {
        double t = 0;
        for (size_t j = 0; j < d; j++)
            t += (double)m[i * d + j] * m[i * d + j];
        s[i] = (float)t;
    }
    return s;
}

/* Same answer: equal ids, except where the reference itself has two scores closer than tol
 * (then float rounding may legally swap them); scores within tol. exact: bitwise order. */
static int
same_hits(const struct knn_hit *want, const struct knn_hit *got, size_t nq, size_t k,
          double tol, int exact)
{
    for (size_t i = 0; i < nq * k; i++) {
        const size_t r = i % k;
        if (want[i].id == KNN_NONE || got[i].id == KNN_NONE) {
            CHECK_EQ(want[i].id, got[i].id);
            continue;
        }
        CHECK_NEAR(want[i].score, got[i].score, tol);
        if (want[i].id == got[i].id)
            continue;
        const int close = (r > 0 && fabs(want[i].score - want[i - 1].score) <= 2 * tol) ||
                          (r + 1 < k && fabs(want[i].score - want[i + 1].score) <= 2 * tol);
        if (exact || !close) {
            fprintf(stderr, "query %zu rank %zu: want id %u (%.8f) got %u (%.8f)\n", i / k, r,
                    want[i].id, want[i].score, got[i].id, got[i].score);
            return 1;
        }
    }
    return 0;
}

static int
check_batch(int metric, int ties, int threads, size_t qb, size_t db_)
{
    enum { N = 700, D = 19, NQ = 150, K = 12 };
    float *m = random_rows(N, D, metric == KNN_COS, ties);
    float *q = random_rows(NQ, D, metric == KNN_COS, ties);
    float *sq = sqnorms(m, N, D);
    uint32_t ex[NQ];
    for (size_t i = 0; i < NQ; i++)
        ex[i] = (uint32_t)(i * 3);
    const struct knn_db db = {.m = m, .sqnorm = sq, .n = N, .d = D, .metric = metric};
    struct knn_opts o = {.threads = threads, .qblock = qb, .dblock = db_};
    struct knn_hit *want = malloc(NQ * K * sizeof *want), *got = malloc(NQ * K * sizeof *got);
    CHECK_EQ(WP_OK, knn_ref(&db, q, NQ, K, KNN_PLAIN, ex, 1, want));
    CHECK_EQ(WP_OK, knn_batch(&db, q, NQ, K, KNN_PLAIN, ex, 1, &o, got));
    CHECK_EQ(0, same_hits(want, got, NQ, K, ties ? 0 : 1e-5, ties));
    for (size_t i = 0; i < NQ * K; i++)
        CHECK(got[i].id != ex[i / K]);
    float *scratch = malloc(N * sizeof *scratch);
    for (size_t i = 0; i < NQ; i++)
        CHECK_EQ(WP_OK, knn_one(&db, q + i * D, K, &ex[i], 1, threads, scratch, got + i * K));
    CHECK_EQ(0, same_hits(want, got, NQ, K, ties ? 0 : 1e-5, ties));
    /* the half-precision first pass must not change a single bit of the answer */
    struct knn_db db16 = db;
    uint16_t *m16;
    CHECK_EQ(WP_OK, knn_half_build(m, N, D, &m16, &db16.maxnorm));
    db16.m16 = m16;
    struct knn_hit *got16 = malloc(NQ * K * sizeof *got16);
    for (size_t i = 0; i < NQ; i++)
        CHECK_EQ(WP_OK, knn_one(&db16, q + i * D, K, &ex[i], 1, threads, scratch, got16 + i * K));
    for (size_t i = 0; i < NQ * K; i++) {
        CHECK_EQ(got[i].id, got16[i].id);
        CHECK(got[i].score == got16[i].score || (isinf(got[i].score) && isinf(got16[i].score)));
    }
    free(m), free(q), free(sq), free(want), free(got), free(got16), free(scratch), free(m16);
    return 0;
}

static int
test_batch_cos(void)
{
    CHECK_EQ(0, check_batch(KNN_COS, 0, 1, 1024, 1024));
    CHECK_EQ(0, check_batch(KNN_COS, 0, 3, 16, 100)); /* blocks cut queries and rows */
    return 0;
}

static int
test_batch_dot_l2(void)
{
    CHECK_EQ(0, check_batch(KNN_DOT, 0, 2, 32, 64));
    CHECK_EQ(0, check_batch(KNN_L2, 0, 2, 32, 64));
    return 0;
}

static int
test_ties_deterministic(void)
{
    /* entries in {-1, 0, 1}: every dot is an exact small integer, ties everywhere */
    CHECK_EQ(0, check_batch(KNN_DOT, 1, 1, 7, 33));
    CHECK_EQ(0, check_batch(KNN_DOT, 1, 3, 64, 50));
    CHECK_EQ(0, check_batch(KNN_L2, 1, 2, 5, 128));
    return 0;
}

static int
check_all(int metric, int ties, int exclude, int threads, size_t bs)
{
    enum { N = 530, D = 9, K = 7 };
    float *m = random_rows(N, D, metric == KNN_COS, ties);
    float *sq = sqnorms(m, N, D);
    uint32_t ex[N];
    for (size_t i = 0; i < N; i++)
        ex[i] = (uint32_t)i;
    const struct knn_db db = {.m = m, .sqnorm = sq, .n = N, .d = D, .metric = metric};
    struct knn_opts o = {.threads = threads, .qblock = bs, .dblock = bs};
    struct knn_hit *want = malloc(N * K * sizeof *want), *got = malloc(N * K * sizeof *got);
    CHECK_EQ(WP_OK, knn_ref(&db, m, N, K, KNN_PLAIN, exclude ? ex : NULL, 1, want));
    CHECK_EQ(WP_OK, knn_all(&db, K, exclude, &o, got));
    CHECK_EQ(0, same_hits(want, got, N, K, ties ? 0 : 1e-5, ties));
    free(m), free(sq), free(want), free(got);
    return 0;
}

static int
test_all_pairs(void)
{
    CHECK_EQ(0, check_all(KNN_COS, 0, 1, 1, 1024));
    CHECK_EQ(0, check_all(KNN_COS, 0, 1, 2, 64));
    CHECK_EQ(0, check_all(KNN_COS, 0, 0, 3, 100));
    CHECK_EQ(0, check_all(KNN_DOT, 1, 1, 2, 61)); /* symmetric blocks, exact ties */
    CHECK_EQ(0, check_all(KNN_DOT, 1, 0, 1, 600));
    CHECK_EQ(0, check_all(KNN_L2, 0, 1, 2, 64));
    return 0;
}

static int
test_cosmul(void)
{
    enum { N = 400, D = 16, NQ = 40, K = 5 };
    float *m = random_rows(N, D, 1, 0);
    float *q = malloc(NQ * 3 * D * sizeof *q);
    uint32_t ex[NQ * 3];
    for (size_t i = 0; i < NQ * 3; i++) {
        ex[i] = (uint32_t)(urand() * N);
        memcpy(q + i * D, m + ex[i] * D, D * sizeof *q);
    }
    const struct knn_db db = {.m = m, .n = N, .d = D, .metric = KNN_COS};
    struct knn_opts o = {.threads = 2, .qblock = 8, .dblock = 50};
    struct knn_hit want[NQ * K], got[NQ * K];
    CHECK_EQ(WP_OK, knn_ref(&db, q, NQ, K, KNN_COSMUL, ex, 3, want));
    CHECK_EQ(WP_OK, knn_batch(&db, q, NQ, K, KNN_COSMUL, ex, 3, &o, got));
    CHECK_EQ(0, same_hits(want, got, NQ, K, 1e-4, 0));
    /* hand check of the formula on one pair: cos' products over cos' + eps */
    const float v = ((1 + 0.5f) / 2) * ((1 + 0.0f) / 2) / ((1 - 1.0f) / 2 + KNN_COSMUL_EPS);
    CHECK_NEAR(375.0, v, 1e-3);
    free(m), free(q);
    return 0;
}

static int
test_small_and_errors(void)
{
    const float m[] = {1, 0, 0, 1, 1, 1};
    const struct knn_db db = {.m = m, .n = 3, .d = 2, .metric = KNN_DOT};
    struct knn_opts o;
    knn_opts_default(&o);
    struct knn_hit h[5];
    const float q[] = {1, 0};
    CHECK_EQ(WP_OK, knn_batch(&db, q, 1, 5, KNN_PLAIN, NULL, 0, &o, h));
    /* scores 1 (id 0), 0 (id 1), 1 (id 2): ties broken by id */
    CHECK_EQ(0, h[0].id);
    CHECK_EQ(2, h[1].id);
    CHECK_EQ(1, h[2].id);
    CHECK_EQ(KNN_NONE, h[3].id);
    CHECK_EQ(KNN_NONE, h[4].id);
    CHECK_EQ(WP_ERANGE, knn_batch(&db, q, 1, 0, KNN_PLAIN, NULL, 0, &o, h));
    const struct knn_db l2 = {.m = m, .n = 3, .d = 2, .metric = KNN_L2};
    CHECK_EQ(WP_ERANGE, knn_batch(&l2, q, 1, 1, KNN_PLAIN, NULL, 0, &o, h)); /* no sqnorm */
    CHECK_NEAR(1.0, knn_l2_distance(2.0f * 0 - 1.0f, 0.0f), 1e-6);
    return 0;
}

static int
test_one_threads(void)
{
    /* enough rows for knn_one to split over threads */
    enum { N = 40000, D = 8, K = 10 };
    float *m = random_rows(N, D, 1, 0), *q = random_rows(1, D, 1, 0);
    float *scratch = malloc(N * sizeof *scratch);
    const struct knn_db db = {.m = m, .n = N, .d = D, .metric = KNN_COS};
    struct knn_hit want[K], got[K];
    CHECK_EQ(WP_OK, knn_ref(&db, q, 1, K, KNN_PLAIN, NULL, 0, want));
    CHECK_EQ(WP_OK, knn_one(&db, q, K, NULL, 0, 2, scratch, got));
    CHECK_EQ(0, same_hits(want, got, 1, K, 1e-5, 0));
    /* many near neighbours within the half-precision error: still the exact answer */
    for (size_t i = 0; i < N; i += 2)
        for (size_t j = 0; j < D; j++)
            m[i * D + j] = q[j] + (float)((urand() - 0.5) * 1e-3);
    struct knn_db db16 = db;
    uint16_t *m16;
    struct knn_hit got16[K];
    CHECK_EQ(WP_OK, knn_half_build(m, N, D, &m16, &db16.maxnorm));
    db16.m16 = m16;
    CHECK_EQ(WP_OK, knn_one(&db, q, K, NULL, 0, 1, scratch, got));
    CHECK_EQ(WP_OK, knn_one(&db16, q, K, NULL, 0, 2, scratch, got16));
    for (size_t i = 0; i < K; i++) {
        CHECK_EQ(got[i].id, got16[i].id);
        CHECK(got[i].score == got16[i].score);
    }
    /* values beyond half precision are refused */
    const float big[] = {70000.0f};
    uint16_t *unused = NULL;
    CHECK_EQ(WP_ERANGE, knn_half_build(big, 1, 1, &unused, &db16.maxnorm));
    CHECK(unused == NULL);
    free(m16);
    free(m), free(q), free(scratch);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_batch_cos), CHECK_CASE(test_batch_dot_l2),
           CHECK_CASE(test_ties_deterministic), CHECK_CASE(test_all_pairs),
           CHECK_CASE(test_cosmul), CHECK_CASE(test_small_and_errors),
           CHECK_CASE(test_one_threads))
