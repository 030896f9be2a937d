/* embed_batch.c - embed --model's sentences in batches (embed_batch.h). */
#include "embed_batch.h"

#include <stdlib.h>

#include "common/grow.h"
#include "common/status.h"
#include "embed_ctx.h"
#include "lm/lm.h"

struct embed_batch {
    struct embed_batch_cfg c;
    struct embed_runner *run;
    struct lm_state *st;
    struct embed_sel sel;
    size_t nl, nout, d2;     /* layers in the runner's output, layers out, 2 x width */
    size_t ns;               /* sentences gathered */
    struct embed_tokens *s;
    struct embed_sent *es;
    struct embed_pool pool;
    float *tokbuf;
    size_t tokcap;
    uint64_t first, cut;
};

int
embed_batch_new(struct embed_batch **out, const struct embed_batch_cfg *cfg)
{
    const struct lm *m = cfg->m;
    const size_t layers = m->c.layers + 1;
    struct embed_batch *b = calloc(1, sizeof *b);
    *out = NULL;
    if (b == NULL)
        return WP_ENOMEM;
    b->c = *cfg;
    b->sel = cfg->sel;
    b->d2 = 2 * (size_t)lm_width(&m->c);
    /* layer 0 alone needs no LSTM: the encoder (or the cache) suffices */
    const int l0 = b->sel.mode == EMBED_SEL_ONE && b->sel.layer == 0;
    if (l0)
        b->sel.mode = EMBED_SEL_ALL;
    b->nl = l0 ? 1 : layers;
    b->nout = embed_sel_count(&b->sel, b->nl);
    b->s = calloc(cfg->batch, sizeof *b->s);
    b->es = calloc(cfg->batch, sizeof *b->es);
    int rc = b->s == NULL || b->es == NULL ? WP_ENOMEM : WP_OK;
    if (rc == WP_OK)
        rc = embed_runner_new(&b->run, m, cfg->carry ? 1 : cfg->threads, l0, cfg->cache);
    if (rc == WP_OK && cfg->carry && (b->st = lm_state_new(m)) == NULL)
        rc = WP_ENOMEM;
    if (rc == WP_OK)
        rc = embed_pool_init(&b->pool, cfg->pool, 0, b->nout * b->d2);
    if (rc < 0) {
        embed_batch_free(b);
        return rc;
    }
    *out = b;
    return WP_OK;
}

void
embed_batch_free(struct embed_batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; b->s != NULL && i < b->c.batch; i++)
        embed_tokens_free(&b->s[i]);
    free(b->s);
    free(b->es);
    embed_runner_free(b->run);
    lm_state_free(b->st);
    embed_pool_free(&b->pool);
    free(b->tokbuf);
    free(b);
}

void
embed_batch_shape(const struct embed_batch *b, size_t *layers, size_t *dim)
{
    *layers = b->nout;
    *dim = b->d2;
}

struct embed_tokens *
embed_batch_slot(struct embed_batch *b)
{
    return &b->s[b->ns];
}

int
embed_batch_add(struct embed_batch *b)
{
    struct embed_tokens *x = &b->s[b->ns];
    const int chars = b->c.m->c.char_input;
    b->cut += embed_tokens_ids(b->c.m, x);
    float *out = embed_tokens_out(x, (x->n ? x->n : 1) * b->nl * b->d2);
    if (out == NULL)
        return WP_ENOMEM;
    b->es[b->ns++] = (struct embed_sent){.ids = x->ids, .chars = chars ? x->chars : NULL,
                                         .n = x->n, .out = out};
    return b->ns == b->c.batch ? embed_batch_flush(b) : WP_OK;
}

int
embed_batch_flush(struct embed_batch *b)
{
    const size_t k = b->nout * b->d2, ns = b->ns;
    if (ns == 0)
        return WP_OK;
    WP_TRY(embed_runner_run(b->run, b->es, ns, b->st));
    for (size_t j = 0; j < ns; j++) {
        const size_t n = b->s[j].n;
        /* room for one vector at least: an empty sentence's pooled one */
        WP_TRY(wp_grow(&b->tokbuf, &b->tokcap, (n ? n : 1) * k, sizeof *b->tokbuf, 0));
        embed_sel_sentence(&b->sel, b->s[j].out, b->nl, n, b->d2, &b->pool, b->tokbuf);
        WP_TRY(b->c.emit(b->c.ctx, b->first + j, &b->s[j], n, b->tokbuf));
    }
    b->first += ns;
    b->ns = 0;
    return WP_OK;
}

uint64_t
embed_batch_done(const struct embed_batch *b)
{
    return b->first;
}

uint64_t
embed_batch_cut(const struct embed_batch *b)
{
    return b->cut;
}

int
embed_batch_run(struct embed_batch *b, struct rec_reader *r,
                void (*progress)(void *ctx, uint64_t done), void *ctx, struct embed_fail *f)
{
    const size_t mc = b->c.m->c.char_input ? b->c.m->c.ch.max_chars : 0;
    uint64_t done = 0;
    for (;;) {
        const int more = embed_tokens_next(r, embed_batch_slot(b), mc, f);
        if (more < 0)
            return more;
        const int rc = more ? embed_batch_add(b) : embed_batch_flush(b);
        if (rc < 0) {
            f->what = EMBED_FAIL_EMBED;
            return rc;
        }
        if (embed_batch_done(b) != done && progress != NULL)
            progress(ctx, done = embed_batch_done(b));
        if (!more)
            return WP_OK;
    }
}
