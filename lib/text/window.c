/* window.c - word2vec's frequent-word subsampling and dynamic window (window.h).
 *
 * The draw order is a contract between pairs(1) and w2v-train's token fast path, which must
 * produce the same windows from the same seed. With one generator r (pairs seeds it with
 * rng_seed(&r, seed, 0) once, before the first epoch, and never reseeds), for every
 * sentence in stream order, in every epoch in turn:
 *
 *   1. subsample_sentence(s, ids, n, &r): one rng_unit(&r) per word whose keep
 *      probability (as the float stored in s->keep) is below 1, left to right; the word
 *      stays when that draw is below keep. Words with keep >= 1 use no draw.
 *   2. for i = 0 .. kept-1, window_contexts(cfg, ids, kept, i, &r, ctx): one
 *      rng_below(&r, window) per position unless cfg->fixed (then none); the window
 *      becomes b = 1 + that draw (window_radius), and the contexts are the kept ids within
 *      b of i (window_span). pairs --spans writes each b instead of the contexts, and
 *      w2v-train lists them with window_span: the same windows.
 *
 * Unknown words are dropped before step 1 and use no draw. */
#include "window.h"

#include <math.h>
#include <stdlib.h>

#include "common/status.h"

/* word2vec.c: ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn,
 * which is (sqrt(f / t) + 1) * t / f with f = cn / train_words. */
static float
keep_probability(uint64_t count, uint64_t total, double sample)
{
    if (sample <= 0 || count == 0 || total == 0)
        return 1.0f;
    const double st = sample * (double)total;
    const double p = (sqrt((double)count / st) + 1) * st / (double)count;
    return p >= 1 ? 1.0f : (float)p;
}

int
subsample_init(struct subsampler *s, const struct vocab *v, double sample)
{
    return subsample_init_total(s, v, sample, 0);
}

int
subsample_init_total(struct subsampler *s, const struct vocab *v, double sample,
                     uint64_t total)
{
    const uint32_t n = vocab_size(v);
    total = total ? total : vocab_total(v);
    s->n = 0;
    if ((s->keep = malloc((n ? (size_t)n : 1) * sizeof *s->keep)) == NULL)
        return WP_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        s->keep[i] = keep_probability(vocab_count(v, i), total, sample);
    s->n = n;
    return WP_OK;
}

void
subsample_free(struct subsampler *s)
{
    free(s->keep);
    s->keep = NULL;
    s->n = 0;
}

/* Subsampling in blocks: the words that draw are listed first, then drawn in order, then
 * the block is compacted. Whether a frequent word stays is a coin toss no branch
 * predictor learns, and a loop that branched on it per word spent most of its time in
 * mispredictions; these loops have no branch on a draw. stay[i] receives block word i's
 * verdict; returns the words that stay. The draws are those of one rng_unit per word
 * whose keep is below 1, left to right (the contract at the top of this file). An id
 * outside the vocabulary cannot come from vocab_lookup: it stays, without a draw, rather
 * than be read out of bounds. */
enum { SUB_BLOCK = 256 };

static size_t
subsample_block(const struct subsampler *s, const uint32_t *ids, size_t n, struct rng *r,
                unsigned char *stay)
{
    uint16_t at[SUB_BLOCK]; /* the words that draw, and their keep */
    float keep[SUB_BLOCK];
    size_t m = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t id = ids[i];
        const float k = s->keep[id < s->n ? id : 0];
        const int draws = id < s->n && k < 1.0f;
        at[m] = (uint16_t)i;
        keep[m] = k;
        m += (size_t)draws;
        stay[i] = 1;
    }
    for (size_t j = 0; j < m; j++)
        stay[at[j]] = rng_unit(r) < keep[j];
    for (size_t i = 0; i < n; i++)
        kept += stay[i];
    return kept;
}

size_t
subsample_sentence(const struct subsampler *s, uint32_t *ids, size_t n, struct rng *r)
{
    unsigned char stay[SUB_BLOCK];
    size_t kept = 0;
    if (s->n == 0) /* no table: every word stays, no draw */
        return n;
    for (size_t b = 0; b < n; b += SUB_BLOCK) {
        const size_t len = n - b < SUB_BLOCK ? n - b : SUB_BLOCK;
        subsample_block(s, ids + b, len, r, stay);
        for (size_t i = 0; i < len; i++) { /* kept <= b + i: nothing unread is overwritten */
            ids[kept] = ids[b + i];
            kept += stay[i];
        }
    }
    return kept;
}

size_t
subsample_count(const struct subsampler *s, const uint32_t *ids, size_t n, struct rng *r)
{
    unsigned char stay[SUB_BLOCK];
    size_t kept = 0;
    if (s->n == 0)
        return n;
    for (size_t b = 0; b < n; b += SUB_BLOCK)
        kept += subsample_block(s, ids + b, n - b < SUB_BLOCK ? n - b : SUB_BLOCK, r, stay);
    return kept;
}

uint64_t
subsample_expected(const struct subsampler *s, const struct vocab *v)
{
    double sum = 0;
    for (uint32_t i = 0; i < s->n; i++)
        sum += (double)vocab_count(v, i) * s->keep[i];
    return (uint64_t)(sum + 0.5);
}

size_t
window_radius(const struct window_cfg *cfg, struct rng *r)
{
    if (cfg->window == 0)
        return 0;
    return cfg->fixed ? cfg->window : 1 + (size_t)rng_below(r, cfg->window);
}

size_t
window_span(const uint32_t *ids, size_t n, size_t i, size_t b, uint32_t *ctx)
{
    const size_t lo = i > b ? i - b : 0;
    const size_t hi = n - 1 - i > b ? i + b : n - 1;
    size_t k = 0;
    for (size_t j = lo; j <= hi; j++)
        if (j != i)
            ctx[k++] = ids[j];
    return k;
}

size_t
window_contexts(const struct window_cfg *cfg, const uint32_t *ids, size_t n, size_t i,
                struct rng *r, uint32_t *ctx)
{
    if (i >= n)
        return 0;
    return window_span(ids, n, i, window_radius(cfg, r), ctx);
}
