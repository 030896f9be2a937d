/* test_vec.c - every kernel variant against the scalar reference, at odd lengths and
 * unaligned offsets, and the dispatch. */
#undef NDEBUG
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/status.h"
#include "kernels/vec.h"

enum { VEC_N = 1031, VEC_PAD = 8 }; /* prime: every tail length; room for offsets */
#define VEC_RTOL 1e-5 /* relative: summation order differs per variant */
#define VEC_ATOL 1e-5

static void
fill(float *x, size_t n, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((int32_t)(s >> 8) % 2001 - 1000) / 1000.0f;
    }
}

static const size_t lengths[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 101, 300, VEC_N};

static int
test_dot_and_sqnorm_match_ref(void)
{
    static float x[VEC_N + VEC_PAD], y[VEC_N + VEC_PAD];
    fill(x, VEC_N + VEC_PAD, 1);
    fill(y, VEC_N + VEC_PAD, 2);
    for (const struct vec_ops *const *v = vec_all_variants(); *v != NULL; v++)
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++)
            for (size_t off = 0; off < 4; off++) {
                const size_t n = lengths[li];
                const float want = vec_ops_ref.dot(x + off, y + 3 - off, n);
                const float got = (*v)->dot(x + off, y + 3 - off, n);
                CHECK_NEAR(want, got, VEC_ATOL + VEC_RTOL * n);
                const float wn = vec_ops_ref.sqnorm(x + off, n);
                CHECK_NEAR(wn, (*v)->sqnorm(x + off, n), VEC_ATOL + VEC_RTOL * n);
            }
    return 0;
}

static int
test_axpy_and_scale_match_ref(void)
{
    static float x[VEC_N + VEC_PAD], y0[VEC_N + VEC_PAD], a[VEC_N + VEC_PAD],
        b[VEC_N + VEC_PAD];
    fill(x, VEC_N + VEC_PAD, 3);
    fill(y0, VEC_N + VEC_PAD, 4);
    for (const struct vec_ops *const *v = vec_all_variants(); *v != NULL; v++)
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++)
            for (size_t off = 0; off < 4; off++) {
                const size_t n = lengths[li];
                memcpy(a, y0, sizeof a);
                memcpy(b, y0, sizeof b);
                vec_ops_ref.axpy(a + off, -0.37f, x + 1, n);
                (*v)->axpy(b + off, -0.37f, x + 1, n);
                for (size_t i = 0; i < VEC_N + VEC_PAD; i++)
                    CHECK_NEAR(a[i], b[i], 1e-6); /* also: nothing outside [off, off+n) */
                vec_ops_ref.scale(a + off, 1.7f, n);
                (*v)->scale(b + off, 1.7f, n);
                for (size_t i = 0; i < VEC_N + VEC_PAD; i++)
                    CHECK_NEAR(a[i], b[i], 1e-6);
            }
    return 0;
}

static int
test_dispatch_picks_a_listed_variant(void)
{
    const struct vec_ops *o = vec_ops();
    int found = 0, has_ref = 0;
    for (const struct vec_ops *const *v = vec_all_variants(); *v != NULL; v++) {
        found |= *v == o;
        has_ref |= *v == &vec_ops_ref;
    }
    CHECK(found);
    CHECK(has_ref);
    CHECK(vec_ops() == o); /* fixed after the first call */
    const char *want = getenv("WP_KERNEL");
    if (want == NULL || *want == '\0')
        CHECK_EQ(WP_OK, vec_select_status());
    return 0;
}

static int
test_reference_values_by_hand(void)
{
    const float x[3] = {1, 2, 3}, y[3] = {4, -5, 6};
    CHECK_NEAR(12.0, vec_ops_ref.dot(x, y, 3), 0);
    CHECK_NEAR(14.0, vec_ops_ref.sqnorm(x, 3), 0);
    float z[3] = {1, 1, 1};
    vec_ops_ref.axpy(z, 2.0f, x, 3);
    CHECK_NEAR(7.0, z[2], 0);
    vec_ops_ref.scale(z, 0.5f, 3);
    CHECK_NEAR(1.5, z[0], 0);
    return 0;
}

/* vec_sumsq_f64: squares and sums in double, in order (bit for bit the loop it replaced),
 * so it keeps what a float sum loses; close to the float kernels' sum. */
static int
test_sumsq_f64(void)
{
    const float big[2] = {1e4f, 1.0f}; /* 1e8 + 1: exact in double, not in float */
    CHECK(vec_sumsq_f64(big, 2) == 100000001.0);
    CHECK(vec_sumsq_f64(big, 0) == 0.0);
    const float sub[1] = {1e-30f}; /* its square underflows in float, not in double */
    CHECK(vec_sumsq_f64(sub, 1) > 0);
    static float x[VEC_N];
    for (size_t li = 0; li < sizeof lengths / sizeof *lengths; li++) {
        const size_t n = lengths[li];
        fill(x, n, (uint32_t)n + 7);
        double want = 0;
        for (size_t i = 0; i < n; i++)
            want += (double)x[i] * (double)x[i];
        CHECK(want == vec_sumsq_f64(x, n));
        CHECK_NEAR(vec_ops_ref.sqnorm(x, n), vec_sumsq_f64(x, n), VEC_ATOL + VEC_RTOL * n);
    }
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_reference_values_by_hand), CHECK_CASE(test_sumsq_f64),
           CHECK_CASE(test_dot_and_sqnorm_match_ref),
           CHECK_CASE(test_axpy_and_scale_match_ref),
           CHECK_CASE(test_dispatch_picks_a_listed_variant))
