/* fuzz_payload.c - each payload decoder of lib/stream/rec_payload.h on one arbitrary record.
 * Byte 0 picks the decoder (kind 1..REC_KIND_MAX; REC_MODEL, which has no decoder, makes
 * bare cursor calls), byte 1 the capacity or dimension it is given;
 * the rest is the record. A decoder that succeeds must have stayed inside the record and
 * returned lengths that fit it; the harness aborts otherwise. */
#include <stdlib.h>

#include "common/status.h"
#include "fuzz.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

static int
inside(const unsigned char *s, size_t n, const unsigned char *rec, size_t len)
{
    return s >= rec && n <= (size_t)(rec + len - s);
}

static void
check_word(int rc, const unsigned char *w, size_t wlen, const unsigned char *rec, size_t len)
{
    if (rc == WP_OK && !inside(w, wlen, rec, len))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const int kind = data[0] % REC_KIND_MAX + 1;
    const size_t arg = data[1];
    const unsigned char *rec = data + 2;
    const size_t len = size - 2;
    /* one more slot than the decoder is told, poisoned to catch a write past cap */
    uint32_t *ids = malloc((arg + 1) * sizeof *ids);
    uint32_t *radii = malloc((arg + 1) * sizeof *radii);
    float *x = malloc((arg + 1) * sizeof *x);
    struct rec_cursor c;
    const unsigned char *w = NULL;
    uint64_t n, a, b;
    uint32_t center;
    size_t wlen = 0, got = 0;
    int rc;

    if (ids == NULL || x == NULL || radii == NULL)
        goto out;
    ids[arg] = radii[arg] = 0xDEADBEEF;
    switch (kind) {
    case REC_TOKENS:
        rc = rec_tokens_open(&c, rec, len, &n);
        if (rc == WP_OK && n > len)
            abort();
        for (uint64_t i = 0; rc == WP_OK && i < n; i++) {
            rc = rec_cursor_bytes(&c, &w, &wlen);
            check_word(rc, w, wlen, rec, len);
        }
        if (rc == WP_OK)
            (void)rec_cursor_done(&c);
        break;
    case REC_VOCAB:
        rc = rec_vocab_decode(rec, len, &n, &w, &wlen);
        check_word(rc, w, wlen, rec, len);
        break;
    case REC_IDS:
        rc = rec_ids_decode(rec, len, ids, arg, &got);
        if ((rc == WP_OK && got > arg) || ids[arg] != 0xDEADBEEF)
            abort();
        break;
    case REC_WINDOWS:
        rc = rec_window_decode(rec, len, &center, ids, arg, &got);
        if ((rc == WP_OK && got > arg) || ids[arg] != 0xDEADBEEF)
            abort();
        break;
    case REC_SPANS:
        rc = rec_spans_count(rec, len, &got);
        if (rc == WP_OK && 2 * got > len) /* each pair takes two bytes */
            abort();
        rc = rec_spans_decode(rec, len, ids, radii, arg, &got);
        if ((rc == WP_OK && got > arg) || ids[arg] != 0xDEADBEEF || radii[arg] != 0xDEADBEEF)
            abort();
        break;
    case REC_VECTORS:
        rc = rec_vector_decode(rec, len, arg, &w, &wlen, x);
        check_word(rc, w, wlen, rec, len);
        break;
    case REC_CVECTORS:
        rc = rec_cvector_decode(rec, len, arg, &a, &b, &w, &wlen, x);
        check_word(rc, w, wlen, rec, len);
        break;
    default: /* REC_MODEL: the bare cursor primitives */
        rec_cursor_init(&c, rec, len);
        while (rec_cursor_varint(&c, &n) == WP_OK && rec_cursor_bytes(&c, &w, &wlen) == WP_OK)
            check_word(WP_OK, w, wlen, rec, len);
        (void)rec_cursor_f32s(&c, x, arg);
        break;
    }
out:
    free(ids);
    free(radii);
    free(x);
    return 0;
}
