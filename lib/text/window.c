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

size_t
subsample_sentence(const struct subsampler *s, uint32_t *ids, size_t n, struct rng *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t id = ids[i];
        /* an id outside the vocabulary cannot come from vocab_lookup; keep it rather than
         * read out of bounds */
        const float keep = id < s->n ? s->keep[id] : 1.0f;
        if (keep < 1.0f && !(rng_unit(r) < keep))
            continue;
        ids[kept++] = id;
    }
    return kept;
}

size_t
subsample_count(const struct subsampler *s, const uint32_t *ids, size_t n, struct rng *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const float keep = ids[i] < s->n ? s->keep[ids[i]] : 1.0f;
        kept += !(keep < 1.0f && !(rng_unit(r) < keep));
    }
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
