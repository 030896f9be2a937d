/* vmath.h - elementwise exp, sigmoid and tanh over float arrays, 4 lanes at a time with
 * GCC/Clang vector extensions (one SSE register at the x86-64 baseline; wider generic
 * vectors are lowered element by element without -mavx). About 1e-7 relative error for
 * exp and sigmoid, 1e-7 absolute for tanh: what the LSTM cell and the softmax need, at a
 * fraction of libm's cost. */
#ifndef WP_VMATH_H
#define WP_VMATH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef float vm_v4f __attribute__((vector_size(16)));
typedef int32_t vm_v4i __attribute__((vector_size(16)));
#define VM_SPLAT(a) ((vm_v4f){(a), (a), (a), (a)})

/* exp(t) for t in [-87, 87] (callers clamp): Cephes' expf, range reduction by ln 2 in two
 * parts, a degree-6 polynomial, the exponent by bit insertion. */
static inline vm_v4f
vm_exp4(vm_v4f t)
{
    vm_v4f f = t * 1.44269504088896341f + 12582912.0f; /* round to nearest integer */
    f = f - 12582912.0f;
    vm_v4f r = t - f * 0.693359375f;
    r = r + f * 2.12194440e-4f;
    vm_v4f y = r * 1.9875691500e-4f + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    const vm_v4i e = (__builtin_convertvector(f, vm_v4i) + 127) << 23;
    return y * (vm_v4f)e;
}

/* max(t, lo) lane by lane; a NaN lane becomes lo */
static inline vm_v4f
vm_max4(vm_v4f t, vm_v4f lo)
{
    const vm_v4i keep = t > lo;
    return (vm_v4f)(((vm_v4i)t & keep) | ((vm_v4i)lo & ~keep));
}

/* min(t, hi) lane by lane; a NaN lane stays NaN */
static inline vm_v4f
vm_min4(vm_v4f t, vm_v4f hi)
{
    const vm_v4i big = t > hi;
    return (vm_v4f)(((vm_v4i)hi & big) | ((vm_v4i)t & ~big));
}

static inline vm_v4f
vm_sigmoid4(vm_v4f x)
{
    const vm_v4f t = vm_min4(vm_max4(-x, VM_SPLAT(-87.0f)), VM_SPLAT(87.0f));
    return 1.0f / (1.0f + vm_exp4(t));
}

/* tanh(x) = 1 - 2 / (1 + exp(2x)); below |x| = 0.01 the odd series, where the subtraction
 * would cancel. */
static inline vm_v4f
vm_tanh4(vm_v4f x)
{
    const vm_v4f t = vm_min4(vm_max4(2.0f * x, VM_SPLAT(-87.0f)), VM_SPLAT(87.0f));
    const vm_v4f big = 1.0f - 2.0f / (1.0f + vm_exp4(t));
    const vm_v4f x2 = x * x, small = x + x * x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f));
    const vm_v4f ax = vm_max4(x, -x);
    const vm_v4i tiny = ax < 0.01f;
    return (vm_v4f)(((vm_v4i)small & tiny) | ((vm_v4i)big & ~tiny));
}

static inline float
vm_sigmoid1(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* x[i] = sigmoid(x[i]) */
static inline void
vm_sigmoid(float *x, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        vm_v4f v;
        memcpy(&v, x + i, sizeof v);
        v = vm_sigmoid4(v);
        memcpy(x + i, &v, sizeof v);
    }
    for (; i < n; i++)
        x[i] = vm_sigmoid1(x[i]);
}

/* y[i] = tanh(x[i]); x and y may be the same array */
static inline void
vm_tanh(const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        vm_v4f v;
        memcpy(&v, x + i, sizeof v);
        v = vm_tanh4(v);
        memcpy(y + i, &v, sizeof v);
    }
    for (; i < n; i++)
        y[i] = tanhf(x[i]);
}

#endif
