/* lm_train.c - training the language model (lm_train.h). One struct dir per direction owns
 * its activations, caches, carried state, generator and gradient array; a step runs the two
 * directions on two threads when asked, sums their gradients, clips and updates. */
#include "lm_train.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "kernels/blas.h"
#include "lmsoftmax.h"
#include "stream/rec.h"
#include "stream/tensorio.h"

struct dir {
    int d;                     /* 0 forward, 1 backward */
    struct lm g;               /* gradient views into gw */
    float *gw;
    struct lstm_cache *k[LM_MAX_LAYERS];
    float *h[LM_MAX_LAYERS], *c[LM_MAX_LAYERS];   /* carried state [B][W], [B][H] */
    float *x[LM_MAX_LAYERS + 1];     /* x[0] encoder output, x[l+1] output of layer l */
    float *xin[LM_MAX_LAYERS + 1];   /* dropped-out copies (alias x without dropout) */
    float *mask[LM_MAX_LAYERS + 1];
    float *dy, *dx, *tmp;
    float *smwork;
    uint32_t *in, *tgt, *samples;
    /* character input: each distinct token of a window is encoded once (a PTB window of
     * 700 tokens holds about half as many distinct ones) */
    uint16_t *chars;           /* [nuniq][max_chars] */
    uint32_t *uniq, *slot;     /* distinct ids in order of first use; position -> index */
    uint32_t *seen;            /* [V] id -> index + 1, 0 when not in the window */
    float *ux, *udy;           /* [nuniq][W] encodings and their gradients */
    size_t nuniq;
    struct charenc_cache *ek;
    struct rng rng;
    struct lmsampler smp;
    /* the job of one step */
    const struct lm_stream *s;
    size_t rowlen, w;
    int train;
    float **hs, **cs;          /* state used by this job */
    double loss;
    uint64_t ntok;
};

struct lm_trainer {
    uint64_t loaded;          /* train.* elements restored from a checkpoint */
    struct lm *m;
    struct lm_train_cfg t;
    size_t np;
    float *grad, *opt1, *opt2;
    uint64_t steps;
    struct lm_stream bwd;      /* the backward stream of the training corpus */
    const struct lm_stream *fwd;
    uint16_t *vchars;          /* [V][max_chars] */
    struct dir dir[2];
    float *es_h[2][LM_MAX_LAYERS], *es_c[2][LM_MAX_LAYERS];   /* evaluation state */
    int (*reduce)(float *g, size_t n);   /* sums the gradient over replicas; NULL alone */
    /* Sparse softmax gradient (sampled softmax, SGD or Adagrad, one replica): a window
     * touches only the softmax rows of its candidates and targets, a few thousand of tens
     * of thousands, and a zero gradient leaves such a row's weight and accumulator exactly
     * as they are. So the gradient arrays are cleared, summed, measured and applied over
     * the rest of the weights (the first nd floats) and those rows only; the rows of the
     * last window stay listed so that the next one clears them. */
    size_t nd;                 /* floats before the softmax: the dense part */
    uint8_t *mark;             /* [V] */
    uint32_t *rows;            /* softmax rows of the last window, ascending */
    size_t nrows;
};

void
lm_train_cfg_default(struct lm_train_cfg *t)
{
    memset(t, 0, sizeof *t);
    t->unroll = 20;
    t->batch = 128;
    t->dropout = 0.1f;
    t->optim = LM_ADAGRAD;
    t->lr = 0.2f;
    t->clip = 10.0f;
    t->char_grad_scale = 1.0f;
    t->adagrad_init = 1.0f;
    t->adam_b1 = 0.9f;
    t->adam_b2 = 0.999f;
    t->adam_eps = 1e-8f;
    t->threads = 1;
    t->seed = 1;
}

static size_t
nshards(const struct lm_train_cfg *t)
{
    return t->nshards > 1 ? t->nshards : 1;
}

/* Rows are laid out for the batch of all replicas together (lm_train_cfg). */
static size_t
row_len(const struct lm_stream *s, const struct lm_train_cfg *t)
{
    const size_t rows = (size_t)t->batch * nshards(t);
    return s->n > 1 ? (s->n - 1) / rows : 0;
}

size_t
lm_stream_windows(const struct lm_stream *s, const struct lm_train_cfg *t)
{
    const size_t r = row_len(s, t);
    return (r + t->unroll - 1) / t->unroll;
}

static void
reverse_stream(const struct lm_stream *f, struct lm_stream *b)
{
    for (size_t i = 0; i < f->n; i++) {
        const uint32_t id = f->ids[f->n - 1 - i];
        b->ids[i] = id == LM_EOS ? LM_BOS : id;
    }
    b->n = f->n;
}

static void
dir_free(struct dir *r)
{
    free(r->gw);
    for (int l = 0; l < LM_MAX_LAYERS; l++) {
        lstm_cache_free(r->k[l]);
        free(r->h[l]);
        free(r->c[l]);
    }
    for (int l = 0; l <= LM_MAX_LAYERS; l++) {
        if (r->xin[l] != r->x[l])
            free(r->xin[l]);
        free(r->x[l]);
        free(r->mask[l]);
    }
    free(r->dy);
    free(r->dx);
    free(r->tmp);
    free(r->smwork);
    free(r->in);
    free(r->tgt);
    free(r->samples);
    free(r->chars);
    free(r->uniq);
    free(r->slot);
    free(r->seen);
    free(r->ux);
    free(r->udy);
    charenc_cache_free(r->ek);
}

static int
dir_init(struct dir *r, int d, const struct lm *m, const struct lm_train_cfg *t)
{
    const struct lm_cfg *c = &m->c;
    const size_t W = lm_width(c), H = c->hidden, n = (size_t)t->unroll * t->batch,
                 B = t->batch, V = c->vocab;
    const struct lstm_cfg lc = {W, c->hidden, c->proj, c->cell_clip, c->proj_clip};
    int ok = 1;
    r->d = d;
    /* each replica its own dropout masks and candidates; shard 0 as a single process */
    rng_seed(&r->rng, t->seed, 0x100 + (uint64_t)d + 0x10000 * (uint64_t)t->shard);
    lmsampler_init(&r->smp, c->vocab);
    r->gw = calloc(m->nparams, sizeof(float));
    ok &= r->gw != NULL;
    if (ok)
        lm_bind(&r->g, c, r->gw);
    for (uint32_t l = 0; l < c->layers; l++) {
        r->k[l] = lstm_cache_new(&lc, t->unroll, B);
        r->h[l] = calloc(B * W, sizeof(float));
        r->c[l] = calloc(B * H, sizeof(float));
        ok &= r->k[l] && r->h[l] && r->c[l];
    }
    for (uint32_t l = 0; l <= c->layers; l++) {
        r->x[l] = malloc(n * W * sizeof(float));
        if (t->dropout > 0) {
            r->xin[l] = malloc(n * W * sizeof(float));
            r->mask[l] = malloc(n * W * sizeof(float));
            ok &= r->xin[l] && r->mask[l];
        } else {
            r->xin[l] = r->x[l];
        }
        ok &= r->x[l] != NULL;
    }
    r->dy = malloc(n * W * sizeof(float));
    r->dx = malloc(n * W * sizeof(float));
    r->tmp = malloc(n * W * sizeof(float));
    const size_t full = lmsoftmax_full_work(V, n),
                 samp = t->sampled ? lmsoftmax_sampled_work(t->sampled, n, W) : 0;
    r->smwork = malloc((full > samp ? full : samp) * sizeof(float));
    r->in = malloc(n * sizeof *r->in);
    r->tgt = malloc(n * sizeof *r->tgt);
    r->samples = malloc((t->sampled + 1) * sizeof *r->samples);
    ok &= r->dy && r->dx && r->tmp && r->smwork && r->in && r->tgt && r->samples;
    if (c->char_input) {
        r->chars = malloc(n * c->ch.max_chars * sizeof *r->chars);
        r->ek = charenc_cache_new(&c->ch, n);
        r->uniq = malloc(n * sizeof *r->uniq);
        r->slot = malloc(n * sizeof *r->slot);
        r->seen = calloc(V, sizeof *r->seen);
        r->ux = malloc(n * W * sizeof(float));
        r->udy = malloc(n * W * sizeof(float));
        ok &= r->chars && r->ek && r->uniq && r->slot && r->seen && r->ux && r->udy;
    }
    return ok ? WP_OK : WP_ENOMEM;
}

int
lm_trainer_new(struct lm_trainer **out, struct lm *m, const struct lm_train_cfg *t,
               const struct lm_stream *train)
{
    if (t->unroll == 0 || t->batch == 0 || t->dropout < 0 || t->dropout >= 1
        || (t->nshards > 0 && t->shard >= t->nshards)
        || (t->sampled && t->sampled >= m->c.vocab) || !(t->lr > 0) || t->clip < 0
        || !(t->char_grad_scale > 0) || !(t->char_grad_scale < 1e30f))
        return WP_ERANGE;
    struct lm_trainer *tr = calloc(1, sizeof *tr);
    if (tr == NULL)
        return WP_ENOMEM;
    tr->m = m;
    tr->t = *t;
    tr->np = m->nparams;
    tr->fwd = train;
    int ok = 1;
    tr->grad = calloc(tr->np, sizeof(float));
    ok &= tr->grad != NULL;
    tr->nd = (size_t)(m->sm_w - m->w);
    if (t->sampled > 0 && t->optim != LM_ADAM) {
        tr->mark = calloc(m->c.vocab, 1);
        tr->rows = malloc((size_t)m->c.vocab * sizeof *tr->rows);
        ok &= tr->mark != NULL && tr->rows != NULL;
    }
    if (t->optim != LM_SGD) {
        tr->opt1 = calloc(tr->np, sizeof(float));
        ok &= tr->opt1 != NULL;
        if (ok && t->optim == LM_ADAGRAD)
            for (size_t i = 0; i < tr->np; i++)
                tr->opt1[i] = t->adagrad_init;
    }
    if (t->optim == LM_ADAM) {
        tr->opt2 = calloc(tr->np, sizeof(float));
        ok &= tr->opt2 != NULL;
    }
    if (m->c.directions == 2 && train != NULL) {
        tr->bwd.ids = malloc(train->n * sizeof(uint32_t));
        ok &= tr->bwd.ids != NULL;
        if (ok)
            reverse_stream(train, &tr->bwd);
    }
    if (m->c.char_input) {
        const size_t mc = m->c.ch.max_chars;
        tr->vchars = malloc((size_t)m->c.vocab * mc * sizeof *tr->vchars);
        ok &= tr->vchars != NULL;
        for (uint32_t id = 0; ok && id < m->c.vocab; id++)
            lm_special_chars(m, id, tr->vchars + id * mc);
    }
    for (uint32_t d = 0; ok && d < m->c.directions; d++) {
        ok &= dir_init(&tr->dir[d], (int)d, m, t) == WP_OK;
        for (uint32_t l = 0; ok && l < m->c.layers; l++) {
            tr->es_h[d][l] = malloc((size_t)t->batch * lm_width(&m->c) * sizeof(float));
            tr->es_c[d][l] = malloc((size_t)t->batch * m->c.hidden * sizeof(float));
            ok &= tr->es_h[d][l] && tr->es_c[d][l];
        }
    }
    if (!ok) {
        lm_trainer_free(tr);
        return WP_ENOMEM;
    }
    *out = tr;
    return WP_OK;
}

void
lm_trainer_free(struct lm_trainer *tr)
{
    if (tr == NULL)
        return;
    for (int d = 0; d < 2; d++) {
        dir_free(&tr->dir[d]);
        for (int l = 0; l < LM_MAX_LAYERS; l++) {
            free(tr->es_h[d][l]);
            free(tr->es_c[d][l]);
        }
    }
    free(tr->grad);
    free(tr->opt1);
    free(tr->opt2);
    free(tr->bwd.ids);
    free(tr->vchars);
    free(tr->mark);
    free(tr->rows);
    free(tr);
}

void
lm_trainer_reset_state(struct lm_trainer *tr)
{
    const size_t W = lm_width(&tr->m->c), H = tr->m->c.hidden, B = tr->t.batch;
    for (uint32_t d = 0; d < tr->m->c.directions; d++)
        for (uint32_t l = 0; l < tr->m->c.layers; l++) {
            memset(tr->dir[d].h[l], 0, B * W * sizeof(float));
            memset(tr->dir[d].c[l], 0, B * H * sizeof(float));
        }
}

void
lm_trainer_set_reduce(struct lm_trainer *tr, int (*reduce)(float *g, size_t n))
{
    tr->reduce = reduce;
}

void
lm_trainer_set_lr(struct lm_trainer *tr, float lr)
{
    tr->t.lr = lr;
}

float
lm_trainer_lr(const struct lm_trainer *tr)
{
    return tr->t.lr;
}

static void
dropout(struct dir *r, float p, const float *x, float *y, float *mask, size_t n)
{
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_unit(&r->rng) < p ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
}

/* The shape of one window's step: T time steps of B rows (n = T x B positions) of width W,
 * dropout p (0 when evaluating). */
struct win {
    size_t T, B, n, W;
    float p;
};

/* The window's inputs and targets, from this shard's rows of the stream. */
static void
dir_gather(struct dir *r, const struct lm_train_cfg *t, struct win *v)
{
    const size_t t0 = r->w * t->unroll, row0 = (size_t)t->shard * t->batch;
    v->B = t->batch;
    v->T = r->rowlen - t0 < t->unroll ? r->rowlen - t0 : t->unroll;
    v->n = v->T * v->B;
    for (size_t s = 0; s < v->T; s++)
        for (size_t j = 0; j < v->B; j++) {
            const size_t at = (row0 + j) * r->rowlen + t0 + s;
            r->in[s * v->B + j] = r->s->ids[at];
            r->tgt[s * v->B + j] = r->s->ids[at + 1];
        }
}

/* The token encoder into x[0]: each distinct token through the character CNN once, or the
 * word embedding rows. */
static void
dir_encode(struct dir *r, const struct lm *m, const uint16_t *vchars,
           const struct win *v)
{
    const size_t W = v->W, n = v->n;
    if (!m->c.char_input) {
        for (size_t i = 0; i < n; i++)
            memcpy(r->x[0] + i * W, m->word_emb + (size_t)r->in[i] * W, W * sizeof(float));
        return;
    }
    const size_t mc = m->c.ch.max_chars;
    r->nuniq = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t id = r->in[i];
        if (r->seen[id] == 0) {
            r->uniq[r->nuniq] = id;
            memcpy(r->chars + r->nuniq * mc, vchars + (size_t)id * mc, mc * sizeof *r->chars);
            r->seen[id] = (uint32_t)++r->nuniq;
        }
        r->slot[i] = r->seen[id] - 1;
    }
    for (size_t u = 0; u < r->nuniq; u++)
        r->seen[r->uniq[u]] = 0;
    charenc_forward(&m->enc, r->chars, r->nuniq, r->ux, r->ek);
    for (size_t i = 0; i < n; i++)
        memcpy(r->x[0] + i * W, r->ux + (size_t)r->slot[i] * W, W * sizeof(float));
}

/* The LSTM layers forward (with dropout and residual connections); returns the inputs each
 * layer saw (xin[L] is what the softmax sees). */
static float **
dir_layers_forward(struct dir *r, const struct lm *m, const struct win *v)
{
    const size_t L = m->c.layers, nw = v->n * v->W;
    float **xin = v->p > 0 ? r->xin : r->x;
    for (size_t l = 0; l < L; l++) {
        if (v->p > 0)
            dropout(r, v->p, r->x[l], r->xin[l], r->mask[l], nw);
        lstm_forward(&m->lstm[r->d][l], xin[l], v->T, v->B, r->x[l + 1], r->hs[l], r->cs[l],
                     r->k[l]);
        if (m->c.residual && l > 0)
            for (size_t q = 0; q < nw; q++)
                r->x[l + 1][q] += xin[l][q];
    }
    if (v->p > 0)
        dropout(r, v->p, r->x[L], r->xin[L], r->mask[L], nw);
    return xin;
}

/* The softmax's loss and, when training, its gradients: dy for the top layer's output. */
static void
dir_softmax(struct dir *r, const struct lm *m, const struct lm_train_cfg *t, const float *top,
            const struct win *v)
{
    const struct lm_cfg *c = &m->c;
    const size_t W = v->W, n = v->n;
    const float scale = 1.0f / (float)(v->B * nshards(t));
    if (!r->train) {
        r->loss = lmsoftmax_full(m->sm_w, m->sm_b, c->vocab, W, top, r->tgt, n, scale, NULL,
                                 NULL, NULL, r->smwork);
        return;
    }
    memset(r->dy, 0, n * W * sizeof(float));
    if (t->sampled) {
        const uint64_t tries = lmsampler_draw_unique(&r->smp, &r->rng, r->samples, t->sampled);
        r->loss = lmsoftmax_sampled(m->sm_w, m->sm_b, c->vocab, W, top, r->tgt, n, &r->smp,
                                    r->samples, t->sampled, tries, scale, r->dy, r->g.sm_w,
                                    r->g.sm_b, r->smwork);
    } else {
        r->loss = lmsoftmax_full(m->sm_w, m->sm_b, c->vocab, W, top, r->tgt, n, scale, r->dy,
                                 r->g.sm_w, r->g.sm_b, r->smwork);
    }
}

/* The LSTM layers backward from dy; leaves the encoder output's gradient in dy. */
static void
dir_layers_backward(struct dir *r, const struct lm *m, float **xin,
                    const struct win *v)
{
    const size_t nw = v->n * v->W;
    if (v->p > 0)
        for (size_t q = 0; q < nw; q++)
            r->dy[q] *= r->mask[m->c.layers][q];
    for (size_t l = m->c.layers; l-- > 0;) {
        const int res = m->c.residual && l > 0;
        if (res)
            memcpy(r->tmp, r->dy, nw * sizeof(float));
        lstm_backward(&m->lstm[r->d][l], &r->g.lstm[r->d][l], xin[l], v->T, v->B, r->dy, r->dx,
                      r->k[l]);
        if (res)
            for (size_t q = 0; q < nw; q++)
                r->dx[q] += r->tmp[q];
        if (v->p > 0)
            for (size_t q = 0; q < nw; q++)
                r->dx[q] *= r->mask[l][q];
        float *sw = r->dy;
        r->dy = r->dx;
        r->dx = sw;
    }
}

/* The token encoder backward from dy: the character CNN's gradients (each distinct token's
 * summed first), or the word embedding rows'. */
static void
dir_encode_backward(struct dir *r, const struct lm *m, const struct win *v)
{
    const size_t W = v->W, n = v->n;
    if (m->c.char_input) {
        memset(r->udy, 0, r->nuniq * W * sizeof(float));
        for (size_t i = 0; i < n; i++) {
            float *gu = r->udy + (size_t)r->slot[i] * W;
            const float *dv = r->dy + i * W;
            for (size_t q = 0; q < W; q++)
                gu[q] += dv[q];
        }
        charenc_backward(&m->enc, &r->g.enc, r->chars, r->nuniq, r->udy, r->ek);
    } else {
        for (size_t i = 0; i < n; i++) {
            float *gr = r->g.word_emb + (size_t)r->in[i] * W;
            const float *dv = r->dy + i * W;
            for (size_t q = 0; q < W; q++)
                gr[q] += dv[q];
        }
    }
}

/* Forward (and, when training, backward) over window r->w of stream r->s. */
static void
dir_run(struct dir *r, const struct lm *m, const struct lm_train_cfg *t,
        const uint16_t *vchars)
{
    struct win v = {.W = lm_width(&m->c), .p = r->train ? t->dropout : 0.0f};
    dir_gather(r, t, &v);
    r->loss = 0;
    r->ntok = v.n;
    dir_encode(r, m, vchars, &v);
    float **xin = dir_layers_forward(r, m, &v);
    dir_softmax(r, m, t, xin[m->c.layers], &v);
    if (!r->train)
        return;
    dir_layers_backward(r, m, xin, &v);
    dir_encode_backward(r, m, &v);
}

struct job {
    struct lm_trainer *tr;
    struct dir *r;
};

static int
sparse(const struct lm_trainer *tr)
{
    return tr->mark != NULL && tr->reduce == NULL;
}

/* Softmax row v of a gradient array: its W weights and its bias. */
static void
clear_row(const struct lm_trainer *tr, float *g, uint32_t v)
{
    const size_t W = lm_width(&tr->m->c), V = tr->m->c.vocab;
    memset(g + tr->nd + (size_t)v * W, 0, W * sizeof(float));
    g[tr->nd + V * W + v] = 0.0f;
}

/* A direction's gradient array zeroed for a training window: all of it, or (sparse) the
 * dense part and the softmax rows the last window touched, the others being zero. */
static void
clear_grad(const struct lm_trainer *tr, float *g)
{
    if (!sparse(tr)) {
        memset(g, 0, tr->np * sizeof(float));
        return;
    }
    memset(g, 0, tr->nd * sizeof(float));
    for (size_t i = 0; i < tr->nrows; i++)
        clear_row(tr, g, tr->rows[i]);
}

static void *
job_main(void *arg)
{
    struct job *j = arg;
    if (j->r->train)
        clear_grad(j->tr, j->r->gw);
    dir_run(j->r, j->tr->m, &j->tr->t, j->tr->vchars);
    return NULL;
}

/* Runs every direction's job, on two threads when configured. */
static void
run_dirs(struct lm_trainer *tr)
{
    const uint32_t nd = tr->m->c.directions;
    struct job jobs[2] = {{tr, &tr->dir[0]}, {tr, &tr->dir[1]}};
    pthread_t th;
    int threaded = nd == 2 && tr->t.threads >= 2;
    blas_set_threads(threaded ? 1 : (int)(tr->t.threads ? tr->t.threads : 1));
    if (threaded && pthread_create(&th, NULL, job_main, &jobs[1]) != 0)
        threaded = 0;
    job_main(&jobs[0]);
    if (threaded)
        pthread_join(th, NULL);
    else if (nd == 2)
        job_main(&jobs[1]);
}

static void
sumsq(double *s, const float *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *s += (double)g[i] * g[i];
}

/* The whole-array passes of a step (summing the directions' gradients, the norm, the
 * update) run in two halves, on two threads when configured: half 0 is the first half of
 * the dense part (all weights when not sparse), half 1 the rest of it and the touched
 * softmax rows. The split does not depend on the thread count, so neither do the sums. */
typedef void half_fn(struct lm_trainer *tr, int half, void *ctx);

struct half_job {
    struct lm_trainer *tr;
    half_fn *fn;
    void *ctx;
};

static void *
half_main(void *arg)
{
    struct half_job *j = arg;
    j->fn(j->tr, 1, j->ctx);
    return NULL;
}

static void
run_halves(struct lm_trainer *tr, half_fn *fn, void *ctx)
{
    struct half_job j = {tr, fn, ctx};
    pthread_t th;
    const int threaded = tr->t.threads >= 2 && pthread_create(&th, NULL, half_main, &j) == 0;
    fn(tr, 0, ctx);
    if (threaded)
        pthread_join(th, NULL);
    else
        fn(tr, 1, ctx);
}

/* The dense weights [*i0, *i1) of a half. */
static void
dense_half(const struct lm_trainer *tr, int half, size_t *i0, size_t *i1)
{
    const size_t n = sparse(tr) ? tr->nd : tr->np, mid = n / 2;
    *i0 = half ? mid : 0;
    *i1 = half ? n : mid;
}

static void
norm_half(struct lm_trainer *tr, int half, void *ctx)
{
    double *s = (double *)ctx + half;
    size_t i0, i1;
    dense_half(tr, half, &i0, &i1);
    *s = 0;
    sumsq(s, tr->grad + i0, i1 - i0);
    if (half == 0 || !sparse(tr))
        return;
    const size_t W = lm_width(&tr->m->c), V = tr->m->c.vocab;
    for (size_t i = 0; i < tr->nrows; i++)
        sumsq(s, tr->grad + tr->nd + (size_t)tr->rows[i] * W, W);
    for (size_t i = 0; i < tr->nrows; i++)
        sumsq(s, tr->grad + tr->nd + V * W + tr->rows[i], 1);
}

/* The norm of tr->grad: each half summed in index order (sparse: skipping rows that are
 * zero, which leaves the sum as it is), then the two. */
static double
grad_norm(struct lm_trainer *tr)
{
    double s[2];
    run_halves(tr, norm_half, s);
    return sqrt(s[0] + s[1]);
}

/* The optimizer step for weights [i0, i1). */
static void
update_span(struct lm_trainer *tr, float gscale, size_t i0, size_t i1)
{
    const struct lm_train_cfg *t = &tr->t;
    float *w = tr->m->w;
    const float *g = tr->grad;
    const float lr = t->lr;
    switch (t->optim) {
    case LM_SGD:
        for (size_t i = i0; i < i1; i++)
            w[i] -= lr * gscale * g[i];
        break;
    case LM_ADAGRAD:
        for (size_t i = i0; i < i1; i++) {
            const float gi = gscale * g[i];
            tr->opt1[i] += gi * gi;
            w[i] -= lr * gi / sqrtf(tr->opt1[i]);
        }
        break;
    default: {
        const double c1 = 1 - pow(t->adam_b1, (double)tr->steps),
                     c2 = 1 - pow(t->adam_b2, (double)tr->steps);
        const float a = (float)(lr * sqrt(c2) / c1);
        for (size_t i = i0; i < i1; i++) {
            const float gi = gscale * g[i];
            tr->opt1[i] = t->adam_b1 * tr->opt1[i] + (1 - t->adam_b1) * gi;
            tr->opt2[i] = t->adam_b2 * tr->opt2[i] + (1 - t->adam_b2) * gi * gi;
            w[i] -= a * tr->opt1[i] / (sqrtf(tr->opt2[i]) + t->adam_eps);
        }
    }
    }
}

static void
update_half(struct lm_trainer *tr, int half, void *ctx)
{
    const float gscale = *(const float *)ctx;
    size_t i0, i1;
    dense_half(tr, half, &i0, &i1);
    update_span(tr, gscale, i0, i1);
    if (half == 0 || !sparse(tr))
        return;
    const size_t W = lm_width(&tr->m->c), V = tr->m->c.vocab;
    for (size_t i = 0; i < tr->nrows; i++) {
        const size_t r = tr->nd + (size_t)tr->rows[i] * W, b = tr->nd + V * W + tr->rows[i];
        update_span(tr, gscale, r, r + W);
        update_span(tr, gscale, b, b + 1);
    }
}

/* One optimizer step over every weight; sparse, over the dense part and the touched
 * softmax rows (SGD and Adagrad leave a weight with a zero gradient exactly as it is). */
static void
update(struct lm_trainer *tr, float gscale)
{
    tr->steps++;
    run_halves(tr, update_half, &gscale);
}

/* Sparse: the softmax rows the window just trained touched (its candidates and targets in
 * every direction), ascending, into tr->rows, after clearing in tr->grad the rows of the
 * window before. */
static void
touched_rows(struct lm_trainer *tr)
{
    const uint32_t V = tr->m->c.vocab;
    for (size_t i = 0; i < tr->nrows; i++)
        clear_row(tr, tr->grad, tr->rows[i]);
    for (uint32_t d = 0; d < tr->m->c.directions; d++) {
        const struct dir *r = &tr->dir[d];
        for (size_t j = 0; j < tr->t.sampled; j++)
            tr->mark[r->samples[j]] = 1;
        for (size_t i = 0; i < r->ntok; i++)
            if (r->tgt[i] < V)
                tr->mark[r->tgt[i]] = 1;
    }
    tr->nrows = 0;
    for (uint32_t v = 0; v < V; v++)
        if (tr->mark[v]) {
            tr->rows[tr->nrows++] = v;
            tr->mark[v] = 0;
        }
}

static void
sum_half(struct lm_trainer *tr, int half, void *ctx)
{
    (void)ctx;
    const float *g0 = tr->dir[0].gw, *g1 = tr->m->c.directions > 1 ? tr->dir[1].gw : NULL;
    float *g = tr->grad;
    size_t i0, i1;
    dense_half(tr, half, &i0, &i1);
    for (size_t i = i0; i < i1; i++)
        g[i] = g1 != NULL ? g0[i] + g1[i] : g0[i];
    if (half == 0 || !sparse(tr))
        return;
    const size_t W = lm_width(&tr->m->c), V = tr->m->c.vocab;
    for (size_t k = 0; k < tr->nrows; k++) {
        const size_t r = tr->nd + (size_t)tr->rows[k] * W, b = tr->nd + V * W + tr->rows[k];
        for (size_t i = r; i < r + W; i++)
            g[i] = g1 != NULL ? g0[i] + g1[i] : g0[i];
        g[b] = g1 != NULL ? g0[b] + g1[b] : g0[b];
    }
}

/* tr->grad = the sum of the directions' gradients (sparse: over the dense part and the
 * touched rows, the others being zero in every array). */
static void
sum_grads(struct lm_trainer *tr)
{
    if (sparse(tr))
        touched_rows(tr);
    run_halves(tr, sum_half, NULL);
}

/* Forward and backward of window w in every direction, summing the directions' gradients
 * into tr->grad; returns the summed loss and adds the predicted tokens to *ntok. The
 * carried state advances, unless scratch is set: the window then starts from a copy of it
 * and the carried state is left as it was. */
static double
train_window(struct lm_trainer *tr, size_t w, int scratch, uint64_t *ntok)
{
    const struct lm_cfg *c = &tr->m->c;
    const size_t W = lm_width(c), H = c->hidden, B = tr->t.batch;
    const uint32_t nd = c->directions;
    for (uint32_t d = 0; d < nd; d++) {
        struct dir *r = &tr->dir[d];
        r->s = d == 0 ? tr->fwd : &tr->bwd;
        r->rowlen = row_len(r->s, &tr->t);
        r->w = w;
        r->train = 1;
        r->hs = scratch ? tr->es_h[d] : r->h;
        r->cs = scratch ? tr->es_c[d] : r->c;
        for (uint32_t l = 0; scratch && l < c->layers; l++) {
            memcpy(tr->es_h[d][l], r->h[l], B * W * sizeof(float));
            memcpy(tr->es_c[d][l], r->c[l], B * H * sizeof(float));
        }
    }
    run_dirs(tr);   /* each clears its gradient array first */
    double loss = 0;
    for (uint32_t d = 0; d < nd; d++) {
        loss += tr->dir[d].loss;
        *ntok += tr->dir[d].ntok;
    }
    sum_grads(tr);
    return loss;
}

int
lm_trainer_step(struct lm_trainer *tr, size_t w, double *loss, uint64_t *ntok, double *norm)
{
    uint64_t nt = 0;
    const double l = train_window(tr, w, 0, &nt);
    if (tr->reduce != NULL) {
        if (!isfinite(l))
            tr->grad[0] = NAN;   /* every replica then sees a non-finite norm */
        WP_TRY(tr->reduce(tr->grad, tr->np));
    }
    /* The encoder's weights are shared by every token of the window, so its gradient sums
     * 700 tokens' (PTB) where a word embedding row sums its word's few: scaled down, it no
     * longer dominates the clipped norm nor moves all encodings at once. It is laid out
     * first (lm_bind). After the reduce, so every replica scales the same sum. */
    if (tr->m->c.char_input && tr->t.char_grad_scale != 1.0f) {
        const size_t ne = charenc_param_count(&tr->m->c.ch);
        for (size_t i = 0; i < ne; i++)
            tr->grad[i] *= tr->t.char_grad_scale;
    }
    const double gn = grad_norm(tr);
    *norm = gn;
    if (!isfinite(l) || !isfinite(gn))
        return WP_ERANGE;
    const float gscale = tr->t.clip > 0 && gn > tr->t.clip ? (float)(tr->t.clip / gn) : 1.0f;
    update(tr, gscale);
    *loss += l;
    *ntok += nt;
    return WP_OK;
}

const float *
lm_trainer_grad(struct lm_trainer *tr, size_t w, double *loss)
{
    const struct rng keep[2] = {tr->dir[0].rng, tr->dir[1].rng};
    uint64_t nt = 0;
    *loss = train_window(tr, w, 1, &nt);
    tr->dir[0].rng = keep[0];
    tr->dir[1].rng = keep[1];
    return tr->grad;
}

int
lm_trainer_eval(struct lm_trainer *tr, const struct lm_stream *s, double loss[2],
                uint64_t ntok[2])
{
    const struct lm_cfg *c = &tr->m->c;
    const size_t W = lm_width(c), H = c->hidden, B = tr->t.batch;
    struct lm_stream rev = {NULL, 0};
    if (c->directions == 2) {
        rev.ids = malloc(s->n * sizeof(uint32_t));
        if (rev.ids == NULL)
            return WP_ENOMEM;
        reverse_stream(s, &rev);
    }
    for (uint32_t d = 0; d < 2; d++) {
        loss[d] = 0;
        ntok[d] = 0;
    }
    for (uint32_t d = 0; d < c->directions; d++) {
        struct dir *r = &tr->dir[d];
        r->s = d == 0 ? s : &rev;
        r->rowlen = row_len(s, &tr->t);
        r->train = 0;
        r->hs = tr->es_h[d];
        r->cs = tr->es_c[d];
        for (uint32_t l = 0; l < c->layers; l++) {
            memset(tr->es_h[d][l], 0, B * W * sizeof(float));
            memset(tr->es_c[d][l], 0, B * H * sizeof(float));
        }
    }
    const size_t nw = lm_stream_windows(s, &tr->t);
    for (size_t w = 0; w < nw; w++) {
        for (uint32_t d = 0; d < c->directions; d++)
            tr->dir[d].w = w;
        run_dirs(tr);
        for (uint32_t d = 0; d < c->directions; d++) {
            loss[d] += tr->dir[d].loss;
            ntok[d] += tr->dir[d].ntok;
        }
    }
    free(rev.ids);
    return WP_OK;
}

/* ---- snapshots and checkpoints: one table of the mutable training state ---- */

struct state_part {
    char name[40];
    float *p;
    size_t n;
};

/* Every float array besides the weights that training changes. */
static size_t
state_parts(const struct lm_trainer *tr, struct state_part *out)
{
    const struct lm_cfg *c = &tr->m->c;
    const size_t W = lm_width(c), H = c->hidden, B = tr->t.batch;
    size_t n = 0;
    if (tr->opt1 != NULL)
        out[n++] = (struct state_part){"train.opt1", tr->opt1, tr->np};
    if (tr->opt2 != NULL)
        out[n++] = (struct state_part){"train.opt2", tr->opt2, tr->np};
    for (uint32_t d = 0; d < c->directions; d++)
        for (uint32_t l = 0; l < c->layers; l++) {
            struct state_part *h = &out[n++], *cc = &out[n++];
            snprintf(h->name, sizeof h->name, "train.state.%u.%u.h", d, l);
            h->p = tr->dir[d].h[l];
            h->n = B * W;
            snprintf(cc->name, sizeof cc->name, "train.state.%u.%u.c", d, l);
            cc->p = tr->dir[d].c[l];
            cc->n = B * H;
        }
    return n;
}

enum { MAX_PARTS = 2 + 4 * LM_MAX_LAYERS };

struct lm_snapshot {
    float *w;
    float *parts[MAX_PARTS];
    struct rng rng[2];
    uint64_t steps;
};

void
lm_snapshot_free(struct lm_snapshot *s)
{
    if (s == NULL)
        return;
    free(s->w);
    for (int i = 0; i < MAX_PARTS; i++)
        free(s->parts[i]);
    free(s);
}

struct lm_snapshot *
lm_snapshot_new(const struct lm_trainer *tr)
{
    struct lm_snapshot *s = calloc(1, sizeof *s);
    struct state_part parts[MAX_PARTS];
    const size_t n = state_parts(tr, parts);
    int ok = s != NULL && (s->w = malloc(tr->np * sizeof(float))) != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = (s->parts[i] = malloc(parts[i].n * sizeof(float))) != NULL;
    if (!ok) {
        lm_snapshot_free(s);
        return NULL;
    }
    lm_snapshot_take(s, tr);
    return s;
}

void
lm_snapshot_take(struct lm_snapshot *s, const struct lm_trainer *tr)
{
    struct state_part parts[MAX_PARTS];
    const size_t n = state_parts(tr, parts);
    memcpy(s->w, tr->m->w, tr->np * sizeof(float));
    for (size_t i = 0; i < n; i++)
        memcpy(s->parts[i], parts[i].p, parts[i].n * sizeof(float));
    s->rng[0] = tr->dir[0].rng;
    s->rng[1] = tr->dir[1].rng;
    s->steps = tr->steps;
}

void
lm_snapshot_restore(const struct lm_snapshot *s, struct lm_trainer *tr)
{
    struct state_part parts[MAX_PARTS];
    const size_t n = state_parts(tr, parts);
    memcpy(tr->m->w, s->w, tr->np * sizeof(float));
    for (size_t i = 0; i < n; i++)
        memcpy(parts[i].p, s->parts[i], parts[i].n * sizeof(float));
    tr->dir[0].rng = s->rng[0];
    tr->dir[1].rng = s->rng[1];
    tr->steps = s->steps;
}

/* The "train.*" tensors of a checkpoint: optimizer and carried state, then the
 * generators and the step count. */
static int
put_state(const void *ctx, struct rec_writer *w)
{
    const struct lm_trainer *tr = ctx;
    struct buf b = {0};
    struct state_part parts[MAX_PARTS];
    const size_t n = state_parts(tr, parts);
    int rc = WP_OK;
    for (size_t i = 0; rc == WP_OK && i < n; i++)
        rc = tensor_put_f32(w, &b, parts[i].name, parts[i].p, parts[i].n, 0);
    uint64_t gen[9];
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < 4; i++)
            gen[d * 4 + i] = tr->dir[d].rng.s[i];
    gen[8] = tr->steps;
    if (rc == WP_OK)
        rc = tensor_put_u64s(w, &b, "train.rng", gen, 9);
    buf_free(&b);
    return rc;
}

int
lm_trainer_save(FILE *fp, const struct lm_trainer *tr, const struct rec_meta *extra, int level)
{
    return lm_save_ex(fp, tr->m, extra, level, put_state, tr);
}

int
lm_trainer_load_extra(void *ctx, const struct tensor_slice *s)
{
    struct lm_trainer *tr = ctx;
    struct state_part parts[MAX_PARTS];
    const size_t n = state_parts(tr, parts);
    if (tensor_slice_is(s, "train.rng")) {
        struct rec_cursor c = s->data;
        uint64_t v[9];
        if (s->dtype != TENSOR_VARINT || s->ndim != 1 || s->dim[0] != 9 || s->count != 9)
            return WP_ECORRUPT;
        for (int i = 0; i < 9; i++)
            WP_TRY(rec_cursor_varint(&c, &v[i]));
        WP_TRY(rec_cursor_done(&c));
        for (int d = 0; d < 2; d++)
            for (int i = 0; i < 4; i++)
                tr->dir[d].rng.s[i] = v[d * 4 + i];
        tr->steps = v[8];
        tr->loaded += 9;
        return WP_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (!tensor_slice_is(s, parts[i].name))
            continue;
        if (s->dtype != TENSOR_F32 || s->ndim != 1 || s->dim[0] != parts[i].n)
            return WP_ECORRUPT;
        struct rec_cursor c = s->data;
        WP_TRY(rec_cursor_f32s(&c, parts[i].p + s->offset, (size_t)s->count));
        WP_TRY(rec_cursor_done(&c));
        tr->loaded += s->count;
        return WP_OK;
    }
    return WP_ECORRUPT;   /* state of another configuration (optimizer, batch) */
}

int
lm_trainer_loaded(const struct lm_trainer *tr)
{
    struct state_part parts[MAX_PARTS];
    const size_t n = state_parts(tr, parts);
    uint64_t want = 9;
    for (size_t i = 0; i < n; i++)
        want += parts[i].n;
    return tr->loaded == want ? WP_OK : WP_ETRUNC;
}

int
lm_trainer_load_rest(struct lm_trainer *tr, struct rec_reader *rd, const unsigned char *held,
                     size_t len)
{
    const unsigned char *rec = held;
    int rc = held != NULL ? 1 : rec_reader_next(rd, &rec, &len);
    while (rc > 0) {
        struct tensor_slice s;
        rc = tensor_slice_parse(rec, len, &s);
        if (rc == WP_OK)
            rc = s.name_len > 6 && memcmp(s.name, "train.", 6) == 0
                     ? lm_trainer_load_extra(tr, &s)
                     : WP_ECORRUPT;
        if (rc == WP_OK)
            rc = rec_reader_next(rd, &rec, &len);
    }
    return rc < 0 ? rc : lm_trainer_loaded(tr);
}
