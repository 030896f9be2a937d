/* embed_layers.c - layer selection, scalar mix and pooling; see embed_layers.h. */
#include "embed_layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "kernels/vec.h"

int
embed_sel_mix(struct embed_sel *sel, const double *w, size_t n, double gamma)
{
    double mx = -INFINITY, z = 0, e[EMBED_MAX_LAYERS];
    if (n == 0 || n > EMBED_MAX_LAYERS || !isfinite(gamma))
        return WP_ERANGE;
    for (size_t j = 0; j < n; j++) {
        if (!isfinite(w[j]))
            return WP_ERANGE;
        mx = w[j] > mx ? w[j] : mx;
    }
    for (size_t j = 0; j < n; j++)
        z += e[j] = exp(w[j] - mx);
    memset(sel, 0, sizeof *sel);
    sel->mode = EMBED_SEL_MIX;
    sel->nmix = n;
    for (size_t j = 0; j < n; j++)
        sel->s[j] = (float)(e[j] / z);
    sel->gamma = (float)gamma;
    return WP_OK;
}

int
embed_sel_check(const struct embed_sel *sel, size_t nlayers)
{
    if (nlayers == 0 || nlayers > EMBED_MAX_LAYERS)
        return WP_ERANGE;
    if (sel->mode == EMBED_SEL_ONE && sel->layer >= nlayers)
        return WP_ERANGE;
    if (sel->mode == EMBED_SEL_MIX && sel->nmix != nlayers)
        return WP_ERANGE;
    return WP_OK;
}

size_t
embed_sel_count(const struct embed_sel *sel, size_t nlayers)
{
    return sel->mode == EMBED_SEL_ALL ? nlayers : 1;
}

void
embed_sel_token(const struct embed_sel *sel, const float *x, size_t nlayers, size_t n,
                size_t d, size_t t, float *out)
{
    const size_t stride = n * d; /* from one layer to the next */
    x += t * d;
    switch (sel->mode) {
    case EMBED_SEL_ALL:
        for (size_t l = 0; l < nlayers; l++)
            memcpy(out + l * d, x + l * stride, d * sizeof *out);
        return;
    case EMBED_SEL_ONE:
        memcpy(out, x + sel->layer * stride, d * sizeof *out);
        return;
    default: {
        /* average and mix are the same sum with weights 1/L or gamma * s_j; summed in
         * double so the result does not depend on the number of layers' rounding */
        for (size_t i = 0; i < d; i++) {
            double acc = 0;
            for (size_t l = 0; l < nlayers; l++)
                acc += (sel->mode == EMBED_SEL_MIX ? (double)sel->s[l] : 1.0) * x[l * stride + i];
            out[i] = sel->mode == EMBED_SEL_MIX ? (float)(sel->gamma * acc)
                                                : (float)(acc / (double)nlayers);
        }
        return;
    }
    }
}

int
embed_pool_init(struct embed_pool *p, int how, int normalize, size_t k)
{
    memset(p, 0, sizeof *p);
    p->how = how;
    p->normalize = normalize;
    p->k = k;
    if ((p->acc = calloc(k ? k : 1, sizeof *p->acc)) == NULL)
        return WP_ENOMEM;
    return WP_OK;
}

void
embed_pool_free(struct embed_pool *p)
{
    free(p->acc);
    p->acc = NULL;
}

void
embed_pool_reset(struct embed_pool *p)
{
    memset(p->acc, 0, p->k * sizeof *p->acc);
    p->count = 0;
}

void
embed_pool_add(struct embed_pool *p, const float *x)
{
    double scale = 1;
    if (p->normalize) {
        const double sq = vec_sumsq_f64(x, p->k);
        if (sq == 0)
            return;
        scale = 1 / sqrt(sq);
    }
    for (size_t i = 0; i < p->k; i++) {
        const double v = scale * x[i];
        if (p->how == EMBED_POOL_MAX)
            p->acc[i] = p->count == 0 || v > p->acc[i] ? v : p->acc[i];
        else
            p->acc[i] += v;
    }
    p->count++;
}

void
embed_pool_result(const struct embed_pool *p, float *out)
{
    for (size_t i = 0; i < p->k; i++)
        out[i] = p->count == 0 ? 0.0f
                 : p->how == EMBED_POOL_MAX ? (float)p->acc[i]
                                            : (float)(p->acc[i] / (double)p->count);
}

void
embed_sel_sentence(const struct embed_sel *sel, const float *x, size_t nlayers, size_t n,
                   size_t d, struct embed_pool *pool, float *out)
{
    const size_t k = embed_sel_count(sel, nlayers) * d;
    embed_pool_reset(pool);
    for (size_t t = 0; t < n; t++) {
        embed_sel_token(sel, x, nlayers, n, d, t, out + t * k);
        embed_pool_add(pool, out + t * k);
    }
    if (pool->how != EMBED_POOL_NONE)
        embed_pool_result(pool, out);
}
