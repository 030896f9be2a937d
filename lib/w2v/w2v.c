/* w2v.c - the word2vec model and its per-window updates (word2vec.c's TrainModelThread,
 * one window at a time). The training loop, threads and input live in w2v_run.c;
 * checkpoints in w2v_ckpt.c; the shared-negative scheme in w2v_batch.c. */
#include "w2v.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/bytes.h"
#include "common/status.h"

enum { W2V_ALIGN = 64 }; /* cache line and any SIMD width */

void
w2v_params_default(struct w2v_params *p)
{
    memset(p, 0, sizeof *p);
    p->dim = 100;
    p->negative = 5;
    p->ns_power = 0.75;
    p->alpha = 0.025f;
    p->seed = 1;
}

int
w2v_params_check(const struct w2v_params *p)
{
    if (p->dim == 0 || p->dim > 100000)
        return WP_ERANGE;
    if (p->negative == 0 && !p->hs)
        return WP_ERANGE; /* nothing to train */
    if (p->negative > 1000 || !(p->alpha > 0.0f) || !(p->alpha <= 10.0f))
        return WP_ERANGE;
    if (!(p->ns_power >= 0.0 && p->ns_power <= 10.0))
        return WP_ERANGE;
    if (p->maxn > 0 && (p->minn < 1 || p->minn > p->maxn || p->maxn > W2V_SUB_MAXN
                        || p->buckets == 0 || p->cbow || p->hs || p->negative == 0
                        || p->negative >= W2V_BATCH_MAX_T))
        return WP_ERANGE; /* subwords: skip-gram with negative sampling only, for now */
    return WP_OK;
}

/* Matrices of W2V_HUGE bytes or more are aligned to it and asked for transparent huge
 * pages: rows are read at random, and with 4 KiB pages nearly every row of a large
 * matrix (the 830 MB n-gram table of subwords) costs a TLB miss as well. Only advice:
 * where the kernel gives none, nothing changes. */
#define W2V_HUGE ((size_t)2 << 20)

static float *
alloc_rows(size_t rows, size_t dim)
{
    size_t n, bytes;
    if (!size_mul_ok(rows, dim, &n) || !size_mul_ok(n, sizeof(float), &bytes))
        return NULL;
    const size_t align = bytes >= W2V_HUGE ? W2V_HUGE : W2V_ALIGN;
    if (bytes > SIZE_MAX - align)
        return NULL;
    bytes = (bytes + align - 1) / align * align;
    float *x = aligned_alloc(align, bytes ? bytes : align);
    if (x == NULL)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (align == W2V_HUGE)
        (void)madvise(x, bytes, MADV_HUGEPAGE); /* before the memset touches the pages */
#endif
    memset(x, 0, bytes);
    return x;
}

static void
fill_tables(struct w2v_model *m)
{
    for (int i = 0; i <= W2V_SIGMOID_SIZE; i++) {
        const double x = (2.0 * i / W2V_SIGMOID_SIZE - 1.0) * W2V_SIGMOID_MAX;
        m->sig[i] = (float)(1.0 / (1.0 + exp(-x)));
        m->logsig[i] = (float)-log1p(exp(-x));
    }
}

static int model_init(struct w2v_model *m, const struct w2v_params *p, const uint64_t *counts,
                      uint32_t n, const uint64_t *ctx_counts, uint32_t nctx,
                      const struct vocab *words);

int
w2v_model_init(struct w2v_model *m, const struct w2v_params *p, const uint64_t *counts,
               uint32_t n)
{
    return model_init(m, p, counts, n, NULL, 0, NULL);
}

int
w2v_model_init_ctx(struct w2v_model *m, const struct w2v_params *p, const uint64_t *counts,
                   uint32_t n, const uint64_t *ctx_counts, uint32_t nctx)
{
    return model_init(m, p, counts, n, ctx_counts, nctx, NULL);
}

/* words: the vocabulary, for subwords (NULL refuses them) */
static int
model_init(struct w2v_model *m, const struct w2v_params *p, const uint64_t *counts,
           uint32_t n, const uint64_t *ctx_counts, uint32_t nctx, const struct vocab *words)
{
    memset(m, 0, sizeof *m);
    WP_TRY(w2v_params_check(p));
    if (n < 2)
        return WP_ERANGE;
    if (p->maxn > 0 && (words == NULL || ctx_counts != NULL || p->buckets > UINT32_MAX - n))
        return WP_ERANGE;
    if (ctx_counts != NULL
        && (nctx == 0 || p->cbow || p->hs || p->shared_neg || p->negative == 0))
        return WP_ERANGE; /* see w2v.h: word2vecf trains skip-gram with negatives only */
    m->p = *p;
    m->n = n;
    m->sep_ctx = ctx_counts != NULL;
    m->nctx = m->sep_ctx ? nctx : n;
    m->ops = vec_ops();
    m->wops = &w2v_window_ops_ref;
    for (const struct w2v_window_ops *const *t = w2v_window_ops_all(); *t != NULL; t++)
        if (strcmp((*t)->name, m->ops->name) == 0)
            m->wops = *t;
    fill_tables(m);
    const size_t d = p->dim;
    int rc = WP_ENOMEM;
    if (p->maxn > 0 && (rc = w2v_sub_build(m, words)) < 0)
        goto fail;
    m->nrows = n + m->sub_nbuckets;
    rc = WP_ENOMEM;
    m->stride = d;
    if ((m->syn0 = alloc_rows(m->nrows, w2v_row_pitch(d))) == NULL)
        goto fail;
    if (p->negative > 0 && (m->syn1neg = alloc_rows(m->nctx, w2v_row_pitch(d))) == NULL)
        goto fail;
    if (p->hs && (m->syn1 = alloc_rows(n - 1, w2v_row_pitch(d))) == NULL)
        goto fail;
    if (p->negative > 0 && (rc = samp_init(&m->samp, m->sep_ctx ? ctx_counts : counts,
                                            m->nctx, p->ns_power)) < 0)
        goto fail;
    if (p->hs && (rc = huffman_build(&m->huff, counts, n)) < 0)
        goto fail;
    if ((rc = w2v_init_input(m, m->syn0, 0)) < 0)
        goto fail;
    return WP_OK;
fail:
    w2v_model_free(m);
    return rc;
}

int
w2v_init_input(const struct w2v_model *m, float *dst, int full)
{
    const size_t d = m->p.dim, n = m->n, st = full ? d : m->stride;
    const size_t rows = n + (m->sub_off != NULL ? (size_t)m->p.buckets : 0);
    uint32_t *at = NULL; /* bucket -> its row in syn0, UINT32_MAX: not in use */
    if (m->sub_off != NULL && !full) {
        if ((at = malloc((size_t)m->p.buckets * sizeof *at)) == NULL)
            return WP_ENOMEM;
        memset(at, 0xff, (size_t)m->p.buckets * sizeof *at);
        for (uint32_t k = 0; k < m->sub_nbuckets; k++)
            at[m->sub_bucket[k]] = m->n + k;
    }
    struct rng r;
    rng_seed(&r, m->p.seed, W2V_STREAM_INIT);
    /* word2vec.c: uniform in [-0.5/D, 0.5/D); fastText (subwords): [-1/D, 1/D) */
    const float inv = (m->p.maxn > 0 ? 2.0f : 1.0f) / (float)d;
    for (size_t i = 0; i < rows; i++) {
        const uint32_t to = full || i < n ? (uint32_t)i : at[i - n];
        for (size_t j = 0; j < d; j++) {
            const float x = (rng_unit(&r) - 0.5f) * inv;
            if (to != UINT32_MAX)
                dst[(size_t)to * st + j] = x;
        }
    }
    free(at);
    return WP_OK;
}

static uint64_t *
vocab_counts(const struct vocab *v)
{
    const uint32_t n = vocab_size(v);
    uint64_t *c = malloc((size_t)(n ? n : 1) * sizeof *c);
    for (uint32_t i = 0; c != NULL && i < n; i++)
        c[i] = vocab_count(v, i);
    return c;
}

int
w2v_model_init_vocab(struct w2v_model *m, const struct w2v_params *p, const struct vocab *v,
                     const struct vocab *cv)
{
    uint64_t *c = vocab_counts(v), *cc = cv != NULL ? vocab_counts(cv) : NULL;
    int rc = WP_ENOMEM;
    memset(m, 0, sizeof *m);
    if (c != NULL && (cv == NULL || cc != NULL))
        rc = model_init(m, p, c, vocab_size(v), cc, cv ? vocab_size(cv) : 0, v);
    free(c);
    free(cc);
    return rc;
}

void
w2v_model_free(struct w2v_model *m)
{
    free(m->syn0);
    free(m->syn1neg);
    free(m->syn1);
    free(m->sub_off);
    free(m->sub_row);
    free(m->sub_bucket);
    free(m->sub_gain);
    samp_free(&m->samp);
    huffman_free(&m->huff);
    memset(m, 0, sizeof *m);
}

int
w2v_replica_init(struct w2v_model *rep, const struct w2v_model *m)
{
    const size_t pitch = w2v_row_pitch(m->p.dim);
    *rep = *m;
    rep->syn0 = alloc_rows(m->nrows, pitch);
    rep->syn1neg = m->syn1neg != NULL ? alloc_rows(m->nctx, pitch) : NULL;
    rep->syn1 = m->syn1 != NULL ? alloc_rows(m->n - 1, pitch) : NULL;
    if (rep->syn0 == NULL || (m->syn1neg != NULL && rep->syn1neg == NULL)
        || (m->syn1 != NULL && rep->syn1 == NULL)) {
        w2v_replica_free(rep);
        return WP_ENOMEM;
    }
    float *to[3], *from[3];
    size_t n[3];
    w2v_model_mats((struct w2v_model *)m, from, n);
    w2v_model_mats(rep, to, n);
    for (int i = 0; i < 3; i++)
        if (n[i] > 0)
            memcpy(to[i], from[i], n[i] * m->stride * sizeof(float));
    return WP_OK;
}

void
w2v_replica_free(struct w2v_model *rep)
{
    free(rep->syn0);
    free(rep->syn1neg);
    free(rep->syn1);
    memset(rep, 0, sizeof *rep);
}

size_t
w2v_row_pitch(size_t d)
{
    return (d + 15) / 16 * 16;
}

void
w2v_model_relayout(struct w2v_model *m, size_t stride)
{
    const size_t d = m->p.dim, from = m->stride;
    float *mats[3];
    size_t rows[3];
    if (stride == from)
        return;
    w2v_model_mats(m, mats, rows);
    for (int i = 0; i < 3; i++) {
        float *x = mats[i];
        if (stride > from) /* widening: the last row first, each moves up */
            for (size_t r = rows[i]; r-- > 0;) {
                memmove(x + r * stride, x + r * from, d * sizeof *x);
                memset(x + r * stride + d, 0, (stride - d) * sizeof *x);
            }
        else /* narrowing: the first row first, each moves down */
            for (size_t r = 0; r < rows[i]; r++)
                memmove(x + r * stride, x + r * from, d * sizeof *x);
    }
    m->stride = stride;
}

/* The rows of syn0, syn1neg and syn1 (0 for an absent one). */
static void
mat_rows(const struct w2v_model *m, size_t rows[3])
{
    rows[0] = m->syn0 != NULL ? m->nrows : 0;
    rows[1] = m->syn1neg != NULL ? m->nctx : 0;
    rows[2] = m->syn1 != NULL && m->n > 0 ? m->n - 1 : 0;
}

void
w2v_model_mats(struct w2v_model *m, float *mats[3], size_t rows[3])
{
    mats[0] = m->syn0;
    mats[1] = m->syn1neg;
    mats[2] = m->syn1;
    mat_rows(m, rows);
}

uint64_t
w2v_model_nonfinite(const struct w2v_model *m)
{
    const float *mats[3] = {m->syn0, m->syn1neg, m->syn1};
    size_t rows[3];
    mat_rows(m, rows);
    uint64_t bad = 0;
    for (int k = 0; k < 3; k++)
        for (size_t r = 0; r < rows[k]; r++) {
            const float *x = mats[k] + r * m->stride;
            float z = 0.0f; /* 0 * x is NaN for a NaN or an infinity, else 0 */
            for (size_t i = 0; i < m->p.dim; i++)
                z += 0.0f * x[i];
            bad += z != 0.0f;
        }
    return bad;
}

int
w2v_worker_init(struct w2v_worker *w, const struct w2v_model *m, uint32_t thread)
{
    memset(w, 0, sizeof *w);
    rng_seed(&w->wrng, m->p.seed, thread);
    rng_seed(&w->nrng, m->p.seed, W2V_STREAM_NEG + thread);
    const size_t d = m->p.dim;
    w->neu1 = alloc_rows(1, d);
    w->neu1e = alloc_rows(1, d);
    w->scratch = NULL;
    if (w->neu1 == NULL || w->neu1e == NULL) {
        w2v_worker_free(w);
        return WP_ENOMEM;
    }
    return WP_OK;
}

void
w2v_worker_free(struct w2v_worker *w)
{
    free(w->neu1);
    free(w->neu1e);
    free(w->scratch);
    free(w->rows);
    free(w->ids);
    free(w->bctx);
    free(w->bcenter);
    free(w->boff);
    free(w->blr);
    free(w->ctx);
    memset(w, 0, sizeof *w);
}

float
w2v_lr(float alpha, uint64_t done, uint64_t total)
{
    const double f = 1.0 - (double)done / ((double)total + 1.0);
    const double lr = alpha * (f > W2V_MIN_ALPHA_FRAC ? f : W2V_MIN_ALPHA_FRAC);
    return (float)lr;
}

float
w2v_sigmoid(const struct w2v_model *m, float x)
{
    double unused = 0.0;
    return w2v_sig_label(m, x, 1, &unused);
}

float
w2v_logsig(const struct w2v_model *m, float x)
{
    double loss = 0.0;
    (void)w2v_sig_label(m, x, 1, &loss);
    return (float)-loss;
}

/* Hierarchical softmax: h predicts word's Huffman path; gradients for h go to neu1e. */
static void
hs_update(struct w2v_model *m, struct w2v_worker *w, const float *h, uint32_t word, float lr)
{
    const struct vec_ops *ops = m->ops;
    const size_t d = m->p.dim;
    const uint64_t b = m->huff.off[word], e = m->huff.off[word + 1];
    for (uint64_t j = b; j < e; j++) {
        float *out = m->syn1 + (size_t)m->huff.point[j] * m->stride;
        const float f = ops->dot(h, out, d);
        const int label = 1 - m->huff.code[j];
        float s;
        if (m->p.exact_sigmoid) {
            s = w2v_sig_label(m, f, label, &w->loss);
        } else {
            /* word2vec.c skips nodes whose sigma is saturated */
            if (f <= -W2V_SIGMOID_MAX || f >= W2V_SIGMOID_MAX)
                continue;
            s = w2v_sig_label(m, f, label, &w->loss);
        }
        w->loss_n++;
        const float g = ((float)label - s) * lr;
        ops->axpy(w->neu1e, g, out, d);
        ops->axpy(out, g, h, d);
    }
}

/* Negative sampling: h predicts word against negative draws. */
static void
ns_update(struct w2v_model *m, struct w2v_worker *w, const float *h, uint32_t word, float lr)
{
    const struct vec_ops *ops = m->ops;
    const size_t d = m->p.dim;
    for (uint32_t k = 0; k <= m->p.negative; k++) {
        uint32_t target = word;
        int label = 1;
        if (k > 0) {
            target = samp_draw(&m->samp, &w->nrng);
            if (target == word)
                continue;
            label = 0;
        }
        float *out = m->syn1neg + (size_t)target * m->stride;
        const float f = ops->dot(h, out, d);
        const float s = w2v_sig_label(m, f, label, &w->loss);
        w->loss_n++;
        const float g = ((float)label - s) * lr;
        ops->axpy(w->neu1e, g, out, d);
        ops->axpy(out, g, h, d);
    }
}

static void
sg_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center, const uint32_t *ctx,
          size_t n, float lr)
{
    const size_t d = m->p.dim;
    for (size_t c = 0; c < n; c++) {
        float *in = m->syn0 + (size_t)ctx[c] * m->stride;
        memset(w->neu1e, 0, d * sizeof(float));
        if (m->p.hs)
            hs_update(m, w, in, center, lr);
        if (m->p.negative)
            ns_update(m, w, in, center, lr);
        m->ops->axpy(in, 1.0f, w->neu1e, d);
    }
}

static void
cbow_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center, const uint32_t *ctx,
            size_t n, float lr)
{
    const struct vec_ops *ops = m->ops;
    const size_t d = m->p.dim;
    if (n == 0)
        return;
    memset(w->neu1, 0, d * sizeof(float));
    memset(w->neu1e, 0, d * sizeof(float));
    for (size_t c = 0; c < n; c++)
        ops->axpy(w->neu1, 1.0f, m->syn0 + (size_t)ctx[c] * m->stride, d);
    if (!m->p.cbow_sum)
        ops->scale(w->neu1, 1.0f / (float)n, d);
    if (m->p.hs)
        hs_update(m, w, w->neu1, center, lr);
    if (m->p.negative)
        ns_update(m, w, w->neu1, center, lr);
    /* word2vec.c adds the whole error to every context, for the mean too */
    for (size_t c = 0; c < n; c++)
        ops->axpy(m->syn0 + (size_t)ctx[c] * m->stride, 1.0f, w->neu1e, d);
}

/* word2vecf: the center's input row predicts each of its contexts (ids in the context
 * vocabulary) against negatives from the context distribution, updated after each pair. */
static void
pair_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center, const uint32_t *ctx,
            size_t n, float lr)
{
    const size_t d = m->p.dim;
    float *in = m->syn0 + (size_t)center * m->stride;
    for (size_t c = 0; c < n; c++) {
        memset(w->neu1e, 0, d * sizeof(float));
        ns_update(m, w, in, ctx[c], lr);
        m->ops->axpy(in, 1.0f, w->neu1e, d);
    }
}

void
w2v_train_window_exact(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                       const uint32_t *ctx, size_t n, float lr)
{
    if (m->sub_off != NULL)
        w2v_sub_window(m, w, center, ctx, n, lr);
    else if (m->sep_ctx)
        pair_window(m, w, center, ctx, n, lr);
    else if (m->p.cbow)
        cbow_window(m, w, center, ctx, n, lr);
    else
        sg_window(m, w, center, ctx, n, lr);
}

void
w2v_train_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                 const uint32_t *ctx, size_t n, float lr)
{
    if (m->sub_off == NULL && !m->sep_ctx && m->p.shared_neg && m->p.negative && !m->p.hs) {
        if (m->p.cbow)
            w2v_cbow_window_batched(m, w, center, ctx, n, lr);
        else
            w2v_sg_window_shared(m, w, center, ctx, n, lr);
        return;
    }
    w2v_train_window_exact(m, w, center, ctx, n, lr);
}
