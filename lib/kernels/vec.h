/* vec.h - vectorized float kernels with a scalar reference and AVX2+FMA variants chosen
 * once at run time from CPUID (override: WP_KERNEL=ref|avx2; an invalid value makes
 * vec_select fail). Tests compare every variant against vec_ops_ref. */
#ifndef WP_VEC_H
#define WP_VEC_H

#include <stddef.h>

struct vec_ops {
    const char *name;                                      /* "ref", "avx2" */
    float (*dot)(const float *x, const float *y, size_t n);
    void (*axpy)(float *y, float a, const float *x, size_t n);  /* y += a*x */
    void (*scale)(float *x, float a, size_t n);                 /* x *= a */
    float (*sqnorm)(const float *x, size_t n);                  /* sum x^2 */
};

extern const struct vec_ops vec_ops_ref;
/* Picks the table on first call (thread-safe after that); never NULL. */
const struct vec_ops *vec_ops(void);
/* Every table this build and CPU can run, NULL-terminated (for tests and benches). */
const struct vec_ops *const *vec_all_variants(void);
/* WP_OK, or WP_ERANGE if WP_KERNEL names no usable variant. */
int vec_select_status(void);

/* sum x[i]^2 over i = 0..n-1, each square taken and added in double, in index order: the
 * one sum of squares for norms that files, scores and reports depend on bit for bit (a
 * product of two floats is exact in double, so contracting it into an fma changes
 * nothing). Scalar only: a vectorised sum would add in another order. */
double vec_sumsq_f64(const float *x, size_t n);

#endif
