/* vec.c - scalar reference kernels and the run-time dispatch (C19). This file is compiled
 * with baseline flags; the AVX2+FMA table lives in vec_avx2.c and is used only when the CPU
 * and the OS (XSAVE state for ymm registers) both support it. WP_KERNEL=ref|avx2 forces a
 * table; an unknown or unusable name makes vec_select_status() return WP_ERANGE and leaves
 * the reference table selected. */
#include "vec.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define VEC_HAVE_X86 1
extern const struct vec_ops vec_ops_avx2; /* vec_avx2.c */
#endif

static float
dot_ref(const float *x, const float *y, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

static void
axpy_ref(float *y, float a, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

static void
scale_ref(float *x, float a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= a;
}

static float
sqnorm_ref(const float *x, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

double
vec_sumsq_f64(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

const struct vec_ops vec_ops_ref = {
    .name = "ref",
    .dot = dot_ref,
    .axpy = axpy_ref,
    .scale = scale_ref,
    .sqnorm = sqnorm_ref,
};

#ifdef VEC_HAVE_X86
/* CPUID says what the core has; XGETBV says whether the OS saves the ymm state. Both are
 * needed (OpenBLAS and xxHash check the same way). */
static int
cpu_has_avx2_fma(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 6u) != 6u) /* XMM and YMM state enabled */
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0; /* AVX2 */
}
#endif

/* The usable tables, best first, NULL-terminated; filled once. */
static const struct vec_ops *variants[4];
static const struct vec_ops *_Atomic chosen;
static _Atomic int select_status;

static void
fill_variants(void)
{
    size_t n = 0;
#ifdef VEC_HAVE_X86
    if (cpu_has_avx2_fma())
        variants[n++] = &vec_ops_avx2;
#endif
    variants[n++] = &vec_ops_ref;
    variants[n] = NULL;
}

/* Idempotent: racing first calls compute the same answer, so no lock is needed beyond the
 * atomic publication of the result. */
static const struct vec_ops *
select_ops(void)
{
    fill_variants();
    const char *want = getenv("WP_KERNEL"); /* C1: the one environment read in lib/ */
    if (want == NULL || *want == '\0') {
        atomic_store(&select_status, WP_OK);
        return variants[0];
    }
    for (size_t i = 0; variants[i] != NULL; i++)
        if (strcmp(variants[i]->name, want) == 0) {
            atomic_store(&select_status, WP_OK);
            return variants[i];
        }
    atomic_store(&select_status, WP_ERANGE);
    return &vec_ops_ref;
}

const struct vec_ops *
vec_ops(void)
{
    const struct vec_ops *o = atomic_load_explicit(&chosen, memory_order_acquire);
    if (o == NULL) {
        o = select_ops();
        atomic_store_explicit(&chosen, o, memory_order_release);
    }
    return o;
}

const struct vec_ops *const *
vec_all_variants(void)
{
    (void)vec_ops();
    return variants;
}

int
vec_select_status(void)
{
    (void)vec_ops();
    return atomic_load(&select_status);
}
