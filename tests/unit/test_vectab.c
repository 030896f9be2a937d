/* test_vectab.c - vector tables: round trip through vectab_write and a mapped vecset (words,
 * floats, norms, index, fingerprint), every truncation and sampled byte flips refused or
 * harmless, int8 search against exact float search (recall@10 and the exact rerank). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/rng.h"
#include "common/status.h"
#include "knn/knn.h"
#include "vecio/vecfp.h"
#include "vecio/vecset.h"
#include "vecio/vectab.h"

enum { V = 3000, D = 37, NQ = 40, K = 10 };
#define RECALL_MIN 0.99 /* the bar, after rerank from the floats */

static float m[V * D], unit[V * D];
static char *words[V];
static char path[64];

static void
fill(void)
{
    struct rng r;
    rng_seed(&r, 11, 0);
    for (size_t i = 0; i < V; i++) {
        double sq = 0;
        for (size_t j = 0; j < D; j++) { /* clusters, so neighbours are not all ties */
            const float c = (float)((i % 50) * (j + 1) % 7) - 3.0f;
            m[i * D + j] = c + 2.0f * (rng_unit(&r) - 0.5f);
            sq += (double)m[i * D + j] * m[i * D + j];
        }
        for (size_t j = 0; j < D; j++)
            unit[i * D + j] = m[i * D + j] * (float)(1.0 / sqrt(sq));
        char b[32];
        snprintf(b, sizeof b, "w%zu", i);
        words[i] = strdup(b);
    }
}

static int
write_table(unsigned sections)
{
    snprintf(path, sizeof path, "/tmp/test_vectab.%ld", (long)getpid());
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, vectab_write(fp, words, m, unit, V, D, sections));
    CHECK(fclose(fp) == 0);
    return 0;
}

static int
load(struct vecset **s, unsigned flags, struct w2vfmt_error *e)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return WP_EIO;
    const int rc = vecset_load_flags(s, fp, W2VFMT_AUTO, flags, e);
    fclose(fp);
    return rc;
}

static int
test_round_trip(void)
{
    CHECK(write_table(VECTAB_F32 | VECTAB_SQ8) == 0);
    struct vecset *s;
    CHECK_EQ(WP_OK, load(&s, 0, NULL));
    CHECK_EQ(VECSET_TABLE, s->format);
    CHECK_EQ(V, s->v);
    CHECK_EQ(D, s->d);
    CHECK(memcmp(s->m, m, sizeof m) == 0);
    CHECK(((uintptr_t)s->m & 63) == 0 && ((uintptr_t)s->tab->codes & 63) == 0);
    CHECK(s->unit == NULL);
    CHECK(s->tab->fingerprint == vecfp_matrix(m, V, D));
    for (size_t i = 0; i < V; i++) {
        CHECK_STR(words[i], s->words[i]);
        CHECK_EQ(i, vecset_find(s, words[i], strlen(words[i])));
        double sq = 0;
        for (size_t j = 0; j < D; j++)
            sq += (double)m[i * D + j] * m[i * D + j];
        CHECK(s->sqnorm[i] == (float)sq && s->tab->norm[i] == (float)sqrt(sq));
    }
    CHECK_EQ(-1, vecset_find(s, "w", 1));
    CHECK_EQ(-1, vecset_find(s, "w30000", 6));
    float u[D];
    vecset_row(s, 17, 1, u);
    for (size_t j = 0; j < D; j++)
        CHECK(u[j] == unit[17 * D + j]);
    CHECK_EQ(WP_OK, vecset_need_unit(s));
    CHECK(memcmp(s->unit, unit, sizeof unit) == 0);
    vecset_free(s);
    unlink(path);
    return 0;
}

/* The codes decode to within half a step of each unit value. */
static int
test_int8_only(void)
{
    CHECK(write_table(VECTAB_SQ8) == 0);
    struct vecset *s;
    CHECK_EQ(WP_OK, load(&s, 0, NULL));
    CHECK(s->m == NULL && s->tab->codes != NULL);
    CHECK(s->tab->fingerprint == vecfp_matrix(m, V, D)); /* of the floats it came from */
    float u[D];
    for (size_t i = 0; i < V; i += 97) {
        vecset_row(s, i, 1, u);
        for (size_t j = 0; j < D; j++)
            CHECK(fabsf(u[j] - unit[i * D + j]) <= 0.5f * s->tab->sq8_step[j] * 1.001f + 1e-7f);
    }
    CHECK_EQ(WP_OK, vecset_need_floats(s));
    CHECK(s->m != NULL);
    vecset_free(s);
    unlink(path);
    return 0;
}

/* The table's bytes, to write back whole or damaged. */
static unsigned char *
slurp(long *n)
{
    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    *n = ftell(fp);
    rewind(fp);
    unsigned char *b = malloc((size_t)*n);
    if (fread(b, 1, (size_t)*n, fp) != (size_t)*n)
        *n = 0;
    fclose(fp);
    return b;
}

static int
spit(const unsigned char *b, long n)
{
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL && fwrite(b, 1, (size_t)n, fp) == (size_t)n);
    CHECK(fclose(fp) == 0);
    return 0;
}

/* Cut at every 64th byte and near the ends: always refused, never a crash. */
static int
test_truncated(void)
{
    CHECK(write_table(VECTAB_F32 | VECTAB_SQ8) == 0);
    long size;
    unsigned char *b = slurp(&size);
    for (long cut = 1; cut < size; cut += cut < 200 ? 1 : cut > size - 200 ? 1 : 4099) {
        CHECK(spit(b, cut) == 0);
        struct vecset *s;
        struct w2vfmt_error e = {0};
        const int rc = load(&s, VECSET_TRUST, &e);
        CHECK(rc == WP_ETRUNC || (cut < 8 && rc < 0));
    }
    free(b);
    unlink(path);
    return 0;
}

/* One flipped byte anywhere: refused when verified; with VECTAB_TRUST only the header and
 * the words are still checked, and everything else must just load and search. */
static int
test_flipped(void)
{
    CHECK(write_table(VECTAB_F32 | VECTAB_SQ8) == 0);
    long size;
    unsigned char *b = slurp(&size);
    float q[D];
    memcpy(q, unit, sizeof q);
    for (long at = 0; at < size; at += at < 160 ? 1 : at > size - 64 ? 1 : 1021) {
        b[at] ^= 0x10;
        CHECK(spit(b, size) == 0);
        b[at] ^= 0x10;
        struct vecset *s;
        CHECK(load(&s, 0, NULL) < 0);
        if (load(&s, VECSET_TRUST, NULL) == WP_OK) {
            struct knn_hit h[K];
            struct knn_sq8 z = {.codes = s->tab->codes, .vmin = s->tab->sq8_min,
                                .step = s->tab->sq8_step, .norm = s->tab->norm, .rerank = 50};
            struct knn_db db = {.m = s->m, .rownorm = s->tab->norm, .sq8 = &z, .n = V, .d = D};
            CHECK_EQ(WP_OK, knn_sq8_search(&db, q, K, NULL, 0, h));
            for (size_t i = 0; i < V; i += 250)
                vecset_find(s, words[i], strlen(words[i]));
            vecset_free(s);
        }
    }
    free(b);
    unlink(path);
    return 0;
}

/* recall@10 of int8 search (rerank 100) against exact float cosine search. */
static double
recall(const struct vecset *s, size_t rerank, int from_floats)
{
    struct knn_sq8 z = {.codes = s->tab->codes, .vmin = s->tab->sq8_min, .step = s->tab->sq8_step,
                        .norm = s->tab->norm, .rerank = rerank};
    struct knn_db exact = {.m = unit, .n = V, .d = D, .metric = KNN_COS};
    struct knn_db db = {.m = from_floats ? s->m : NULL, .rownorm = s->tab->norm, .sq8 = &z,
                        .n = V, .d = D, .metric = KNN_COS};
    size_t hit = 0;
    for (size_t i = 0; i < NQ; i++) {
        const float *q = unit + (i * 73 % V) * D;
        struct knn_hit a[K], b[K];
        knn_ref(&exact, q, 1, K, KNN_PLAIN, NULL, 0, a);
        knn_sq8_search(&db, q, K, NULL, 0, b);
        for (size_t x = 0; x < K; x++)
            for (size_t y = 0; y < K; y++)
                hit += a[x].id == b[y].id;
    }
    return (double)hit / (NQ * K);
}

static int
test_int8_recall(void)
{
    CHECK(write_table(VECTAB_F32 | VECTAB_SQ8) == 0);
    struct vecset *s;
    CHECK_EQ(WP_OK, load(&s, 0, NULL));
    const double r_float = recall(s, 100, 1), r_decoded = recall(s, 100, 0);
    printf("int8 recall@10 (%d x %d, rerank 100): %.4f from floats, %.4f from decoded rows\n",
           V, D, r_float, r_decoded);
    CHECK(r_float >= RECALL_MIN);
    CHECK_NEAR(1.0, recall(s, V, 1), 0.0); /* every row rescored: the exact answer */
    vecset_free(s);
    unlink(path);
    return 0;
}

/* The blocked path (knn_batch / knn_all on int8: many queries against the packed codes) gives
 * the hits of one query at a time (knn_sq8_search), bit for bit, for every metric, with and
 * without the floats, with 1 and 3 threads; knn_all excludes each row itself. */
static int
test_int8_many_is_one(void)
{
    CHECK(write_table(VECTAB_F32 | VECTAB_SQ8) == 0);
    struct vecset *s;
    CHECK_EQ(WP_OK, load(&s, 0, NULL));
    static float sqn[V];
    for (size_t i = 0; i < V; i++)
        sqn[i] = s->tab->norm[i] * s->tab->norm[i];
    const size_t nq = 70; /* a full block of 64 and a short one */
    static struct knn_hit one[70 * K], many[70 * K], all[V * K];
    for (int metric = KNN_COS; metric <= KNN_L2; metric++)
        for (int from_floats = 0; from_floats <= 1; from_floats++)
            for (size_t rerank = 10; rerank <= 300; rerank += 290) {
                struct knn_sq8 z = {.codes = s->tab->codes, .vmin = s->tab->sq8_min,
                                    .step = s->tab->sq8_step, .norm = s->tab->norm,
                                    .rerank = rerank};
                struct knn_db db = {.m = from_floats ? (metric == KNN_COS ? s->m : m) : NULL,
                                    .rownorm = metric == KNN_COS ? s->tab->norm : NULL,
                                    .sqnorm = sqn, .sq8 = &z, .n = V, .d = D, .metric = metric};
                const float *q = metric == KNN_COS ? unit : m;
                for (size_t i = 0; i < nq; i++)
                    CHECK_EQ(WP_OK, knn_sq8_search(&db, q + (i * 37 % V) * D, K, NULL, 0,
                                                   one + i * K));
                static float qs[70 * D];
                for (size_t i = 0; i < nq; i++)
                    memcpy(qs + i * D, q + (i * 37 % V) * D, D * sizeof *qs);
                for (int threads = 1; threads <= 3; threads += 2) {
                    struct knn_opts o;
                    knn_opts_default(&o);
                    o.threads = threads;
                    CHECK_EQ(WP_OK, knn_batch(&db, qs, nq, K, KNN_PLAIN, NULL, 0, &o, many));
                    for (size_t i = 0; i < nq * K; i++) {
                        CHECK_EQ(one[i].id, many[i].id);
                        CHECK(memcmp(&one[i].score, &many[i].score, sizeof(float)) == 0);
                    }
                }
                if (metric != KNN_COS || rerank != 10)
                    continue;
                struct knn_opts o;
                knn_opts_default(&o);
                o.threads = 2;
                CHECK_EQ(WP_OK, knn_all(&db, K, 1, &o, all));
                for (size_t i = 0; i < V; i += 97) {
                    struct knn_hit h[K];
                    const uint32_t self = (uint32_t)i;
                    const float *qi = from_floats ? unit + i * D : NULL;
                    float dec[D];
                    if (qi == NULL) { /* the decoded row, as knn_all queries it */
                        for (size_t t = 0; t < D; t++)
                            dec[t] = z.vmin[t] + z.step[t] * (float)z.codes[i * D + t];
                        qi = dec;
                    }
                    CHECK_EQ(WP_OK, knn_sq8_search(&db, qi, K, &self, 1, h));
                    for (size_t x = 0; x < K; x++) {
                        CHECK(all[i * K + x].id != self);
                        CHECK_EQ(h[x].id, all[i * K + x].id);
                    }
                }
            }
    vecset_free(s);
    unlink(path);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_round_trip), CHECK_CASE(test_int8_only), CHECK_CASE(test_truncated),
        CHECK_CASE(test_flipped), CHECK_CASE(test_int8_recall),
        CHECK_CASE(test_int8_many_is_one)};
    fill();
    const int rc = check_run(cases, sizeof cases / sizeof *cases);
    for (size_t i = 0; i < V; i++)
        free(words[i]);
    return rc;
}
