/* test_sampling.c - the alias table against count^power / sum, exactly and by drawing. */
#undef NDEBUG
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/status.h"
#include "w2v/sampling.h"

#define PROB_TOL 1e-8 /* table probabilities: 32-bit thresholds */
enum { DRAWS = 2000000 };

static int
check_probs(const uint64_t *counts, uint32_t n, double power)
{
    struct samp_table t;
    CHECK_EQ(WP_OK, samp_init(&t, counts, n, power));
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += counts[i] ? pow((double)counts[i], power) : 0;
    double total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const double want = counts[i] ? pow((double)counts[i], power) / sum : 0;
        CHECK_NEAR(want, samp_prob(&t, i), PROB_TOL);
        total += samp_prob(&t, i);
    }
    CHECK_NEAR(1.0, total, PROB_TOL);
    samp_free(&t);
    return 0;
}

static int
test_table_matches_formula(void)
{
    const uint64_t c1[] = {1000, 300, 300, 20, 7, 1, 0, 1};
    CHECK(check_probs(c1, 8, 0.75) == 0);
    CHECK(check_probs(c1, 8, 1.0) == 0);
    CHECK(check_probs(c1, 8, 0.0) == 0); /* uniform over the non-zero counts */
    const uint64_t c2[] = {5};
    CHECK(check_probs(c2, 1, 0.75) == 0);
    uint64_t c3[1000];
    for (int i = 0; i < 1000; i++)
        c3[i] = 1000000 / (uint64_t)(i + 1); /* Zipf */
    CHECK(check_probs(c3, 1000, 0.75) == 0);
    return 0;
}

static int
test_draw_frequencies(void)
{
    const uint64_t counts[] = {1000, 300, 300, 20, 7, 1, 0, 1};
    enum { N = 8 };
    struct samp_table t;
    CHECK_EQ(WP_OK, samp_init(&t, counts, N, 0.75));
    struct rng r;
    rng_seed(&r, 42, 0);
    uint64_t hits[N] = {0};
    for (int i = 0; i < DRAWS; i++) {
        const uint32_t w = samp_draw(&t, &r);
        CHECK(w < N);
        hits[w]++;
    }
    CHECK_EQ(0, hits[6]); /* count 0: never drawn */
    for (int i = 0; i < N; i++) {
        const double p = samp_prob(&t, (uint32_t)i), sd = sqrt(DRAWS * p * (1 - p));
        CHECK_NEAR(DRAWS * p, (double)hits[i], 5 * sd + 1); /* 5 sigma */
    }
    samp_free(&t);
    return 0;
}

static int
test_rejects_empty(void)
{
    struct samp_table t;
    const uint64_t zeros[] = {0, 0};
    CHECK_EQ(WP_ERANGE, samp_init(&t, zeros, 0, 0.75));
    CHECK_EQ(WP_ERANGE, samp_init(&t, zeros, 2, 0.75));
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_table_matches_formula), CHECK_CASE(test_draw_frequencies),
           CHECK_CASE(test_rejects_empty))
