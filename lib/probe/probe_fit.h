/* probe_fit.h - a probe's run around its training loop (probe_train.h): the features
 * chosen from the training set's shape, the model built from that set (its words and its
 * standardisation, applied to the sets), and the layer a stream must give a trained model. */
#ifndef WP_PROBE_FIT_H
#define WP_PROBE_FIT_H

#include <stdint.h>

#include "probe.h"
#include "probe_data.h"

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

#endif
