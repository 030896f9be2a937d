/* probe_data.c - joining vectors with labels, checked token for token (probe_data.h). */
#include "probe_data.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "probe.h"
#include "probe_labels.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

struct probe_loader {
    struct probe_shape s;
    int keep;                  /* layer index, or -1 for all */
    size_t width;              /* floats kept per example */
    struct probe_labels *labels;
    struct probe_data d;
    size_t cap;                /* examples with room in d */
    float *row;                /* one whole vector record */
    /* the label sentence being matched: d.sentences - 1 when have */
    int have, ended;
    uint32_t *lab;             /* its class ids */
    size_t nlab, labcap, k;    /* labels in it, vectors matched so far */
    uint64_t vec_sentences;    /* sentence vectors: records read */
    char err[320];
    int err_which;
};

void
probe_data_free(struct probe_data *d)
{
    free(d->x);
    free(d->y);
    free(d->word);
    memset(d, 0, sizeof *d);
}

int
probe_shape_of(int kind, const struct rec_meta *meta, struct probe_shape *s)
{
    uint64_t dim, layers = 1;
    if (kind != REC_CVECTORS && kind != REC_VECTORS)
        return WP_EKIND;
    if (rec_meta_get_u64(meta, "dim", &dim) < 0 || dim == 0)
        return WP_ECORRUPT;
    const int rc = rec_meta_get_u64(meta, "layers", &layers);
    if ((rc < 0 && rc != WP_ENOTFOUND) || layers == 0 || layers > PROBE_MAX_LAYERS)
        return WP_ECORRUPT;
    s->sentences = kind == REC_VECTORS;
    if (s->sentences) { /* dim is the whole vector: layers x layer_dim */
        if (dim % layers != 0)
            return WP_ECORRUPT;
        dim /= layers;
    }
    if (dim > (1u << 24))
        return WP_ECORRUPT;
    s->src_layers = (uint32_t)layers;
    s->dim = (uint32_t)dim;
    return WP_OK;
}

int
probe_loader_new(struct probe_loader **out, const struct probe_shape *s, int keep_layer,
                 struct probe_labels *labels)
{
    if (keep_layer >= (int)s->src_layers)
        return WP_ERANGE;
    struct probe_loader *ld = calloc(1, sizeof *ld);
    if (ld == NULL)
        return WP_ENOMEM;
    ld->s = *s;
    ld->keep = keep_layer;
    ld->labels = labels;
    ld->d.layers = keep_layer < 0 ? s->src_layers : 1;
    ld->d.dim = s->dim;
    ld->width = ld->d.layers * ld->d.dim;
    ld->row = malloc((size_t)s->src_layers * s->dim * sizeof *ld->row);
    if (ld->row == NULL) {
        free(ld);
        return WP_ENOMEM;
    }
    *out = ld;
    return WP_OK;
}

void
probe_loader_free(struct probe_loader *ld)
{
    if (ld == NULL)
        return;
    probe_data_free(&ld->d);
    free(ld->row);
    free(ld->lab);
    free(ld);
}

__attribute__((format(printf, 3, 4))) static int
fail(struct probe_loader *ld, int which, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err, sizeof ld->err, fmt, ap);
    va_end(ap);
    ld->err_which = which;
    return WP_EFORMAT;
}

const char *
probe_loader_error(const struct probe_loader *ld, int *which)
{
    if (which != NULL)
        *which = ld->err_which;
    return ld->err;
}

/* the current label sentence is complete: every label matched */
static int
complete(const struct probe_loader *ld)
{
    return !ld->have || ld->k == ld->nlab;
}

int
probe_loader_want_labels(const struct probe_loader *ld)
{
    return !ld->ended && complete(ld);
}

int
probe_loader_labels(struct probe_loader *ld, const unsigned char *rec, size_t len)
{
    struct rec_cursor c;
    uint64_t n;
    if (!complete(ld))
        return WP_ERANGE; /* the caller broke the protocol */
    WP_TRY(rec_tokens_open(&c, rec, len, &n));
    if (n > ld->labcap) {
        uint32_t *p = realloc(ld->lab, n * sizeof *p);
        if (p == NULL)
            return WP_ENOMEM;
        ld->lab = p;
        ld->labcap = n;
    }
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *s;
        size_t sl;
        WP_TRY(rec_cursor_bytes(&c, &s, &sl));
        WP_TRY(probe_labels_intern(ld->labels, s, sl, &ld->lab[i]));
    }
    WP_TRY(rec_cursor_done(&c));
    if (ld->s.sentences && n != 1)
        return fail(ld, 1, "sentence %llu: %llu labels, sentence vectors need exactly 1",
                    (unsigned long long)ld->d.sentences, (unsigned long long)n);
    ld->have = 1;
    ld->nlab = (size_t)n;
    ld->k = 0;
    ld->d.sentences++;
    return WP_OK;
}

void
probe_loader_labels_end(struct probe_loader *ld)
{
    ld->ended = 1;
}

static int
grow(struct probe_loader *ld)
{
    const size_t cap = ld->cap ? ld->cap * 2 : 1024;
    float *x = realloc(ld->d.x, cap * ld->width * sizeof *x);
    if (x == NULL)
        return WP_ENOMEM;
    ld->d.x = x;
    uint32_t *y = realloc(ld->d.y, cap * sizeof *y);
    if (y == NULL)
        return WP_ENOMEM;
    ld->d.y = y;
    uint64_t *w = realloc(ld->d.word, cap * sizeof *w);
    if (w == NULL)
        return WP_ENOMEM;
    ld->d.word = w;
    ld->cap = cap;
    return WP_OK;
}

int
probe_loader_vector(struct probe_loader *ld, const unsigned char *rec, size_t len)
{
    const size_t all = (size_t)ld->s.src_layers * ld->s.dim;
    const uint64_t cur = ld->d.sentences - 1; /* the label sentence being matched */
    uint64_t sent, pos;
    const unsigned char *word;
    size_t wl;
    if (ld->s.sentences) {
        WP_TRY(rec_vector_decode(rec, len, all, &word, &wl, ld->row));
        sent = ld->vec_sentences++;
        pos = 0;
    } else {
        WP_TRY(rec_cvector_decode(rec, len, all, &sent, &pos, &word, &wl, ld->row));
    }
    if (complete(ld)) /* want_labels was true, and the labels have ended */
        return fail(ld, 0, "vectors continue (sentence %llu, position %llu) after the %llu "
                    "sentences of labels", (unsigned long long)sent, (unsigned long long)pos,
                    (unsigned long long)ld->d.sentences);
    if (sent != cur)
        return fail(ld, 0, "sentence %llu: %zu vectors, %zu labels (the next vector is of "
                    "sentence %llu)", (unsigned long long)cur, ld->k, ld->nlab,
                    (unsigned long long)sent);
    if (pos != ld->k)
        return fail(ld, 0, "sentence %llu: a vector for position %llu where position %zu "
                    "was due (%zu labels)", (unsigned long long)cur, (unsigned long long)pos,
                    ld->k, ld->nlab);
    if (ld->d.n == ld->cap)
        WP_TRY(grow(ld));
    const float *src = ld->row + (ld->keep < 0 ? 0 : (size_t)ld->keep * ld->s.dim);
    float *dst = ld->d.x + ld->d.n * ld->width;
    int zero = 1;
    for (size_t i = 0; i < ld->width; i++) {
        if (!isfinite(src[i]))
            return fail(ld, 0, "sentence %llu, position %llu: a non-finite value (%g at "
                        "float %zu)", (unsigned long long)cur, (unsigned long long)pos,
                        (double)src[i], i);
        zero &= src[i] == 0.0f;
        dst[i] = src[i];
    }
    ld->d.zero += (uint64_t)zero;
    ld->d.y[ld->d.n] = ld->lab[ld->k];
    ld->d.word[ld->d.n] = probe_word_hash(word, wl);
    ld->d.n++;
    ld->k++;
    return WP_OK;
}

int
probe_loader_finish(struct probe_loader *ld)
{
    if (!complete(ld))
        return fail(ld, 0, "vectors end in sentence %llu: %zu vectors, %zu labels",
                    (unsigned long long)(ld->d.sentences - 1), ld->k, ld->nlab);
    return WP_OK;
}

void
probe_loader_take(struct probe_loader *ld, struct probe_data *out)
{
    *out = ld->d;
    memset(&ld->d, 0, sizeof ld->d);
    ld->cap = 0;
}

void
probe_data_flatten(struct probe_data *d)
{
    d->dim *= d->layers;
    d->layers = 1;
}

int
probe_stats(const struct probe_data *d, float *mean, float *istd)
{
    const size_t k = d->layers * d->dim;
    double *s = calloc(2 * k, sizeof *s);
    if (s == NULL)
        return WP_ENOMEM;
    double *s2 = s + k;
    for (size_t i = 0; i < d->n; i++) {
        const float *x = d->x + i * k;
        for (size_t j = 0; j < k; j++) {
            s[j] += x[j];
            s2[j] += (double)x[j] * x[j];
        }
    }
    const double n = d->n ? (double)d->n : 1.0;
    for (size_t j = 0; j < k; j++) {
        const double mu = s[j] / n, var = s2[j] / n - mu * mu;
        mean[j] = (float)mu;
        istd[j] = var > 1e-12 * (1.0 + mu * mu) ? (float)(1.0 / sqrt(var)) : 1.0f;
    }
    free(s);
    return WP_OK;
}

void
probe_standardize(struct probe_data *d, const float *mean, const float *istd)
{
    const size_t k = d->layers * d->dim;
    for (size_t i = 0; i < d->n; i++) {
        float *x = d->x + i * k;
        for (size_t j = 0; j < k; j++)
            x[j] = (x[j] - mean[j]) * istd[j];
    }
}

/* A failure at the labels (1) or the vectors (0), of the reader or of the loader. */
static int
join_fail(struct probe_join_err *err, int labels, int reader, int rc)
{
    err->labels = labels;
    err->reader = reader;
    return rc;
}

/* The label records the next vector needs; the end of the labels told to ld. */
static int
join_labels(struct probe_loader *ld, struct rec_reader *lr, struct probe_join_err *err)
{
    const unsigned char *rec;
    size_t len;
    while (probe_loader_want_labels(ld)) {
        const int more = rec_reader_next(lr, &rec, &len);
        if (more < 0)
            return join_fail(err, 1, 1, more);
        if (more == 0) {
            probe_loader_labels_end(ld);
            break;
        }
        const int rc = probe_loader_labels(ld, rec, len);
        if (rc < 0)
            return join_fail(err, 1, 0, rc);
    }
    return WP_OK;
}

int
probe_loader_join(struct probe_loader *ld, struct rec_reader *vr, struct rec_reader *lr,
                  void (*progress)(void *ctx, uint64_t nvec), void *ctx, uint64_t *nvec,
                  struct probe_join_err *err)
{
    const unsigned char *rec;
    size_t len;
    int more, rc;
    *nvec = 0;
    while ((more = rec_reader_next(vr, &rec, &len)) == 1) {
        WP_TRY(join_labels(ld, lr, err));
        if ((rc = probe_loader_vector(ld, rec, len)) < 0)
            return join_fail(err, 0, 0, rc);
        if ((++*nvec & 1023) == 0 && progress != NULL) /* 12 MB of 3 x 1024 floats */
            progress(ctx, *nvec);
    }
    if (more < 0)
        return join_fail(err, 0, 1, more);
    if ((rc = probe_loader_finish(ld)) < 0)
        return join_fail(err, 0, 0, rc);
    while ((more = rec_reader_next(lr, &rec, &len)) == 1) {
        if ((rc = probe_loader_labels(ld, rec, len)) < 0)
            return join_fail(err, 1, 0, rc);
        if ((rc = probe_loader_finish(ld)) < 0)
            return join_fail(err, 0, 0, rc);
    }
    return more < 0 ? join_fail(err, 1, 1, more) : WP_OK;
}
