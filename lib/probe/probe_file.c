/* probe_file.c - the probe model as a REC_MODEL stream: configuration in the header
 * metadata (model=probe), then the tensors "labels" (class names, each ended by a newline),
 * "words" (sorted XXH3-64 hashes of the training words), "mean", "istd" and the parameters
 * "mix.s", "mix.gamma", "w1", "b1", "w2", "b2" (probe.h). */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "probe.h"
#include "probe_labels.h"
#include "stream/rec.h"
#include "stream/tensorio.h"

static const char *const select_names[] = {"layer", "concat", "mix"};

static int
cfg_to_meta(struct rec_meta *meta, const struct probe *m)
{
    WP_TRY(rec_meta_set_str(meta, "model", "probe"));
    WP_TRY(rec_meta_set_str(meta, "select", select_names[m->select]));
    WP_TRY(rec_meta_set_u64(meta, "src_layers", m->src_layers));
    if (m->select == PROBE_SEL_LAYER)
        WP_TRY(rec_meta_set_u64(meta, "layer", m->layer));
    WP_TRY(rec_meta_set_u64(meta, "sentences", (uint64_t)m->sentences));
    WP_TRY(rec_meta_set_u64(meta, "layers", m->c.layers));
    WP_TRY(rec_meta_set_u64(meta, "dim", m->c.dim));
    WP_TRY(rec_meta_set_u64(meta, "hidden", m->c.hidden));
    return rec_meta_set_u64(meta, "classes", m->c.classes);
}

static int
get_u32(const struct rec_meta *meta, const char *key, uint32_t *v)
{
    uint64_t x;
    if (rec_meta_get_u64(meta, key, &x) < 0 || x > UINT32_MAX)
        return WP_ECORRUPT;
    *v = (uint32_t)x;
    return WP_OK;
}

static int
write_tensors(struct rec_writer *w, const struct probe *m)
{
    struct buf b = {0}, names = {0};
    const size_t nf = (size_t)m->c.layers * m->c.dim;
    const size_t in = m->c.hidden ? m->c.hidden : m->c.dim;
    int rc = WP_OK;
    for (uint32_t i = 0; rc == WP_OK && i < m->c.classes; i++) {
        const char *s = m->labels->name[i];
        const size_t len = m->labels->len[i];
        rc = memchr(s, '\n', len) != NULL ? WP_ERANGE : buf_put(&names, s, len);
        if (rc == WP_OK)
            rc = buf_put_u8(&names, '\n');
    }
    if (rc == WP_OK)
        rc = tensor_put_bytes(w, &b, "labels", names.p, names.len);
    if (rc == WP_OK)
        rc = tensor_put_u64s(w, &b, "words", m->words, m->nwords);
    if (rc == WP_OK)
        rc = tensor_put_f32(w, &b, "mean", m->mean, nf, 0);
    if (rc == WP_OK)
        rc = tensor_put_f32(w, &b, "istd", m->istd, nf, 0);
    if (rc == WP_OK && m->c.mix) {
        rc = tensor_put_f32(w, &b, "mix.s", m->p.mix_s, m->c.layers, 0);
        if (rc == WP_OK)
            rc = tensor_put_f32(w, &b, "mix.gamma", m->p.gamma, 1, 0);
    }
    if (rc == WP_OK && m->c.hidden) {
        rc = tensor_put_f32(w, &b, "w1", m->p.w1, m->c.hidden, m->c.dim);
        if (rc == WP_OK)
            rc = tensor_put_f32(w, &b, "b1", m->p.b1, m->c.hidden, 0);
    }
    if (rc == WP_OK)
        rc = tensor_put_f32(w, &b, "w2", m->p.w2, m->c.classes, in);
    if (rc == WP_OK)
        rc = tensor_put_f32(w, &b, "b2", m->p.b2, m->c.classes, 0);
    buf_free(&b);
    buf_free(&names);
    return rc;
}

int
probe_save(FILE *fp, const struct probe *m, const struct rec_meta *extra, int level)
{
    struct rec_meta *meta = rec_meta_new();
    struct rec_writer *w = NULL;
    if (meta == NULL)
        return WP_ENOMEM;
    int rc = extra != NULL ? rec_meta_copy(meta, extra) : WP_OK;
    if (rc == WP_OK)
        rc = cfg_to_meta(meta, m);
    if (rc == WP_OK)
        rc = rec_writer_open(&w, fp, REC_MODEL, meta, level);
    rec_meta_free(meta);
    if (rc < 0)
        return rc;
    if ((rc = write_tensors(w, m)) < 0) {
        rec_writer_abort(w);
        return rc;
    }
    return rec_writer_close(w);
}

/* ---- loading ---- */

struct target {
    const char *name;
    float *p;
    uint64_t rows, cols; /* cols 0: 1-D */
    uint64_t filled;
};

static int
load_labels(struct probe *m, const struct tensor_slice *s)
{
    if (s->dtype != TENSOR_BYTES || s->ndim != 1 || s->offset != 0 || s->count != s->dim[0]
        || m->labels->n != 0 || (size_t)(s->data.end - s->data.p) != s->count)
        return WP_ECORRUPT;
    const unsigned char *p = s->data.p, *end = s->data.end;
    while (p < end) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        uint32_t id;
        if (nl == NULL)
            return WP_ECORRUPT;
        WP_TRY(probe_labels_intern(m->labels, p, (size_t)(nl - p), &id));
        if (id + 1 != m->labels->n)
            return WP_ECORRUPT; /* a duplicate */
        p = nl + 1;
    }
    if (m->labels->n != m->c.classes)
        return WP_ECORRUPT;
    probe_labels_freeze(m->labels);
    return WP_OK;
}

static int
load_words(struct probe *m, const struct tensor_slice *s)
{
    if (s->dtype != TENSOR_VARINT || s->ndim != 1 || s->offset != 0 || s->count != s->dim[0]
        || m->words != NULL || s->count > (uint64_t)(s->data.end - s->data.p))
        return WP_ECORRUPT;
    m->words = malloc((s->count ? s->count : 1) * sizeof *m->words);
    if (m->words == NULL)
        return WP_ENOMEM;
    struct rec_cursor c = s->data;
    for (uint64_t i = 0; i < s->count; i++) {
        WP_TRY(rec_cursor_varint(&c, &m->words[i]));
        if (i > 0 && m->words[i] <= m->words[i - 1])
            return WP_ECORRUPT; /* must be sorted and unique */
    }
    m->nwords = (size_t)s->count;
    return rec_cursor_done(&c);
}

static int
load_tensors(struct rec_reader *r, struct probe *m)
{
    const uint64_t nf = (uint64_t)m->c.layers * m->c.dim;
    const uint64_t in = m->c.hidden ? m->c.hidden : m->c.dim;
    struct target t[8] = {
        {"mean", m->mean, nf, 0, 0}, {"istd", m->istd, nf, 0, 0},
        {"w2", m->p.w2, m->c.classes, in, 0}, {"b2", m->p.b2, m->c.classes, 0, 0}};
    size_t nt = 4;
    if (m->c.mix) {
        t[nt++] = (struct target){"mix.s", m->p.mix_s, m->c.layers, 0, 0};
        t[nt++] = (struct target){"mix.gamma", m->p.gamma, 1, 0, 0};
    }
    if (m->c.hidden) {
        t[nt++] = (struct target){"w1", m->p.w1, m->c.hidden, m->c.dim, 0};
        t[nt++] = (struct target){"b1", m->p.b1, m->c.hidden, 0, 0};
    }
    int rc;
    for (;;) {
        const unsigned char *rec;
        size_t len;
        struct tensor_slice s;
        if ((rc = rec_reader_next(r, &rec, &len)) <= 0)
            break;
        WP_TRY(tensor_slice_parse(rec, len, &s));
        if (tensor_slice_is(&s, "labels")) {
            WP_TRY(load_labels(m, &s));
            continue;
        }
        if (tensor_slice_is(&s, "words")) {
            WP_TRY(load_words(m, &s));
            continue;
        }
        size_t i = 0;
        while (i < nt && !tensor_slice_is(&s, t[i].name))
            i++;
        if (i == nt || s.dtype != TENSOR_F32 || s.ndim != (t[i].cols ? 2u : 1u)
            || s.dim[0] != t[i].rows || (t[i].cols && s.dim[1] != t[i].cols)
            || s.offset != t[i].filled)
            return WP_ECORRUPT;
        WP_TRY(rec_cursor_f32s(&s.data, t[i].p + s.offset, (size_t)s.count));
        WP_TRY(rec_cursor_done(&s.data));
        t[i].filled += s.count;
    }
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nt; i++)
        if (t[i].filled != (t[i].cols ? t[i].rows * t[i].cols : t[i].rows))
            return WP_ETRUNC;
    return m->labels->n == m->c.classes && m->words != NULL ? WP_OK : WP_ETRUNC;
}

int
probe_load(struct rec_reader *r, struct probe **out)
{
    const struct rec_meta *meta = rec_reader_meta(r);
    const char *model, *sel;
    struct probe_cfg c = {0};
    uint32_t src_layers, layer = 0, sentences;
    if (rec_reader_kind(r) != REC_MODEL || rec_meta_get_str(meta, "model", &model) < 0
        || strcmp(model, "probe") != 0)
        return WP_EKIND;
    if (rec_meta_get_str(meta, "select", &sel) < 0)
        return WP_ECORRUPT;
    int select = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(sel, select_names[i]) == 0)
            select = i;
    WP_TRY(get_u32(meta, "src_layers", &src_layers));
    if (select == PROBE_SEL_LAYER)
        WP_TRY(get_u32(meta, "layer", &layer));
    WP_TRY(get_u32(meta, "sentences", &sentences));
    WP_TRY(get_u32(meta, "layers", &c.layers));
    WP_TRY(get_u32(meta, "dim", &c.dim));
    WP_TRY(get_u32(meta, "hidden", &c.hidden));
    WP_TRY(get_u32(meta, "classes", &c.classes));
    c.mix = select == PROBE_SEL_MIX;
    if (select < 0 || sentences > 1 || src_layers == 0 || src_layers > PROBE_MAX_LAYERS
        || (select == PROBE_SEL_LAYER && layer >= src_layers)
        || (select == PROBE_SEL_MIX && c.layers != src_layers)
        || probe_cfg_check(&c) < 0)
        return WP_ECORRUPT;
    /* a header of a few bytes must not make the loader allocate gigabytes only to report
     * truncation: the weights it declares must fit in what is left of the input */
    if (probe_nparams(&c) > rec_reader_raw_left_max(r) / sizeof(float))
        return WP_ERANGE;
    struct probe *m;
    WP_TRY(probe_new(&m, &c, 0));
    m->select = select;
    m->src_layers = src_layers;
    m->layer = layer;
    m->sentences = (int)sentences;
    int rc = probe_labels_new(&m->labels);
    if (rc == WP_OK)
        rc = load_tensors(r, m);
    if (rc < 0) {
        probe_free(m);
        return rc;
    }
    *out = m;
    return WP_OK;
}

void
probe_meta_shape(const struct rec_meta *meta, char *buf, size_t n)
{
    uint64_t v[3] = {0, 0, 0};
    const char *key[3] = {"dim", "hidden", "classes"};
    for (int i = 0; i < 3; i++)
        (void)rec_meta_get_u64(meta, key[i], &v[i]);
    snprintf(buf, n, "dim %llu, hidden %llu, %llu classes", (unsigned long long)v[0],
             (unsigned long long)v[1], (unsigned long long)v[2]);
}
