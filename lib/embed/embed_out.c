/* embed_out.c - stream and .npy sinks for embed(1); see embed_out.h. */
#include "embed_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "vecio/npy.h"

struct embed_out {
    struct embed_out_cfg c;
    FILE *fp;
    struct rec_writer *w;  /* stream */
    struct buf b;          /* record or label being built */
    FILE *tmp;             /* npy: the unpadded rows, in order */
    uint64_t *lens;        /* npy: tokens per sentence */
    size_t nsent, cap, longest;
};

size_t
embed_out_npy_shape(size_t n, size_t layers, size_t dim, int sentences, uint64_t *shape)
{
    size_t k = 0;
    if (!sentences)
        shape[k++] = n;
    if (layers > 1)
        shape[k++] = layers;
    shape[k++] = dim;
    return k;
}

int
embed_out_npy_one(FILE *fp, size_t n, size_t layers, size_t dim, int sentences,
                  const float *x)
{
    uint64_t shape[3];
    const size_t nd = embed_out_npy_shape(n, layers, dim, sentences, shape);
    WP_TRY(npy_write_header(fp, shape, nd));
    return npy_write_f32(fp, x, (sentences ? 1 : n) * layers * dim);
}

int
embed_out_open(struct embed_out **out, FILE *fp, const struct embed_out_cfg *cfg)
{
    struct embed_out *o = calloc(1, sizeof *o);
    int rc = WP_OK;
    *out = NULL;
    if (o == NULL)
        return WP_ENOMEM;
    o->c = *cfg;
    o->c.meta = NULL;
    o->fp = fp;
    if (cfg->format == EMBED_OUT_NPY) {
        if ((o->tmp = tmpfile()) == NULL) {
            free(o);
            return WP_EIO;
        }
    } else {
        struct rec_meta *m = rec_meta_new();
        if (m == NULL)
            rc = WP_ENOMEM;
        if (rc == WP_OK && cfg->meta != NULL)
            rc = rec_meta_copy(m, cfg->meta);
        if (rc == WP_OK && cfg->sentences) {
            if ((rc = rec_meta_set_u64(m, "dim", cfg->layers * cfg->dim)) == WP_OK &&
                (rc = rec_meta_set_u64(m, "layers", cfg->layers)) == WP_OK)
                rc = rec_meta_set_u64(m, "layer_dim", cfg->dim);
        } else if (rc == WP_OK) {
            if ((rc = rec_meta_set_u64(m, "dim", cfg->dim)) == WP_OK)
                rc = rec_meta_set_u64(m, "layers", cfg->layers);
        }
        if (rc == WP_OK)
            rc = rec_writer_open(&o->w, fp, cfg->sentences ? REC_VECTORS : REC_CVECTORS, m,
                                 cfg->level);
        rec_meta_free(m);
        if (rc < 0) {
            free(o);
            return rc;
        }
    }
    *out = o;
    return WP_OK;
}

/* npy: remember the sentence's length; its rows go to the temporary file. */
static int
npy_put(struct embed_out *o, size_t n, const float *x, size_t count)
{
    if (o->nsent == o->cap) {
        const size_t cap = o->cap ? 2 * o->cap : 1024;
        uint64_t *p = realloc(o->lens, cap * sizeof *p);
        if (p == NULL)
            return WP_ENOMEM;
        o->lens = p;
        o->cap = cap;
    }
    o->lens[o->nsent++] = n;
    o->longest = n > o->longest ? n : o->longest;
    return npy_write_f32(o->tmp, x, count);
}

int
embed_out_tokens(struct embed_out *o, uint64_t sentence, const unsigned char *const *tok,
                 const size_t *len, const uint64_t *pos, size_t n, const float *x)
{
    const size_t k = o->c.layers * o->c.dim;
    if (o->c.format == EMBED_OUT_NPY)
        return npy_put(o, n, x, n * k);
    for (size_t i = 0; i < n; i++) {
        buf_clear(&o->b);
        WP_TRY(rec_cvector_encode(&o->b, sentence, pos ? pos[i] : i, tok[i], len[i], x + i * k,
                                  k));
        WP_TRY(rec_writer_put(o->w, o->b.p, o->b.len));
    }
    return WP_OK;
}

int
embed_out_sentence(struct embed_out *o, uint64_t sentence, const unsigned char *const *tok,
                   const size_t *len, size_t n, const float *x)
{
    const size_t k = o->c.layers * o->c.dim;
    (void)sentence;
    if (o->c.format == EMBED_OUT_NPY)
        return npy_put(o, 1, x, k);
    struct buf label = {0};
    int rc = WP_OK;
    for (size_t i = 0; i < n && rc == WP_OK; i++) {
        if (i > 0)
            rc = buf_put_u8(&label, ' ');
        if (rc == WP_OK)
            rc = buf_put(&label, tok[i], len[i]);
    }
    buf_clear(&o->b);
    if (rc == WP_OK)
        rc = rec_vector_encode(&o->b, label.p ? label.p : (const unsigned char *)"", label.len, x,
                               k);
    if (rc == WP_OK)
        rc = rec_writer_put(o->w, o->b.p, o->b.len);
    buf_free(&label);
    return rc;
}

/* Header now that the longest sentence is known, then every sentence padded to it. */
static int
npy_finish(struct embed_out *o)
{
    const size_t k = o->c.layers * o->c.dim;
    uint64_t shape[4];
    size_t nd = 0;
    float *row = malloc((k ? k : 1) * sizeof *row);
    int rc = row ? WP_OK : WP_ENOMEM;
    shape[nd++] = o->nsent;
    nd += embed_out_npy_shape(o->longest, o->c.layers, o->c.dim, o->c.sentences, shape + 1);
    if (rc == WP_OK)
        rc = npy_write_header(o->fp, shape, nd);
    if (rc == WP_OK && fflush(o->tmp) == EOF)
        rc = WP_EIO;
    rewind(o->tmp);
    for (size_t s = 0; s < o->nsent && rc == WP_OK; s++) {
        const size_t n = o->c.sentences ? 1 : o->lens[s];
        for (size_t i = 0; i < n && rc == WP_OK; i++) /* little-endian bytes: copy as read */
            if (fread(row, sizeof *row, k, o->tmp) != k || fwrite(row, sizeof *row, k, o->fp) != k)
                rc = WP_EIO;
        if (rc == WP_OK && !o->c.sentences)
            rc = npy_write_zeros(o->fp, (o->longest - n) * k);
    }
    free(row);
    return rc;
}

int
embed_out_close(struct embed_out *o)
{
    int rc;
    if (o->c.format == EMBED_OUT_NPY) {
        rc = npy_finish(o);
        if (rc == WP_OK && fflush(o->fp) == EOF)
            rc = WP_EIO;
    } else {
        rc = rec_writer_close(o->w);
        o->w = NULL;
    }
    embed_out_abort(o);
    return rc;
}

void
embed_out_abort(struct embed_out *o)
{
    if (o == NULL)
        return;
    if (o->w != NULL)
        rec_writer_abort(o->w);
    if (o->tmp != NULL)
        fclose(o->tmp);
    buf_free(&o->b);
    free(o->lens);
    free(o);
}
