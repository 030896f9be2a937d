/* probe_fit.h - a probe's run around its training loop (probe_train.h): a labelled set read
 * from its two streams, the features chosen from the training set's shape, the model built
 * from that set (its words and its standardisation, applied to the sets), the layer a
 * stream must give a trained model, and a set evaluated as the model was trained. */
#ifndef WP_PROBE_FIT_H
#define WP_PROBE_FIT_H

#include <stdint.h>

#include "probe.h"
#include "probe_data.h"

/* What probe_set_read says besides its status. */
struct probe_set_info {
    uint64_t nvec;            /* vector records read */
    struct probe_join_err at; /* where it failed (probe_loader_join) */
    char msg[256];            /* why the join refused a record (WP_EFORMAT), else "" */
};
/* A labelled set: the vector stream vr of shape s (probe_shape_of) joined with the label
 * stream lr (probe_loader_join, progress as it calls it) into *d, keeping layer keep (-1:
 * all), the labels interned into labels. WP_OK, WP_ENOMEM, or the join's failure (info
 * says where, and why for WP_EFORMAT). */
struct rec_reader;
int probe_set_read(struct probe_data *d, struct rec_reader *vr, struct rec_reader *lr,
                   const struct probe_shape *s, int keep, struct probe_labels *labels,
                   void (*progress)(void *ctx, uint64_t nvec), void *ctx,
                   struct probe_set_info *info);

/* The selection for a training set of shape s: *select is asked, or when asked is -1 one
 * layer as it is and several mixed; *keep the layer kept for PROBE_SEL_LAYER (layer, 0 when
 * layer is -1), -1 (all) otherwise. */
void probe_fit_select(int asked, int layer, const struct probe_shape *s, int *select,
                      int *keep);

/* 1 when a and b hold the same vectors (layers, dim, token or sentence), else 0. */
int probe_shape_same(const struct probe_shape *a, const struct probe_shape *b);

/* A new probe for the training set tr of shape sh (already selected, flattened for
 * PROBE_SEL_CONCAT; keep as probe_fit_select gave it), with hidden units and classes from
 * labels (which the model owns on success, the caller otherwise): initialised from seed, its
 * training words and standardisation taken from tr, and tr and dev (NULL: none)
 * standardised with it. WP_ERANGE when the probe would be too large (*cfg says its shape),
 * WP_ENOMEM. */
int probe_fit_new(struct probe **out, struct probe_data *tr, struct probe_data *dev,
                  const struct probe_shape *sh, int select, int keep, uint32_t hidden,
                  struct probe_labels *labels, uint64_t seed, struct probe_cfg *cfg);

/* *keep, the layer to keep (-1: all) of a stream of shape s for evaluating m: a stream of
 * m's own shape, or of one layer already selected (embed --layer n) for a one-layer probe.
 * WP_OK, or WP_EFORMAT when it does not fit. *want_dim: the floats per layer m was trained
 * on. */
int probe_eval_keep(const struct probe *m, const struct probe_shape *s, int *keep,
                    uint32_t *want_dim);

/* d, a set read for evaluating m (with probe_eval_keep's layer), made what m was trained on:
 * flattened for PROBE_SEL_CONCAT and standardised with m's statistics. */
void probe_fit_eval_set(const struct probe *m, struct probe_data *d);

/* mt set up for m's classes and every label m->labels holds, and filled with m's
 * predictions on d. WP_OK or WP_ENOMEM. */
struct probe_metrics;
int probe_fit_metrics(struct probe_metrics *mt, const struct probe *m, const struct probe_data *d);

#endif
