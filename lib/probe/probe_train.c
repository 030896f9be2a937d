/* probe_train.c - the training loop, early stopping and metrics (probe_train.h). */
#include "probe_train.h"

#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "common/status.h"
#include "stream/rec.h"

static double
accuracy(const struct probe *m, const struct probe_data *d, struct probe_work *w, uint32_t *pred)
{
    probe_predict(m, d->x, d->n, w, pred);
    uint64_t ok = 0;
    for (size_t i = 0; i < d->n; i++)
        ok += pred[i] == d->y[i];
    return d->n ? (double)ok / (double)d->n : 0.0;
}

int
probe_train(struct probe *m, const struct probe_data *train, const struct probe_data *dev,
            const struct probe_train_cfg *c, probe_epoch_fn cb, void *ctx,
            struct probe_train_result *res)
{
    const size_t n = train->n, k = train->layers * train->dim, B = c->batch;
    if (n == 0 || B == 0 || n > UINT32_MAX || k != (size_t)m->c.layers * m->c.dim)
        return WP_ERANGE;
    struct probe_work w;
    struct probe_adam adam;
    int rc = probe_work_init(&w, &m->c, B);
    if (rc < 0)
        return rc;
    if ((rc = probe_adam_init(&adam, m->nparams, c->lr)) < 0) {
        probe_work_free(&w);
        return rc;
    }
    uint32_t *perm = malloc(n * sizeof *perm), *yb = malloc(B * sizeof *yb);
    uint32_t *pred = dev != NULL && dev->n ? malloc(dev->n * sizeof *pred) : NULL;
    float *xb = malloc(B * k * sizeof *xb), *grad = malloc(m->nparams * sizeof *grad);
    float *best = malloc(m->nparams * sizeof *best);
    rc = perm == NULL || yb == NULL || xb == NULL || grad == NULL || best == NULL
                 || (dev != NULL && dev->n && pred == NULL)
             ? WP_ENOMEM : WP_OK;
    struct rng r;
    rng_seed(&r, c->seed, 0x73687566ULL); /* "shuf" */
    for (size_t i = 0; rc == WP_OK && i < n; i++)
        perm[i] = (uint32_t)i;
    memset(res, 0, sizeof *res);
    res->best_dev_acc = -1;
    uint32_t stale = 0;
    for (uint32_t ep = 1; rc == WP_OK && ep <= c->epochs; ep++) {
        for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
            const uint32_t j = rng_below(&r, (uint32_t)(i + 1));
            const uint32_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double loss = 0;
        size_t batches = 0;
        for (size_t i = 0; i < n; i += B) {
            const size_t nb = n - i < B ? n - i : B;
            for (size_t b = 0; b < nb; b++) {
                memcpy(xb + b * k, train->x + (size_t)perm[i + b] * k, k * sizeof *xb);
                yb[b] = train->y[perm[i + b]];
            }
            probe_forward(m, xb, nb, &w);
            loss += probe_loss(m, &w, yb, nb, c->l2);
            probe_backward(m, xb, yb, nb, c->l2, &w, grad);
            probe_adam_step(&adam, m->w, grad);
            batches++;
        }
        struct probe_epoch e = {.epoch = ep, .loss = loss / (double)batches, .dev_acc = -1,
                                .examples = n};
        res->epochs = ep;
        if (dev != NULL && dev->n) {
            e.dev_acc = accuracy(m, dev, &w, pred);
            if (e.dev_acc > res->best_dev_acc) {
                res->best_dev_acc = e.dev_acc;
                res->best_epoch = ep;
                memcpy(best, m->w, m->nparams * sizeof *best);
                e.best = 1;
                stale = 0;
            } else {
                stale++;
            }
        } else {
            res->best_epoch = ep;
            e.best = 1;
        }
        if (cb != NULL && cb(ctx, &e) != 0)
            break;
        if (dev != NULL && dev->n && stale >= c->patience)
            break;
    }
    if (rc == WP_OK && res->best_epoch > 0 && dev != NULL && dev->n)
        memcpy(m->w, best, m->nparams * sizeof *best);
    free(perm);
    free(yb);
    free(pred);
    free(xb);
    free(grad);
    free(best);
    probe_adam_free(&adam);
    probe_work_free(&w);
    return rc;
}

int
probe_metrics_init(struct probe_metrics *mt, uint32_t known, uint32_t total)
{
    memset(mt, 0, sizeof *mt);
    mt->known = known;
    mt->total = total;
    mt->conf = calloc((size_t)total * known + 1, sizeof *mt->conf);
    return mt->conf == NULL ? WP_ENOMEM : WP_OK;
}

void
probe_metrics_free(struct probe_metrics *mt)
{
    free(mt->conf);
    mt->conf = NULL;
}

int
probe_evaluate(const struct probe *m, const struct probe_data *d, struct probe_metrics *mt)
{
    struct probe_work w;
    if (d->layers * d->dim != (size_t)m->c.layers * m->c.dim)
        return WP_ERANGE;
    WP_TRY(probe_work_init(&w, &m->c, 256));
    uint32_t *pred = malloc((d->n ? d->n : 1) * sizeof *pred);
    if (pred == NULL) {
        probe_work_free(&w);
        return WP_ENOMEM;
    }
    probe_predict(m, d->x, d->n, &w, pred);
    for (size_t i = 0; i < d->n; i++) {
        const uint32_t g = d->y[i];
        if (g >= mt->total || pred[i] >= mt->known)
            continue; /* cannot happen: metrics sized for m->labels */
        mt->conf[(size_t)g * mt->known + pred[i]]++;
        const int ok = g == pred[i];
        mt->n++;
        mt->correct += (uint64_t)ok;
        if (probe_seen(m, d->word[i])) {
            mt->seen_n++;
            mt->seen_correct += (uint64_t)ok;
        }
    }
    free(pred);
    probe_work_free(&w);
    return WP_OK;
}

uint64_t
probe_metrics_gold(const struct probe_metrics *mt, uint32_t i)
{
    uint64_t s = 0;
    for (uint32_t j = 0; j < mt->known; j++)
        s += mt->conf[(size_t)i * mt->known + j];
    return s;
}

uint64_t
probe_metrics_predicted(const struct probe_metrics *mt, uint32_t i)
{
    uint64_t s = 0;
    for (uint32_t g = 0; g < mt->total && i < mt->known; g++)
        s += mt->conf[(size_t)g * mt->known + i];
    return s;
}

double
probe_pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

void
probe_metrics_prf(const struct probe_metrics *mt, uint32_t i, double *precision,
                  double *recall, double *f1)
{
    const uint64_t ok = i < mt->known ? mt->conf[(size_t)i * mt->known + i] : 0;
    const double pr = probe_pct(ok, probe_metrics_predicted(mt, i));
    const double rc = probe_pct(ok, probe_metrics_gold(mt, i));
    *precision = pr;
    *recall = rc;
    *f1 = pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
}

uint64_t
probe_metrics_unknown(const struct probe_metrics *mt)
{
    uint64_t n = 0;
    for (uint32_t i = mt->known; i < mt->total; i++)
        n += probe_metrics_gold(mt, i);
    return n;
}

static int
by_count(const void *a, const void *b)
{
    const struct probe_confusion *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->gold != y->gold)
        return x->gold < y->gold ? -1 : 1;
    return x->pred < y->pred ? -1 : x->pred > y->pred;
}

size_t
probe_metrics_confusions(const struct probe_metrics *mt, struct probe_confusion *out, size_t k)
{
    size_t n = 0;
    for (uint32_t g = 0; g < mt->total; g++)
        for (uint32_t p = 0; p < mt->known; p++) {
            const uint64_t c = mt->conf[(size_t)g * mt->known + p];
            if (c == 0 || g == p || k == 0)
                continue;
            struct probe_confusion e = {g, p, c};
            if (n < k) {
                out[n++] = e;
                qsort(out, n, sizeof *out, by_count);
            } else if (by_count(&e, &out[n - 1]) < 0) {
                out[n - 1] = e;
                qsort(out, n, sizeof *out, by_count);
            }
        }
    return n;
}

static int
cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int
probe_set_words(struct probe *m, const struct probe_data *train)
{
    uint64_t *w = malloc((train->n ? train->n : 1) * sizeof *w);
    if (w == NULL)
        return WP_ENOMEM;
    memcpy(w, train->word, train->n * sizeof *w);
    qsort(w, train->n, sizeof *w, cmp_u64);
    size_t n = 0;
    for (size_t i = 0; i < train->n; i++)
        if (n == 0 || w[i] != w[n - 1])
            w[n++] = w[i];
    m->words = w;
    m->nwords = n;
    return WP_OK;
}

int
probe_train_meta(struct rec_meta *meta, size_t examples, const struct probe_train_result *res,
                 double secs, const struct probe_train_cfg *c)
{
    WP_TRY(rec_meta_set_u64(meta, "train_examples", examples));
    WP_TRY(rec_meta_set_u64(meta, "epochs", res->epochs));
    WP_TRY(rec_meta_set_u64(meta, "best_epoch", res->best_epoch));
    WP_TRY(rec_meta_set_f64(meta, "train_seconds", secs));
    WP_TRY(rec_meta_set_u64(meta, "seed", c->seed));
    WP_TRY(rec_meta_set_u64(meta, "batch", c->batch));
    WP_TRY(rec_meta_set_f64(meta, "lr", c->lr));
    WP_TRY(rec_meta_set_f64(meta, "l2", c->l2));
    if (res->best_dev_acc >= 0)
        WP_TRY(rec_meta_set_f64(meta, "dev_accuracy", res->best_dev_acc));
    return WP_OK;
}
