/* w2v_sub.c - subwords (fastText, Bojanowski et al. 2017): each word's input vector is the
 * mean of its own row and the rows of its character n-grams, hashed into buckets exactly
 * as fastText hashes them (vecio/fasttext.c, which also reads and writes the .bin models
 * this trains), so a trained model gives a vector to any string.
 *
 * Each word's rows are listed once, in CSR arrays (sub_off, sub_row). A window of
 * skip-gram is fastText's (the center's n-grams predict each context), batched: with
 *   h = mean of the center's R rows,  Out (T, D) = the T target rows (the n contexts,
 *   then the negatives),  s = Out h,  g = (labels - sigma(s)) lr w,
 *   dh = Out^T g (at the old Out),  Out += g h^T,  every center row += dh,
 * where w is 1, or n for a negative shared by the window's n contexts (the same term,
 * since every context sees the same h). fastText recomputes h and scatters its gradient
 * to the R rows after each context; here both happen once per window, which is most of
 * why this is faster: the R rows are the new hot loop (gather and scatter in
 * w2v_window_ops, a scalar reference and AVX2). Targets go through the kernels in
 * chunks of W2V_BATCH_MAX_T, so no window needs memory of its own. */
#include "w2v.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "vecio/fasttext.h"

enum { CHUNK = W2V_BATCH_MAX_T };

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
    return WP_OK;
}

/* ---- one window ---- */

struct targets {
    uint32_t id[CHUNK];
    float weight[CHUNK];
    unsigned char label[CHUNK]; /* 1: a context, 0: a negative */
    size_t t;
    int first;      /* no chunk trained yet: the first one sets dh, the others add */
};

/* Trains the queued targets against h (w->neu1), accumulating dh (w->neu1e). */
static void
train_chunk(struct w2v_model *m, struct w2v_worker *w, struct targets *q, float lr)
{
    const size_t d = m->p.dim, t = q->t;
    float *outp[CHUNK], g[CHUNK], *h = w->neu1;
    if (t == 0)
        return;
    for (size_t j = 0; j < t; j++)
        outp[j] = m->syn1neg + (size_t)q->id[j] * d;
    m->wops->scores(g, &h, 1, outp, t, d);
    for (size_t j = 0; j < t; j++) {
        const int label = q->label[j];
        const float s = w2v_sig_label(m, g[j], label, &w->loss);
        g[j] = ((float)label - s) * lr * q->weight[j];
    }
    w->loss_n += t;
    m->wops->combine(w->neu1e, !q->first, outp, t, g, 1, d); /* dh (+)= Out^T g */
    for (size_t j = 0; j < t; j++)                          /* Out += g h^T */
        m->wops->combine(outp[j], 1, &h, 1, g + j, 0, d);
    q->first = 0;
    q->t = 0;
}

static void
push(struct w2v_model *m, struct w2v_worker *w, struct targets *q, uint32_t id, int positive,
     float weight, float lr)
{
    if (q->t == CHUNK)
        train_chunk(m, w, q, lr);
    q->id[q->t] = id;
    q->label[q->t] = (unsigned char)positive;
    q->weight[q->t++] = weight;
}

void
w2v_sub_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center, const uint32_t *ctx,
               size_t n, float lr)
{
    const size_t d = m->p.dim;
    const uint32_t b = m->sub_off[center], r = m->sub_off[center + 1] - b;
    const uint32_t *rows = m->sub_row + b;
    struct targets q = {.first = 1};
    if (n == 0)
        return;
    m->wops->gather(w->neu1, m->syn0, rows, r, 1.0f / (float)r, d);
    for (size_t c = 0; c < n; c++) {
        push(m, w, &q, ctx[c], 1, 1.0f, lr);
        if (m->p.shared_neg)
            continue;
        for (uint32_t k = 0; k < m->p.negative; k++) { /* fastText: k per context */
            const uint32_t s = samp_draw(&m->samp, &w->nrng);
            if (s != ctx[c])
                push(m, w, &q, s, 0, 1.0f, lr);
        }
    }
    if (m->p.shared_neg) /* k for the window, each standing for n draws */
        for (uint32_t k = 0; k < m->p.negative; k++) {
            const uint32_t s = samp_draw(&m->samp, &w->nrng);
            size_t c = 0;
            while (c < n && ctx[c] != s)
                c++;
            if (c == n) /* word2vec.c skips a negative that is the word to predict */
                push(m, w, &q, s, 0, (float)n, lr);
        }
    train_chunk(m, w, &q, lr);
    m->wops->scatter(m->syn0, rows, r, w->neu1e, d);
}
