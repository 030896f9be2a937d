/* test_hnsw.c - the HNSW index: recall against the exact answer on clustered data, a saved
 * index mapped back gives identical answers, damaged files are refused with the right status,
 * and a modified file opened without its checksum never crashes a search. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/status.h"
#include "knn/knn.h"
#include "knn/knn_hnsw.h"

enum { N = 3000, D = 16, K = 10, EF = 64 };
#define FPR 0x0123456789abcdefULL /* the fingerprint the tests give as the vectors' */

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

/* An index over db with the default parameters, or NULL. */
static struct knn_hnsw *
build(const struct knn_db *db)
{
    struct knn_hnsw_params p;
    knn_hnsw_params_default(&p);
    struct knn_hnsw *h;
    return knn_hnsw_build(&h, db, &p) == WP_OK ? h : NULL;
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
    struct knn_hnsw *h = build(&db);
    CHECK(h != NULL);
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
    /* saved, mapped back: the same answers */
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, knn_hnsw_save(h, FPR, fp));
    const int fd = fileno(fp);
    const long len = ftell(fp);
    CHECK(len > 64 && len % 64 == 0);
    struct knn_hnsw *h2;
    struct w2vfmt_error err = {0};
    CHECK_EQ(WP_OK, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    struct knn_hit *got2 = malloc(N * K * sizeof *got2);
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h2, m, N, K, EF, NULL, 0, 1, got2));
    CHECK(memcmp(got, got2, N * K * sizeof *got) == 0);
    knn_hnsw_free(h2);
    /* a flipped byte in the body: checksum, unless trusted; in the header: corrupt */
    unsigned char c;
    CHECK_EQ(1, pread(fd, &c, 1, len / 2));
    c ^= 0x40;
    CHECK_EQ(1, pwrite(fd, &c, 1, len / 2));
    CHECK_EQ(WP_ECHECKSUM, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    CHECK(strstr(err.msg, "checksum") != NULL);
    CHECK_EQ(WP_OK, knn_hnsw_map(&h2, fd, &db, FPR, KNN_HNSW_TRUST, &err));
    knn_hnsw_free(h2);
    c ^= 0x40;
    CHECK_EQ(1, pwrite(fd, &c, 1, len / 2));
    CHECK_EQ(1, pread(fd, &c, 1, 20));
    c ^= 1;
    CHECK_EQ(1, pwrite(fd, &c, 1, 20));
    CHECK_EQ(WP_ECORRUPT, knn_hnsw_map(&h2, fd, &db, FPR, KNN_HNSW_TRUST, &err));
    c ^= 1;
    CHECK_EQ(1, pwrite(fd, &c, 1, 20));
    /* other vectors: rows, fingerprint */
    const struct knn_db other = {.m = m, .n = N - 1, .d = D, .metric = KNN_COS};
    CHECK_EQ(WP_ECORRUPT, knn_hnsw_map(&h2, fd, &other, FPR, 0, &err));
    CHECK(strstr(err.msg, "3000 rows x 16 (cos)") != NULL);
    CHECK_EQ(WP_EVOCAB, knn_hnsw_map(&h2, fd, &db, FPR + 1, 0, &err));
    /* cut: truncated (also inside the header); longer: corrupt */
    CHECK_EQ(0, ftruncate(fd, len - 3));
    CHECK_EQ(WP_ETRUNC, knn_hnsw_map(&h2, fd, &db, FPR, KNN_HNSW_TRUST, &err));
    CHECK(strstr(err.msg, "truncated") != NULL);
    CHECK_EQ(0, ftruncate(fd, 40));
    CHECK_EQ(WP_ETRUNC, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    CHECK_EQ(0, ftruncate(fd, 0));
    CHECK_EQ(WP_EMAGIC, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    rewind(fp);
    CHECK_EQ(WP_OK, knn_hnsw_save(h, FPR, fp));
    CHECK_EQ(1, pwrite(fd, "", 1, len));
    CHECK_EQ(WP_ECORRUPT, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    CHECK_EQ(8, pwrite(fd, "WPHNSW02", 8, 0));
    CHECK_EQ(WP_EVERSION, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    CHECK_EQ(1, pwrite(fd, "X", 1, 0));
    CHECK_EQ(WP_EMAGIC, knn_hnsw_map(&h2, fd, &db, FPR, 0, &err));
    CHECK_STR("not a knn HNSW index", err.msg);
    fclose(fp);
    free(got), free(got2), free(exact), free(m);
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
    CHECK_EQ(WP_OK, knn_hnsw_save(a, FPR, fa));
    CHECK_EQ(WP_OK, knn_hnsw_save(b, FPR, fb));
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
    struct knn_hnsw *h = build(&db);
    CHECK(h != NULL);
    struct knn_hit out[5];
    const uint32_t ex = 0;
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h, m, 1, 5, 10, &ex, 1, 1, out));
    CHECK_EQ(1, out[0].id); /* row 0 itself excluded */
    CHECK_EQ(2, out[1].id);
    CHECK_EQ(KNN_NONE, out[2].id);
    knn_hnsw_free(h);
    struct knn_hnsw_params p;
    knn_hnsw_params_default(&p);
    p.m = 1;
    CHECK_EQ(WP_ERANGE, knn_hnsw_build(&h, &db, &p));
    return 0;
}

/* Cosine over raw rows divided by their norms (a mapped vector table's rows): the recall of
 * unit rows, and scores that are the cosines. */
static int
test_rownorm(void)
{
    float *m = make_rows(), *raw = malloc(N * D * sizeof *raw), *nrm = malloc(N * sizeof *nrm);
    for (size_t i = 0; i < N; i++) {
        nrm[i] = (float)(1 + i % 7);
        for (size_t j = 0; j < D; j++)
            raw[i * D + j] = m[i * D + j] * nrm[i];
    }
    const struct knn_db unit = {.m = m, .n = N, .d = D, .metric = KNN_COS};
    const struct knn_db db = {.m = raw, .rownorm = nrm, .n = N, .d = D, .metric = KNN_COS};
    struct knn_hnsw *h = build(&db);
    CHECK(h != NULL);
    struct knn_hit *got = malloc(N * K * sizeof *got), *exact = malloc(N * K * sizeof *exact);
    struct knn_opts o;
    knn_opts_default(&o);
    CHECK_EQ(WP_OK, knn_all(&unit, K, 0, &o, exact));
    CHECK_EQ(WP_OK, knn_hnsw_search_batch(h, m, N, K, EF, NULL, 0, 2, got));
    CHECK(recall(got, exact, N) > 0.97);
    for (size_t i = 0; i < N; i += 97) {
        double dot = 0;
        for (size_t j = 0; j < D; j++)
            dot += (double)m[i * D + j] * m[(size_t)got[i * K].id * D + j];
        CHECK_NEAR(dot, got[i * K].score, 1e-5);
    }
    free(got), free(exact), free(m), free(raw), free(nrm);
    knn_hnsw_free(h);
    return 0;
}

/* A body overwritten with garbage and opened without its checksum: searches stay inside the
 * mapping and the rows (run under ASan by make check) and every id they return is a row. */
static int
test_trusted_garbage(void)
{
    float *m = make_rows();
    const struct knn_db db = {.m = m, .n = N, .d = D, .metric = KNN_COS};
    struct knn_hnsw *h = build(&db);
    CHECK(h != NULL);
    struct knn_hit *got = malloc(64 * K * sizeof *got);
    for (int round = 0; round < 4; round++) {
        FILE *fp = tmpfile();
        CHECK_EQ(WP_OK, knn_hnsw_save(h, FPR, fp));
        const long len = ftell(fp);
        unsigned char *b = malloc((size_t)len);
        CHECK_EQ(len, pread(fileno(fp), b, (size_t)len, 0));
        /* round 0: every byte after the header 0xff; else every 7th / 3rd / 2nd byte random */
        for (long i = 64; i < len; i++)
            if (round == 0)
                b[i] = 0xff;
            else if (i % (round == 1 ? 7 : round == 2 ? 3 : 2) == 0)
                b[i] = (unsigned char)(urand() * 256);
        CHECK_EQ(len, pwrite(fileno(fp), b, (size_t)len, 0));
        struct knn_hnsw *g;
        struct w2vfmt_error err;
        CHECK_EQ(WP_OK, knn_hnsw_map(&g, fileno(fp), &db, FPR, KNN_HNSW_TRUST, &err));
        CHECK_EQ(WP_OK, knn_hnsw_search_batch(g, m, 64, K, EF, NULL, 0, 2, got));
        for (size_t i = 0; i < 64 * K; i++)
            CHECK(got[i].id == KNN_NONE || got[i].id < N);
        knn_hnsw_free(g);
        free(b);
        fclose(fp);
    }
    free(got), free(m);
    knn_hnsw_free(h);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_recall_and_roundtrip), CHECK_CASE(test_threaded_build),
           CHECK_CASE(test_exclude_and_small), CHECK_CASE(test_rownorm),
           CHECK_CASE(test_trusted_garbage))
