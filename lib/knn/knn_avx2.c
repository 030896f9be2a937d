/* knn_avx2.c - AVX2+FMA kernels for knn.c (compiled with -mavx2 -mfma, called only when
 * vec_ops() chose the avx2 table). */
#include "knn_kern.h"

#include "kernels/simd_avx2.h"


/* Four rows at a time so each q chunk is loaded once per four rows; streaming through m is
 * what bounds this kernel (4 bytes per 2 FLOPs). */
void
knn_dots_avx2(const float *m, size_t n, size_t d, const float *q, float *out)
{
    const size_t d8 = d & ~(size_t)7;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float *r0 = m + i * d, *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d8; j += 8) {
            const __m256 qv = _mm256_loadu_ps(q + j);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + j), qv, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + j), qv, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + j), qv, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + j), qv, a3);
        }
        float s0 = hsum8(a0), s1 = hsum8(a1), s2 = hsum8(a2), s3 = hsum8(a3);
        for (size_t j = d8; j < d; j++) {
            s0 += r0[j] * q[j];
            s1 += r1[j] * q[j];
            s2 += r2[j] * q[j];
            s3 += r3[j] * q[j];
        }
        out[i] = s0;
        out[i + 1] = s1;
        out[i + 2] = s2;
        out[i + 3] = s3;
    }
    for (; i < n; i++) {
        const float *r = m + i * d;
        __m256 a = _mm256_setzero_ps();
        for (size_t j = 0; j < d8; j += 8)
            a = _mm256_fmadd_ps(_mm256_loadu_ps(r + j), _mm256_loadu_ps(q + j), a);
        float s = hsum8(a);
        for (size_t j = d8; j < d; j++)
            s += r[j] * q[j];
        out[i] = s;
    }
}

size_t
knn_scan_avx2(const float *s, size_t j, size_t n, float thr)
{
    const __m256 t = _mm256_set1_ps(thr);
    for (; j + 32 <= n; j += 32) {
        const __m256 c0 = _mm256_cmp_ps(_mm256_loadu_ps(s + j), t, _CMP_GE_OQ);
        const __m256 c1 = _mm256_cmp_ps(_mm256_loadu_ps(s + j + 8), t, _CMP_GE_OQ);
        const __m256 c2 = _mm256_cmp_ps(_mm256_loadu_ps(s + j + 16), t, _CMP_GE_OQ);
        const __m256 c3 = _mm256_cmp_ps(_mm256_loadu_ps(s + j + 24), t, _CMP_GE_OQ);
        const __m256 any = _mm256_or_ps(_mm256_or_ps(c0, c1), _mm256_or_ps(c2, c3));
        if (_mm256_movemask_ps(any) != 0)
            break;
    }
    for (; j + 8 <= n; j += 8) {
        const int mk = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + j), t, _CMP_GE_OQ));
        if (mk != 0)
            return j + (size_t)__builtin_ctz((unsigned)mk);
    }
    for (; j < n; j++)
        if (s[j] >= thr)
            return j;
    return n;
}

size_t
knn_scan2_avx2(const float *s, const float *thr, size_t j, size_t n)
{
    for (; j + 8 <= n; j += 8) {
        const __m256 c = _mm256_cmp_ps(_mm256_loadu_ps(s + j), _mm256_loadu_ps(thr + j),
                                       _CMP_GE_OQ);
        const int mk = _mm256_movemask_ps(c);
        if (mk != 0)
            return j + (size_t)__builtin_ctz((unsigned)mk);
    }
    for (; j < n; j++)
        if (s[j] >= thr[j])
            return j;
    return n;
}

/* Half-precision rows (F16C conversion; this file's flags lack -mf16c, hence the target
 * attribute): half the bytes of knn_dots_avx2 for the memory-bound single-query scan. */
__attribute__((target("avx2,fma,f16c"))) void
knn_dots16_avx2(const uint16_t *m16, size_t n, size_t d, const float *q, float *out)
{
    const size_t d8 = d & ~(size_t)7;
    for (size_t i = 0; i < n; i++) {
        const uint16_t *r = m16 + i * d;
        __m256 a = _mm256_setzero_ps();
        for (size_t j = 0; j < d8; j += 8) {
            const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(r + j)));
            a = _mm256_fmadd_ps(x, _mm256_loadu_ps(q + j), a);
        }
        float s = hsum8(a);
        for (size_t j = d8; j < d; j++)
            s += _cvtsh_ss(r[j]) * q[j];
        out[i] = s;
    }
}
