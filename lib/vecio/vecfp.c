/* vecfp.c - the matrix fingerprint: one XXH3-64 over the little-endian float bytes. */
#include "vecfp.h"

#include <string.h>
#include <xxhash.h>

#include "common/bytes.h"

uint64_t
vecfp_matrix(const float *m, size_t rows, size_t dim)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return XXH3_64bits(m, rows * dim * sizeof *m);
#else
    enum { CHUNK = 4096 };
    unsigned char b[CHUNK * 4];
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    const size_t n = rows * dim;
    for (size_t i = 0; i < n; i += CHUNK) {
        const size_t c = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < c; j++)
            f32_store(b + 4 * j, m[i + j]);
        XXH3_64bits_update(&st, b, 4 * c);
    }
    return XXH3_64bits_digest(&st);
#endif
}
