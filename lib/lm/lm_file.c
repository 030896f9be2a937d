/* lm_file.c - the language model's file: configuration <-> header metadata, the vocabulary
 * and the named tensors as a REC_MODEL stream (lm.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "lm.h"
#include "stream/rec.h"
#include "stream/tensorio.h"
#include "text/vocab.h"

/* ---- configuration <-> header metadata ---- */

static int
put_list(struct rec_meta *meta, const char *key, const uint32_t *v, uint32_t n)
{
    char s[CHARENC_MAX_WIDTHS * 12 + 1] = "";
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, sizeof s - len, "%s%u", i ? "," : "", v[i]);
    return rec_meta_set_str(meta, key, s);
}

static int
get_list(const struct rec_meta *meta, const char *key, uint32_t *v, uint32_t *n)
{
    const char *s;
    WP_TRY(rec_meta_get_str(meta, key, &s));
    *n = 0;
    while (*s != '\0') {
        char *end;
        const unsigned long x = strtoul(s, &end, 10);
        if (end == s || x == 0 || x > 65536 || *n == CHARENC_MAX_WIDTHS)
            return WP_ECORRUPT;
        v[(*n)++] = (uint32_t)x;
        s = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return WP_ECORRUPT;
    }
    return WP_OK;
}

int
lm_cfg_to_meta(struct rec_meta *meta, const struct lm_cfg *c)
{
    WP_TRY(rec_meta_set_str(meta, "model", "elmo"));
    WP_TRY(rec_meta_set_u64(meta, "vocab_size", c->vocab));
    WP_TRY(rec_meta_set_u64(meta, "char_input", c->char_input));
    if (c->char_input) {
        WP_TRY(rec_meta_set_u64(meta, "max_chars", c->ch.max_chars));
        WP_TRY(rec_meta_set_u64(meta, "char_dim", c->ch.char_dim));
        WP_TRY(put_list(meta, "widths", c->ch.widths, c->ch.nwidths));
        WP_TRY(put_list(meta, "filters", c->ch.filters, c->ch.nwidths));
        WP_TRY(rec_meta_set_u64(meta, "highway", c->ch.highway));
        WP_TRY(rec_meta_set_str(meta, "char_act", c->ch.act == CHARENC_TANH ? "tanh" : "relu"));
    }
    WP_TRY(rec_meta_set_u64(meta, "layers", c->layers));
    WP_TRY(rec_meta_set_u64(meta, "hidden", c->hidden));
    WP_TRY(rec_meta_set_u64(meta, "proj", c->proj));
    WP_TRY(rec_meta_set_f64(meta, "cell_clip", c->cell_clip));
    WP_TRY(rec_meta_set_f64(meta, "proj_clip", c->proj_clip));
    WP_TRY(rec_meta_set_u64(meta, "residual", c->residual));
    return rec_meta_set_u64(meta, "directions", c->directions);
}

static int
get_u32(const struct rec_meta *meta, const char *key, uint32_t *v)
{
    uint64_t x;
    const int rc = rec_meta_get_u64(meta, key, &x);
    if (rc < 0)
        return WP_ECORRUPT;
    if (x > UINT32_MAX)
        return WP_ECORRUPT;
    *v = (uint32_t)x;
    return WP_OK;
}

int
lm_cfg_from_meta(const struct rec_meta *meta, struct lm_cfg *c)
{
    const char *model;
    double f;
    if (rec_meta_get_str(meta, "model", &model) < 0 || strcmp(model, "elmo") != 0)
        return WP_EKIND;
    memset(c, 0, sizeof *c);
    WP_TRY(get_u32(meta, "vocab_size", &c->vocab));
    WP_TRY(get_u32(meta, "char_input", &c->char_input));
    if (c->char_input) {
        uint32_t nf;
        WP_TRY(get_u32(meta, "max_chars", &c->ch.max_chars));
        WP_TRY(get_u32(meta, "char_dim", &c->ch.char_dim));
        if (get_list(meta, "widths", c->ch.widths, &c->ch.nwidths) < 0
            || get_list(meta, "filters", c->ch.filters, &nf) < 0 || nf != c->ch.nwidths)
            return WP_ECORRUPT;
        WP_TRY(get_u32(meta, "highway", &c->ch.highway));
        const char *act;
        if (rec_meta_get_str(meta, "char_act", &act) == WP_OK) {  /* absent: ReLU (older models) */
            if (strcmp(act, "tanh") == 0)
                c->ch.act = CHARENC_TANH;
            else if (strcmp(act, "relu") != 0)
                return WP_ECORRUPT;
        }
    }
    WP_TRY(get_u32(meta, "layers", &c->layers));
    WP_TRY(get_u32(meta, "hidden", &c->hidden));
    WP_TRY(get_u32(meta, "proj", &c->proj));
    if (rec_meta_get_f64(meta, "cell_clip", &f) < 0)
        return WP_ECORRUPT;
    c->cell_clip = (float)f;
    if (rec_meta_get_f64(meta, "proj_clip", &f) < 0)
        return WP_ECORRUPT;
    c->proj_clip = (float)f;
    WP_TRY(get_u32(meta, "residual", &c->residual));
    WP_TRY(get_u32(meta, "directions", &c->directions));
    c->ch.out_dim = lm_width(c);
    return lm_cfg_check(c) < 0 ? WP_ECORRUPT : WP_OK;
}

/* ---- model file ---- */

static struct lm_tensor *
tensor_table(const struct lm *m, size_t *n)
{
    *n = lm_tensors(m, NULL, 0);
    struct lm_tensor *t = malloc(*n * sizeof *t);
    if (t != NULL)
        lm_tensors(m, t, *n);
    return t;
}

static int
write_tensors(struct rec_writer *w, const struct lm *m)
{
    struct buf b = {0}, words = {0};
    size_t n;
    struct lm_tensor *t = tensor_table(m, &n);
    int rc = t == NULL ? WP_ENOMEM : WP_OK;
    const uint32_t nw = m->vocab != NULL ? vocab_size(m->vocab) : 0;
    if (rc == WP_OK && nw + LM_NSPECIAL != m->c.vocab)
        rc = WP_ERANGE;
    for (uint32_t i = 0; rc == WP_OK && i < nw; i++) {
        size_t len;
        const char *s = vocab_word(m->vocab, i, &len);
        rc = memchr(s, '\n', len) != NULL ? WP_ERANGE : buf_put(&words, s, len);
        if (rc == WP_OK)
            rc = buf_put_u8(&words, '\n');
    }
    if (rc == WP_OK)
        rc = tensor_put_bytes(w, &b, "vocab", words.p, words.len);
    for (size_t i = 0; rc == WP_OK && i < n; i++)
        rc = tensor_put_f32(w, &b, t[i].name, m->w + t[i].offset, t[i].rows, t[i].cols);
    free(t);
    buf_free(&b);
    buf_free(&words);
    return rc;
}

int
lm_save_ex(FILE *fp, const struct lm *m, const struct rec_meta *extra, int level,
           lm_more_fn more, const void *ctx)
{
    struct rec_meta *meta = rec_meta_new();
    struct rec_writer *w = NULL;
    if (meta == NULL)
        return WP_ENOMEM;
    int rc = extra != NULL ? rec_meta_copy(meta, extra) : WP_OK;
    if (rc == WP_OK)
        rc = lm_cfg_to_meta(meta, &m->c);
    if (rc == WP_OK)
        rc = rec_writer_open(&w, fp, REC_MODEL, meta, level);
    rec_meta_free(meta);
    if (rc < 0)
        return rc;
    rc = write_tensors(w, m);
    if (rc == WP_OK && more != NULL)
        rc = more(ctx, w);
    if (rc < 0) {
        rec_writer_abort(w);
        return rc;
    }
    return rec_writer_close(w);
}

int
lm_save(FILE *fp, const struct lm *m, const struct rec_meta *extra, int level)
{
    return lm_save_ex(fp, m, extra, level, NULL, NULL);
}

static int
load_vocab(struct lm *m, const struct tensor_slice *s)
{
    if (s->dtype != TENSOR_BYTES || s->ndim != 1 || s->offset != 0 || s->count != s->dim[0]
        || m->vocab != NULL
        || (size_t)(s->data.end - s->data.p) != s->count)
        return WP_ECORRUPT;
    WP_TRY(vocab_create(&m->vocab, m->c.vocab));
    const unsigned char *p = s->data.p, *end = s->data.end;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return WP_ECORRUPT;
        const uint32_t before = vocab_size(m->vocab);
        WP_TRY(vocab_add(m->vocab, p, (size_t)(nl - p), 1));
        if (vocab_size(m->vocab) != before + 1)
            return WP_ECORRUPT;   /* a duplicate word */
        p = nl + 1;
    }
    return vocab_size(m->vocab) + LM_NSPECIAL == m->c.vocab ? WP_OK : WP_ECORRUPT;
}

/* The weights the header declares must fit in what is left of the file (a regular file; a
 * pipe is not checked): a header of a few bytes must not make the reader allocate 16 GB
 * only to report truncation. */
static int
check_declared(struct rec_reader *rd, const struct lm_cfg *c, struct lm_load_error *err)
{
    const uint64_t n = lm_param_count(c), can = rec_reader_raw_left_max(rd);
    if (n <= can / sizeof(float))
        return WP_OK;
    if (err != NULL)
        snprintf(err->msg, sizeof err->msg, "header declares %llu weights (%.1f MB), more "
                 "than the rest of the file can hold", (unsigned long long)n,
                 (double)n * sizeof(float) / 1e6);
    return WP_ECORRUPT;
}

/* A NaN or infinite weight would make a layer a constant (or NaN) without a word: refused,
 * naming the tensor and the value's index in it. */
static int
check_finite(const float *x, uint64_t count, const struct tensor_slice *s,
             struct lm_load_error *err)
{
    for (uint64_t j = 0; j < count; j++) {
        if (isfinite(x[j]))
            continue;
        if (err != NULL)
            snprintf(err->msg, sizeof err->msg, "tensor '%.*s' value %llu is not finite",
                     (int)(s->name_len < 64 ? s->name_len : 64), s->name,
                     (unsigned long long)(s->offset + j));
        return WP_ERANGE;
    }
    return WP_OK;
}

/* held: NULL, or stop at the first "train.*" tensor, pointing *held at its record (NULL
 * when there is none) */
static int
load(struct rec_reader *rd, struct lm **out, lm_extra_fn extra, void *ctx,
     struct lm_load_error *err, const unsigned char **held, size_t *held_len)
{
    struct lm_cfg c;
    if (err != NULL)
        err->msg[0] = '\0';
    if (rec_reader_kind(rd) != REC_MODEL)
        return WP_EKIND;
    WP_TRY(lm_cfg_from_meta(rec_reader_meta(rd), &c));
    WP_TRY(check_declared(rd, &c, err));
    struct lm *m;
    WP_TRY(lm_new(&m, &c));
    size_t n;
    struct lm_tensor *t = tensor_table(m, &n);
    uint64_t *filled = calloc(n + 1, sizeof *filled);
    if (held != NULL)
        *held = NULL;
    int rc = t == NULL || filled == NULL ? WP_ENOMEM : WP_OK;
    while (rc == WP_OK) {
        const unsigned char *rec;
        size_t len;
        struct tensor_slice s;
        rc = rec_reader_next(rd, &rec, &len);
        if (rc <= 0)
            break;
        rc = tensor_slice_parse(rec, len, &s);
        if (rc < 0)
            break;
        if (tensor_slice_is(&s, "vocab")) {
            rc = load_vocab(m, &s);
            continue;
        }
        size_t i = 0;
        while (i < n && !tensor_slice_is(&s, t[i].name))
            i++;
        if (i == n && held != NULL && s.name_len > 6 && memcmp(s.name, "train.", 6) == 0) {
            *held = rec;
            *held_len = len;
            break;
        }
        if (i == n) {
            if (s.name_len > 6 && memcmp(s.name, "train.", 6) == 0)
                rc = extra != NULL ? extra(ctx, &s) : WP_OK;
            else
                rc = WP_ECORRUPT;
            continue;
        }
        const uint64_t size = t[i].cols ? t[i].rows * t[i].cols : t[i].rows;
        if (s.dtype != TENSOR_F32 || s.ndim != (t[i].cols ? 2u : 1u) || s.dim[0] != t[i].rows
            || (t[i].cols && s.dim[1] != t[i].cols) || s.offset != filled[i]) {
            rc = WP_ECORRUPT;
            break;
        }
        rc = rec_cursor_f32s(&s.data, m->w + t[i].offset + s.offset, (size_t)s.count);
        if (rc == WP_OK)
            rc = rec_cursor_done(&s.data);
        if (rc == WP_OK)
            rc = check_finite(m->w + t[i].offset + s.offset, s.count, &s, err);
        filled[i] += s.count;
        (void)size;
    }
    for (size_t i = 0; rc == WP_OK && i < n; i++)
        if (filled[i] != (t[i].cols ? t[i].rows * t[i].cols : t[i].rows))
            rc = WP_ETRUNC;
    if (rc == WP_OK && m->vocab == NULL)
        rc = WP_ETRUNC;
    free(t);
    free(filled);
    if (rc < 0) {
        lm_free(m);
        return rc;
    }
    *out = m;
    return WP_OK;
}

int
lm_load_ex(struct rec_reader *rd, struct lm **out, lm_extra_fn extra, void *ctx)
{
    return load(rd, out, extra, ctx, NULL, NULL, NULL);
}

int
lm_load(struct rec_reader *rd, struct lm **out)
{
    return load(rd, out, NULL, NULL, NULL, NULL, NULL);
}

int
lm_load_checked(struct rec_reader *rd, struct lm **out, struct lm_load_error *err)
{
    return load(rd, out, NULL, NULL, err, NULL, NULL);
}

int
lm_load_head(struct rec_reader *rd, struct lm **out, struct lm_load_error *err,
             const unsigned char **held, size_t *held_len)
{
    return load(rd, out, NULL, NULL, err, held, held_len);
}
