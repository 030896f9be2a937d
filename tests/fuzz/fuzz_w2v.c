/* fuzz_w2v.c - the word2vec text and binary importers (lib/vecio/w2vfmt.c) on arbitrary bytes.
 * Byte 0 picks the format (AUTO, TEXT, BIN, NOHEADER); the rest is the file (AUTO runs the
 * format detector on it). On success the vectors must be consistent: v words, each
 * NUL-terminated and without a space or newline, and finite values. A tab inside a word
 * is legal in the binary format (word2vec.c ends a word at a space only); the writers
 * refuse such words instead (w2vfmt_write_*: WP_EFORMAT). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "fuzz.h"
#include "vecio/w2vfmt.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct w2vfmt_vectors vs;
    struct w2vfmt_error err;

    if (size < 1)
        return 0;
    const int format = data[0] % 4;
    FILE *fp = fuzz_fopen(data + 1, size - 1);
    if (fp == NULL)
        return 0;
    const int rc = w2vfmt_read(fp, format, &vs, &err);
    fclose(fp);
    if (rc != WP_OK) {
        if (memchr(err.msg, '\0', sizeof err.msg) == NULL)
            abort();
        return 0;
    }
    if (vs.v > 0 && (vs.d == 0 || vs.words == NULL || vs.m == NULL))
        abort();
    for (size_t i = 0; i < vs.v; i++) {
        if (strpbrk(vs.words[i], " \n") != NULL)
            abort();
        for (size_t j = 0; j < vs.d; j++)
            if (!isfinite(vs.m[i * vs.d + j]))
                abort();
    }
    w2vfmt_free(&vs);
    return 0;
}
