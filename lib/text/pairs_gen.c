/* pairs_gen.c - windows and spans records from the draws of window.c (see pairs_gen.h). */
#include "pairs_gen.h"

#include <stdlib.h>

#include "common/grow.h"
#include "common/spool.h"
#include "common/status.h"
#include "stream/rec_payload.h"

int
pairs_gen_init(struct pairs_gen *g, const struct window_cfg *wcfg,
               const struct subsampler *sub)
{
    g->wcfg = wcfg;
    g->sub = sub;
    return wp_grow(&g->ctx, &g->ctx_cap, 2 * (size_t)wcfg->window, sizeof *g->ctx, 1024);
}

void
pairs_gen_free(struct pairs_gen *g)
{
    buf_free(&g->rec);
    free(g->ids);
    free(g->ctx);
    free(g->radii);
}

static int
emit(struct pairs_gen *g, uint32_t center, const uint32_t *ctx, size_t n)
{
    buf_clear(&g->rec);
    WP_TRY(rec_window_encode(&g->rec, center, ctx, n));
    return g->put(g->put_ctx, g->rec.p, g->rec.len);
}

/* spans: the same draws as the windows (window_contexts is window_radius, then
 * window_span), with the radii written in place of the contexts. */
static int
spans(struct pairs_gen *g, const uint32_t *ids, size_t kept)
{
    WP_TRY(wp_grow(&g->radii, &g->radii_cap, kept, sizeof *g->radii, 1024));
    for (size_t i = 0; i < kept; i++)
        g->radii[i] = (uint32_t)window_radius(g->wcfg, &g->rng);
    if (g->put == NULL || kept == 0)
        return WP_OK;
    buf_clear(&g->rec);
    WP_TRY(rec_spans_encode(&g->rec, ids, g->radii, kept));
    return g->put(g->put_ctx, g->rec.p, g->rec.len);
}

int
pairs_gen_sentence(struct pairs_gen *g, uint32_t *ids, size_t n)
{
    const size_t kept = subsample_sentence(g->sub, ids, n, &g->rng);
    if (g->spans) {
        WP_TRY(spans(g, ids, kept));
    } else {
        for (size_t i = 0; i < kept; i++) {
            const size_t nc = window_contexts(g->wcfg, ids, kept, i, &g->rng, g->ctx);
            if (g->put != NULL)
                WP_TRY(emit(g, ids[i], g->ctx, nc));
        }
    }
    g->records += kept;
    g->done += n;
    return WP_OK;
}

int
pairs_gen_group(struct pairs_gen *g, uint32_t word, const uint32_t *ctx, size_t n)
{
    uint32_t w = word;
    /* the same draw as a one-word sentence: one rng_unit when keep < 1 */
    if (subsample_sentence(g->sub, &w, 1, &g->rng) == 0)
        return WP_OK;
    if (g->put != NULL)
        WP_TRY(emit(g, word, ctx, n));
    g->records++;
    return WP_OK;
}

/* One epoch from the spool. */
static int
replay_epoch(struct pairs_gen *g, FILE *sp, uint64_t epoch,
             void (*progress)(void *ctx, uint64_t done, uint64_t epoch), void *ctx)
{
    uint32_t head[2];
    WP_TRY(spool_rewind(sp));
    const size_t nh = g->groups ? 2 : 1;
    int more;
    while ((more = spool_get_u32(sp, head, nh)) != 0) {
        WP_TRY(more);
        const uint32_t n = head[nh - 1];
        WP_TRY(wp_grow(&g->ids, &g->cap, n, sizeof *g->ids, 1024));
        const int got = spool_get_u32(sp, g->ids, n);
        WP_TRY(got == 0 ? WP_ETRUNC : got);
        if (g->groups) {
            WP_TRY(pairs_gen_group(g, head[0], g->ids, n));
            g->done++;
        } else {
            WP_TRY(pairs_gen_sentence(g, g->ids, n));
        }
        if (progress != NULL)
            progress(ctx, g->done, epoch);
    }
    return WP_OK;
}

int
pairs_gen_epochs(struct pairs_gen *g, FILE *sp, uint64_t epochs, uint64_t seed,
                 void (*progress)(void *ctx, uint64_t done, uint64_t epoch), void *ctx)
{
    rng_seed(&g->rng, seed, 0);
    g->records = g->done = 0;
    return pairs_gen_epochs_from(g, sp, 0, epochs, progress, ctx);
}

int
pairs_gen_epochs_from(struct pairs_gen *g, FILE *sp, uint64_t first, uint64_t epochs,
                      void (*progress)(void *ctx, uint64_t done, uint64_t epoch), void *ctx)
{
    for (uint64_t e = first; e < epochs; e++)
        WP_TRY(replay_epoch(g, sp, e, progress, ctx));
    return WP_OK;
}
