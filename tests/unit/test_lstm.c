/* test_lstm.c - the LSTMP layer against a plain double-precision reference: forward values,
 * and every gradient (Wx, Wh, b, P, the input) against central finite differences of the
 * reference, with cell and projection clipping active on some units. */
#include <stdlib.h>

#include "check.h"
#include "common/rng.h"
#include "lm/lstm.h"

enum { T = 4, B = 3, IN = 5, H = 6, PROJ = 4 };

static double
clampd(double x, double lim)
{
    return lim > 0 && x > lim ? lim : lim > 0 && x < -lim ? -lim : x;
}

static double
sigm(double x)
{
    return 1 / (1 + exp(-x));
}

/* Reference forward in double: returns sum(y * R) and counts clipped values. */
static double
ref_loss(const struct lstm_cfg *c, const double *w, const double *x, const double *R,
         int *nclip)
{
    const size_t out = lstm_out(c), G = 4 * H;
    const double *wx = w, *wh = wx + G * IN, *b = wh + G * out, *p = b + G;
    double h[B][PROJ > H ? PROJ : H] = {{0}}, cs[B][H] = {{0}};
    double loss = 0;
    for (size_t t = 0; t < T; t++) {
        for (size_t j = 0; j < B; j++) {
            double z[4 * H], m[H];
            for (size_t r = 0; r < G; r++) {
                double s = b[r];
                for (size_t q = 0; q < IN; q++)
                    s += wx[r * IN + q] * x[(t * B + j) * IN + q];
                for (size_t q = 0; q < out; q++)
                    s += wh[r * out + q] * h[j][q];
                z[r] = s;
            }
            for (size_t u = 0; u < H; u++) {
                double cv = sigm(z[H + u]) * cs[j][u] + sigm(z[u]) * tanh(z[2 * H + u]);
                if (c->cell_clip > 0 && fabs(cv) > c->cell_clip)
                    (*nclip)++;
                cv = clampd(cv, c->cell_clip);
                cs[j][u] = cv;
                m[u] = sigm(z[3 * H + u]) * tanh(cv);
            }
            for (size_t q = 0; q < out; q++) {
                double v = m[q];
                if (c->proj) {
                    v = 0;
                    for (size_t u = 0; u < H; u++)
                        v += p[q * H + u] * m[u];
                    if (c->proj_clip > 0 && fabs(v) > c->proj_clip)
                        (*nclip)++;
                    v = clampd(v, c->proj_clip);
                }
                h[j][q] = v;
                loss += v * R[(t * B + j) * out + q];
            }
        }
    }
    return loss;
}

static int
grad_check(const struct lstm_cfg *c, int want_clips)
{
    const size_t np = lstm_param_count(c), out = lstm_out(c);
    float *w = calloc(np, sizeof *w), *gw = calloc(np, sizeof *gw);
    float x[T * B * IN], y[T * B * PROJ > T * B * H ? T * B * PROJ : T * B * H];
    float dy[sizeof y / sizeof y[0]], dx[T * B * IN], h0[B * H] = {0}, c0[B * H] = {0};
    double wd[4096], xd[T * B * IN], R[T * B * H] = {0};
    CHECK(w != NULL && gw != NULL && np < 4096);
    struct rng r;
    rng_seed(&r, 7, 1);
    for (size_t i = 0; i < np; i++)
        wd[i] = w[i] = (rng_unit(&r) - 0.5f) * 1.6f;
    for (size_t i = 0; i < T * B * IN; i++)
        xd[i] = x[i] = (rng_unit(&r) - 0.5f) * 2.0f;
    for (size_t i = 0; i < T * B * out; i++)
        R[i] = dy[i] = rng_unit(&r) - 0.5f;
    struct lstm l, g;
    lstm_bind(&l, c, w);
    lstm_bind(&g, c, gw);
    struct lstm_cache *k = lstm_cache_new(c, T, B);
    CHECK(k != NULL);
    lstm_forward(&l, x, T, B, y, h0, c0, k);
    int nclip = 0;
    const double ref = ref_loss(c, wd, xd, R, &nclip);
    double got = 0;
    for (size_t i = 0; i < T * B * out; i++)
        got += (double)y[i] * R[i];
    CHECK_NEAR(ref, got, 1e-5 * (1 + fabs(ref)));
    if (want_clips)
        CHECK(nclip > 0);
    /* the end state is the last step's output */
    for (size_t q = 0; q < B * out; q++)
        CHECK_NEAR(y[(T - 1) * B * out + q], h0[q], 0);
    lstm_backward(&l, &g, x, T, B, dy, dx, k);
    const double eps = 1e-6;
    double worst = 0;
    for (size_t i = 0; i < np; i++) {
        const double keep = wd[i];
        int dummy = 0;
        wd[i] = keep + eps;
        const double lp = ref_loss(c, wd, xd, R, &dummy);
        wd[i] = keep - eps;
        const double lm = ref_loss(c, wd, xd, R, &dummy);
        wd[i] = keep;
        const double fd = (lp - lm) / (2 * eps), err = fabs(fd - gw[i]) / (1e-3 + fabs(fd));
        worst = err > worst ? err : worst;
        CHECK_NEAR(fd, gw[i], 1e-3 * (1e-1 + fabs(fd)));
    }
    for (size_t i = 0; i < T * B * IN; i++) {
        const double keep = xd[i];
        int dummy = 0;
        xd[i] = keep + eps;
        const double lp = ref_loss(c, wd, xd, R, &dummy);
        xd[i] = keep - eps;
        const double lm = ref_loss(c, wd, xd, R, &dummy);
        xd[i] = keep;
        const double fd = (lp - lm) / (2 * eps);
        CHECK_NEAR(fd, dx[i], 1e-3 * (1e-1 + fabs(fd)));
    }
    lstm_cache_free(k);
    free(w);
    free(gw);
    return 0;
}

static int
test_lstm_plain(void)
{
    const struct lstm_cfg c = {IN, H, 0, 0, 0};
    return grad_check(&c, 0);
}

static int
test_lstmp_clipped(void)
{
    const struct lstm_cfg c = {IN, H, PROJ, 0.6f, 0.5f};
    return grad_check(&c, 1);
}

static int
test_param_count(void)
{
    const struct lstm_cfg c = {IN, H, PROJ, 0, 0};
    CHECK_EQ(4 * H * IN + 4 * H * PROJ + 4 * H + PROJ * H, lstm_param_count(&c));
    float base[1];
    struct lstm l;
    lstm_bind(&l, &c, base);
    CHECK(l.p + PROJ * H == base + lstm_param_count(&c));
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_lstm_plain),
        CHECK_CASE(test_lstmp_clipped),
        CHECK_CASE(test_param_count),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
