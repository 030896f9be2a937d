/* vec_avx2.c - AVX2+FMA variants of the vec.h kernels; compiled with -mavx2 -mfma and
 * only called when vec.c found both in the CPU and enabled by the OS. Loads are unaligned
 * and every loop shares its index with a scalar tail (C20). */
#include "simd_avx2.h"

#include "vec.h"

extern const struct vec_ops vec_ops_avx2;


static float
dot_avx2(const float *x, const float *y, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
    float s = hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++)
        s += x[i] * y[i];
    return s;
}

static void
axpy_avx2(float *y, float a, const float *x, size_t n)
{
    const __m256 va = _mm256_set1_ps(a);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] += a * x[i];
}

static void
scale_avx2(float *x, float a, size_t n)
{
    const __m256 va = _mm256_set1_ps(a);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(va, _mm256_loadu_ps(x + i)));
    for (; i < n; i++)
        x[i] *= a;
}

static float
sqnorm_avx2(const float *x, size_t n)
{
    return dot_avx2(x, x, n);
}

const struct vec_ops vec_ops_avx2 = {
    .name = "avx2",
    .dot = dot_avx2,
    .axpy = axpy_avx2,
    .scale = scale_avx2,
    .sqnorm = sqnorm_avx2,
};
