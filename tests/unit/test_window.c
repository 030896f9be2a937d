/* test_window.c - subsampling keep probabilities against word2vec's formula, the dynamic
 * window's size distribution, sentence edges, and the draw order pairs(1) and w2v-train's
 * token fast path rely on. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "common/rng.h"
#include "text/vocab.h"
#include "text/window.h"

/* Counts 490, 250, 160, 90, 9, 1 (total 1000) under t = 1e-2, so t * total = 10 and
 * keep = (sqrt(c / 10) + 1) * 10 / c: round numbers by hand. */
static const uint64_t test_counts[] = {490, 250, 160, 90, 9, 1};
enum { TEST_NWORDS = 6 };

static int
make_vocab(struct vocab **v)
{
    static const char *const words[] = {"the", "of", "and", "cat", "zebra", "quux"};
    if (vocab_create(v, 16) < 0)
        return -1;
    for (int i = TEST_NWORDS - 1; i >= 0; i--) /* reversed: the sort must restore it */
        if (vocab_add(*v, words[i], strlen(words[i]), test_counts[i]) < 0)
            return -1;
    return vocab_sort_prune(*v, 1, 0);
}

static int
test_keep_probabilities_match_formula(void)
{
    struct vocab *v;
    struct subsampler s;
    CHECK(make_vocab(&v) == 0);
    CHECK_EQ(1000, vocab_total(v));
    CHECK(subsample_init(&s, v, 1e-2) == 0);
    CHECK_EQ(TEST_NWORDS, s.n);
    CHECK_NEAR((7.0 + 1) * 10 / 490, s.keep[0], 1e-7); /* sqrt(49) = 7 */
    CHECK_NEAR(0.24, s.keep[1], 1e-7);                  /* (5 + 1) * 10 / 250 */
    CHECK_NEAR(0.3125, s.keep[2], 1e-7);                /* (4 + 1) * 10 / 160 */
    CHECK_NEAR(4.0 / 9, s.keep[3], 1e-7);               /* (3 + 1) * 10 / 90 */
    CHECK(s.keep[4] == 1.0f);                           /* 10 / 9 * ... > 1: capped */
    CHECK(s.keep[5] == 1.0f);
    subsample_free(&s);
    CHECK(subsample_init(&s, v, 0) == 0); /* 0 turns subsampling off */
    for (uint32_t i = 0; i < s.n; i++)
        CHECK(s.keep[i] == 1.0f);
    subsample_free(&s);
    /* fastText's denominator: f = count / 2000 is f = count / 1000 at twice the threshold */
    struct subsampler t;
    CHECK(subsample_init_total(&s, v, 1e-2, 2000) == 0);
    CHECK(subsample_init(&t, v, 2e-2) == 0);
    for (uint32_t i = 0; i < s.n; i++)
        CHECK(s.keep[i] == t.keep[i]);
    CHECK(s.keep[0] > (7.0 + 1) * 10 / 490); /* a larger total keeps more */
    subsample_free(&s);
    subsample_free(&t);
    CHECK(subsample_init_total(&s, v, 1e-2, 0) == 0); /* 0: the vocabulary's total */
    CHECK_NEAR(0.24, s.keep[1], 1e-7);
    subsample_free(&s);
    vocab_free(v);
    return 0;
}

static int
test_subsample_keeps_at_the_rate_and_draws_only_below_one(void)
{
    struct vocab *v;
    struct subsampler s;
    struct rng r, copy;
    enum { N = 200000 };
    static uint32_t ids[N];
    CHECK(make_vocab(&v) == 0);
    CHECK(subsample_init(&s, v, 1e-2) == 0);
    rng_seed(&r, 7, 0);
    for (size_t i = 0; i < N; i++)
        ids[i] = 1; /* keep 0.24 */
    const size_t kept = subsample_sentence(&s, ids, N, &r);
    CHECK_NEAR(0.24, (double)kept / N, 0.005); /* 5 sigma is about 0.0048 */
    for (size_t i = 0; i < kept; i++)
        CHECK_EQ(1, ids[i]);

    /* words with keep 1 use no draw and stay in order */
    uint32_t rare[] = {4, 5, 4, 5};
    copy = r;
    CHECK_EQ(4, subsample_sentence(&s, rare, 4, &r));
    CHECK(memcmp(&copy, &r, sizeof r) == 0);
    CHECK(rare[0] == 4 && rare[1] == 5 && rare[2] == 4 && rare[3] == 5);

    /* the draw order: one rng_unit per word with keep < 1, left to right, kept when below */
    uint32_t mixed[] = {0, 4, 1, 5, 2, 3, 0, 1};
    uint32_t want[8];
    size_t nwant = 0;
    copy = r;
    for (size_t i = 0; i < 8; i++)
        if (s.keep[mixed[i]] >= 1.0f || rng_unit(&copy) < s.keep[mixed[i]])
            want[nwant++] = mixed[i];
    CHECK_EQ(nwant, subsample_sentence(&s, mixed, 8, &r));
    CHECK(memcmp(want, mixed, nwant * sizeof *want) == 0);
    CHECK(memcmp(&copy, &r, sizeof r) == 0);
    subsample_free(&s);
    vocab_free(v);
    return 0;
}

/* subsample_count: the count and the draws of subsample_sentence, ids untouched;
 * subsample_expected: sum of count x keep. */
static int
test_count_and_expected_match_the_draws(void)
{
    struct vocab *v;
    struct subsampler s;
    struct rng a, b;
    uint32_t ids[64], copy[64];
    CHECK(make_vocab(&v) == 0);
    CHECK(subsample_init(&s, v, 1e-2) == 0);
    rng_seed(&a, 3, 0);
    for (size_t i = 0; i < 64; i++)
        ids[i] = copy[i] = (uint32_t)rng_below(&a, TEST_NWORDS);
    rng_seed(&a, 9, 0);
    b = a;
    for (int round = 0; round < 20; round++) {
        const size_t n = subsample_count(&s, ids, 64, &a);
        CHECK(memcmp(ids, copy, sizeof ids) == 0);
        CHECK_EQ(n, subsample_sentence(&s, copy, 64, &b));
        CHECK(memcmp(&a, &b, sizeof a) == 0);
        memcpy(copy, ids, sizeof ids);
    }
    double want = 0;
    for (int i = 0; i < TEST_NWORDS; i++)
        want += (double)test_counts[i] * s.keep[i];
    CHECK_EQ((uint64_t)(want + 0.5), subsample_expected(&s, v));
    subsample_free(&s);
    vocab_free(v);
    return 0;
}

/* The blocked subsample_sentence against the rule it implements, one word at a time (the
 * scalar reference): the same ids kept and the generator in the same state, for sentences
 * across the block edges, with ids outside the vocabulary (kept, no draw). */
static size_t
subsample_reference(const struct subsampler *s, uint32_t *ids, size_t n, struct rng *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const float keep = ids[i] < s->n ? s->keep[ids[i]] : 1.0f;
        if (keep < 1.0f && !(rng_unit(r) < keep))
            continue;
        ids[kept++] = ids[i];
    }
    return kept;
}

static int
test_subsample_matches_reference(void)
{
    static const size_t lens[] = {0, 1, 2, 255, 256, 257, 511, 512, 513, 1000, 5000};
    enum { MAXN = 5000 };
    static uint32_t ids[MAXN], want[MAXN];
    struct vocab *v;
    struct subsampler s;
    struct rng a, b, gen;
    CHECK(make_vocab(&v) == 0);
    CHECK(subsample_init(&s, v, 1e-2) == 0);
    rng_seed(&gen, 5, 0);
    rng_seed(&a, 11, 0);
    b = a;
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        const size_t n = lens[k];
        for (size_t i = 0; i < n; i++) /* a few ids past the vocabulary */
            ids[i] = want[i] = (uint32_t)rng_below(&gen, TEST_NWORDS + 2);
        const size_t nw = subsample_reference(&s, want, n, &a);
        CHECK_EQ(nw, subsample_sentence(&s, ids, n, &b));
        CHECK(memcmp(ids, want, nw * sizeof *ids) == 0);
        CHECK(memcmp(&a, &b, sizeof a) == 0);
    }
    subsample_free(&s);
    /* an empty table (no vocabulary): every word stays, no draw */
    struct subsampler none = {0};
    for (size_t i = 0; i < 300; i++)
        ids[i] = (uint32_t)i;
    CHECK_EQ(300, subsample_sentence(&none, ids, 300, &b));
    CHECK(memcmp(&a, &b, sizeof a) == 0 && ids[299] == 299);
    vocab_free(v);
    return 0;
}

static int
test_dynamic_window_is_uniform_fixed_is_full(void)
{
    uint32_t ids[30], ctx[20];
    struct rng r, copy;
    const struct window_cfg dyn = {.window = 5, .fixed = 0, .sample = 0};
    const struct window_cfg fix = {.window = 5, .fixed = 1, .sample = 0};
    unsigned hist[6] = {0};
    enum { TRIALS = 50000 };
    for (uint32_t i = 0; i < 30; i++)
        ids[i] = i;
    rng_seed(&r, 1, 0);
    for (int t = 0; t < TRIALS; t++) {
        copy = r;
        const size_t n = window_contexts(&dyn, ids, 30, 15, &r, ctx);
        CHECK(n % 2 == 0 && n >= 2 && n <= 10);
        CHECK_EQ(1 + rng_below(&copy, 5), n / 2); /* exactly one rng_below draw */
        CHECK(memcmp(&copy, &r, sizeof r) == 0);
        for (size_t k = 0; k < n; k++) /* left to right, skipping the center */
            CHECK_EQ(15 - n / 2 + k + (k >= n / 2), ctx[k]);
        hist[n / 2]++;
    }
    for (int b = 1; b <= 5; b++) /* 0.2 each; 5 sigma is about 0.009 */
        CHECK_NEAR(0.2, (double)hist[b] / TRIALS, 0.009);

    copy = r;
    CHECK_EQ(10, window_contexts(&fix, ids, 30, 15, &r, ctx));
    CHECK(memcmp(&copy, &r, sizeof r) == 0); /* fixed: no draw */
    static const uint32_t want[] = {10, 11, 12, 13, 14, 16, 17, 18, 19, 20};
    CHECK(memcmp(want, ctx, sizeof want) == 0);
    return 0;
}

static int
test_window_edges(void)
{
    const uint32_t ids[] = {10, 11, 12, 13};
    uint32_t ctx[8];
    struct rng r;
    const struct window_cfg w2 = {.window = 2, .fixed = 1, .sample = 0};
    const struct window_cfg w9 = {.window = 9, .fixed = 1, .sample = 0};
    rng_seed(&r, 1, 0);
    CHECK_EQ(2, window_contexts(&w2, ids, 4, 0, &r, ctx));
    CHECK(ctx[0] == 11 && ctx[1] == 12);
    CHECK_EQ(3, window_contexts(&w2, ids, 4, 1, &r, ctx));
    CHECK(ctx[0] == 10 && ctx[1] == 12 && ctx[2] == 13);
    CHECK_EQ(3, window_contexts(&w2, ids, 4, 2, &r, ctx));
    CHECK(ctx[0] == 10 && ctx[1] == 11 && ctx[2] == 13);
    CHECK_EQ(2, window_contexts(&w2, ids, 4, 3, &r, ctx));
    CHECK(ctx[0] == 11 && ctx[1] == 12);
    CHECK_EQ(3, window_contexts(&w9, ids, 4, 0, &r, ctx)); /* window wider than the sentence */
    CHECK(ctx[0] == 11 && ctx[1] == 12 && ctx[2] == 13);
    CHECK_EQ(0, window_contexts(&w9, ids, 1, 0, &r, ctx)); /* a one-word sentence */

    /* dynamic window at the edges: never past either end, shrinks only the reach */
    const struct window_cfg d3 = {.window = 3, .fixed = 0, .sample = 0};
    for (int t = 0; t < 1000; t++) {
        const size_t n = window_contexts(&d3, ids, 4, 0, &r, ctx);
        CHECK(n >= 1 && n <= 3);
        for (size_t k = 0; k < n; k++)
            CHECK_EQ(11 + k, ctx[k]);
    }
    return 0;
}

/* window_contexts is window_radius then window_span: the same draws and contexts, which
 * pairs --spans and w2v-train's spans input rely on. */
static int
test_radius_then_span_is_window_contexts(void)
{
    uint32_t ids[12], ctx[24], ctx2[24];
    struct rng r, copy;
    const struct window_cfg cfgs[] = {{.window = 4}, {.window = 3, .fixed = 1}, {.window = 0}};
    for (uint32_t i = 0; i < 12; i++)
        ids[i] = 100 + i;
    rng_seed(&r, 9, 0);
    for (size_t c = 0; c < sizeof cfgs / sizeof *cfgs; c++)
        for (size_t n = 1; n <= 12; n++)
            for (size_t i = 0; i < n; i++) {
                copy = r;
                const size_t k = window_contexts(&cfgs[c], ids, n, i, &r, ctx);
                const size_t b = window_radius(&cfgs[c], &copy);
                CHECK(memcmp(&copy, &r, sizeof r) == 0); /* the same draw, no other */
                CHECK(cfgs[c].window == 0 ? b == 0 : b >= 1 && b <= cfgs[c].window);
                CHECK(!cfgs[c].fixed || b == cfgs[c].window);
                CHECK_EQ(k, window_span(ids, n, i, b, ctx2));
                CHECK(memcmp(ctx, ctx2, k * sizeof *ctx) == 0);
            }
    /* a radius past the sentence lists the whole sentence but i; radius 0 lists nothing */
    CHECK_EQ(11, window_span(ids, 12, 5, 1000, ctx));
    CHECK(ctx[0] == 100 && ctx[4] == 104 && ctx[5] == 106 && ctx[10] == 111);
    CHECK_EQ(0, window_span(ids, 12, 5, 0, ctx));
    /* past the end: no contexts and no draw */
    copy = r;
    CHECK_EQ(0, window_contexts(&cfgs[0], ids, 3, 3, &r, ctx));
    CHECK(memcmp(&copy, &r, sizeof r) == 0);
    return 0;
}

/* The whole per-sentence sequence pairs runs: subsample, then each position's window. */
static size_t
run_sentence(const struct subsampler *s, const struct window_cfg *cfg, struct rng *r,
             uint32_t *out)
{
    uint32_t ids[64], ctx[16];
    size_t o = 0;
    for (uint32_t i = 0; i < 64; i++)
        ids[i] = (i * 7) % TEST_NWORDS;
    const size_t kept = subsample_sentence(s, ids, 64, r);
    for (size_t i = 0; i < kept; i++) {
        const size_t n = window_contexts(cfg, ids, kept, i, r, ctx);
        out[o++] = ids[i];
        out[o++] = (uint32_t)n;
        memcpy(out + o, ctx, n * sizeof *ctx);
        o += n;
    }
    return o;
}

static int
test_same_seed_same_windows(void)
{
    struct vocab *v;
    struct subsampler s;
    struct rng a, b, c;
    static uint32_t oa[64 * 18], ob[64 * 18], oc[64 * 18];
    const struct window_cfg cfg = {.window = 5, .fixed = 0, .sample = 1e-2};
    CHECK(make_vocab(&v) == 0);
    CHECK(subsample_init(&s, v, cfg.sample) == 0);
    rng_seed(&a, 42, 0);
    rng_seed(&b, 42, 0);
    rng_seed(&c, 43, 0);
    for (int sent = 0; sent < 5; sent++) {
        const size_t na = run_sentence(&s, &cfg, &a, oa);
        const size_t nb = run_sentence(&s, &cfg, &b, ob);
        const size_t nc = run_sentence(&s, &cfg, &c, oc);
        CHECK_EQ(na, nb);
        CHECK(memcmp(oa, ob, na * sizeof *oa) == 0);
        CHECK(na != nc || memcmp(oa, oc, na * sizeof *oa) != 0);
    }
    subsample_free(&s);
    vocab_free(v);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_keep_probabilities_match_formula),
           CHECK_CASE(test_subsample_keeps_at_the_rate_and_draws_only_below_one),
           CHECK_CASE(test_count_and_expected_match_the_draws),
           CHECK_CASE(test_subsample_matches_reference),
           CHECK_CASE(test_dynamic_window_is_uniform_fixed_is_full),
           CHECK_CASE(test_window_edges), CHECK_CASE(test_radius_then_span_is_window_contexts),
           CHECK_CASE(test_same_seed_same_windows))
