/* fuzz_fasttext.c - the fastText .bin reader (lib/vecio/fasttext.c) through vecset_load,
 * which detects it, reads it and computes every word's vector, on arbitrary bytes; then the
 * n-gram vectors of words taken from the input. On success: v words, NUL-terminated and
 * non-empty, finite vectors, and every word found again at its own row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "fuzz.h"
#include "vecio/fasttext.h"
#include "vecio/vecset.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vecset *s;
    struct w2vfmt_error err;

    FILE *fp = fuzz_fopen(data, size);
    if (fp == NULL)
        return 0;
    const int rc = vecset_load(&s, fp, VECSET_FASTTEXT, &err);
    fclose(fp);
    if (rc != WP_OK) {
        if (memchr(err.msg, '\0', sizeof err.msg) == NULL)
            abort();
        return 0;
    }
    if (s->v == 0 || s->d == 0 || s->ft == NULL || s->format != VECSET_FASTTEXT)
        abort();
    float *x = malloc(s->d * sizeof *x);
    if (x == NULL)
        abort();
    for (size_t i = 0; i < s->v; i++) {
        const size_t len = strlen(s->words[i]);
        if (len == 0 || vecset_find(s, s->words[i], len) != (int64_t)i)
            abort();
        for (size_t j = 0; j < s->d; j++)
            if (!isfinite(s->m[i * s->d + j]))
                abort();
    }
    /* words outside the vocabulary: the input's last bytes, any length up to 64 */
    for (size_t n = 0; n <= 64 && n <= size; n += 7) {
        int64_t row;
        const int r = vecset_vector(s, (const char *)data + size - n, n, n & 1, x, &row);
        if (r != 1 && r != 0 && r != WP_ENOTFOUND)
            abort();
        for (size_t j = 0; r >= 0 && j < s->d; j++)
            if (!isfinite(x[j]))
                abort();
    }
    free(x);
    vecset_free(s);
    return 0;
}
