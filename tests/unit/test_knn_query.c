/* test_knn_query.c - knn(1)'s pieces in lib/knn: word queries searched one by one and in
 * batches alike (knn_query), --map's lookup and projection (knn_map), one analogy question
 * at a time (analogy_ask). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "knn/analogy.h"
#include "knn/analogy_ask.h"
#include "knn/knn.h"
#include "knn/knn_map.h"
#include "knn/knn_query.h"
#include "vecio/vecset.h"

/* woman - man + king ~ queen in 3 dimensions, plus rows that are not close to anything. */
static const char text[] = "10 3\n"
                           "man 1 0 0.1\nwoman 1 1 0.1\nking 1 0 1\nqueen 1 1 1\n"
                           "a -1 0.2 0\nb 0.3 -1 0\nc 0 0.1 -1\nd -0.5 -0.5 0.5\n"
                           "e 0.2 0.9 -0.4\nf -0.9 -0.1 -0.2\n";

static struct vecset *
load(void)
{
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
    struct vecset *s = NULL;
    if (vecset_load(&s, fp, W2VFMT_AUTO, NULL) < 0)
        s = NULL;
    fclose(fp);
    return s;
}

static int
test_batch_same_as_one_by_one(void)
{
    struct vecset *s = load();
    CHECK(s != NULL);
    struct knn_queries q;
    CHECK_EQ(WP_OK, knn_queries_init(&q, s, KNN_COS));
    struct knn_db db = {.m = s->unit, .sqnorm = s->sqnorm, .n = s->v, .d = s->d,
                        .metric = KNN_COS};
    struct knn_opts ko;
    knn_opts_default(&ko);
    ko.threads = 1;
    uint32_t ids[KNN_QUERY_BATCH_MIN];
    for (uint32_t i = 0; i < KNN_QUERY_BATCH_MIN; i++)
        ids[i] = i;
    struct knn_query_cfg one = {.k = 3, .exclude = 1, .single = 1, .knn = &ko}, many = one;
    many.single = 0;
    struct knn_hit h1[3 * KNN_QUERY_BATCH_MIN], h2[3 * KNN_QUERY_BATCH_MIN];
    float scratch[10];
    CHECK_EQ(WP_OK, knn_queries_search(&q, &db, NULL, &one, ids, KNN_QUERY_BATCH_MIN, scratch, h1));
    CHECK_EQ(WP_OK, knn_queries_search(&q, &db, NULL, &many, ids, KNN_QUERY_BATCH_MIN, scratch, h2));
    for (size_t i = 0; i < 3 * KNN_QUERY_BATCH_MIN; i++) {
        CHECK_EQ(h1[i].id, h2[i].id);
        CHECK_NEAR(h1[i].score, h2[i].score, 1e-5);
    }
    for (uint32_t i = 0; i < KNN_QUERY_BATCH_MIN; i++)
        CHECK(h1[3 * i].id != i); /* its own row excluded */
    CHECK_STR("king", knn_queries_word(&q, 2));
    CHECK_NEAR(2.0, knn_queries_sqnorm(&q, 2), 1e-6);
    uint32_t id;
    CHECK_EQ(0, knn_queries_add_ngrams(&q, "nosuchword", &id)); /* no model: no n-grams */
    knn_queries_free(&q);
    vecset_free(s);
    return 0;
}

static int
test_map(void)
{
    struct vecset *s = load();
    CHECK(s != NULL);
    char *words[] = {"king", "zzz", "queen", "king", "man", "woman"};
    struct knn_map mp;
    CHECK_EQ(WP_OK, knn_map_lookup(&mp, s, KNN_DOT, words, 6));
    CHECK_EQ(4, mp.n);
    CHECK_EQ(1, mp.dups);
    CHECK_EQ(1, mp.nmissing);
    CHECK_EQ(1, mp.missing[0]);
    CHECK_EQ(2, mp.ids[0]);
    CHECK_EQ(3, mp.ids[1]);
    CHECK_EQ(WP_OK, knn_map_project(&mp));
    /* the four rows are a square of side 1 in the plane x = 1 (z offset 0.1..1): the two
     * axes hold all of the variance */
    CHECK_NEAR(knn_map_total_variance(&mp), mp.var[0] + mp.var[1], 1e-6);
    knn_map_free(&mp);
    vecset_free(s);
    return 0;
}

static int
test_analogy(void)
{
    struct vecset *s = load();
    CHECK(s != NULL);
    struct knn_opts ko;
    knn_opts_default(&ko);
    ko.threads = 1;
    for (int method = ANALOGY_ADD; method <= ANALOGY_MUL; method++) {
        struct analogy_ask a;
        struct knn_hit h[2];
        int in[3];
        const char *const w[3] = {"man", "woman", "king"}, *const bad[3] = {"man", "x", "king"};
        CHECK_EQ(WP_OK, analogy_ask_init(&a, s, method, s->v, 2, &ko));
        CHECK_EQ(WP_OK, analogy_ask_words(&a, bad, in));
        CHECK(in[0] == 1 && in[1] == -1 && in[2] == 1);
        CHECK_EQ(WP_OK, analogy_ask_words(&a, w, in));
        CHECK(in[0] == 1 && in[1] == 1 && in[2] == 1);
        CHECK_EQ(WP_OK, analogy_ask_search(&a, h));
        if (method == ANALOGY_ADD) {
            CHECK_STR("queen", s->words[h[0].id]);
        } else { /* 3CosMul favours a row opposite to a: as knn_batch scores it directly */
            float q[9];
            struct knn_hit want[2];
            const uint32_t ex[3] = {0, 1, 2};
            const struct knn_db db = {.m = s->unit, .n = s->v, .d = s->d, .metric = KNN_COS};
            analogy_query(s, ANALOGY_MUL, 0, 1, 2, q);
            CHECK_EQ(WP_OK, knn_batch(&db, q, 1, 2, KNN_COSMUL, ex, 3, &ko, want));
            CHECK(h[0].id == want[0].id && h[1].id == want[1].id);
            CHECK_NEAR(want[0].score, h[0].score, 0);
        }
        analogy_ask_free(&a);
    }
    vecset_free(s);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_batch_same_as_one_by_one), CHECK_CASE(test_map),
           CHECK_CASE(test_analogy))
