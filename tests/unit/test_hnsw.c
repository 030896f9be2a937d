/* test_hnsw.c - the HNSW index: recall against the exact answer on clustered data, save and
 * load give identical answers, and damaged files are refused with the right status. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "knn/knn.h"
#include "knn/knn_hnsw.h"

enum { N = 3000, D = 16, K = 10, EF = 64 };

static uint64_t st = 12345;

static double
urand(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return (double)(st >> 11) / 9007199254740992.0;
}

/* 60 clusters on the unit sphere, like word vectors rather than uniform noise */
static float *
make_rows(void)
{
    float *c = malloc(60 * D * sizeof *c), *m = malloc(N * D * sizeof *m);
    for (size_t i = 0; i < 60 * D; i++)
        c[i] = (float)(urand() * 2 - 1);
    for (size_t i = 0; i < N; i++) {
        const size_t k = (size_t)(urand() * 60);
        double sq = 0;
        for (size_t j = 0; j < D; j++) {
            m[i * D + j] = c[k * D + j] + (float)(urand() - 0.5);
            sq += (double)m[i * D + j] * m[i * D + j];
        }
        for (size_t j = 0; j < D; j++)
            m[i * D + j] /= (float)sqrt(sq);
    }
    free(c);
    return m;
}

static double
recall(const struct knn_hit *a, const struct knn_hit *exact, size_t n)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t x = 0; x < K; x++)
            for (size_t y = 0; y < K; y++)
                if (a[i * K + x].id == exact[i * K + y].id) {
                    hit++;
                    break;
                }
    return (double)hit / (double)(n * K);
}

static int
test_recall_and_roundtrip(void)
{
    float *m = make_rows();
    const struct knn_db db = {.m = m, .n = N, .d = D, .metric = KNN_COS};
    struct knn_hnsw_params p;
    knn_hnsw_params_default(&p);
    struct knn_hnsw *h;
    CHECK_EQ(WP_OK, knn_hnsw_build(&h, &db, &p));
    struct knn_hit *got = malloc(N * K * sizeof *got), *exact = malloc(N * K * sizeof *exact);
    struct knn_opts o;
    knn_opts_default(&o);
    CHECK_EQ(WP_OK, knn_all(&db, K, 0, &o, exact));
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h, m, N, K, EF, NULL, 0, 2, got));
    const double r = recall(got, exact, N);
    CHECK(r > 0.97);
    /* scores are the exact cosines of the rows found, best first */
    for (size_t i = 0; i < N; i++)
        for (size_t x = 1; x < K; x++)
            CHECK(got[i * K + x - 1].score >= got[i * K + x].score);
    /* save, load: the same answers */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    CHECK_EQ(WP_OK, knn_hnsw_save(h, fp));
    fclose(fp);
    struct knn_hnsw *h2;
    fp = fmemopen(buf, len, "r");
    CHECK_EQ(WP_OK, knn_hnsw_load(&h2, fp, &db));
    fclose(fp);
    struct knn_hit *got2 = malloc(N * K * sizeof *got2);
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h2, m, N, K, EF, NULL, 0, 1, got2));
    CHECK(memcmp(got, got2, N * K * sizeof *got) == 0);
    knn_hnsw_free(h2);
    /* a flipped byte: checksum; a cut: truncated; wrong magic; other vectors */
    buf[len / 2] ^= 0x40;
    fp = fmemopen(buf, len, "r");
    const int rc = knn_hnsw_load(&h2, fp, &db);
    CHECK(rc == WP_ECHECKSUM || rc == WP_ECORRUPT);
    fclose(fp);
    buf[len / 2] ^= 0x40;
    fp = fmemopen(buf, len - 3, "r");
    CHECK_EQ(WP_ETRUNC, knn_hnsw_load(&h2, fp, &db));
    fclose(fp);
    const struct knn_db other = {.m = m, .n = N - 1, .d = D, .metric = KNN_COS};
    fp = fmemopen(buf, len, "r");
    CHECK_EQ(WP_ECORRUPT, knn_hnsw_load(&h2, fp, &other));
    fclose(fp);
    buf[0] = 'X';
    fp = fmemopen(buf, len, "r");
    CHECK_EQ(WP_EMAGIC, knn_hnsw_load(&h2, fp, &db));
    fclose(fp);
    free(buf), free(got), free(got2), free(exact), free(m);
    knn_hnsw_free(h);
    return 0;
}

static int
test_threaded_build(void)
{
    float *m = make_rows();
    const struct knn_db db = {.m = m, .n = N, .d = D, .metric = KNN_COS};
    struct knn_hnsw_params p;
    knn_hnsw_params_default(&p);
    p.threads = 3;
    struct knn_hnsw *h;
    CHECK_EQ(WP_OK, knn_hnsw_build(&h, &db, &p));
    struct knn_hit *got = malloc(N * K * sizeof *got), *exact = malloc(N * K * sizeof *exact);
    struct knn_opts o;
    knn_opts_default(&o);
    CHECK_EQ(WP_OK, knn_all(&db, K, 0, &o, exact));
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h, m, N, K, EF, NULL, 0, 2, got));
    CHECK(recall(got, exact, N) > 0.97);
    /* one thread: the same graph every time */
    p.threads = 1;
    struct knn_hnsw *a, *b;
    CHECK_EQ(WP_OK, knn_hnsw_build(&a, &db, &p));
    CHECK_EQ(WP_OK, knn_hnsw_build(&b, &db, &p));
    char *ba = NULL, *bb = NULL;
    size_t la = 0, lb = 0;
    FILE *fa = open_memstream(&ba, &la), *fb = open_memstream(&bb, &lb);
    CHECK_EQ(WP_OK, knn_hnsw_save(a, fa));
    CHECK_EQ(WP_OK, knn_hnsw_save(b, fb));
    fclose(fa);
    fclose(fb);
    CHECK(la == lb && memcmp(ba, bb, la) == 0);
    free(ba), free(bb), free(got), free(exact), free(m);
    knn_hnsw_free(a), knn_hnsw_free(b), knn_hnsw_free(h);
    return 0;
}

static int
test_exclude_and_small(void)
{
    const float m[] = {1, 0, 0.9f, 0.1f, 0, 1};
    const struct knn_db db = {.m = m, .n = 3, .d = 2, .metric = KNN_DOT};
    struct knn_hnsw_params p;
    knn_hnsw_params_default(&p);
    struct knn_hnsw *h;
    CHECK_EQ(WP_OK, knn_hnsw_build(&h, &db, &p));
    struct knn_hit out[5];
    const uint32_t ex = 0;
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h, m, 1, 5, 10, &ex, 1, 1, out));
    CHECK_EQ(1, out[0].id); /* row 0 itself excluded */
    CHECK_EQ(2, out[1].id);
    CHECK_EQ(KNN_NONE, out[2].id);
    knn_hnsw_free(h);
    p.m = 1;
    CHECK_EQ(WP_ERANGE, knn_hnsw_build(&h, &db, &p));
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_recall_and_roundtrip), CHECK_CASE(test_threaded_build),
           CHECK_CASE(test_exclude_and_small))
