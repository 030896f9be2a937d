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

i8dot_fn *
i8dot_pick(void)
{
#if defined(__x86_64__)
    if (strcmp(vec_ops()->name, "avx2") == 0)
        return i8dot_avx2;
#endif
    return i8dot_ref;
}
