/* vecfile.c - one writer for every vector file format; see vecfile.h. */
#include "vecfile.h"

#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "vecset.h"
#include "vectab.h"
#include "w2vfmt.h"

/* A REC_VECTORS stream of the rows, its header meta plus "dim". */
static int
write_stream(FILE *fp, const struct vecfile_rows *r, const struct rec_meta *meta, int level)
{
    struct rec_meta *m = rec_meta_new();
    struct rec_writer *w = NULL;
    struct buf b = {0};
    int rc = m == NULL ? WP_ENOMEM : WP_OK;
    if (rc == WP_OK && meta != NULL)
        rc = rec_meta_copy(m, meta);
    if (rc == WP_OK)
        rc = rec_meta_set_u64(m, "dim", r->d);
    if (rc == WP_OK)
        rc = rec_writer_open(&w, fp, REC_VECTORS, m, level);
    for (size_t i = 0; i < r->v && rc == WP_OK; i++) {
        const size_t len = r->lens != NULL ? r->lens[i] : strlen(r->words[i]);
        buf_clear(&b);
        rc = rec_vector_encode(&b, r->words[i], len, r->m + i * r->d, r->d);
        if (rc == WP_OK)
            rc = rec_writer_put(w, b.p, b.len);
    }
    if (rc == WP_OK)
        rc = rec_writer_close(w); /* the trailer */
    else if (w != NULL)
        rec_writer_abort(w);
    buf_free(&b);
    rec_meta_free(m);
    return rc;
}

int
vecfile_write(FILE *fp, int format, const struct vecfile_rows *rows, const struct rec_meta *meta,
              int level)
{
    switch (format) {
    case W2VFMT_TEXT: return w2vfmt_write_text(fp, rows->words, rows->m, rows->v, rows->d);
    case W2VFMT_BIN: return w2vfmt_write_bin(fp, rows->words, rows->m, rows->v, rows->d);
    case VECSET_STREAM: return write_stream(fp, rows, meta, level);
    default: return WP_ERANGE;
    }
}

int
vecfile_write_set(FILE *fp, int format, const struct vecset *s, const struct rec_meta *meta,
                  int level)
{
    if (format == VECSET_FASTTEXT)
        return vecset_write_fasttext(fp, s);
    if (format & VECFILE_TABLE)
        return vectab_write(fp, s->words, s->m, s->unit, s->v, s->d,
                            (unsigned)format & ~(unsigned)VECFILE_TABLE);
    const struct vecfile_rows rows = {.words = (const char *const *)s->words, .m = s->m,
                                      .v = s->v, .d = s->d};
    return vecfile_write(fp, format, &rows, meta, level);
}
