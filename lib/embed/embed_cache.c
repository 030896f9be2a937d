/* embed_cache.c - a token cache read back; see embed_cache.h. */
#include "embed_cache.h"

#include <string.h>

#include "common/status.h"
#include "lm/lm.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"

int
embed_cache_read(struct rec_reader *r, const struct lm *m, float *rows, size_t *nread,
                 int *bad_record)
{
    const size_t width = lm_width(&m->c), n = m->c.vocab - LM_NSPECIAL;
    const unsigned char *rec, *word;
    size_t len, wl, i = 0;
    int rc;
    *bad_record = 0;
    while ((rc = rec_reader_next(r, &rec, &len)) == 1) {
        size_t vl;
        int e = i < n ? rec_vector_decode(rec, len, width, &word, &wl, rows + i * width)
                      : WP_ECORRUPT;
        const char *v = e == WP_OK ? vocab_word(m->vocab, (uint32_t)i, &vl) : NULL;
        if (e == WP_OK && (vl != wl || memcmp(v, word, wl) != 0))
            e = WP_EVOCAB;
        if (e < 0) {
            *bad_record = 1;
            *nread = i;
            return e;
        }
        i++;
    }
    *nread = i;
    return rc < 0 ? rc : WP_OK;
}
