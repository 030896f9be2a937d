/* w2v_sub.c - subwords (fastText, Bojanowski et al. 2017): each word's input vector is the
 * mean of its own row and the rows of its character n-grams, hashed into buckets exactly
 * as fastText hashes them (vecio/fasttext.c, which also reads and writes the .bin models
 * this trains), so a trained model gives a vector to any string.
 *
 * Each word's rows are listed once, in CSR arrays (sub_off, sub_row). A window is
 * fastText's skip-gram (fasttext.cc skipgram, model.cc update, loss.cc
 * NegativeSamplingLoss): for each context in turn, with h the mean of the center's R
 * rows and Out the context's row and its k negatives' rows,
 *   s = Out h,  g = (labels - sigma(s)) lr,  dh = Out^T g (at the old Out),
 *   Out += g h^T (at the old h),
 * and then fastText adds dh to each of the R rows and recomputes h from them for the next
 * context: h + gain dh (gain 1 unless a row is listed twice, see sub_gain). Here h moves
 * by gain dh without touching the rows, the dh of the window's contexts are summed, and
 * the sum goes to the R rows once at the end: the same values, with one gather and one
 * scatter of the R rows per window instead of one per context. The R rows are the new
 * hot loop (gather, scatter in w2v_window_ops) and each context's targets go through one
 * fused pass (step_scores: the step, and the next context's scores at the new h), a
 * scalar reference and AVX2 of each. Each context's negatives are drawn and their rows
 * prefetched AHEAD contexts before it trains. */
#include "w2v.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "vecio/fasttext.h"

enum {
    CHUNK = W2V_BATCH_MAX_T,
    AHEAD = 2 /* a context's targets are drawn and prefetched this many contexts early */
};

/* ---- the CSR of every word's rows ---- */

struct csr {
    uint32_t *row;
    size_t n, cap;
    uint32_t base, buckets; /* n-gram rows: base + hash mod buckets */
    int nomem;
};

static int
csr_push(struct csr *c, uint32_t r)
{
    if (c->n == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 1 << 16;
        uint32_t *p = realloc(c->row, cap * sizeof *p);
        if (p == NULL) {
            c->nomem = 1;
            return WP_ENOMEM;
        }
        c->row = p;
        c->cap = cap;
    }
    c->row[c->n++] = r;
    return WP_OK;
}

static void
add_ngram(void *arg, const char *ngram, size_t len)
{
    struct csr *c = arg;
    (void)csr_push(c, c->base + fasttext_hash(ngram, len) % c->buckets);
}

static int
cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* sub_gain[i]: sum over word i's distinct rows of (times listed)^2, over rows listed. */
static int
sub_gains(struct w2v_model *m)
{
    uint32_t most = 0, *tmp;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->sub_off[i + 1] - m->sub_off[i] > most)
            most = m->sub_off[i + 1] - m->sub_off[i];
    m->sub_gain = malloc((size_t)m->n * sizeof *m->sub_gain);
    tmp = malloc((size_t)(most ? most : 1) * sizeof *tmp);
    if (m->sub_gain == NULL || tmp == NULL) {
        free(tmp);
        return WP_ENOMEM; /* w2v_model_free frees the rest */
    }
    for (uint32_t i = 0; i < m->n; i++) {
        const uint32_t r = m->sub_off[i + 1] - m->sub_off[i];
        uint64_t sq = 0;
        memcpy(tmp, m->sub_row + m->sub_off[i], (size_t)r * sizeof *tmp);
        qsort(tmp, r, sizeof *tmp, cmp_u32);
        for (uint32_t a = 0, b; a < r; a = b) {
            for (b = a + 1; b < r && tmp[b] == tmp[a]; b++)
                ;
            sq += (uint64_t)(b - a) * (b - a);
        }
        m->sub_gain[i] = r > 0 ? (float)((double)sq / r) : 1.0f;
    }
    free(tmp);
    return WP_OK;
}

/* Gives the buckets in use rows V, V + 1, ... in order of first use and renumbers sub_row
 * (see w2v.h): the same rows, shared the same way, in a dense table. */
static int
compact_buckets(struct w2v_model *m)
{
    const uint32_t n = m->n, nb = m->p.buckets, used_max = m->sub_off[n] - n;
    uint32_t *at = malloc((size_t)nb * sizeof *at); /* bucket -> row - V, or UINT32_MAX */
    m->sub_bucket = malloc((size_t)(used_max ? used_max : 1) * sizeof *m->sub_bucket);
    if (at == NULL || m->sub_bucket == NULL) {
        free(at);
        return WP_ENOMEM; /* w2v_model_free frees the rest */
    }
    memset(at, 0xff, (size_t)nb * sizeof *at);
    uint32_t used = 0;
    for (uint32_t k = 0; k < m->sub_off[n]; k++) {
        const uint32_t r = m->sub_row[k];
        if (r < n)
            continue;
        if (at[r - n] == UINT32_MAX) {
            m->sub_bucket[used] = r - n;
            at[r - n] = used++;
        }
        m->sub_row[k] = n + at[r - n];
    }
    free(at);
    m->sub_nbuckets = used;
    return WP_OK;
}

int
w2v_sub_build(struct w2v_model *m, const struct vocab *v)
{
    const uint32_t n = m->n;
    struct csr c = {.base = n, .buckets = m->p.buckets};
    if (vocab_size(v) != n || m->p.maxn == 0 || m->p.buckets == 0)
        return WP_ERANGE;
    if ((m->sub_off = malloc(((size_t)n + 1) * sizeof *m->sub_off)) == NULL)
        return WP_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        size_t len, count;
        const char *word = vocab_word(v, i, &len);
        m->sub_off[i] = (uint32_t)c.n;
        if (csr_push(&c, i) < 0)
            break;
        /* fastText gives its end-of-sentence token no n-grams */
        if (!(len == 4 && memcmp(word, "</s>", 4) == 0)
            && fasttext_ngrams(word, len, (int)m->p.minn, (int)m->p.maxn, add_ngram, &c,
                               &count) < 0)
            c.nomem = 1;
        if (c.nomem || c.n > UINT32_MAX)
            break;
    }
    if (c.nomem || c.n > UINT32_MAX) {
        free(c.row);
        free(m->sub_off);
        m->sub_off = NULL;
        return c.nomem ? WP_ENOMEM : WP_ERANGE;
    }
    m->sub_off[n] = (uint32_t)c.n;
    m->sub_row = c.row;
    WP_TRY(compact_buckets(m));
    return sub_gains(m);
}

/* ---- one window ---- */

/* Draws ctx's targets: ctx itself (label 1), then its k negatives, each drawn again while
 * it is ctx, as fastText's getNegative (given up after a few tries, should the noise
 * distribution hold almost nothing else); shared: the window's negatives, less any that
 * is ctx. Prefetches the rows. Returns how many. */
static size_t
targets(struct w2v_model *m, struct w2v_worker *w, uint32_t ctx, const uint32_t *shared,
        size_t k, float **outp)
{
    const size_t d = m->p.dim;
    size_t t = 0;
    outp[t++] = m->syn1neg + (size_t)ctx * m->stride;
    for (size_t j = 0; j < k; j++) {
        uint32_t s = 0;
        if (shared != NULL) {
            s = shared[j];
        } else {
            for (int tries = 0; tries < 64; tries++)
                if ((s = samp_draw(&m->samp, &w->nrng)) != ctx)
                    break;
        }
        if (s != ctx)
            outp[t++] = m->syn1neg + (size_t)s * m->stride;
    }
    for (size_t j = 0; j < t; j++)
        w2v_prefetch_row(outp[j], d);
    return t;
}

void
w2v_sub_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center, const uint32_t *ctx,
               size_t n, float lr)
{
    const size_t d = m->p.dim;
    const uint32_t b = m->sub_off[center], r = m->sub_off[center + 1] - b;
    const uint32_t *rows = m->sub_row + b;
    const size_t k = m->p.negative; /* below CHUNK: w2v_params_check */
    const float gain = m->sub_gain[center];
    float *outp[AHEAD + 1][CHUNK], gs[2][CHUNK], *h = w->neu1, *acc = w->neu1e;
    uint32_t shared[CHUNK];
    size_t t[AHEAD + 1];
    if (n == 0)
        return;
    if (m->p.shared_neg) {
        if (!w2v_ahead_take(m, w, shared))
            for (size_t j = 0; j < k; j++)
                shared[j] = samp_draw(&m->samp, &w->nrng);
        w2v_ahead_fill(m, w);
    }
    const uint32_t *sh = m->p.shared_neg ? shared : NULL;
    /* context c's targets in slot c mod (AHEAD + 1), drawn AHEAD contexts before it trains
     * (in context order: the same draws as one at a time) */
    for (size_t c = 0; c < AHEAD && c < n; c++)
        t[c] = targets(m, w, ctx[c], sh, k, outp[c]);
    m->wops->gather(h, m->syn0, m->stride, rows, r, 1.0f / (float)r, d);
    memset(acc, 0, d * sizeof *acc);
    m->wops->scores(gs[0], &h, 1, outp[0], t[0], d);
    /* context c: its scores (computed with the step before) become its gradients in
     * place; its step computes the next context's scores at the new h */
    for (size_t c = 0, cur = 0; c < n; c++, cur = cur == AHEAD ? 0 : cur + 1) {
        float *const *op = outp[cur], *g = gs[c & 1];
        const size_t tc = t[cur], nxt = cur == AHEAD ? 0 : cur + 1;
        if (c + AHEAD < n) { /* a later context's draws, its rows on their way */
            const size_t later = cur == 0 ? AHEAD : cur - 1;
            t[later] = targets(m, w, ctx[c + AHEAD], sh, k, outp[later]);
        }
        double loss = w->loss; /* in a register: g's stores could alias w->loss */
        for (size_t j = 0; j < tc; j++) {
            const int label = j == 0;
            g[j] = ((float)label - w2v_sig_label(m, g[j], label, &loss)) * lr;
        }
        w->loss = loss;
        w->loss_n += tc;
        if (c + 1 < n)
            m->wops->step_scores(h, acc, op, tc, g, gain, outp[nxt], t[nxt], gs[!(c & 1)], d);
        else
            m->wops->step(h, acc, op, tc, g, gain, d);
    }
    m->wops->scatter(m->syn0, m->stride, rows, r, acc, d);
}
