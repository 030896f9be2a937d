/* w2v_batch.c - skip-gram negative sampling with the negatives shared across a window
 * (Ji et al., "Parallelizing Word2Vec in Shared and Distributed Memory", pWord2Vec): one
 * draw of k negatives per center word; every context is scored against the center and
 * those k rows at once, so each gathered output row is reused C times. In matrix form,
 * with In (C, D) the context rows and Out (T, D) the target rows:
 *   S = In Out^T,  G = (labels - sigma(S)) lr,  dIn = G Out,  dOut = G^T In,
 * both gradients taken at the old weights, then applied. The three products run in
 * w2v_window_ops (scalar here, register-blocked AVX2 in w2v_avx2.c). */
#include "w2v.h"

#include <stdlib.h>
#include <string.h>

enum { BATCH_MAX_T = 64 }; /* center + negatives per window (k above 63 is cut to 63) */

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

const struct w2v_window_ops w2v_window_ops_ref = {"ref", scores_ref, apply_ref};

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
    for (uint32_t k = 0; k < m->p.negative && t < BATCH_MAX_T; k++) {
        const uint32_t s = samp_draw(&m->samp, &w->nrng);
        if (s != center)
            tgt[t++] = s;
    }
    /* scratch: dIn (n x d), then G (n x t) */
    if (ensure_scratch(w, n * d + n * t, n) < 0) {
        struct w2v_params p = m->p; /* no memory for the scratch: per-pair updates */
        m->p.shared_neg = 0;
        w2v_train_window(m, w, center, ctx, n, lr);
        m->p = p;
        return;
    }
    float *din = w->scratch, *g = din + n * d, **inp = w->rows;
    for (size_t c = 0; c < n; c++)
        inp[c] = m->syn0 + (size_t)ctx[c] * d;
    for (size_t j = 0; j < t; j++)
        outp[j] = m->syn1neg + (size_t)tgt[j] * d;
    m->wops->scores(g, inp, n, outp, t, d);
    for (size_t c = 0; c < n; c++)
        for (size_t j = 0; j < t; j++) {
            const float f = g[c * t + j];
            const int label = j == 0;
            w->loss -= label ? w2v_logsig(m, f) : w2v_logsig(m, -f);
            g[c * t + j] = ((float)label - w2v_sigmoid(m, f)) * lr;
        }
    w->loss_n += n * t;
    m->wops->apply(inp, n, outp, t, d, g, din);
}
