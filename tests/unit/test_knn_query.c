/* test_knn_query.c - knn(1)'s pieces in lib/knn: word queries searched one by one and in
 * batches alike, looked up, and every row at once (knn_query); the database over a set; query
 * vectors in batches (knn_qvecs); --map's lookup and projection (knn_map); one analogy
 * question at a time (analogy_ask) and the section sums of an evaluation (analogy); stdin's
 * query lines (knn_lines); an index file that is not there (knn_hnsw_open). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/status.h"
#include "knn/analogy.h"
#include "knn/analogy_ask.h"
#include "knn/knn.h"
#include "knn/knn_hnsw.h"
#include "knn/knn_lines.h"
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

/* A word looked up: its row, or nothing (no fastText model here to give n-grams). */
static int
test_lookup_and_db(void)
{
    struct vecset *s = load();
    CHECK(s != NULL);
    struct knn_queries q;
    CHECK_EQ(WP_OK, knn_queries_init(&q, s, KNN_COS));
    uint32_t id = 99;
    CHECK_EQ(KNN_QUERY_ROW, knn_queries_lookup(&q, "king", &id));
    CHECK_EQ(2, id);
    CHECK_EQ(0, knn_queries_lookup(&q, "kingdom", &id));
    knn_queries_free(&q);
    /* a set of floats: unit rows for cos, raw for dot, the first n rows, no int8 codes even
     * when asked (there are none) */
    struct knn_db db;
    struct knn_sq8 sq8 = {0};
    knn_db_of_set(&db, &sq8, s, KNN_COS, 4, 1, 100);
    CHECK(db.m == s->unit && db.n == 4 && db.d == 3 && db.sq8 == NULL && db.rownorm == NULL);
    knn_db_of_set(&db, &sq8, s, KNN_DOT, s->v, 0, 100);
    CHECK(db.m == s->m && db.sqnorm == s->sqnorm && db.n == s->v && db.metric == KNN_DOT);
    vecset_free(s);
    return 0;
}

/* --all: every row against all, the same hits as the rows asked as a batch. */
static int
test_search_all(void)
{
    struct vecset *s = load();
    CHECK(s != NULL);
    struct knn_queries q;
    CHECK_EQ(WP_OK, knn_queries_init(&q, s, KNN_L2));
    struct knn_db db;
    struct knn_sq8 sq8;
    knn_db_of_set(&db, &sq8, s, KNN_L2, s->v, 0, 0);
    struct knn_opts ko;
    knn_opts_default(&ko);
    ko.threads = 2;
    const struct knn_query_cfg cfg = {.k = 4, .exclude = 1, .knn = &ko};
    struct knn_hit all[10 * 4], each[10 * 4];
    uint32_t ids[10];
    float scratch[10];
    for (uint32_t i = 0; i < 10; i++)
        ids[i] = i;
    CHECK_EQ(WP_OK, knn_queries_search_all(&q, &db, NULL, &cfg, scratch, all));
    CHECK_EQ(WP_OK, knn_queries_search(&q, &db, NULL, &cfg, ids, 10, scratch, each));
    for (size_t i = 0; i < 10 * 4; i++) {
        CHECK_EQ(each[i].id, all[i].id);
        CHECK_NEAR(each[i].score, all[i].score, 1e-5);
    }
    CHECK(all[0].id != 0);   /* its own row excluded */
    knn_queries_free(&q);
    vecset_free(s);
    return 0;
}

/* Query vectors: scaled for cos as the set scales its rows, labelled, in batches of cap. */
static int
test_qvecs(void)
{
    struct vecset *s = load();
    CHECK(s != NULL);
    struct knn_qvecs b;
    CHECK_EQ(WP_OK, knn_qvecs_init(&b, s->d, 3, KNN_COS));
    for (size_t i = 0; i < 3; i++) {
        memcpy(knn_qvecs_slot(&b), s->m + i * s->d, s->d * sizeof(float));
        CHECK_EQ(i == 2, knn_qvecs_push(&b, s->words[i], strlen(s->words[i])));
    }
    CHECK_EQ(3, b.n);
    CHECK(memcmp(b.q, s->unit, 3 * s->d * sizeof(float)) == 0);
    CHECK_STR("woman", b.labels[1]);
    CHECK_NEAR(1.0, b.sq[1], 1e-6);
    struct knn_db db;
    struct knn_sq8 sq8;
    knn_db_of_set(&db, &sq8, s, KNN_COS, s->v, 0, 0);
    struct knn_opts ko;
    knn_opts_default(&ko);
    struct knn_hit h[3 * 2], want[3 * 2];
    CHECK_EQ(WP_OK, knn_qvecs_search(&b, &db, 2, &ko, h));
    CHECK_EQ(WP_OK, knn_batch(&db, s->unit, 3, 2, KNN_PLAIN, NULL, 0, &ko, want));
    for (size_t i = 0; i < 6; i++)
        CHECK(h[i].id == want[i].id && h[i].score == want[i].score);
    CHECK_EQ(0, h[0].id);    /* each finds itself first */
    knn_qvecs_clear(&b);
    CHECK_EQ(0, b.n);
    /* dot: kept as given, |x|^2 of the raw row */
    knn_qvecs_free(&b);
    CHECK_EQ(WP_OK, knn_qvecs_init(&b, s->d, 4, KNN_DOT));
    memcpy(knn_qvecs_slot(&b), s->m + 3 * s->d, s->d * sizeof(float));
    CHECK_EQ(0, knn_qvecs_push(&b, "q", 1));
    CHECK(memcmp(b.q, s->m + 3 * s->d, s->d * sizeof(float)) == 0);
    CHECK_NEAR(3.0, b.sq[0], 1e-6);
    knn_qvecs_free(&b);
    vecset_free(s);
    return 0;
}

/* The semantic and syntactic sums of an analogy result's sections. */
static int
test_analogy_groups(void)
{
    struct analogy_section sec[3] = {{.name = "capital", .correct = 3, .seen = 5, .skipped = 1},
                                     {.name = "gram1", .correct = 2, .seen = 4, .syntactic = 1},
                                     {.name = "family", .correct = 1, .seen = 2, .skipped = 2}};
    const struct analogy_result res = {.sec = sec, .nsec = 3};
    struct analogy_section g;
    analogy_result_group(&res, 0, &g);
    CHECK(g.correct == 4 && g.seen == 7 && g.skipped == 3 && g.syntactic == 0);
    analogy_result_group(&res, 1, &g);
    CHECK(g.correct == 2 && g.seen == 4 && g.skipped == 0 && g.syntactic == 1);
    return 0;
}

/* Lines through a pipe: whole lines only, the first word of each, a last line without its
 * newline, the first line of several words flagged once. */
static int
test_lines(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    const char in1[] = "  king\n\nqueen man\nwo", in2[] = "man\r\na b\nlast";
    CHECK(write(fds[1], in1, sizeof in1 - 1) == (ssize_t)(sizeof in1 - 1));
    struct knn_lines l;
    CHECK_EQ(WP_OK, knn_lines_init(&l));
    int multi;
    CHECK_EQ(1, knn_lines_fill(&l, fds[0]));
    CHECK_STR("king", knn_lines_next(&l, &multi));
    CHECK_EQ(0, multi);
    CHECK_STR("", knn_lines_next(&l, &multi));
    CHECK_STR("queen", knn_lines_next(&l, &multi));
    CHECK_EQ(1, multi);
    CHECK(knn_lines_next(&l, &multi) == NULL); /* "wo" waits for its newline */
    CHECK(write(fds[1], in2, sizeof in2 - 1) == (ssize_t)(sizeof in2 - 1));
    close(fds[1]);
    CHECK_EQ(1, knn_lines_fill(&l, fds[0]));
    CHECK_STR("woman", knn_lines_next(&l, &multi));
    CHECK_STR("a", knn_lines_next(&l, &multi));
    CHECK_EQ(0, multi); /* flagged on the first such line only */
    CHECK(knn_lines_next(&l, &multi) == NULL);
    CHECK_EQ(0, knn_lines_fill(&l, fds[0]));
    CHECK_STR("last", knn_lines_next(&l, &multi));
    CHECK(knn_lines_next(&l, &multi) == NULL);
    CHECK_EQ(6, l.lineno);
    CHECK_EQ(2, l.multi);
    CHECK_EQ(3, l.first_multi);
    knn_lines_free(&l);
    close(fds[0]);
    return 0;
}

/* --map's words file, a question line's words, an index file that is not there. */
static int
test_words_and_files(void)
{
    static const char words[] = "king queen\n\n  man\twoman \n";
    FILE *fp = fmemopen((void *)words, sizeof words - 1, "r");
    char **w;
    size_t n;
    CHECK_EQ(WP_OK, knn_map_read_words(fp, &w, &n));
    fclose(fp);
    CHECK_EQ(4, n);
    CHECK_STR("king", w[0]);
    CHECK_STR("woman", w[3]);
    knn_map_words_free(w, n);
    char line[] = " a  b\tc d e\n", *q[4];
    CHECK_EQ(4, analogy_ask_split(line, q));
    CHECK_STR("b", q[1]);
    CHECK_STR("d", q[3]);
    char blank[] = " \r\n";
    CHECK_EQ(0, analogy_ask_split(blank, q));
    struct knn_hnsw *h = NULL;
    struct knn_db db = {0};
    CHECK_EQ(WP_ENOTFOUND, knn_hnsw_open(&h, "/nonexistent/index.hnsw", &db, 0, 0, NULL));
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_batch_same_as_one_by_one), CHECK_CASE(test_map),
           CHECK_CASE(test_lines), CHECK_CASE(test_words_and_files),
           CHECK_CASE(test_analogy), CHECK_CASE(test_lookup_and_db), CHECK_CASE(test_search_all),
           CHECK_CASE(test_qvecs), CHECK_CASE(test_analogy_groups))
