/* probe_train.h - minibatch training of a probe with Adam, early stopping on a dev set's
 * accuracy, and the metrics of an evaluation. Deterministic for a seed (bit for bit with a
 * one-thread BLAS). */
#ifndef WP_PROBE_TRAIN_H
#define WP_PROBE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"
#include "probe_data.h"

struct probe_train_cfg {
    size_t batch;       /* examples per step */
    uint32_t epochs;    /* at most this many passes */
    uint32_t patience;  /* stop after this many epochs without a better dev accuracy */
    float lr, l2;
    uint64_t seed;      /* the order of the examples */
};

struct probe_epoch {
    uint32_t epoch;      /* 1-based */
    double loss;         /* mean training loss over the epoch's batches */
    double dev_acc;      /* accuracy on dev (-1 without dev) */
    uint64_t examples;   /* trained on in this epoch */
    int best;            /* this epoch is the best so far */
};
/* Called after each epoch; a non-zero return stops training (keeping the best epoch). */
typedef int (*probe_epoch_fn)(void *ctx, const struct probe_epoch *e);

struct probe_train_result {
    uint32_t epochs, best_epoch;
    double best_dev_acc;  /* -1 without dev */
};

/* Trains m on train (standardised, y < classes) and, when dev is not NULL, keeps the
 * parameters of the epoch with the best dev accuracy (labels >= classes count as errors).
 * WP_ENOMEM, WP_ERANGE (an empty training set). */
int probe_train(struct probe *m, const struct probe_data *train, const struct probe_data *dev,
                const struct probe_train_cfg *c, probe_epoch_fn cb, void *ctx,
                struct probe_train_result *res);

/* A new model's training words: the hashes of train's words, sorted and unique, into
 * m->words and m->nwords (probe_seen). WP_OK or WP_ENOMEM. */
int probe_set_words(struct probe *m, const struct probe_data *train);
/* The facts of a training run a model file keeps (probe_save's extra): train_examples,
 * epochs, best_epoch, train_seconds (secs), seed, batch, lr, l2, and dev_accuracy when there
 * was a dev set. WP_OK or WP_ENOMEM. */
struct rec_meta;
int probe_train_meta(struct rec_meta *meta, size_t examples, const struct probe_train_result *res,
                     double secs, const struct probe_train_cfg *c);

/* ---- metrics ---- */
struct probe_metrics {
    uint32_t known, total;  /* classes, and classes plus labels unseen in training */
    uint64_t *conf;         /* [total][known]: gold row, predicted column */
    uint64_t n, correct;
    uint64_t seen_n, seen_correct; /* examples whose word was in the training set */
};
int probe_metrics_init(struct probe_metrics *mt, uint32_t known, uint32_t total);
void probe_metrics_free(struct probe_metrics *mt);
/* Predicts d with m and counts (d's labels interned into m->labels). */
int probe_evaluate(const struct probe *m, const struct probe_data *d, struct probe_metrics *mt);
/* Gold count, predicted count and correct count of class (or unseen label) i. */
uint64_t probe_metrics_gold(const struct probe_metrics *mt, uint32_t i);
uint64_t probe_metrics_predicted(const struct probe_metrics *mt, uint32_t i);
/* 100 a / b, 0 when b is 0: every percentage of a report. */
double probe_pct(uint64_t a, uint64_t b);
/* Class (or unseen label) i's precision, recall and F1, in percent (0 when undefined). */
void probe_metrics_prf(const struct probe_metrics *mt, uint32_t i, double *precision,
                       double *recall, double *f1);
/* Examples whose gold label was not seen in training (always wrong). */
uint64_t probe_metrics_unknown(const struct probe_metrics *mt);

/* The k most frequent confusions, gold != predicted, by count (ties by gold, predicted). */
struct probe_confusion {
    uint32_t gold, pred;
    uint64_t count;
};
size_t probe_metrics_confusions(const struct probe_metrics *mt, struct probe_confusion *out,
                                size_t k);

#endif
