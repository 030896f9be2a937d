/* test_phrases.c - phrase detection: the two scores against hand-computed values, counting
 * within sentences only, selection, greedy joining, joining across passes, pruning under a
 * memory budget, the phrase table's stream form, and the steps of a run around them
 * (phrase_run.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/phrase_count.h"
#include "text/phrase_run.h"
#include "text/phrase_table.h"

/* words: a sentence as one space-separated string (kept alive by the caller) */
static int
sent_of(struct phrase_sent *s, const char *words)
{
    s->n = 0;
    const char *p = words;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        const char *e = strchr(p, ' ');
        if (e == NULL)
            e = p + strlen(p);
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 16;
            s->tok = realloc(s->tok, s->cap * sizeof *s->tok);
            s->len = realloc(s->len, s->cap * sizeof *s->len);
            if (s->tok == NULL || s->len == NULL)
                return WP_ENOMEM;
        }
        s->tok[s->n] = (const unsigned char *)p;
        s->len[s->n++] = (size_t)(e - p);
        p = e;
    }
    return WP_OK;
}

/* the sentence as one space-separated string in out (size n) */
static const char *
str_of(const struct phrase_sent *s, char *out, size_t n)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->n; i++)
        at += (size_t)snprintf(out + at, n - at, "%s%.*s", i ? " " : "", (int)s->len[i],
                               (const char *)s->tok[i]);
    return out;
}

static int
count_str(struct phrase_counter *c, const char *words)
{
    struct phrase_sent s = {0};
    int rc = sent_of(&s, words);
    if (rc == WP_OK)
        rc = phrase_counter_add(c, s.tok, s.len, s.n);
    phrase_sent_free(&s);
    return rc;
}

static uint64_t
pair(const struct phrase_counter *c, const char *a, const char *b)
{
    return phrase_counter_pair_count(c, a, strlen(a), b, strlen(b));
}

static int
test_scores_by_hand(void)
{
    /* (8 - 5) / (10 * 20) * 1000 = 15 */
    CHECK_NEAR(15.0, phrase_score_w2p(10, 20, 8, 1000, 5), 1e-12);
    /* word2phrase.c's delta is min_count; delta 0 gives 8 / 200 * 1000 = 40 */
    CHECK_NEAR(40.0, phrase_score_w2p(10, 20, 8, 1000, 0), 1e-12);
    CHECK_NEAR(-5.0, phrase_score_w2p(10, 20, 4, 1000, 5), 1e-12); /* may be negative */
    /* p = .01, .02, .008: ln(.008 / .0002) / -ln(.008) = ln 40 / ln 125 */
    CHECK_NEAR(log(40.0) / log(125.0), phrase_score_npmi(10, 20, 8, 1000), 1e-12);
    CHECK_NEAR(0.7640098914067263, phrase_score_npmi(10, 20, 8, 1000), 1e-12);
    /* a pair that always occurs together and whose words never occur alone: npmi 1 */
    CHECK_NEAR(1.0, phrase_score_npmi(7, 7, 7, 1000), 1e-12);
    CHECK(isinf(phrase_score_w2p(0, 20, 8, 1000, 5)));
    CHECK(isinf(phrase_score_npmi(10, 20, 0, 1000)));
    CHECK(isinf(phrase_score_npmi(5, 5, 5, 5))); /* p(ab) = 1: ln 1 = 0 */
    return 0;
}

static int
test_accept_rules(void)
{
    struct phrase_params p = {PHRASE_WORD2PHRASE, 5, 15.0, 5};
    double s = 0;
    CHECK_EQ(0, phrase_accept(&p, 10, 20, 8, 1000, &s)); /* score 15 is not above 15 */
    p.threshold = 14.999;
    CHECK_EQ(1, phrase_accept(&p, 10, 20, 8, 1000, &s));
    CHECK_NEAR(15.0, s, 1e-12);
    CHECK_EQ(0, phrase_accept(&p, 4, 20, 8, 1000, NULL));  /* count(a) below min_count */
    CHECK_EQ(0, phrase_accept(&p, 10, 4, 8, 1000, NULL));  /* count(b) */
    p.threshold = -100;
    CHECK_EQ(0, phrase_accept(&p, 10, 20, 4, 1000, NULL)); /* count(ab) */
    CHECK_EQ(1, phrase_accept(&p, 10, 20, 5, 1000, NULL)); /* score 0 > -100 */
    struct phrase_params n = {PHRASE_NPMI, 5, 0.76, 0};
    CHECK_EQ(1, phrase_accept(&n, 10, 20, 8, 1000, &s));
    CHECK_NEAR(0.7640098914067263, s, 1e-12);
    n.threshold = 0.77;
    CHECK_EQ(0, phrase_accept(&n, 10, 20, 8, 1000, NULL));
    return 0;
}

struct got {
    char s[8][32];
    double score[8];
    int n;
};

static int
collect(void *ctx, const char *a, size_t alen, const char *b, size_t blen, uint64_t count,
        double score)
{
    struct got *g = ctx;
    if (g->n == 8)
        return WP_ERANGE;
    snprintf(g->s[g->n], sizeof g->s[0], "%.*s %.*s %llu", (int)alen, a, (int)blen, b,
             (unsigned long long)count);
    g->score[g->n++] = score;
    return WP_OK;
}

static int
test_count_within_sentences_and_select(void)
{
    struct phrase_counter *c;
    CHECK_EQ(WP_OK, phrase_counter_create(&c, 0));
    CHECK_EQ(WP_OK, count_str(c, "new york is big"));
    CHECK_EQ(WP_OK, count_str(c, "new york new york"));
    CHECK_EQ(WP_OK, count_str(c, "york new"));
    CHECK_EQ(WP_OK, count_str(c, ""));
    CHECK_EQ(10, phrase_counter_tokens(c));
    CHECK_EQ(4, phrase_counter_words(c));
    CHECK_EQ(4, phrase_counter_pairs(c));
    CHECK_EQ(3, pair(c, "new", "york"));
    CHECK_EQ(2, pair(c, "york", "new"));
    CHECK_EQ(1, pair(c, "is", "big"));
    CHECK_EQ(0, pair(c, "big", "new")); /* across sentences: never a pair */
    CHECK_EQ(0, phrase_counter_pruned(c));
    /* min_count 2, delta 2: new york (3 - 2) / 16 * 10 = 0.625, york new 0 */
    struct phrase_params p = {PHRASE_WORD2PHRASE, 2, 0.5, 2};
    struct got g = {0};
    CHECK_EQ(WP_OK, phrase_counter_select(c, &p, collect, &g));
    CHECK_EQ(1, g.n);
    CHECK_STR("new york 3", g.s[0]);
    CHECK_NEAR(0.625, g.score[0], 1e-12);
    /* delta 0, threshold 1: 30 / 16 = 1.875 and 20 / 16 = 1.25 */
    p.delta = 0;
    p.threshold = 1;
    memset(&g, 0, sizeof g);
    CHECK_EQ(WP_OK, phrase_counter_select(c, &p, collect, &g));
    CHECK_EQ(2, g.n);
    phrase_counter_free(c);
    return 0;
}

static int
test_apply_greedy_from_the_left(void)
{
    const struct phrase_params p = {PHRASE_WORD2PHRASE, 1, 0, 0};
    struct phrase_table *t;
    struct phrase_sent in = {0}, out = {0};
    char buf[256];
    CHECK_EQ(WP_OK, phrase_table_create(&t, 1, &p));
    CHECK_EQ(WP_OK, phrase_table_add(t, 0, "york", 4, "new", 3, 2));
    CHECK_EQ(WP_OK, phrase_table_add(t, 0, "new", 3, "york", 4, 3));
    CHECK_EQ(2, phrase_table_size(t, 0));
    CHECK_EQ(WP_OK, sent_of(&in, "york new york new york is"));
    CHECK_EQ(WP_OK, phrase_table_apply(t, 0, &in, &out));
    CHECK_STR("york_new york_new york is", str_of(&out, buf, sizeof buf));
    CHECK_EQ(WP_OK, sent_of(&in, "big new york"));
    CHECK_EQ(WP_OK, phrase_table_apply(t, 0, &in, &out));
    CHECK_STR("big new_york", str_of(&out, buf, sizeof buf));
    CHECK_EQ(WP_OK, sent_of(&in, "new"));
    CHECK_EQ(WP_OK, phrase_table_apply(t, 0, &in, &out));
    CHECK_STR("new", str_of(&out, buf, sizeof buf));
    CHECK_EQ(WP_OK, sent_of(&in, ""));
    CHECK_EQ(WP_OK, phrase_table_apply(t, 0, &in, &out));
    CHECK_EQ(0, out.n);
    CHECK_EQ(WP_ERANGE, phrase_table_apply(t, 1, &in, &out));
    phrase_sent_free(&in);
    phrase_sent_free(&out);
    phrase_table_free(t);
    return 0;
}

/* Two passes learned from counts: pass 2 counts pass 1's output and joins new_york times. */
static int
test_joining_across_passes(void)
{
    static const char *const corpus[] = {
        "the new york times said", "new york times reported", "in new york times square",
        "the new york times", "new york is", "times are hard", "the times of new york times",
    };
    const size_t n = sizeof corpus / sizeof corpus[0];
    const struct phrase_params p = {PHRASE_WORD2PHRASE, 2, 1.0, 2};
    struct phrase_table *t;
    struct phrase_sent s[3] = {{0}};
    char buf[256];
    CHECK_EQ(WP_OK, phrase_table_create(&t, 2, &p));
    for (unsigned k = 0; k < 2; k++) {
        struct phrase_counter *c;
        CHECK_EQ(WP_OK, phrase_counter_create(&c, 0));
        for (size_t i = 0; i < n; i++) {
            CHECK_EQ(WP_OK, sent_of(&s[0], corpus[i]));
            for (unsigned j = 0; j < k; j++)
                CHECK_EQ(WP_OK, phrase_table_apply(t, j, &s[j], &s[j + 1]));
            CHECK_EQ(WP_OK, phrase_counter_add(c, s[k].tok, s[k].len, s[k].n));
        }
        struct got g = {0};
        CHECK_EQ(WP_OK, phrase_counter_select(c, &p, collect, &g));
        for (int i = 0; i < g.n; i++) {
            char a[32], b[32];
            CHECK_EQ(2, sscanf(g.s[i], "%31s %31s", a, b));
            CHECK_EQ(WP_OK, phrase_table_add(t, k, a, strlen(a), b, strlen(b), 1));
        }
        if (k == 0) /* new york: (6 - 2) / (6 * 6) * 30 = 3.33 > 1 */
            CHECK_EQ(30, phrase_counter_tokens(c));
        phrase_counter_free(c);
    }
    CHECK_EQ(WP_OK, phrase_table_sort(t));
    size_t len;
    uint64_t cnt;
    CHECK(phrase_table_size(t, 0) >= 1);
    CHECK_STR("new_york", phrase_table_phrase(t, 0, 0, &len, &cnt));
    CHECK_EQ(WP_OK, sent_of(&s[0], "the new york times said"));
    CHECK_EQ(WP_OK, phrase_table_apply(t, 0, &s[0], &s[1]));
    CHECK_STR("the new_york times said", str_of(&s[1], buf, sizeof buf));
    CHECK_EQ(WP_OK, phrase_table_apply(t, 1, &s[1], &s[2]));
    CHECK_STR("the new_york_times said", str_of(&s[2], buf, sizeof buf));
    for (int i = 0; i < 3; i++)
        phrase_sent_free(&s[i]);
    phrase_table_free(t);
    return 0;
}

/* Under a 64 KiB budget (4096 slots, 2867 pairs at most) a stream of pairs seen once forces
 * pruning; a pair seen in every sentence survives every prune with its exact count. */
static int
test_pruning_under_a_budget(void)
{
    struct phrase_counter *c;
    char s[64];
    CHECK_EQ(WP_ERANGE, phrase_counter_create(&c, 1000));
    CHECK_EQ(WP_OK, phrase_counter_create(&c, 64 * 1024));
    for (int i = 0; i < 20000; i++) {
        snprintf(s, sizeof s, "new york w%d x%d", i, i);
        CHECK_EQ(WP_OK, count_str(c, s));
    }
    CHECK(phrase_counter_pruned(c) >= 1);
    CHECK(phrase_counter_pairs(c) <= 4096 * 7 / 10);
    CHECK_EQ(20000, pair(c, "new", "york"));
    CHECK_EQ(80000, phrase_counter_tokens(c));
    CHECK_EQ(2 + 2 * 20000, phrase_counter_words(c)); /* words are never pruned */
    CHECK(phrase_counter_memory(c) < 64 * 1024 + 4 * 1024 * 1024);
    phrase_counter_free(c);
    /* unbounded: exact */
    CHECK_EQ(WP_OK, phrase_counter_create(&c, 0));
    for (int i = 0; i < 20000; i++) {
        snprintf(s, sizeof s, "new york w%d x%d", i, i);
        CHECK_EQ(WP_OK, count_str(c, s));
    }
    CHECK_EQ(0, phrase_counter_pruned(c));
    CHECK_EQ(1 + 2 * 20000, phrase_counter_pairs(c));
    CHECK_EQ(1, pair(c, "w7", "x7"));
    phrase_counter_free(c);
    return 0;
}

static int
test_table_stream_round_trip(void)
{
    const struct phrase_params p = {PHRASE_NPMI, 3, 0.25, 0};
    struct phrase_table *t, *u;
    struct rec_writer *w;
    struct rec_reader *r;
    struct rec_meta *m = rec_meta_new();
    FILE *fp = tmpfile();
    CHECK(m != NULL && fp != NULL);
    CHECK_EQ(WP_OK, phrase_table_create(&t, 2, &p));
    CHECK_EQ(WP_OK, phrase_table_add(t, 0, "a", 1, "b", 1, 5));
    CHECK_EQ(WP_OK, phrase_table_add(t, 0, "c", 1, "d", 1, 9));
    CHECK_EQ(WP_OK, phrase_table_add(t, 1, "a_b", 3, "e", 1, 4));
    CHECK_EQ(WP_OK, phrase_table_sort(t));
    CHECK_EQ(WP_OK, phrase_table_meta(t, m));
    CHECK_EQ(WP_OK, rec_writer_open(&w, fp, REC_VOCAB, m, 1));
    CHECK_EQ(WP_OK, phrase_table_write(t, w));
    CHECK_EQ(WP_OK, rec_writer_close(w));
    rewind(fp);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    const char *sizes;
    CHECK_EQ(WP_OK, rec_meta_get_str(rec_reader_meta(r), "phrase_pass_sizes", &sizes));
    CHECK_STR("2,1", sizes);
    CHECK_EQ(WP_OK, phrase_table_read(&u, r));
    rec_reader_free(r);
    CHECK_EQ(2, phrase_table_passes(u));
    CHECK_EQ(PHRASE_NPMI, phrase_table_params(u)->scoring);
    CHECK_EQ(3, phrase_table_params(u)->min_count);
    CHECK_NEAR(0.25, phrase_table_params(u)->threshold, 0);
    size_t len;
    uint64_t cnt;
    CHECK_STR("c_d", phrase_table_phrase(u, 0, 0, &len, &cnt));
    CHECK_EQ(9, cnt);
    CHECK_STR("a_b", phrase_table_phrase(u, 0, 1, &len, &cnt));
    CHECK_STR("a_b_e", phrase_table_phrase(u, 1, 0, &len, &cnt));
    phrase_table_free(u);

    /* metadata that does not match the records, and a vocabulary that is no table */
    rewind(fp);
    CHECK_EQ(0, ftruncate(fileno(fp), 0));
    CHECK_EQ(WP_OK, rec_meta_set_str(m, "phrase_pass_sizes", "1,1"));
    CHECK_EQ(WP_OK, rec_writer_open(&w, fp, REC_VOCAB, m, 1));
    CHECK_EQ(WP_OK, phrase_table_write(t, w));
    CHECK_EQ(WP_OK, rec_writer_close(w));
    rewind(fp);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_ECORRUPT, phrase_table_read(&u, r));
    CHECK(u == NULL);
    rec_reader_free(r);
    struct rec_meta *plain = rec_meta_new();
    unsigned passes;
    struct phrase_params q;
    CHECK_EQ(WP_ENOTFOUND, phrase_table_read_meta(plain, &passes, &q));
    CHECK_EQ(WP_OK, rec_meta_set_u64(plain, "phrase_passes", 1));
    CHECK_EQ(WP_ECORRUPT, phrase_table_read_meta(plain, &passes, &q));
    rec_meta_free(plain);
    rec_meta_free(m);
    phrase_table_free(t);
    fclose(fp);
    return 0;
}

/* A pass kept from a counter, a record joined through it, the settings a table's metadata
 * holds checked against those given, and a joined stream's metadata. */
static int
test_run_steps(void)
{
    const struct phrase_params p = {PHRASE_WORD2PHRASE, 2, 1.0, 2};
    struct phrase_table *t;
    struct phrase_counter *c;
    struct phrase_sent in = {0}, s[2] = {{0}};
    char buf[256], why[160];
    CHECK_EQ(WP_OK, phrase_table_create(&t, 1, &p));
    CHECK_EQ(WP_OK, phrase_counter_create(&c, 0));
    for (int i = 0; i < 3; i++)
        CHECK(sent_of(&in, "the new york times") == WP_OK &&
              phrase_counter_add(c, in.tok, in.len, in.n) == WP_OK);
    CHECK(sent_of(&in, "a b c d e f") == WP_OK &&
          phrase_counter_add(c, in.tok, in.len, in.n) == WP_OK);
    CHECK_EQ(WP_OK, phrase_run_keep(t, 0, c));
    CHECK_EQ(3, phrase_table_size(t, 0)); /* the new, new york, york times */
    struct buf rec = {0};
    const struct phrase_sent *out;
    CHECK(sent_of(&in, "in the new york") == WP_OK &&
          rec_tokens_encode(&rec, in.tok, in.len, in.n) == WP_OK);
    CHECK_EQ(WP_OK, phrase_run_join(t, 1, s, rec.p, rec.len, &out));
    CHECK(out == &s[1]);
    CHECK_STR("in the_new york", str_of(out, buf, sizeof buf));
    CHECK_EQ(WP_ECORRUPT, phrase_run_join(t, 1, s, rec.p, rec.len - 1, &out));

    struct rec_meta *m = rec_meta_new(), *tm = rec_meta_new();
    CHECK(m != NULL && tm != NULL);
    CHECK_EQ(WP_OK, phrase_table_meta(t, m));
    struct phrase_settings want = {.p = p, .passes = 1};
    CHECK_EQ(WP_OK, phrase_run_check(m, &want, why, sizeof why));
    want.passes = 2; /* differs, but not given */
    CHECK_EQ(WP_OK, phrase_run_check(m, &want, why, sizeof why));
    want.set_passes = 1;
    CHECK_EQ(WP_EFORMAT, phrase_run_check(m, &want, why, sizeof why));
    CHECK_STR("a table of 1 passes, not --passes 2", why);
    want = (struct phrase_settings){.p = p, .passes = 1, .set_min_count = 1};
    want.p.min_count = 5;
    CHECK_EQ(WP_EFORMAT, phrase_run_check(m, &want, why, sizeof why));
    CHECK_STR("learned with -m 2, not 5", why);
    want = (struct phrase_settings){.p = p, .passes = 1, .set_scoring = 1};
    want.p.scoring = PHRASE_NPMI;
    CHECK_EQ(WP_EFORMAT, phrase_run_check(m, &want, why, sizeof why));
    CHECK_STR("learned with --scoring word2phrase, not npmi", why);
    CHECK_EQ(WP_ENOTFOUND, phrase_run_check(tm, &want, why, sizeof why));

    const char *scoring;
    uint64_t u;
    CHECK_EQ(WP_OK, rec_meta_set_u64(m, "lower", 1));
    CHECK_EQ(WP_OK, phrase_run_tokens_meta(tm, m, t));
    CHECK(rec_meta_get_u64(tm, "lower", &u) == WP_OK && u == 1);
    CHECK(rec_meta_get_u64(tm, "phrase_passes", &u) == WP_OK && u == 1);
    CHECK(rec_meta_get_str(tm, "phrase_scoring", &scoring) == WP_OK);
    CHECK_STR("word2phrase", scoring);
    CHECK(rec_meta_get_u64(tm, "phrase_min_count", &u) == WP_OK && u == 2);
    rec_meta_free(m);
    rec_meta_free(tm);
    buf_free(&rec);
    phrase_sent_free(&in);
    phrase_sent_free(&s[0]);
    phrase_sent_free(&s[1]);
    phrase_counter_free(c);
    phrase_table_free(t);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_scores_by_hand), CHECK_CASE(test_accept_rules),
           CHECK_CASE(test_count_within_sentences_and_select),
           CHECK_CASE(test_apply_greedy_from_the_left), CHECK_CASE(test_joining_across_passes),
           CHECK_CASE(test_pruning_under_a_budget), CHECK_CASE(test_table_stream_round_trip),
           CHECK_CASE(test_run_steps))
