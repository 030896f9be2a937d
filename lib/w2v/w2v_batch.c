/* w2v_batch.c - skip-gram negative sampling with the negatives shared across a window
 * (Ji et al., "Parallelizing Word2Vec in Shared and Distributed Memory", pWord2Vec): one
 * draw of k negatives per center word; every context is scored against the center and
 * those k rows at once, so each gathered output row is reused C times. In matrix form,
 * with In (C, D) the context rows and Out (T, D) the target rows:
 *   S = In Out^T,  G = (labels - sigma(S)) lr,  dIn = G Out,  dOut = G^T In,
 * both gradients taken at the old weights, then applied. The three products run in
 * w2v_window_ops (scalar here, register-blocked AVX2 in w2v_avx2.c).
 *
 * CBOW the same way, over a batch of B windows (W2V_CBOW_BATCH): H (B, D) holds
 * the windows' hidden vectors (mean or sum of their context rows), each predicts its own
 * center against k negatives drawn once for the batch:
 *   s_b = h_b . out[center_b],  S = H Neg^T,  G = (labels - sigma) lr  (B x (1+k)),
 *   dh_b = G_b [out[center_b]; Neg],  Neg += G_neg^T H,  out[center_b] += g_b0 h_b,
 * then every context row of window b gets dh_b (word2vec.c adds the whole error to each).
 * A negative that is window b's own center is masked out of row b. The gradients of a
 * batch are taken before any of its updates, so its windows are taken far apart from a
 * queue of consecutive windows (see W2V_CBOW_QUEUE): neighbouring windows share most of
 * their contexts, and batching them would add up to 2w stale updates on the same rows
 * (that cost 4 points of analogy accuracy when measured). Each negative row is
 * loaded once per batch instead of once per window, and the batch's rows are prefetched
 * while the batch before trains. */
#include "w2v.h"

#include <stdlib.h>
#include <string.h>

enum { BATCH_MAX_T = W2V_BATCH_MAX_T };

static void
scores_ref(float *s, float *const *in, size_t n, float *const *out, size_t t, size_t d)
{
    for (size_t c = 0; c < n; c++)
        for (size_t j = 0; j < t; j++)
            s[c * t + j] = vec_ops_ref.dot(in[c], out[j], d);
}

static void
apply_ref(float *const *in, size_t n, float *const *out, size_t t, size_t d, const float *g,
          float *din)
{
    memset(din, 0, n * d * sizeof *din);
    for (size_t c = 0; c < n; c++) /* dIn = G Out, at the old Out */
        for (size_t j = 0; j < t; j++)
            vec_ops_ref.axpy(din + c * d, g[c * t + j], out[j], d);
    for (size_t j = 0; j < t; j++) /* Out += G^T In, at the old In */
        for (size_t c = 0; c < n; c++)
            vec_ops_ref.axpy(out[j], g[c * t + j], in[c], d);
    for (size_t c = 0; c < n; c++)
        vec_ops_ref.axpy(in[c], 1.0f, din + c * d, d);
}

static void
combine_ref(float *dst, int add, float *const *rows, size_t nr, const float *coef,
            size_t stride, size_t d)
{
    for (size_t i = 0; i < d; i++) {
        float a = add ? dst[i] : 0.0f;
        for (size_t k = 0; k < nr; k++)
            a += coef[k * stride] * rows[k][i];
        dst[i] = a;
    }
}

static void
gather_ref(float *dst, const float *x, size_t stride, const uint32_t *idx, size_t nr,
           float scale, size_t d)
{
    for (size_t i = 0; i < d; i++) {
        float a = 0.0f;
        for (size_t k = 0; k < nr; k++)
            a += x[(size_t)idx[k] * stride + i];
        dst[i] = a * scale;
    }
}

static void
scatter_ref(float *x, size_t stride, const uint32_t *idx, size_t nr, const float *v, size_t d)
{
    for (size_t k = 0; k < nr; k++)
        for (size_t i = 0; i < d; i++)
            x[(size_t)idx[k] * stride + i] += v[i];
}

static void
step_ref(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
         size_t d)
{
    w2v_step_elems(h, acc, out, t, g, gain, 0, d);
}

static void
step_scores_ref(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
                float *const *next, size_t tn, float *s, size_t d)
{
    step_ref(h, acc, out, t, g, gain, d);
    scores_ref(s, &h, 1, next, tn, d);
}

const struct w2v_window_ops w2v_window_ops_ref = {"ref",       scores_ref,  apply_ref,
                                                  combine_ref, gather_ref,  scatter_ref,
                                                  step_ref,    step_scores_ref};

const struct w2v_window_ops *const *
w2v_window_ops_all(void)
{
    static const struct w2v_window_ops *const ref_only[] = {&w2v_window_ops_ref, NULL};
#if defined(__x86_64__) || defined(__i386__)
    static const struct w2v_window_ops *const both[] = {&w2v_window_ops_avx2,
                                                        &w2v_window_ops_ref, NULL};
    if (strcmp(vec_all_variants()[0]->name, "avx2") == 0)
        return both;
#endif
    return ref_only;
}

static int
ensure_scratch(struct w2v_worker *w, size_t floats, size_t rows)
{
    if (w->scratch_rows < floats) {
        free(w->scratch);
        w->scratch = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
        w->scratch_rows = w->scratch != NULL ? floats : 0;
        if (w->scratch == NULL)
            return -1;
    }
    if (w->rows_cap < rows) {
        float **r = realloc(w->rows, rows * sizeof *r);
        if (r == NULL)
            return -1;
        w->rows = r;
        w->rows_cap = rows;
    }
    return 0;
}

/* Negatives ahead (w2v.h): each set is drawn from a copy of the stream, ahead_rng, and its
 * rows are asked for at once. */
void
w2v_ahead_fill(const struct w2v_model *m, struct w2v_worker *w)
{
    const uint32_t k = m->p.negative;
    if (k > W2V_AHEAD_MAX_K)
        return;
    if (w->ahead_n == 0)
        w->ahead_rng = w->nrng;
    while (w->ahead_n < W2V_AHEAD) {
        struct w2v_ahead *a = &w->ahead[(w->ahead_head + w->ahead_n++) % W2V_AHEAD];
        a->from = w->ahead_rng;
        for (uint32_t j = 0; j < k; j++) {
            a->id[j] = samp_draw(&m->samp, &w->ahead_rng);
            w2v_prefetch_row(m->syn1neg + (size_t)a->id[j] * m->stride, m->p.dim);
        }
        a->to = w->ahead_rng;
    }
}

int
w2v_ahead_take(const struct w2v_model *m, struct w2v_worker *w, uint32_t *ids)
{
    if (w->ahead_n == 0)
        return 0;
    const struct w2v_ahead *a = &w->ahead[w->ahead_head];
    if (memcmp(&a->from, &w->nrng, sizeof w->nrng) != 0) {
        w->ahead_n = 0;
        return 0;
    }
    memcpy(ids, a->id, m->p.negative * sizeof *ids);
    w->nrng = a->to;
    w->ahead_head = (w->ahead_head + 1) % W2V_AHEAD;
    w->ahead_n--;
    return 1;
}

void
w2v_sg_window_shared(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                     const uint32_t *ctx, size_t n, float lr)
{
    const size_t d = m->p.dim;
    uint32_t tgt[BATCH_MAX_T];
    float *outp[BATCH_MAX_T];
    size_t t = 0;
    if (n == 0)
        return;
    tgt[t++] = center;
    uint32_t drawn[W2V_AHEAD_MAX_K];
    if (w2v_ahead_take(m, w, drawn)) {
        for (uint32_t k = 0; k < m->p.negative; k++) /* the draws the stream would give */
            if (drawn[k] != center)
                tgt[t++] = drawn[k];
    } else {
        for (uint32_t k = 0; k < m->p.negative && t < BATCH_MAX_T; k++) {
            const uint32_t s = samp_draw(&m->samp, &w->nrng);
            if (s != center)
                tgt[t++] = s;
        }
    }
    w2v_ahead_fill(m, w);
    /* scratch: dIn (g x d), then G (g x t), for groups of g contexts */
    const size_t group = n < W2V_SG_GROUP ? n : W2V_SG_GROUP;
    if (ensure_scratch(w, group * d + group * t, group) < 0) {
        w2v_train_window_exact(m, w, center, ctx, n, lr); /* no memory for the scratch */
        return;
    }
    for (size_t j = 0; j < t; j++)
        outp[j] = m->syn1neg + (size_t)tgt[j] * m->stride;
    double loss = w->loss; /* in a register: g's stores could alias w->loss */
    for (size_t c0 = 0; c0 < n; c0 += group) {
        const size_t nc = n - c0 < group ? n - c0 : group;
        float *din = w->scratch, *g = din + nc * d, **inp = w->rows;
        for (size_t c = 0; c < nc; c++)
            inp[c] = m->syn0 + (size_t)ctx[c0 + c] * m->stride;
        m->wops->scores(g, inp, nc, outp, t, d);
        for (size_t c = 0; c < nc; c++)
            for (size_t j = 0; j < t; j++) {
                const int label = j == 0;
                const float s = w2v_sig_label(m, g[c * t + j], label, &loss);
                g[c * t + j] = ((float)label - s) * lr;
            }
        m->wops->apply(inp, nc, outp, t, d, g, din);
    }
    w->loss = loss;
    w->loss_n += n * t;
}

/* ------------------------------------------------------------ CBOW batches */

/* Prefetches the rows batch win[0..nb) will read and write. */
static void
prefetch_batch(const struct w2v_model *m, const struct w2v_worker *w, const size_t *win,
               size_t nb)
{
    const size_t d = m->p.dim;
    for (size_t b = 0; b < nb; b++) {
        const size_t i = win[b];
        w2v_prefetch_row(m->syn1neg + (size_t)w->bcenter[i] * m->stride, d);
        for (uint32_t c = w->boff[i]; c < w->boff[i + 1]; c++)
            w2v_prefetch_row(m->syn0 + (size_t)w->bctx[c] * m->stride, d);
    }
}

/* Trains the queued windows win[0..nb) as one batch with negatives neg[0..t). */
static void
cbow_batch(struct w2v_model *m, struct w2v_worker *w, const size_t *win, size_t nb,
           const uint32_t *neg, size_t t)
{
    const size_t d = m->p.dim, tt = t + 1;
    const float lr = w->blr[win[0]];
    float *hrow[W2V_CBOW_BATCH], *dhrow[W2V_CBOW_BATCH], *tp[BATCH_MAX_T + 1];
    size_t nctx = 0;
    for (size_t b = 0; b < nb; b++)
        nctx += w->boff[win[b] + 1] - w->boff[win[b]];
    /* scratch: H (nb x d), dH (nb x d), S (nb x t), G (nb x tt) */
    if (ensure_scratch(w, 2 * nb * d + nb * t + nb * tt, nctx) < 0) {
        for (size_t b = 0; b < nb; b++) { /* no memory for the scratch: window by window */
            const size_t i = win[b];
            w2v_train_window_exact(m, w, w->bcenter[i], w->bctx + w->boff[i],
                                   w->boff[i + 1] - w->boff[i], w->blr[i]);
        }
        return;
    }
    float *h = w->scratch, *dh = h + nb * d, *s = dh + nb * d, *g = s + nb * t;
    float **inp = w->rows;
    size_t first[W2V_CBOW_BATCH + 1]; /* window b's rows: inp[first[b] .. first[b+1]) */
    const struct w2v_window_ops *wo = m->wops;
    first[0] = 0;
    for (size_t b = 0; b < nb; b++) {
        const size_t i = win[b], n = w->boff[i + 1] - w->boff[i];
        for (size_t c = 0; c < n; c++)
            inp[first[b] + c] = m->syn0 + (size_t)w->bctx[w->boff[i] + c] * m->stride;
        first[b + 1] = first[b] + n;
        const float coef = m->p.cbow_sum ? 1.0f : 1.0f / (float)n;
        hrow[b] = h + b * d;
        dhrow[b] = dh + b * d;
        wo->combine(hrow[b], 0, inp + first[b], n, &coef, 0, d);
    }
    for (size_t j = 0; j < t; j++)
        tp[1 + j] = m->syn1neg + (size_t)neg[j] * m->stride;
    if (t > 0)
        wo->scores(s, hrow, nb, tp + 1, t, d);
    double loss = w->loss; /* in a register: g's stores could alias w->loss */
    uint64_t loss_n = w->loss_n;
    for (size_t b = 0; b < nb; b++) {
        const uint32_t center = w->bcenter[win[b]];
        float *gb = g + b * tt;
        const float *out = m->syn1neg + (size_t)center * m->stride;
        gb[0] = (1.0f - w2v_sig_label(m, m->ops->dot(hrow[b], out, d), 1, &loss)) * lr;
        loss_n++;
        for (size_t j = 0; j < t; j++) {
            if (neg[j] == center) {
                gb[1 + j] = 0.0f; /* word2vec.c skips a negative that is the center */
                continue;
            }
            gb[1 + j] = -w2v_sig_label(m, s[b * t + j], 0, &loss) * lr;
            loss_n++;
        }
    }
    w->loss = loss;
    w->loss_n = loss_n;
    /* gradients of the hidden vectors at the old output rows */
    for (size_t b = 0; b < nb; b++) {
        tp[0] = m->syn1neg + (size_t)w->bcenter[win[b]] * m->stride;
        wo->combine(dhrow[b], 0, tp, tt, g + b * tt, 1, d);
    }
    for (size_t j = 0; j < t; j++)
        wo->combine(tp[1 + j], 1, hrow, nb, g + 1 + j, tt, d);
    for (size_t b = 0; b < nb; b++) {
        float *out = m->syn1neg + (size_t)w->bcenter[win[b]] * m->stride;
        wo->combine(out, 1, hrow + b, 1, g + b * tt, 0, d);
    }
    static const float one = 1.0f;
    for (size_t b = 0; b < nb; b++)
        for (size_t c = first[b]; c < first[b + 1]; c++)
            wo->combine(inp[c], 1, dhrow + b, 1, &one, 0, d);
}

/* Batch t of a queue of q windows with stride S: windows t, t + S, ... below q. */
static size_t
batch_windows(size_t t, size_t q, size_t stride, size_t *win)
{
    size_t nb = 0;
    for (size_t i = t; i < q && nb < W2V_CBOW_BATCH; i += stride)
        win[nb++] = i;
    return nb;
}

void
w2v_train_flush(struct w2v_model *m, struct w2v_worker *w)
{
    const size_t q = w->nb, stride = (q + W2V_CBOW_BATCH - 1) / W2V_CBOW_BATCH;
    size_t win[2][W2V_CBOW_BATCH], nb[2];
    uint32_t neg[2][BATCH_MAX_T];
    size_t nneg[2];
    w->nb = 0;
    if (q == 0)
        return;
    /* batch t's negatives are drawn, and its rows prefetched, while batch t-1 trains */
    for (size_t t = 0; t <= stride; t++) {
        const int cur = t & 1;
        if (t < stride) {
            nb[cur] = batch_windows(t, q, stride, win[cur]);
            nneg[cur] = 0;
            for (uint32_t k = 0; k < m->p.negative && nneg[cur] < BATCH_MAX_T - 1; k++) {
                neg[cur][nneg[cur]] = samp_draw(&m->samp, &w->nrng);
                w2v_prefetch_row(m->syn1neg + (size_t)neg[cur][nneg[cur]++] * m->stride,
                             m->p.dim);
            }
            prefetch_batch(m, w, win[cur], nb[cur]);
        }
        if (t > 0)
            cbow_batch(m, w, win[!cur], nb[!cur], neg[!cur], nneg[!cur]);
    }
}

void
w2v_cbow_window_batched(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                        const uint32_t *ctx, size_t n, float lr)
{
    if (n == 0)
        return;
    if (w->bcenter == NULL) {
        w->bcenter = malloc(W2V_CBOW_QUEUE * sizeof *w->bcenter);
        w->boff = malloc((W2V_CBOW_QUEUE + 1) * sizeof *w->boff);
        w->blr = malloc(W2V_CBOW_QUEUE * sizeof *w->blr);
        if (w->bcenter == NULL || w->boff == NULL || w->blr == NULL) {
            free(w->bcenter);
            free(w->boff);
            free(w->blr);
            w->bcenter = w->boff = NULL;
            w->blr = NULL;
            goto alone;
        }
        w->nb = 0;
    }
    if (w->nb == 0)
        w->boff[0] = 0;
    const size_t at = w->boff[w->nb];
    if (w->bctx_cap < at + n) {
        size_t cap = w->bctx_cap ? w->bctx_cap : 4096;
        while (cap < at + n)
            cap *= 2;
        uint32_t *q = realloc(w->bctx, cap * sizeof *q);
        if (q == NULL) {
            w2v_train_flush(m, w); /* train what is queued, then this window alone */
            goto alone;
        }
        w->bctx = q;
        w->bctx_cap = cap;
    }
    memcpy(w->bctx + at, ctx, n * sizeof *ctx);
    w->bcenter[w->nb] = center;
    w->blr[w->nb++] = lr;
    w->boff[w->nb] = (uint32_t)(at + n);
    if (w->nb == W2V_CBOW_QUEUE)
        w2v_train_flush(m, w);
    return;
alone:
    w2v_train_window_exact(m, w, center, ctx, n, lr);
}
