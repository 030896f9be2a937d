/* embed_cache.c - a token cache read back; see embed_cache.h. */
#include "embed_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "embed_ctx.h"
#include "lm/lm.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"
#include "vecio/vecfile.h"
#include "vecio/vecset.h"

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

int
embed_cache_write(FILE *fp, const struct lm *m, int level)
{
    const size_t width = lm_width(&m->c), n = m->c.vocab - LM_NSPECIAL, n1 = n ? n : 1;
    float *rows = calloc(n1 * width, sizeof *rows);
    const char **words = calloc(n1, sizeof *words);
    size_t *lens = calloc(n1, sizeof *lens);
    struct rec_meta *meta = rec_meta_new();
    int rc = rows == NULL || words == NULL || lens == NULL || meta == NULL ? WP_ENOMEM : WP_OK;
    if (rc == WP_OK)
        rc = embed_cache_meta(meta, m);
    if (rc == WP_OK)
        rc = embed_cache_rows(m, LM_NSPECIAL, n, rows);
    for (size_t i = 0; rc == WP_OK && i < n; i++)
        words[i] = vocab_word(m->vocab, (uint32_t)i, &lens[i]);
    const struct vecfile_rows vr = {.words = words, .lens = lens, .m = rows, .v = n, .d = width};
    if (rc == WP_OK)
        rc = vecfile_write(fp, VECSET_STREAM, &vr, meta, level);
    rec_meta_free(meta);
    free(words);
    free(lens);
    free(rows);
    return rc;
}

int
embed_cache_probe(const char *path, const struct lm *m)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return WP_ENOTFOUND;
    struct rec_reader *r;
    int rc = rec_reader_open(&r, fp);
    if (rc == WP_OK) {
        rc = rec_reader_kind(r) == REC_VECTORS ? embed_cache_check(rec_reader_meta(r), m)
                                               : WP_EKIND;
        rec_reader_free(r);
    }
    fclose(fp);
    return rc;
}

int
embed_cache_beside(const char *model, const struct lm *m, char *path, size_t size)
{
    if (model == NULL || strcmp(model, "-") == 0
        || (size_t)snprintf(path, size, "%s.cache", model) >= size)
        return WP_ENOTFOUND;
    return embed_cache_probe(path, m);
}
