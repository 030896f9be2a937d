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

/* The blocked kernel: every variant available here against the reference, on packs of odd
 * row counts (a partial last group), odd dimensions (zero padding), query counts that leave
 * partial tiles, and the extremes (codes 255, weights +-64). */
static int
check_gemm(i8gemm_fn *f, const uint8_t *pack, size_t ng, size_t d, const int8_t *w, size_t nq)
{
    enum { LDO = 8 * 16 + 3 };
    static int32_t want[11 * LDO], got[11 * LDO];
    memset(got, 0x55, sizeof got);
    i8gemm_ref(pack, ng, d, w, nq, want, LDO);
    f(pack, ng, d, w, nq, got, LDO);
    for (size_t q = 0; q < nq; q++)
        for (size_t i = 0; i < ng * I8PACK_ROWS; i++)
            CHECK_EQ(want[q * LDO + i], got[q * LDO + i]);
    return 0;
}

static int
test_gemm_variants(void)
{
    static uint8_t c[8 * 16 * DMAX], pack[8 * 16 * (DMAX + 3)];
    static int8_t w[11 * (DMAX + 3)];
    struct rng r;
    rng_seed(&r, 9, 0);
    i8gemm_fn *fs[3] = {i8gemm_ref, NULL, NULL};
    const char *name;
    fs[1] = i8gemm_pick(&name);
#if defined(__x86_64__)
    if (strcmp(name, "avx512vnni") == 0)
        fs[2] = i8gemm_avx2; /* both SIMD variants where the CPU has VNNI */
#endif
    for (int extreme = 0; extreme <= 1; extreme++)
        for (size_t d = 1; d <= DMAX; d += (d < 12 ? 1 : 41)) {
            const size_t d4 = I8PACK_D4(d);
            for (size_t n = 1; n <= 8 * 16; n += (n < 20 ? 3 : 37)) {
                for (size_t i = 0; i < n * d; i++)
                    c[i] = extreme ? 255 : (uint8_t)rng_u64(&r);
                CHECK(i8pack_bytes(n, d) <= sizeof pack);
                i8pack(c, n, d, pack);
                const size_t ng = (n + 15) / 16;
                /* the pack holds the codes, zero elsewhere */
                for (size_t i = 0; i < ng * 16; i++)
                    for (size_t j = 0; j < d4; j++)
                        CHECK_EQ(i < n && j < d ? c[i * d + j] : 0,
                                 pack[i / 16 * 16 * d4 + j / 4 * 64 + i % 16 * 4 + j % 4]);
                for (size_t nq = 1; nq <= 11; nq += 5) {
                    for (size_t q = 0; q < nq; q++)
                        for (size_t j = 0; j < d4; j++)
                            w[q * d4 + j] = j >= d ? 0
                                            : extreme ? (int8_t)(q % 2 ? -I8GEMM_WMAX : I8GEMM_WMAX)
                                                      : (int8_t)((int)(rng_u64(&r) % 129) - 64);
                    for (int v = 1; v < 3; v++)
                        if (fs[v] != NULL)
                            CHECK(check_gemm(fs[v], pack, ng, d, w, nq) == 0);
                }
            }
        }
    printf("i8gemm variant: %s\n", name);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_variants_match_ref), CHECK_CASE(test_extremes),
           CHECK_CASE(test_gemm_variants))
