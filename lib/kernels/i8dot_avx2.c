/* i8dot_avx2.c - uint8 x int16 dot products with AVX2 (compiled with -mavx2 -mfma). Four rows
 * at a time share each load of the query; 16 codes per step; the tail is the reference's loop
 * on the same index. */
#include "i8dot.h"

#include <immintrin.h>

static inline int32_t
hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

static inline __m256i
madd16(const uint8_t *c, __m256i w)
{
    const __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)c));
    return _mm256_madd_epi16(x, w);
}

void
i8dot_avx2(const uint8_t *codes, size_t n, size_t d, const int16_t *w, int32_t *out)
{
    const size_t d16 = d & ~(size_t)15;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t *r0 = codes + i * d, *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d16; j += 16) {
            const __m256i wv = _mm256_loadu_si256((const __m256i *)(w + j));
            a0 = _mm256_add_epi32(a0, madd16(r0 + j, wv));
            a1 = _mm256_add_epi32(a1, madd16(r1 + j, wv));
            a2 = _mm256_add_epi32(a2, madd16(r2 + j, wv));
            a3 = _mm256_add_epi32(a3, madd16(r3 + j, wv));
        }
        int32_t s0 = hsum_epi32(a0), s1 = hsum_epi32(a1), s2 = hsum_epi32(a2), s3 = hsum_epi32(a3);
        for (size_t j = d16; j < d; j++) {
            s0 += (int32_t)r0[j] * w[j];
            s1 += (int32_t)r1[j] * w[j];
            s2 += (int32_t)r2[j] * w[j];
            s3 += (int32_t)r3[j] * w[j];
        }
        out[i] = s0;
        out[i + 1] = s1;
        out[i + 2] = s2;
        out[i + 3] = s3;
    }
    for (; i < n; i++) {
        const uint8_t *r = codes + i * d;
        __m256i a = _mm256_setzero_si256();
        for (size_t j = 0; j < d16; j += 16)
            a = _mm256_add_epi32(a, madd16(r + j, _mm256_loadu_si256((const __m256i *)(w + j))));
        int32_t s = hsum_epi32(a);
        for (size_t j = d16; j < d; j++)
            s += (int32_t)r[j] * w[j];
        out[i] = s;
    }
}

/* ---- many queries against packed codes (i8dot.h): tiles of MQ queries x NG groups ---- */

static inline int32_t
load4(const int8_t *w)
{
    int32_t x;
    __builtin_memcpy(&x, w, 4);
    return x;
}

/* AVX2: a group is two vectors (rows 0-7, rows 8-15); the codes are vpmaddubsw's unsigned
 * operand, the broadcast weights its signed one; vpmaddwd with ones sums the pairs. */
static inline __attribute__((always_inline)) void
tile_avx2(const uint8_t *p, size_t gs, size_t steps, const int8_t *w, size_t d4, int32_t *o,
          size_t ldo, const int MQ, const int NG)
{
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[2][4];
    _Pragma("GCC unroll 8")
    for (int q = 0; q < MQ; q++)
        _Pragma("GCC unroll 8")
        for (int h = 0; h < 2 * NG; h++)
            acc[q][h] = _mm256_setzero_si256();
    for (size_t t = 0; t < steps; t++) {
        __m256i c[4];
        _Pragma("GCC unroll 8")
        for (int g = 0; g < NG; g++) {
            c[2 * g] = _mm256_loadu_si256((const __m256i *)(p + g * gs + t * 64));
            c[2 * g + 1] = _mm256_loadu_si256((const __m256i *)(p + g * gs + t * 64 + 32));
        }
        _Pragma("GCC unroll 8")
        for (int q = 0; q < MQ; q++) {
            const __m256i wb = _mm256_set1_epi32(load4(w + q * d4 + t * 4));
            _Pragma("GCC unroll 8")
            for (int h = 0; h < 2 * NG; h++)
                acc[q][h] = _mm256_add_epi32(
                    acc[q][h], _mm256_madd_epi16(_mm256_maddubs_epi16(c[h], wb), ones));
        }
    }
    _Pragma("GCC unroll 8")
    for (int q = 0; q < MQ; q++)
        _Pragma("GCC unroll 8")
        for (int h = 0; h < 2 * NG; h++)
            _mm256_storeu_si256((__m256i *)(o + q * ldo + h * 8), acc[q][h]);
}

/* The tiles of a variant: mq queries x ng groups, 1 query x ng groups, 1 x 1. */
typedef void i8tile_fn(const uint8_t *p, size_t gs, size_t steps, const int8_t *w, size_t d4,
                       int32_t *o, size_t ldo);
struct i8tiles {
    i8tile_fn *full, *row, *one;
    size_t mq, ng;
};

static void
i8gemm_tiled(const struct i8tiles *t, const uint8_t *pack, size_t ngroups, size_t d,
             const int8_t *w, size_t nq, int32_t *out, size_t ldo)
{
    const size_t d4 = I8PACK_D4(d), gs = I8PACK_ROWS * d4, steps = d4 / 4;
    size_t g = 0;
    for (; g + t->ng <= ngroups; g += t->ng) {
        size_t q = 0;
        for (; q + t->mq <= nq; q += t->mq)
            t->full(pack + g * gs, gs, steps, w + q * d4, d4, out + q * ldo + g * 16, ldo);
        for (; q < nq; q++)
            t->row(pack + g * gs, gs, steps, w + q * d4, d4, out + q * ldo + g * 16, ldo);
    }
    for (; g < ngroups; g++)
        for (size_t q = 0; q < nq; q++)
            t->one(pack + g * gs, gs, steps, w + q * d4, d4, out + q * ldo + g * 16, ldo);
}

#define I8TILE(name, tile, attr, MQ, NG)                                                    \
    static attr void name(const uint8_t *p, size_t gs, size_t steps, const int8_t *w,       \
                          size_t d4, int32_t *o, size_t ldo)                                \
    {                                                                                       \
        tile(p, gs, steps, w, d4, o, ldo, MQ, NG);                                          \
    }
I8TILE(avx2_22, tile_avx2, , 2, 2)
I8TILE(avx2_12, tile_avx2, , 1, 2)
I8TILE(avx2_11, tile_avx2, , 1, 1)

void
i8gemm_avx2(const uint8_t *pack, size_t ngroups, size_t d, const int8_t *w, size_t nq,
            int32_t *out, size_t ldo)
{
    static const struct i8tiles t = {avx2_22, avx2_12, avx2_11, 2, 2};
    i8gemm_tiled(&t, pack, ngroups, d, w, nq, out, ldo);
}

/* AVX-512 VNNI: a group is one vector; vpdpbusd multiplies the codes (unsigned) by the
 * broadcast weights (signed) and adds each row's 4 products to its int32 lane. */
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

static inline __attribute__((always_inline)) VNNI void
tile_vnni(const uint8_t *p, size_t gs, size_t steps, const int8_t *w, size_t d4, int32_t *o,
          size_t ldo, const int MQ, const int NG)
{
    __m512i acc[4][4];
    _Pragma("GCC unroll 8")
    for (int q = 0; q < MQ; q++)
        _Pragma("GCC unroll 8")
        for (int g = 0; g < NG; g++)
            acc[q][g] = _mm512_setzero_si512();
    for (size_t t = 0; t < steps; t++) {
        __m512i c[4];
        _Pragma("GCC unroll 8")
        for (int g = 0; g < NG; g++)
            c[g] = _mm512_loadu_si512((const void *)(p + g * gs + t * 64));
        _Pragma("GCC unroll 8")
        for (int q = 0; q < MQ; q++) {
            const __m512i wb = _mm512_set1_epi32(load4(w + q * d4 + t * 4));
            _Pragma("GCC unroll 8")
            for (int g = 0; g < NG; g++)
                acc[q][g] = _mm512_dpbusd_epi32(acc[q][g], c[g], wb);
        }
    }
    _Pragma("GCC unroll 8")
    for (int q = 0; q < MQ; q++)
        _Pragma("GCC unroll 8")
        for (int g = 0; g < NG; g++)
            _mm512_storeu_si512((void *)(o + q * ldo + g * 16), acc[q][g]);
}

I8TILE(vnni_44, tile_vnni, VNNI, 4, 4)
I8TILE(vnni_14, tile_vnni, VNNI, 1, 4)
I8TILE(vnni_11, tile_vnni, VNNI, 1, 1)

void
i8gemm_avx512vnni(const uint8_t *pack, size_t ngroups, size_t d, const int8_t *w, size_t nq,
                  int32_t *out, size_t ldo)
{
    static const struct i8tiles t = {vnni_44, vnni_14, vnni_11, 4, 4};
    i8gemm_tiled(&t, pack, ngroups, d, w, nq, out, ldo);
}
