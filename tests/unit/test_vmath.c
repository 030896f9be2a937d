/* test_vmath.c - the vector sigmoid and tanh against libm in double, over the whole float
 * range that matters (including the series branch of tanh, the tails and the clamps), and
 * the scalar tail of arrays whose length is not a multiple of 4. */
#include "check.h"
#include "kernels/vmath.h"

enum { N = 200003 };

static int
test_sigmoid_tanh_accuracy(void)
{
    static float x[N], s[N], t[N];
    for (size_t i = 0; i < N; i++) {
        /* dense near 0, out to +-100 */
        const double u = ((double)i / (N - 1)) * 2 - 1;
        x[i] = (float)(u * u * u * 100.0);
        s[i] = x[i];
    }
    vm_sigmoid(s, N);
    vm_tanh(x, t, N);
    double ws = 0, wt = 0;
    for (size_t i = 0; i < N; i++) {
        const double es = 1 / (1 + exp(-(double)x[i])), et = tanh((double)x[i]);
        /* relative where the value is a normal float; past e^-87 the clamp gives 1.6e-38 */
        const double rs = x[i] > -80 ? fabs(s[i] - es) / es : fabs(s[i] - es) * 1e31,
                     at = fabs(t[i] - et);
        ws = rs > ws ? rs : ws;
        wt = at > wt ? at : wt;
        /* tanh keeps odd symmetry and relative accuracy near zero */
        if (fabs(x[i]) < 0.01 && x[i] != 0)
            CHECK(fabs(t[i] - et) / fabs(et) < 1e-6);
    }
    fprintf(stderr, "sigmoid max rel err %.3g, tanh max abs err %.3g\n", ws, wt);
    CHECK(ws < 2e-6);
    CHECK(wt < 3e-7);
    return 0;
}

static int
test_extremes(void)
{
    float x[7] = {-1e30f, -90.0f, 0.0f, 90.0f, 1e30f, INFINITY, -INFINITY}, s[7], t[7];
    memcpy(s, x, sizeof s);
    vm_sigmoid(s, 7);
    vm_tanh(x, t, 7);
    CHECK(s[0] >= 0 && s[0] < 1e-37);
    CHECK_NEAR(0.5, s[2], 1e-7);
    CHECK_NEAR(1.0, s[3], 1e-7);
    CHECK_NEAR(1.0, s[4], 0);
    CHECK_NEAR(-1.0, t[0], 0);
    CHECK_NEAR(0.0, t[2], 0);
    CHECK_NEAR(1.0, t[4], 0);
    CHECK_NEAR(1.0, t[5], 0);   /* the scalar tail: libm */
    CHECK_NEAR(-1.0, t[6], 0);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_sigmoid_tanh_accuracy),
        CHECK_CASE(test_extremes),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
