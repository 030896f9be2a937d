/* w2v_avx2.c - AVX2+FMA kernels of the shared-negative window (see w2v_batch.c): the
 * scores of C context rows against T target rows, and the two rank-T/rank-C updates.
 * Register blocking: one pass over D keeps 4 target rows' accumulators and reuses each
 * loaded context chunk 4 times. Loads are unaligned; tails are scalar (C20). */
#include "kernels/simd_avx2.h"
#include <string.h>

#include "w2v.h"


/* Scores of nc contexts (up to 2) against nt targets (up to 4), s[c*t + j]: nc*nt
 * independent sums, so the multiply-adds do not wait on each other's latency. Each sum is
 * 8 lanes of fused multiply-adds over D, then the lanes, then the tail in order (the
 * same bits whatever the blocking). Inlined with constant nc and nt. */
static inline __attribute__((always_inline)) void
scores_block(float *s, size_t t, float *const *in, size_t nc, float *const *out, size_t nt,
             size_t d)
{
    __m256 a[2][4];
#pragma GCC unroll 2
    for (size_t c = 0; c < nc; c++)
#pragma GCC unroll 4
        for (size_t j = 0; j < nt; j++)
            a[c][j] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= d; i += 8) {
        __m256 o[4];
#pragma GCC unroll 4
        for (size_t j = 0; j < nt; j++)
            o[j] = _mm256_loadu_ps(out[j] + i);
#pragma GCC unroll 2
        for (size_t c = 0; c < nc; c++) {
            const __m256 x = _mm256_loadu_ps(in[c] + i);
#pragma GCC unroll 4
            for (size_t j = 0; j < nt; j++)
                a[c][j] = _mm256_fmadd_ps(x, o[j], a[c][j]);
        }
    }
#pragma GCC unroll 2
    for (size_t c = 0; c < nc; c++)
#pragma GCC unroll 4
        for (size_t j = 0; j < nt; j++) {
            float r = hsum8(a[c][j]);
            for (size_t e = i; e < d; e++)
                r += in[c][e] * out[j][e];
            s[c * t + j] = r;
        }
}

/* The targets of nc contexts in blocks of 4, then the 1 to 3 left. */
static inline __attribute__((always_inline)) void
scores_rows(float *s, size_t t, float *const *in, size_t nc, float *const *out, size_t d)
{
    size_t j = 0;
    for (; j + 4 <= t; j += 4)
        scores_block(s + j, t, in, nc, out + j, 4, d);
    switch (t - j) {
    case 3: scores_block(s + j, t, in, nc, out + j, 3, d); break;
    case 2: scores_block(s + j, t, in, nc, out + j, 2, d); break;
    case 1: scores_block(s + j, t, in, nc, out + j, 1, d); break;
    default: break;
    }
}

/* s[c*t + j] = in[c] . out[j], two contexts at a time */
static void
scores_avx2(float *s, float *const *in, size_t n, float *const *out, size_t t, size_t d)
{
    size_t c = 0;
    for (; c + 2 <= n; c += 2)
        scores_rows(s + c * t, t, in + c, 2, out, d);
    if (c < n)
        scores_rows(s + c * t, t, in + c, 1, out, d);
}

/* dst[i .. i + 8 nv) (+)= sum_k coef[k * stride] rows[k][...]: nv independent sums per
 * row (up to 8), each element's multiply-adds in k order. Inlined with constant nv. */
static inline __attribute__((always_inline)) void
combine_block(float *dst, int add, float *const *rows, size_t nr, const float *coef,
              size_t stride, size_t i, size_t nv)
{
    __m256 a[8];
#pragma GCC unroll 8
    for (size_t v = 0; v < nv; v++)
        a[v] = add ? _mm256_loadu_ps(dst + i + 8 * v) : _mm256_setzero_ps();
    for (size_t k = 0; k < nr; k++) {
        const __m256 g = _mm256_set1_ps(coef[k * stride]);
        const float *r = rows[k] + i;
#pragma GCC unroll 8
        for (size_t v = 0; v < nv; v++)
            a[v] = _mm256_fmadd_ps(g, _mm256_loadu_ps(r + 8 * v), a[v]);
    }
#pragma GCC unroll 8
    for (size_t v = 0; v < nv; v++)
        _mm256_storeu_ps(dst + i + 8 * v, a[v]);
}

/* dst[i] (+)= sum_k coef[k * stride] * rows[k][i] for one row; add: keep dst's value.
 * 64 floats at a time, then 32, then 8s; the last 1 to 7 with separate multiplies and
 * adds, as the reference (4 at once, then one by one): the same bits as combine_ref. */
static void
combine(float *dst, int add, float *const *rows, size_t nr, const float *coef, size_t stride,
        size_t d)
{
    size_t i = 0;
    for (; i + 64 <= d; i += 64)
        combine_block(dst, add, rows, nr, coef, stride, i, 8);
    if (i + 32 <= d) {
        combine_block(dst, add, rows, nr, coef, stride, i, 4);
        i += 32;
    }
    switch ((d - i) / 8) {
    case 3: combine_block(dst, add, rows, nr, coef, stride, i, 3); i += 24; break;
    case 2: combine_block(dst, add, rows, nr, coef, stride, i, 2); i += 16; break;
    case 1: combine_block(dst, add, rows, nr, coef, stride, i, 1); i += 8; break;
    default: break;
    }
    for (; i + 4 <= d; i += 4) {
        __m128 a = add ? _mm_loadu_ps(dst + i) : _mm_setzero_ps();
        for (size_t k = 0; k < nr; k++)
            a = _mm_add_ps(a, _mm_mul_ps(_mm_set1_ps(coef[k * stride]), _mm_loadu_ps(rows[k] + i)));
        _mm_storeu_ps(dst + i, a);
    }
    for (; i < d; i++) {
        float a = add ? dst[i] : 0.0f;
        for (size_t k = 0; k < nr; k++)
            a += coef[k * stride] * rows[k][i];
        dst[i] = a;
    }
}

static void
apply_avx2(float *const *in, size_t n, float *const *out, size_t t, size_t d, const float *g,
           float *din)
{
    for (size_t c = 0; c < n; c++) /* dIn = G Out, at the old Out */
        combine(din + c * d, 0, out, t, g + c * t, 1, d);
    for (size_t j = 0; j < t; j++) /* Out += G^T In, at the old In */
        combine(out[j], 1, in, n, g + j, t, d);
    for (size_t c = 0; c < n; c++) {
        float *x = in[c];
        const float *e = din + c * d;
        size_t i = 0;
        for (; i + 8 <= d; i += 8)
            _mm256_storeu_ps(x + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(e + i)));
        for (; i < d; i++)
            x[i] += e[i];
    }
}

/* dst = scale * sum_k x[idx[k]]: 32 floats at a time in four accumulators, each element's
 * sum in k order (plain adds, as the reference: the same bits). */
static void
gather_avx2(float *dst, const float *x, size_t stride, const uint32_t *idx, size_t nr,
            float scale, size_t d)
{
    const __m256 sc = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t k = 0; k < nr; k++) {
            const float *r = x + (size_t)idx[k] * stride + i;
            a0 = _mm256_add_ps(a0, _mm256_loadu_ps(r));
            a1 = _mm256_add_ps(a1, _mm256_loadu_ps(r + 8));
            a2 = _mm256_add_ps(a2, _mm256_loadu_ps(r + 16));
            a3 = _mm256_add_ps(a3, _mm256_loadu_ps(r + 24));
        }
        _mm256_storeu_ps(dst + i, _mm256_mul_ps(a0, sc));
        _mm256_storeu_ps(dst + i + 8, _mm256_mul_ps(a1, sc));
        _mm256_storeu_ps(dst + i + 16, _mm256_mul_ps(a2, sc));
        _mm256_storeu_ps(dst + i + 24, _mm256_mul_ps(a3, sc));
    }
    for (; i + 8 <= d; i += 8) {
        __m256 a = _mm256_setzero_ps();
        for (size_t k = 0; k < nr; k++)
            a = _mm256_add_ps(a, _mm256_loadu_ps(x + (size_t)idx[k] * stride + i));
        _mm256_storeu_ps(dst + i, _mm256_mul_ps(a, sc));
    }
    for (; i + 4 <= d; i += 4) { /* d = 100 ends here: 4 floats at once, the same adds */
        __m128 a = _mm_setzero_ps();
        for (size_t k = 0; k < nr; k++)
            a = _mm_add_ps(a, _mm_loadu_ps(x + (size_t)idx[k] * stride + i));
        _mm_storeu_ps(dst + i, _mm_mul_ps(a, _mm256_castps256_ps128(sc)));
    }
    for (; i < d; i++) {
        float a = 0.0f;
        for (size_t k = 0; k < nr; k++)
            a += x[(size_t)idx[k] * stride + i];
        dst[i] = a * scale;
    }
}

/* x[idx[k]] += v, row after row (a row listed twice gets v twice). */
static void
scatter_avx2(float *x, size_t stride, const uint32_t *idx, size_t nr, const float *v, size_t d)
{
    for (size_t k = 0; k < nr; k++) {
        float *r = x + (size_t)idx[k] * stride;
        size_t i = 0;
        for (; i + 8 <= d; i += 8)
            _mm256_storeu_ps(r + i, _mm256_add_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(v + i)));
        for (; i + 4 <= d; i += 4)
            _mm_storeu_ps(r + i, _mm_add_ps(_mm_loadu_ps(r + i), _mm_loadu_ps(v + i)));
        for (; i < d; i++)
            r[i] += v[i];
    }
}

/* The step's elements from i on, past the last 8: 4 floats at once with the scalar code's
 * separate multiplies and adds (no fused multiply-add: the same bits as w2v_step_elems),
 * then the last few in it. */
static inline void
step_tail(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
          size_t i, size_t d)
{
    for (; i + 4 <= d; i += 4) {
        const __m128 hi = _mm_loadu_ps(h + i);
        __m128 dh = _mm_setzero_ps();
        for (size_t j = 0; j < t; j++) {
            const __m128 gj = _mm_set1_ps(g[j]), o = _mm_loadu_ps(out[j] + i);
            dh = _mm_add_ps(dh, _mm_mul_ps(gj, o));
            _mm_storeu_ps(out[j] + i, _mm_add_ps(o, _mm_mul_ps(gj, hi)));
        }
        _mm_storeu_ps(acc + i, _mm_add_ps(_mm_loadu_ps(acc + i), dh));
        _mm_storeu_ps(h + i, _mm_add_ps(hi, _mm_mul_ps(_mm_set1_ps(gain), dh)));
    }
    w2v_step_elems(h, acc, out, t, g, gain, i, d);
}

/* One context's update (w2v.h step): 8 floats of h, acc and every out row at a time, so
 * each out row is read and written once. */
static void
step_avx2(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
          size_t d)
{
    const __m256 gn = _mm256_set1_ps(gain);
    size_t i = 0;
    for (; i + 8 <= d; i += 8) {
        const __m256 hi = _mm256_loadu_ps(h + i);
        __m256 dh = _mm256_setzero_ps();
        for (size_t j = 0; j < t; j++) {
            const __m256 gj = _mm256_set1_ps(g[j]), o = _mm256_loadu_ps(out[j] + i);
            dh = _mm256_fmadd_ps(gj, o, dh);
            _mm256_storeu_ps(out[j] + i, _mm256_fmadd_ps(gj, hi, o));
        }
        _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), dh));
        _mm256_storeu_ps(h + i, _mm256_fmadd_ps(gn, dh, hi));
    }
    step_tail(h, acc, out, t, g, gain, i, d);
}

/* step_avx2, then scores_avx2 of h against next, in one pass over D: each 8 floats of the
 * out rows are written before those of the next rows are read (a row in both gives its
 * new value, as in turn), and each score is summed as scores_avx2 sums it (8 lanes of
 * fused multiply-adds, then the lanes, then the tail in order): the same bits. tn is a
 * constant where this is inlined for the usual counts, so the sums stay in registers. */
static inline __attribute__((always_inline)) void
step_scores_n(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
              float *const *next, size_t tn, float *s, size_t d)
{
    const __m256 gn = _mm256_set1_ps(gain);
    __m256 a[W2V_BATCH_MAX_T];
#pragma GCC unroll 8
    for (size_t j = 0; j < tn; j++)
        a[j] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= d; i += 8) {
        const __m256 hi = _mm256_loadu_ps(h + i);
        __m256 dh = _mm256_setzero_ps();
        for (size_t j = 0; j < t; j++) {
            const __m256 gj = _mm256_set1_ps(g[j]), o = _mm256_loadu_ps(out[j] + i);
            dh = _mm256_fmadd_ps(gj, o, dh);
            _mm256_storeu_ps(out[j] + i, _mm256_fmadd_ps(gj, hi, o));
        }
        _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), dh));
        const __m256 hn = _mm256_fmadd_ps(gn, dh, hi);
        _mm256_storeu_ps(h + i, hn);
#pragma GCC unroll 8
        for (size_t j = 0; j < tn; j++)
            a[j] = _mm256_fmadd_ps(hn, _mm256_loadu_ps(next[j] + i), a[j]);
    }
    const size_t tail = i;
    step_tail(h, acc, out, t, g, gain, i, d);
#pragma GCC unroll 8
    for (size_t j = 0; j < tn; j++) {
        float r = hsum8(a[j]);
        for (size_t e = tail; e < d; e++)
            r += h[e] * next[j][e];
        s[j] = r;
    }
}

static void
step_scores_avx2(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
                 float *const *next, size_t tn, float *s, size_t d)
{
    switch (tn) { /* k + 1 targets, or fewer when a draw equals the context (shared) */
    case 6: step_scores_n(h, acc, out, t, g, gain, next, 6, s, d); break;
    case 5: step_scores_n(h, acc, out, t, g, gain, next, 5, s, d); break;
    case 4: step_scores_n(h, acc, out, t, g, gain, next, 4, s, d); break;
    default: step_scores_n(h, acc, out, t, g, gain, next, tn, s, d); break;
    }
}

const struct w2v_window_ops w2v_window_ops_avx2 = {
    "avx2",       scores_avx2,  apply_avx2, combine,         gather_avx2,
    scatter_avx2, step_avx2,    step_scores_avx2};
