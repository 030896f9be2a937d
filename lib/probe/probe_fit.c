/* probe_fit.c - a probe's run around its training loop (probe_fit.h). */
#include "probe_fit.h"

#include <stdio.h>

#include "common/status.h"
#include "probe_labels.h"
#include "probe_train.h"

int
probe_set_read(struct probe_data *d, struct rec_reader *vr, struct rec_reader *lr,
               const struct probe_shape *s, int keep, struct probe_labels *labels,
               void (*progress)(void *ctx, uint64_t nvec), void *ctx,
               struct probe_set_info *info)
{
    struct probe_loader *ld;
    info->nvec = 0;
    info->at = (struct probe_join_err){0, 0};
    info->msg[0] = '\0';
    WP_TRY(probe_loader_new(&ld, s, keep, labels));
    const int rc = probe_loader_join(ld, vr, lr, progress, ctx, &info->nvec, &info->at);
    if (rc == WP_OK)
        probe_loader_take(ld, d);
    else if (rc == WP_EFORMAT && !info->at.reader)
        snprintf(info->msg, sizeof info->msg, "%s", probe_loader_error(ld, NULL));
    probe_loader_free(ld);
    return rc;
}

void
probe_fit_select(int asked, int layer, const struct probe_shape *s, int *select, int *keep)
{
    *select = asked >= 0 ? asked : s->src_layers == 1 ? PROBE_SEL_LAYER : PROBE_SEL_MIX;
    *keep = *select == PROBE_SEL_LAYER ? (layer < 0 ? 0 : layer) : -1;
}

int
probe_shape_same(const struct probe_shape *a, const struct probe_shape *b)
{
    return a->src_layers == b->src_layers && a->dim == b->dim && a->sentences == b->sentences;
}

int
probe_fit_new(struct probe **out, struct probe_data *tr, struct probe_data *dev,
              const struct probe_shape *sh, int select, int keep, uint32_t hidden,
              struct probe_labels *labels, uint64_t seed, struct probe_cfg *cfg)
{
    *cfg = (struct probe_cfg){.layers = (uint32_t)tr->layers, .dim = (uint32_t)tr->dim,
                              .hidden = hidden, .classes = labels->known,
                              .mix = select == PROBE_SEL_MIX};
    struct probe *m;
    const int rc = probe_new(&m, cfg, seed);
    if (rc < 0)
        return rc;
    m->select = select;
    m->src_layers = sh->src_layers;
    m->layer = keep < 0 ? 0 : (uint32_t)keep;
    m->sentences = sh->sentences;
    if (probe_set_words(m, tr) < 0 || probe_stats(tr, m->mean, m->istd) < 0) {
        probe_free(m);
        return WP_ENOMEM;
    }
    m->labels = labels;
    probe_standardize(tr, m->mean, m->istd);
    if (dev != NULL)
        probe_standardize(dev, m->mean, m->istd);
    *out = m;
    return WP_OK;
}

int
probe_eval_keep(const struct probe *m, const struct probe_shape *s, int *keep,
                uint32_t *want_dim)
{
    *want_dim = m->select == PROBE_SEL_CONCAT ? m->c.dim / m->src_layers : m->c.dim;
    if (s->dim == *want_dim && s->sentences == m->sentences) {
        if (s->src_layers == m->src_layers) {
            *keep = m->select == PROBE_SEL_LAYER ? (int)m->layer : -1;
            return WP_OK;
        }
        if (s->src_layers == 1 && m->select == PROBE_SEL_LAYER) {
            *keep = 0;
            return WP_OK;
        }
    }
    return WP_EFORMAT;
}

void
probe_fit_eval_set(const struct probe *m, struct probe_data *d)
{
    if (m->select == PROBE_SEL_CONCAT)
        probe_data_flatten(d);
    probe_standardize(d, m->mean, m->istd);
}

int
probe_fit_metrics(struct probe_metrics *mt, const struct probe *m, const struct probe_data *d)
{
    WP_TRY(probe_metrics_init(mt, m->c.classes, m->labels->n));
    return probe_evaluate(m, d, mt);
}
