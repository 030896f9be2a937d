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
