/* knn_kern.h - the inner kernels of knn.c: a scalar reference (knn.c) and AVX2+FMA variants
 * (knn_avx2.c), picked once per call from vec_ops() (so WP_KERNEL=ref forces the
 * reference here too). Internal to lib/. */
#ifndef WP_KNN_KERN_H
#define WP_KNN_KERN_H

#include <stddef.h>
#include <stdint.h>

struct knn_kern {
    /* out[i] = m[i,:] . q for i < n (rows of d floats) */
    void (*dots)(const float *m, size_t n, size_t d, const float *q, float *out);
    /* first index >= j with s[idx] >= thr, or n */
    size_t (*scan)(const float *s, size_t j, size_t n, float thr);
    /* first index >= j with s[idx] >= thr[idx], or n */
    size_t (*scan2)(const float *s, const float *thr, size_t j, size_t n);
    /* out[i] = half-precision row m16[i,:] . q */
    void (*dots16)(const uint16_t *m16, size_t n, size_t d, const float *q, float *out);
};

void knn_dots_avx2(const float *m, size_t n, size_t d, const float *q, float *out);
size_t knn_scan_avx2(const float *s, size_t j, size_t n, float thr);
size_t knn_scan2_avx2(const float *s, const float *thr, size_t j, size_t n);
/* Needs F16C as well (every AVX2 CPU has it; checked before use). */
void knn_dots16_avx2(const uint16_t *m16, size_t n, size_t d, const float *q, float *out);

#endif
