/* i8dot.c - the scalar reference for uint8 x int16 dot products and the dispatch. */
#include "i8dot.h"

#include <string.h>

#include "vec.h"

void
i8dot_ref(const uint8_t *codes, size_t n, size_t d, const int16_t *w, int32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int32_t s = 0;
        for (size_t j = 0; j < d; j++)
            s += (int32_t)codes[i * d + j] * w[j];
        out[i] = s;
    }
}

size_t
i8pack_bytes(size_t n, size_t d)
{
    return (n + I8PACK_ROWS - 1) / I8PACK_ROWS * I8PACK_ROWS * I8PACK_D4(d);
}

void
i8pack(const uint8_t *codes, size_t n, size_t d, uint8_t *pack)
{
    const size_t d4 = I8PACK_D4(d), ng = (n + I8PACK_ROWS - 1) / I8PACK_ROWS;
    memset(pack, 0, ng * I8PACK_ROWS * d4);
    for (size_t i = 0; i < n; i++) {
        uint8_t *g = pack + i / I8PACK_ROWS * I8PACK_ROWS * d4 + i % I8PACK_ROWS * 4;
        for (size_t j = 0; j < d; j += 4)
            memcpy(g + j * I8PACK_ROWS, codes + i * d + j, d - j < 4 ? d - j : 4);
    }
}

void
i8gemm_ref(const uint8_t *pack, size_t ngroups, size_t d, const int8_t *w, size_t nq,
           int32_t *out, size_t ldo)
{
    const size_t d4 = I8PACK_D4(d);
    for (size_t q = 0; q < nq; q++)
        for (size_t g = 0; g < ngroups; g++)
            for (size_t r = 0; r < I8PACK_ROWS; r++) {
                const uint8_t *p = pack + g * I8PACK_ROWS * d4 + r * 4;
                int32_t s = 0;
                for (size_t j = 0; j < d4; j++)
                    s += (int32_t)p[j / 4 * 4 * I8PACK_ROWS + j % 4] * w[q * d4 + j];
                out[q * ldo + g * I8PACK_ROWS + r] = s;
            }
}

i8gemm_fn *
i8gemm_pick(const char **name)
{
    i8gemm_fn *f = i8gemm_ref;
    const char *nm = "ref";
#if defined(__x86_64__)
    if (strcmp(vec_ops()->name, "avx2") == 0) {
        f = i8gemm_avx2;
        nm = "avx2";
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vnni")) {
            f = i8gemm_avx512vnni;
            nm = "avx512vnni";
        }
    }
#endif
    if (name != NULL)
        *name = nm;
    return f;
}

i8dot_fn *
i8dot_pick(void)
{
#if defined(__x86_64__)
    if (strcmp(vec_ops()->name, "avx2") == 0)
        return i8dot_avx2;
#endif
    return i8dot_ref;
}
