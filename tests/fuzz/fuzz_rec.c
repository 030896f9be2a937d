/* fuzz_rec.c - the record-stream reader (lib/stream/rec.c, lib/stream/rec_meta.c) on arbitrary bytes
 * (byte 0 is the mode of fuzz_stream in fuzz.h: bit 0 fixes the checksums):
 * open the stream, list its metadata, read every record to the end or the first error,
 * and decode each record with the payload decoder of the stream's kind, as tools do. */
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "fuzz.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

enum { FUZZ_DIM_MAX = 1 << 16, FUZZ_IDS_CAP = 4096 };

/* Touches every metadata entry, so ASan sees a bad key or string pointer. */
static size_t
walk_meta(const struct rec_meta *m)
{
    size_t sum = 0;
    for (size_t i = 0; i < rec_meta_count(m); i++) {
        const char *key, *s = NULL;
        int type;
        uint64_t u = 0;
        double f = 0;
        rec_meta_entry(m, i, &key, &type, &u, &f, &s);
        sum += strlen(key) + (size_t)type;
        if (type == REC_META_STR)
            sum += strlen(s);
    }
    return sum;
}

static void
decode(int kind, const unsigned char *rec, size_t len, size_t dim, float *x, uint32_t *ids)
{
    struct rec_cursor c;
    const unsigned char *w;
    uint64_t n, a, b;
    uint32_t center;
    size_t wlen, got;

    switch (kind) {
    case REC_TOKENS:
        if (rec_tokens_open(&c, rec, len, &n) == WP_OK) {
            for (uint64_t i = 0; i < n; i++)
                if (rec_cursor_bytes(&c, &w, &wlen) < 0)
                    return;
            (void)rec_cursor_done(&c);
        }
        break;
    case REC_VOCAB:
        (void)rec_vocab_decode(rec, len, &n, &w, &wlen);
        break;
    case REC_IDS:
        (void)rec_ids_decode(rec, len, ids, FUZZ_IDS_CAP, &got);
        break;
    case REC_WINDOWS:
        (void)rec_window_decode(rec, len, &center, ids, FUZZ_IDS_CAP, &got);
        break;
    case REC_SPANS: /* ids and radii in the two halves of the buffer */
        (void)rec_spans_decode(rec, len, ids, ids + FUZZ_IDS_CAP / 2, FUZZ_IDS_CAP / 2, &got);
        break;
    case REC_VECTORS:
        if (x != NULL)
            (void)rec_vector_decode(rec, len, dim, &w, &wlen, x);
        break;
    case REC_CVECTORS:
        if (x != NULL)
            (void)rec_cvector_decode(rec, len, dim, &a, &b, &w, &wlen, x);
        break;
    default:
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;
    FILE *fp = fuzz_stream(data, size, &copy);
    struct rec_reader *r = NULL;
    const unsigned char *rec;
    size_t len, dim = 0;
    float *x = NULL;
    uint32_t *ids = NULL;
    int rc;

    if (fp == NULL)
        return 0;
    rc = rec_reader_open(&r, fp);
    if (rc == WP_OK) {
        const struct rec_meta *m = rec_reader_meta(r);
        uint64_t d = 0, layers = 1;
        (void)walk_meta(m);
        (void)rec_meta_get_u64(m, "dim", &d);
        (void)rec_meta_get_u64(m, "layers", &layers);
        if (d > 0 && layers > 0 && d <= FUZZ_DIM_MAX && layers <= FUZZ_DIM_MAX / d) {
            dim = (size_t)(d * layers);
            x = malloc(dim * sizeof *x);
        }
        ids = malloc(FUZZ_IDS_CAP * sizeof *ids);
        while (ids != NULL && (rc = rec_reader_next(r, &rec, &len)) == 1)
            decode(rec_reader_kind(r), rec, len, dim, x, ids);
        (void)rec_reader_stats(r);
        (void)rec_reader_record_index(r);
    }
    if (r != NULL) {
        /* the message parts a tool prints must be valid strings */
        (void)strlen(rec_reader_where(r));
        const char *detail = rec_reader_detail(r);
        if (detail != NULL)
            (void)strlen(detail);
        rec_reader_free(r);
    }
    (void)strlen(wp_strerror(rc));
    free(x);
    free(ids);
    fclose(fp);
    free(copy);
    return 0;
}
