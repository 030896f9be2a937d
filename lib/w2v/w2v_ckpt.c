/* w2v_ckpt.c - checkpoints: the whole training state as a REC_MODEL stream (wordpipe(5)):
 * the weights as binary32 tensors, every worker's generators as varint tensors, the
 * parameters and position in the header metadata. Loading it and training on gives the
 * model an uninterrupted run gives (one thread, same input). */
#include "w2v.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "stream/rec_payload.h"
#include "stream/tensorio.h"

enum {
    CKPT_RNG_WORDS = 8     /* per worker: window then negative generator, 4 words each */
};

static int
put_meta(struct rec_meta *meta, const struct w2v_model *m, uint32_t threads,
         const struct w2v_pos *pos, uint64_t vocab_hash, uint64_t ctx_hash)
{
    const struct w2v_params *p = &m->p;
    WP_TRY(rec_meta_set_str(meta, "model", "w2v_checkpoint"));
    WP_TRY(rec_meta_set_u64(meta, "vocab_hash", vocab_hash));
    WP_TRY(rec_meta_set_u64(meta, "vocab_size", m->n));
    if (m->sep_ctx) {
        WP_TRY(rec_meta_set_u64(meta, "context_vocab_hash", ctx_hash));
        WP_TRY(rec_meta_set_u64(meta, "context_vocab_size", m->nctx));
    }
    WP_TRY(rec_meta_set_u64(meta, "dim", p->dim));
    WP_TRY(rec_meta_set_u64(meta, "cbow", (uint64_t)p->cbow));
    WP_TRY(rec_meta_set_u64(meta, "cbow_sum", (uint64_t)p->cbow_sum));
    WP_TRY(rec_meta_set_u64(meta, "negative", p->negative));
    WP_TRY(rec_meta_set_f64(meta, "ns_power", p->ns_power));
    WP_TRY(rec_meta_set_u64(meta, "hs", (uint64_t)p->hs));
    WP_TRY(rec_meta_set_u64(meta, "exact_sigmoid", (uint64_t)p->exact_sigmoid));
    WP_TRY(rec_meta_set_u64(meta, "shared_negatives", (uint64_t)p->shared_neg));
    WP_TRY(rec_meta_set_f64(meta, "alpha", p->alpha));
    WP_TRY(rec_meta_set_u64(meta, "seed", p->seed));
    WP_TRY(rec_meta_set_u64(meta, "threads", threads));
    WP_TRY(rec_meta_set_u64(meta, "pass", pos->pass));
    WP_TRY(rec_meta_set_u64(meta, "pass_units", pos->units));
    WP_TRY(rec_meta_set_u64(meta, "records_done", pos->records));
    WP_TRY(rec_meta_set_u64(meta, "chunks_done", pos->chunks));
    return rec_meta_set_u64(meta, "words_done", pos->words);
}

int
w2v_ckpt_save(FILE *fp, const struct w2v_model *m, const struct w2v_worker *workers,
              uint32_t threads, const struct w2v_pos *pos, uint64_t vocab_hash,
              uint64_t ctx_hash, const struct rec_meta *extra, int level)
{
    if (m->sub_off != NULL)
        return WP_ERANGE; /* subword models have no checkpoints yet */
    struct rec_meta *meta = rec_meta_new();
    struct rec_writer *w = NULL;
    struct buf b = {0};
    if (meta == NULL)
        return WP_ENOMEM;
    int rc = extra != NULL ? rec_meta_copy(meta, extra) : WP_OK;
    if (rc == WP_OK)
        rc = put_meta(meta, m, threads, pos, vocab_hash, ctx_hash);
    if (rc == WP_OK)
        rc = rec_writer_open(&w, fp, REC_MODEL, meta, level);
    rec_meta_free(meta);
    if (rc < 0)
        return rc;
    const uint64_t d = m->p.dim;
    const uint64_t st = m->stride; /* padded while w2v_run trains: the file is (rows, D) */
    rc = tensor_put_f32_rows(w, &b, "syn0", m->syn0, m->n, d, st);
    if (rc == WP_OK && m->syn1neg != NULL)
        rc = tensor_put_f32_rows(w, &b, "syn1neg", m->syn1neg, m->nctx, d, st);
    if (rc == WP_OK && m->syn1 != NULL)
        rc = tensor_put_f32_rows(w, &b, "syn1", m->syn1, m->n - 1, d, st);
    /* one row per worker: window generator, then negative generator */
    if (rc == WP_OK)
        rc = tensor_put_header(&b, "rng", TENSOR_VARINT, 2,
                               (const uint64_t[2]){threads, CKPT_RNG_WORDS}, 0,
                               (uint64_t)threads * CKPT_RNG_WORDS);
    for (uint32_t t = 0; rc == WP_OK && t < threads; t++) {
        for (int i = 0; i < 4 && rc == WP_OK; i++)
            rc = buf_put_varint(&b, workers[t].wrng.s[i]);
        for (int i = 0; i < 4 && rc == WP_OK; i++)
            rc = buf_put_varint(&b, workers[t].nrng.s[i]);
    }
    if (rc == WP_OK)
        rc = rec_writer_put(w, b.p, b.len);
    buf_free(&b);
    if (rc < 0) {
        rec_writer_abort(w);
        return rc;
    }
    return rec_writer_close(w);
}

static int
get_u64(const struct rec_meta *meta, const char *key, uint64_t *v)
{
    const int rc = rec_meta_get_u64(meta, key, v);
    return rc == WP_ENOTFOUND ? WP_ECORRUPT : rc;
}

int
w2v_ckpt_params(const struct rec_meta *meta, struct w2v_params *p, uint32_t *n,
                uint32_t *threads, struct w2v_pos *pos, uint64_t *vocab_hash,
                uint32_t *nctx, uint64_t *ctx_hash)
{
    const char *model;
    uint64_t v;
    double f;
    if (rec_meta_get_str(meta, "model", &model) < 0 || strcmp(model, "w2v_checkpoint") != 0)
        return WP_EKIND;
    w2v_params_default(p);
    WP_TRY(get_u64(meta, "vocab_hash", vocab_hash));
    WP_TRY(get_u64(meta, "vocab_size", &v));
    *n = (uint32_t)v;
    if (v != *n)
        return WP_ERANGE;
    *nctx = 0;
    *ctx_hash = 0;
    if (rec_meta_get_u64(meta, "context_vocab_hash", ctx_hash) == WP_OK) {
        WP_TRY(get_u64(meta, "context_vocab_size", &v));
        *nctx = (uint32_t)v;
        if (v != *nctx || v == 0)
            return WP_ERANGE;
    }
    WP_TRY(get_u64(meta, "dim", &v));
    p->dim = (uint32_t)(v > 100000 ? 0 : v);
    WP_TRY(get_u64(meta, "cbow", &v));
    p->cbow = v != 0;
    WP_TRY(get_u64(meta, "cbow_sum", &v));
    p->cbow_sum = v != 0;
    WP_TRY(get_u64(meta, "negative", &v));
    p->negative = (uint32_t)(v > 1000 ? 1001 : v);
    WP_TRY(rec_meta_get_f64(meta, "ns_power", &p->ns_power));
    WP_TRY(get_u64(meta, "hs", &v));
    p->hs = v != 0;
    WP_TRY(get_u64(meta, "exact_sigmoid", &v));
    p->exact_sigmoid = v != 0;
    WP_TRY(get_u64(meta, "shared_negatives", &v));
    p->shared_neg = v != 0;
    WP_TRY(rec_meta_get_f64(meta, "alpha", &f));
    p->alpha = (float)f;
    WP_TRY(get_u64(meta, "seed", &p->seed));
    WP_TRY(get_u64(meta, "threads", &v));
    if (v == 0 || v > 1024)
        return WP_ERANGE;
    *threads = (uint32_t)v;
    WP_TRY(get_u64(meta, "pass", &v));
    pos->pass = (uint32_t)v;
    WP_TRY(get_u64(meta, "pass_units", &pos->units));
    WP_TRY(get_u64(meta, "records_done", &pos->records));
    WP_TRY(get_u64(meta, "words_done", &pos->words));
    pos->chunks = 0; /* absent before --deterministic: only its runs need it */
    (void)rec_meta_get_u64(meta, "chunks_done", &pos->chunks);
    return w2v_params_check(p);
}

/* One tensor slice: checks its shape against the model and copies it in. */
static int
load_slice(const unsigned char *rec, size_t len, struct w2v_model *m,
           struct w2v_worker *workers, uint32_t threads, uint64_t filled[4])
{
    struct tensor_slice s;
    WP_TRY(tensor_slice_parse(rec, len, &s));
    struct rec_cursor *c = &s.data;
    if (s.ndim != 2)
        return WP_ECORRUPT;
    const uint64_t d = m->p.dim, d0 = s.dim[0], d1 = s.dim[1];
    float *dst = NULL;
    uint64_t rows = 0;
    int slot = -1;
    if (tensor_slice_is(&s, "syn0"))
        dst = m->syn0, rows = m->n, slot = 0;
    else if (tensor_slice_is(&s, "syn1neg"))
        dst = m->syn1neg, rows = m->nctx, slot = 1;
    else if (tensor_slice_is(&s, "syn1"))
        dst = m->syn1, rows = m->n - 1, slot = 2;
    else if (tensor_slice_is(&s, "rng"))
        slot = 3;
    if (slot < 0)
        return WP_ECORRUPT;
    if (slot == 3) {
        if (s.dtype != TENSOR_VARINT || d0 != threads || d1 != CKPT_RNG_WORDS || s.offset != 0
            || s.count != d0 * d1)
            return WP_ECORRUPT;
        for (uint32_t t = 0; t < threads; t++) {
            for (int i = 0; i < 4; i++)
                WP_TRY(rec_cursor_varint(c, &workers[t].wrng.s[i]));
            for (int i = 0; i < 4; i++)
                WP_TRY(rec_cursor_varint(c, &workers[t].nrng.s[i]));
        }
        filled[3] = s.count;
        return rec_cursor_done(c);
    }
    if (dst == NULL || s.dtype != TENSOR_F32 || d0 != rows || d1 != d
        || s.offset != filled[slot])
        return WP_ECORRUPT;
    for (uint64_t e = s.offset; e < s.offset + s.count;) { /* row by row: rows may be padded */
        const uint64_t r = e / d, col = e % d;
        const uint64_t k = d - col < s.offset + s.count - e ? d - col : s.offset + s.count - e;
        WP_TRY(rec_cursor_f32s(c, dst + r * m->stride + col, (size_t)k));
        e += k;
    }
    filled[slot] += s.count;
    return rec_cursor_done(c);
}

int
w2v_ckpt_load(struct rec_reader *rd, struct w2v_model *m, struct w2v_worker *workers,
              uint32_t threads)
{
    uint64_t filled[4] = {0, 0, 0, 0};
    for (;;) {
        const unsigned char *rec;
        size_t len;
        const int rc = rec_reader_next(rd, &rec, &len);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        WP_TRY(load_slice(rec, len, m, workers, threads, filled));
    }
    const uint64_t vd = (uint64_t)m->n * m->p.dim, cd = (uint64_t)m->nctx * m->p.dim;
    if (filled[0] != vd || filled[1] != (m->syn1neg ? cd : 0)
        || filled[2] != (m->syn1 ? vd - m->p.dim : 0) || filled[3] != (uint64_t)threads * 8)
        return WP_ETRUNC;
    return WP_OK;
}
