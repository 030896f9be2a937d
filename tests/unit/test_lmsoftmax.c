/* test_lmsoftmax.c - full and sampled softmax against scalar double-precision references
 * and finite differences, and the log-uniform sampler against its distribution. */
#undef NDEBUG
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/rng.h"
#include "lm/lmsoftmax.h"

static void
fill(float *x, size_t n, uint32_t seed, float amp)
{
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = amp * (float)((int32_t)(s >> 8) % 2001 - 1000) / 1000.0f;
    }
}

/* Reference: the summed loss over non-skipped rows; if dH, the exact gradients of
 * scale * loss ADDED in double. bias2 (may be NULL) is added to the logits as a
 * per-class offset (used for the sampled-softmax equivalence). */
static double
ref_full(const float *W, const float *b, const double *bias2, size_t V, size_t d,
         const float *H, const uint32_t *tgt, size_t n, double scale, double *dH, double *dW,
         double *db)
{
    double loss = 0.0;
    double *z = malloc(V * sizeof *z);
    for (size_t i = 0; i < n; i++) {
        if (tgt[i] == LMSOFTMAX_SKIP)
            continue;
        double mx = -INFINITY, sum = 0.0;
        for (size_t c = 0; c < V; c++) {
            double s = b[c] + (bias2 != NULL ? bias2[c] : 0.0);
            for (size_t k = 0; k < d; k++)
                s += (double)H[i * d + k] * W[c * d + k];
            z[c] = s;
            mx = s > mx ? s : mx;
        }
        for (size_t c = 0; c < V; c++)
            sum += exp(z[c] - mx);
        loss += log(sum) + mx - z[tgt[i]];
        if (dH == NULL)
            continue;
        for (size_t c = 0; c < V; c++) {
            const double g = scale * (exp(z[c] - mx) / sum - (c == tgt[i]));
            db[c] += g;
            for (size_t k = 0; k < d; k++) {
                dH[i * d + k] += g * W[c * d + k];
                dW[c * d + k] += g * H[i * d + k];
            }
        }
    }
    free(z);
    return loss;
}

/* max |a - b| relative to max |b|, a float, b double */
static double
max_err(const float *a, const double *b, size_t n)
{
    double e = 0.0, m = DBL_MIN;
    for (size_t i = 0; i < n; i++) {
        e = fabs(a[i] - b[i]) > e ? fabs(a[i] - b[i]) : e;
        m = fabs(b[i]) > m ? fabs(b[i]) : m;
    }
    return e / m;
}

/* Full softmax of n rows against ref_full: loss, and gradients added onto non-zero
 * initial values. */
static int
check_full_vs_ref(size_t V, size_t d, size_t n, float scale, uint32_t seed)
{
    float *W = malloc(V * d * sizeof *W), *b = malloc(V * sizeof *b);
    float *H = malloc(n * d * sizeof *H), *dH = malloc(n * d * sizeof *dH);
    float *dW = malloc(V * d * sizeof *dW), *db = malloc(V * sizeof *db);
    double *rH = malloc(n * d * sizeof *rH), *rW = malloc(V * d * sizeof *rW);
    double *rb = malloc(V * sizeof *rb);
    uint32_t *tgt = malloc(n * sizeof *tgt);
    float *work = malloc((lmsoftmax_full_work(V, n) + 1) * sizeof *work);
    fill(W, V * d, seed, 1.0f);
    fill(b, V, seed + 1, 0.5f);
    fill(H, n * d, seed + 2, 1.0f);
    fill(dH, n * d, seed + 3, 0.1f);
    fill(dW, V * d, seed + 4, 0.1f);
    fill(db, V, seed + 5, 0.1f);
    for (size_t i = 0; i < n * d; i++)
        rH[i] = dH[i];
    for (size_t i = 0; i < V * d; i++)
        rW[i] = dW[i];
    for (size_t i = 0; i < V; i++)
        rb[i] = db[i];
    for (size_t i = 0; i < n; i++)
        tgt[i] = (uint32_t)((i * 7 + seed) % V);
    tgt[n / 2] = LMSOFTMAX_SKIP;
    tgt[n - 1] = LMSOFTMAX_SKIP;

    const double want = ref_full(W, b, NULL, V, d, H, tgt, n, scale, rH, rW, rb);
    const double ev = lmsoftmax_full(W, b, V, d, H, tgt, n, scale, NULL, NULL, NULL, work);
    const double got = lmsoftmax_full(W, b, V, d, H, tgt, n, scale, dH, dW, db, work);
    CHECK_NEAR(want, got, 1e-5 * fabs(want));
    CHECK_NEAR(want, ev, 1e-5 * fabs(want));
    CHECK(max_err(dH, rH, n * d) < 1e-5);
    CHECK(max_err(dW, rW, V * d) < 1e-5);
    CHECK(max_err(db, rb, V) < 1e-5);
    free(W), free(b), free(H), free(dH), free(dW), free(db);
    free(rH), free(rW), free(rb), free(tgt), free(work);
    return 0;
}

static int
test_full_small_matches_ref(void)
{
    return check_full_vs_ref(17, 5, 7, 0.37f, 1);
}

/* n = 600 spans three row blocks of 256; V = 50 is not a multiple of 8 (vector tail). */
static int
test_full_blocks_match_ref(void)
{
    return check_full_vs_ref(50, 8, 600, 0.01f, 2);
}

/* A vocabulary so large that the work buffer bound cuts the blocks to 33 rows. */
static int
test_full_large_vocab_blocks(void)
{
    CHECK(lmsoftmax_full_work(500000, 40) < 40 * (size_t)500000);
    return check_full_vs_ref(500000, 2, 40, 0.5f, 3);
}

/* V = 1000 rows of large logits: the max subtraction keeps exp finite. */
static int
test_full_large_logits_stable(void)
{
    enum { V = 1000, D = 4, N = 3 };
    static float W[V * D], b[V], H[N * D], work[N * V];
    const uint32_t tgt[N] = {0, 999, 500};
    fill(W, V * D, 9, 1.0f);
    fill(b, V, 10, 1.0f);
    fill(H, N * D, 11, 60.0f); /* logits of several hundred */
    const double want = ref_full(W, b, NULL, V, D, H, tgt, N, 1.0, NULL, NULL, NULL);
    const double got = lmsoftmax_full(W, b, V, D, H, tgt, N, 1.0f, NULL, NULL, NULL, work);
    CHECK(isfinite(got));
    CHECK_NEAR(want, got, 1e-5 * fabs(want));
    return 0;
}

/* Probabilities spanning e^0 .. e^-86 keep their relative accuracy (the vectorized exp):
 * with H = 0 the logits are b, and db = p - onehot. */
static int
test_full_exp_relative_accuracy(void)
{
    enum { V = 1003, D = 3 };
    static float W[V * D], b[V], H[D], work[V], dH[D], dW[V * D], db[V];
    const uint32_t tgt[1] = {V - 1};
    double sum = 0.0;
    fill(W, V * D, 12, 1.0f);
    for (size_t c = 0; c < V; c++) {
        b[c] = -(float)((c * 37) % V) * 0.086f + 3.0f;
        sum += exp((double)b[c]);
    }
    const double loss = lmsoftmax_full(W, b, V, D, H, tgt, 1, 1.0f, dH, dW, db, work);
    CHECK_NEAR(log(sum) - b[V - 1], loss, 1e-6 * loss);
    for (size_t c = 0; c < V - 1; c++) {
        const double p = exp((double)b[c]) / sum;
        CHECK_NEAR(p, db[c], 1e-6 * p);
    }
    return 0;
}

static int
test_full_nonfinite_gives_nan(void)
{
    enum { V = 9, D = 2, N = 2 };
    float W[V * D], b[V], H[N * D], work[N * V], dH[N * D] = {0}, dW[V * D] = {0},
                                                     db[V] = {0};
    const uint32_t tgt[N] = {1, 2};
    fill(W, V * D, 3, 1.0f);
    fill(b, V, 4, 1.0f);
    fill(H, N * D, 5, 1.0f);
    b[7] = NAN;
    CHECK(isnan(lmsoftmax_full(W, b, V, D, H, tgt, N, 1.0f, dH, dW, db, work)));
    b[7] = INFINITY;
    CHECK(isnan(lmsoftmax_full(W, b, V, D, H, tgt, N, 1.0f, NULL, NULL, NULL, work)));
    return 0;
}

/* Loss function under test, for finite differences. */
struct fd_case {
    const float *W, *b, *H;
    size_t V, d, n, S;
    const uint32_t *tgt, *samples;
    const struct lmsampler *smp;
    uint64_t tries;
    float scale;
    float *work;
};

static double
fd_loss(const struct fd_case *c, float *dH, float *dW, float *db)
{
    if (c->samples == NULL)
        return lmsoftmax_full(c->W, c->b, c->V, c->d, c->H, c->tgt, c->n, c->scale, dH, dW,
                              db, c->work);
    return lmsoftmax_sampled(c->W, c->b, c->V, c->d, c->H, c->tgt, c->n, c->smp, c->samples,
                             c->S, c->tries, c->scale, dH, dW, db, c->work);
}

/* Central differences of scale * loss w.r.t. every element of p[len] against g. */
static double
fd_err(const struct fd_case *c, float *p, size_t len, const float *g)
{
    const float eps = 1e-2f;
    double worst = 0.0;
    for (size_t i = 0; i < len; i++) {
        const float keep = p[i];
        p[i] = keep + eps;
        const double lp = fd_loss(c, NULL, NULL, NULL);
        p[i] = keep - eps;
        const double lm = fd_loss(c, NULL, NULL, NULL);
        p[i] = keep;
        const double num = c->scale * (lp - lm) / (2.0 * (double)eps);
        const double e = fabs(num - g[i]) / (fabs(num) > 1.0 ? fabs(num) : 1.0);
        worst = e > worst ? e : worst;
    }
    return worst;
}

/* Returns the largest finite-difference error over H, W and b; also checks that the
 * gradient is not trivially zero. */
static double
fd_check(struct fd_case *c, float *W, float *b, float *H, double *gmax)
{
    const size_t V = c->V, d = c->d, n = c->n;
    float *dH = calloc(n * d, sizeof *dH), *dW = calloc(V * d, sizeof *dW);
    float *db = calloc(V, sizeof *db);
    (void)fd_loss(c, dH, dW, db);
    double e = fd_err(c, H, n * d, dH);
    const double ew = fd_err(c, W, V * d, dW), eb = fd_err(c, b, V, db);
    e = ew > e ? ew : e;
    e = eb > e ? eb : e;
    *gmax = 0.0;
    for (size_t i = 0; i < V; i++)
        *gmax = fabs(db[i]) > *gmax ? fabs(db[i]) : *gmax;
    free(dH), free(dW), free(db);
    return e;
}

enum { FD_V = 13, FD_D = 4, FD_N = 5, FD_S = 6 };
#define FD_TOL 1e-4

static int
test_full_finite_differences(void)
{
    float W[FD_V * FD_D], b[FD_V], H[FD_N * FD_D], work[FD_N * FD_V];
    const uint32_t tgt[FD_N] = {3, LMSOFTMAX_SKIP, 0, 12, 3};
    fill(W, FD_V * FD_D, 21, 0.8f);
    fill(b, FD_V, 22, 0.5f);
    fill(H, FD_N * FD_D, 23, 0.8f);
    struct fd_case c = {W, b, H, FD_V, FD_D, FD_N, 0, tgt, NULL, NULL, 0, 0.3f, work};
    double gmax;
    const double e = fd_check(&c, W, b, H, &gmax);
    CHECK(gmax > 0.01);
    CHECK_NEAR(0.0, e, FD_TOL);
    return 0;
}

static int
test_sampled_finite_differences(void)
{
    float W[FD_V * FD_D], b[FD_V], H[FD_N * FD_D];
    float *work = malloc(lmsoftmax_sampled_work(FD_S, FD_N, FD_D) * sizeof *work);
    /* row 0's target 3 is also a sample (accidental hit); row 2's 9 too */
    const uint32_t tgt[FD_N] = {3, 11, 9, LMSOFTMAX_SKIP, 0};
    const uint32_t samples[FD_S] = {1, 3, 7, 9, 2, 5};
    struct lmsampler smp;
    lmsampler_init(&smp, FD_V);
    fill(W, FD_V * FD_D, 31, 0.8f);
    fill(b, FD_V, 32, 0.5f);
    fill(H, FD_N * FD_D, 33, 0.8f);
    struct fd_case c = {W, b, H, FD_V, FD_D, FD_N, FD_S, tgt, samples, &smp, 9, 0.7f, work};
    double gmax;
    const double e = fd_check(&c, W, b, H, &gmax);
    free(work);
    CHECK(gmax > 0.01);
    CHECK_NEAR(0.0, e, FD_TOL);
    return 0;
}

/* Sampled loss against a direct double computation of its definition; amp scales H (large
 * logits test the max subtraction, which must include the true class). */
static int
check_sampled_vs_ref(float amp)
{
    enum { V = 40, D = 7, N = 9, S = 11 };
    static float W[V * D], b[V], H[N * D];
    float *work = malloc(lmsoftmax_sampled_work(S, N, D) * sizeof *work);
    uint32_t samples[S], tgt[N];
    struct lmsampler smp;
    struct rng r;
    const uint64_t tries = 17;
    lmsampler_init(&smp, V);
    rng_seed(&r, 5, 0);
    (void)lmsampler_draw_unique(&smp, &r, samples, S);
    fill(W, V * D, 41, 1.0f);
    fill(b, V, 42, 0.5f);
    fill(H, N * D, 43, amp);
    for (size_t i = 0; i < N; i++)
        tgt[i] = (uint32_t)(i * 3 % V);
    tgt[0] = samples[0]; /* an accidental hit */
    tgt[4] = LMSOFTMAX_SKIP;
    if (amp > 1.0f)
        b[tgt[1]] += 300.0f; /* a true logit far above every sample's */
    double want = 0.0;
    for (size_t i = 0; i < N; i++) {
        if (tgt[i] == LMSOFTMAX_SKIP)
            continue;
        double z[S + 1], mx = -INFINITY, sum = 0.0;
        for (size_t j = 0; j <= S; j++) {
            const uint32_t c = j == 0 ? tgt[i] : samples[j - 1];
            double s = b[c] - log(1.0 - pow(1.0 - lmsampler_prob(&smp, c), (double)tries));
            for (size_t k = 0; k < D; k++)
                s += (double)H[i * D + k] * W[c * D + k];
            z[j] = j > 0 && c == tgt[i] ? -INFINITY : s;
            mx = z[j] > mx ? z[j] : mx;
        }
        for (size_t j = 0; j <= S; j++)
            sum += exp(z[j] - mx);
        want += log(sum) + mx - z[0];
    }
    const double got = lmsoftmax_sampled(W, b, V, D, H, tgt, N, &smp, samples, S, tries, 1.0f,
                                         NULL, NULL, NULL, work);
    free(work);
    CHECK(isfinite(got));
    CHECK_NEAR(want, got, 1e-5 * fabs(want));
    return 0;
}

static int
test_sampled_matches_ref(void)
{
    return check_sampled_vs_ref(1.0f);
}

static int
test_sampled_large_logits_stable(void)
{
    return check_sampled_vs_ref(60.0f);
}

/* With every class a sample, the sampled softmax is the full softmax over the corrected
 * logits b[c] - log E[c]: each row's target is an accidental hit and reappears as the true
 * class. Gradients must agree as well. */
static int
test_sampled_all_classes_is_full(void)
{
    enum { V = 21, D = 5, N = 6 };
    static float W[V * D], b[V], H[N * D];
    float *work = malloc(lmsoftmax_sampled_work(V, N, D) * sizeof *work);
    static float dH[N * D], dW[V * D], db[V];
    static double rH[N * D], rW[V * D], rb[V], corr[V];
    uint32_t samples[V], tgt[N] = {0, 20, 5, LMSOFTMAX_SKIP, 5, 1};
    struct lmsampler smp;
    const uint64_t tries = 30;
    lmsampler_init(&smp, V);
    for (uint32_t j = 0; j < V; j++) {
        samples[j] = (j * 8) % V; /* a permutation */
        corr[j] = -log(lmsampler_expected(&smp, j, tries));
    }
    fill(W, V * D, 51, 1.0f);
    fill(b, V, 52, 0.5f);
    fill(H, N * D, 53, 1.0f);
    const double want = ref_full(W, b, corr, V, D, H, tgt, N, 0.25, rH, rW, rb);
    const double got = lmsoftmax_sampled(W, b, V, D, H, tgt, N, &smp, samples, V, tries, 0.25f,
                                         dH, dW, db, work);
    free(work);
    CHECK_NEAR(want, got, 1e-5 * fabs(want));
    CHECK(max_err(dH, rH, N * D) < 1e-5);
    CHECK(max_err(dW, rW, V * D) < 1e-5);
    CHECK(max_err(db, rb, V) < 1e-5);
    return 0;
}

static int
test_sampler_probabilities(void)
{
    struct lmsampler s;
    lmsampler_init(&s, 10000);
    double sum = 0.0;
    for (uint32_t k = 0; k < 10000; k++)
        sum += lmsampler_prob(&s, k);
    CHECK_NEAR(1.0, sum, 1e-12);
    CHECK_NEAR(log(2.0) / log(10001.0), lmsampler_prob(&s, 0), 1e-15);
    CHECK_NEAR(log(12.0 / 11.0) / log(10001.0), lmsampler_prob(&s, 10), 1e-15);
    return 0;
}

/* The first draw is exactly TF's floor(exp(u log(V+1))) - 1 with u from rng_unit_f64, and
 * 200k draws (through draw_unique with S = 1) follow P(k) within 5 sigma on ids 0-19 and
 * on the tail beyond. */
static int
test_sampler_frequencies(void)
{
    enum { V = 1000, NDRAW = 200000, NB = 20 };
    struct lmsampler s;
    struct rng r, r2;
    uint32_t k;
    lmsampler_init(&s, V);
    rng_seed(&r, 77, 3);
    r2 = r;
    CHECK_EQ(1, lmsampler_draw_unique(&s, &r, &k, 1));
    CHECK_EQ((uint32_t)floor(exp(rng_unit_f64(&r2) * log(V + 1.0))) - 1, k);
    unsigned long count[NB + 1] = {0};
    for (int i = 0; i < NDRAW; i++) {
        CHECK_EQ(1, lmsampler_draw_unique(&s, &r, &k, 1));
        CHECK(k < V);
        count[k < NB ? k : NB]++;
    }
    double tail = 1.0;
    for (uint32_t j = 0; j <= NB; j++) {
        double p = j < NB ? lmsampler_prob(&s, j) : tail;
        if (j < NB)
            tail -= p;
        const double sd = sqrt(p * (1.0 - p) / NDRAW);
        CHECK_NEAR(p, (double)count[j] / NDRAW, 5.0 * sd);
    }
    return 0;
}

static int
check_unique(uint32_t V, uint32_t S, uint64_t seed)
{
    struct lmsampler s;
    struct rng r;
    uint32_t *out = malloc(S * sizeof *out);
    unsigned char *seen = calloc(V, 1);
    lmsampler_init(&s, V);
    rng_seed(&r, seed, 0);
    const uint64_t tries = lmsampler_draw_unique(&s, &r, out, S);
    CHECK(tries >= S);
    for (uint32_t j = 0; j < S; j++) {
        CHECK(out[j] < V);
        CHECK(!seen[out[j]]);
        seen[out[j]] = 1;
    }
    free(out);
    free(seen);
    return 0;
}

static int
test_sampler_unique(void)
{
    CHECK(check_unique(100, 50, 1) == 0);
    CHECK(check_unique(100, 99, 2) == 0);
    CHECK(check_unique(10000, 3000, 3) == 0); /* beyond the stack hash set */
    /* tries counts the repeats: 40 of 50 ids cannot come without repeats, almost surely */
    struct lmsampler s;
    struct rng r;
    uint32_t out[40];
    lmsampler_init(&s, 50);
    rng_seed(&r, 4, 0);
    CHECK(lmsampler_draw_unique(&s, &r, out, 40) > 60);
    return 0;
}

static int
test_sampler_expected(void)
{
    struct lmsampler s;
    lmsampler_init(&s, 793);
    const uint32_t ks[] = {0, 1, 7, 100, 792};
    const uint64_t ts[] = {1, 2, 10, 1000, 100000};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 5; j++) {
            const double p = lmsampler_prob(&s, ks[i]);
            const double want = 1.0 - pow(1.0 - p, (double)ts[j]);
            CHECK_NEAR(want, lmsampler_expected(&s, ks[i], ts[j]), 1e-12 * want + 1e-15);
        }
    CHECK_NEAR(lmsampler_prob(&s, 5), lmsampler_expected(&s, 5, 1), 1e-15);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_full_small_matches_ref),
           CHECK_CASE(test_full_blocks_match_ref),
           CHECK_CASE(test_full_large_vocab_blocks),
           CHECK_CASE(test_full_large_logits_stable),
           CHECK_CASE(test_full_exp_relative_accuracy),
           CHECK_CASE(test_full_nonfinite_gives_nan),
           CHECK_CASE(test_full_finite_differences),
           CHECK_CASE(test_sampled_finite_differences),
           CHECK_CASE(test_sampled_matches_ref),
           CHECK_CASE(test_sampled_large_logits_stable),
           CHECK_CASE(test_sampled_all_classes_is_full),
           CHECK_CASE(test_sampler_probabilities),
           CHECK_CASE(test_sampler_frequencies),
           CHECK_CASE(test_sampler_unique),
           CHECK_CASE(test_sampler_expected))
