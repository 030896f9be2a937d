/* vecfp.c - the matrix fingerprint (one XXH3-64 over the little-endian float bytes), the
 * words' and the model's built from them. */
#include "vecfp.h"

#include <string.h>
/* XXH3_state_t becomes a stack object, so vecfp_words cannot fail */
#define XXH_INLINE_ALL
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

uint64_t
vecfp_words(char *const *words, size_t rows)
{
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    for (size_t i = 0; i < rows; i++) /* the NUL included: "ab","c" differs from "a","bc" */
        XXH3_64bits_update(&st, words[i], strlen(words[i]) + 1);
    return XXH3_64bits_digest(&st);
}

uint64_t
vecfp_model(size_t rows, size_t dim, uint64_t words_fp, uint64_t matrix_fp)
{
    unsigned char b[32];
    le64_store(b, dim);
    le64_store(b + 8, rows);
    le64_store(b + 16, words_fp);
    le64_store(b + 24, matrix_fp);
    return XXH3_64bits(b, sizeof b);
}
