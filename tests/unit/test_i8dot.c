/* test_i8dot.c - the uint8 x int16 dot kernel: every variant gives the reference's exact
 * integers on odd lengths, unaligned pointers and the extreme values the bound allows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/rng.h"
#include "kernels/i8dot.h"

enum { ROWS = 37, DMAX = 301 }; /* 37 rows: the 4-row blocks and a tail of 1 */

static int
check_variant(i8dot_fn *f, const uint8_t *c, size_t n, size_t d, const int16_t *w)
{
    int32_t want[ROWS], got[ROWS];
    i8dot_ref(c, n, d, w, want);
    f(c, n, d, w, got);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(want[i], got[i]);
    return 0;
}

static int
test_variants_match_ref(void)
{
    static uint8_t c[ROWS * DMAX + 1];
    static int16_t w[DMAX + 1];
    struct rng r;
    rng_seed(&r, 7, 0);
    for (size_t i = 0; i < sizeof c; i++)
        c[i] = (uint8_t)rng_u64(&r);
    for (size_t d = 1; d <= DMAX; d += (d < 40 ? 1 : 13)) {
        const int wmax = I8DOT_WMAX_FOR(d);
        for (size_t j = 0; j <= d; j++)
            w[j] = (int16_t)((int)(rng_u64(&r) % (2u * (unsigned)wmax + 1)) - wmax);
        for (size_t n = 1; n <= ROWS; n += 6) {
            CHECK(check_variant(i8dot_pick(), c + 1, n, d, w + 1) == 0); /* +1: unaligned */
            CHECK(check_variant(i8dot_pick(), c, n, d, w) == 0);
        }
    }
    return 0;
}

/* All codes 255 and all weights at +-WMAX: the largest sums must not overflow. */
static int
test_extremes(void)
{
    static uint8_t c[4 * DMAX];
    static int16_t w[DMAX];
    const size_t d = DMAX;
    const int wmax = I8DOT_WMAX_FOR(d);
    memset(c, 255, sizeof c);
    for (int sign = -1; sign <= 1; sign += 2) {
        for (size_t j = 0; j < d; j++)
            w[j] = (int16_t)(sign * wmax);
        int32_t got[4];
        i8dot_pick()(c, 4, d, w, got);
        for (int i = 0; i < 4; i++)
            CHECK_EQ((long long)sign * 255 * wmax * (long long)d, got[i]);
    }
    CHECK(I8DOT_WMAX_FOR(300u) == 16383);
    CHECK((long long)I8DOT_WMAX_FOR(100000u) * 255 * 100000 < 2147483648ll);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_variants_match_ref), CHECK_CASE(test_extremes))
