/* lm_train.h - training the language model of lm.h: truncated BPTT over B contiguous
 * streams with state carried across windows (Zaremba et al. 2014), both directions at once
 * (on two threads when asked), loss summed over the unrolled steps and averaged over the
 * batch, global-norm gradient clipping, SGD / Adagrad / Adam over the flat weight array,
 * and checkpoints holding everything needed to continue bit for bit. */
#ifndef WP_LM_TRAIN_H
#define WP_LM_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/rng.h"
#include "lm.h"

struct rec_meta;
struct tensor_slice;

enum lm_optim { LM_SGD = 0, LM_ADAGRAD = 1, LM_ADAM = 2 };

struct lm_train_cfg {
    uint32_t unroll, batch;
    float dropout;          /* on every layer input and the softmax input; 0: none */
    uint32_t sampled;       /* sampled softmax candidates; 0: full softmax */
    int optim;              /* enum lm_optim */
    float lr, clip;         /* clip: global gradient norm, 0: none */
    float char_grad_scale;  /* character encoder's gradient times this before clipping and
                             * the update (1: as every other weight); > 0 */
    float adagrad_init;     /* initial accumulator (bilm-tf: 1.0) */
    float adam_b1, adam_b2, adam_eps;
    uint32_t threads;       /* 2 with two directions: one thread per direction */
    uint64_t seed;
    /* Data parallelism: the stream is laid out in nshards * batch rows as for one batch that
     * large, this replica trains and evaluates rows shard * batch ... + batch - 1, and the
     * loss is scaled by 1 / (nshards * batch) so that summing the replicas' gradients gives
     * the gradient of the large batch. shard 0 of 1 (or 0 of 0) is the single process. */
    uint32_t shard, nshards;
};

void lm_train_cfg_default(struct lm_train_cfg *t);

/* A corpus as the forward direction reads it: ids with LM_EOS after every sentence and one
 * in front. The backward stream is derived from it. */
struct lm_stream {
    uint32_t *ids;
    size_t n;
};
/* Windows per epoch for this stream (each window is unroll steps of batch streams). */
size_t lm_stream_windows(const struct lm_stream *s, const struct lm_train_cfg *t);

struct lm_trainer;
/* m must outlive the trainer; it is updated in place. */
int lm_trainer_new(struct lm_trainer **out, struct lm *m, const struct lm_train_cfg *t,
                   const struct lm_stream *train);
void lm_trainer_free(struct lm_trainer *tr);

/* Zeroes the carried state (start of an epoch). */
void lm_trainer_reset_state(struct lm_trainer *tr);
/* Trains on window w of the epoch: returns WP_OK and adds the summed loss and the number of
 * predicted tokens (over both directions) into *loss and *ntok; WP_ERANGE when the loss or
 * the gradient is not finite (the weights are then left untouched). norm receives the
 * gradient norm before clipping. */
int lm_trainer_step(struct lm_trainer *tr, size_t w, double *loss, uint64_t *ntok,
                    double *norm);
/* The gradient of window w's loss (summed over steps, averaged over the batch, summed over
 * directions) without updating anything: carried state and generators are restored after,
 * so calling it twice gives the same numbers. For gradient checks. */
const float *lm_trainer_grad(struct lm_trainer *tr, size_t w, double *loss);
void lm_trainer_set_lr(struct lm_trainer *tr, float lr);
/* With nshards > 1: lm_trainer_step hands the gradient to reduce (which sums it over the
 * replicas in place, e.g. dist_sum_f32) before the norm, clipping and update; a non-finite
 * local loss poisons the gradient first, so every replica rolls back together. */
void lm_trainer_set_reduce(struct lm_trainer *tr, int (*reduce)(float *g, size_t n));
float lm_trainer_lr(const struct lm_trainer *tr);

/* Full-softmax evaluation of a stream with carried state from zero, no dropout:
 * loss[d] / ntok[d] per direction (ntok[1] is 0 for a forward-only model). */
int lm_trainer_eval(struct lm_trainer *tr, const struct lm_stream *s, double loss[2],
                    uint64_t ntok[2]);

/* Snapshot of everything that changes while training (weights, optimizer state, carried
 * state, generators, step count), in memory: for rolling back after NaN/Inf. */
struct lm_snapshot;
struct lm_snapshot *lm_snapshot_new(const struct lm_trainer *tr);
void lm_snapshot_take(struct lm_snapshot *s, const struct lm_trainer *tr);
void lm_snapshot_restore(const struct lm_snapshot *s, struct lm_trainer *tr);
void lm_snapshot_free(struct lm_snapshot *s);

/* Checkpoint: the model file plus "train.*" tensors (optimizer state, carried state,
 * generators, step); the caller puts the position (epoch, window, lr...) in extra. */
int lm_trainer_save(FILE *fp, const struct lm_trainer *tr, const struct rec_meta *extra,
                    int level);
/* Resuming: load the checkpoint's model with lm_load, build the trainer on it, then read
 * the checkpoint again with lm_load_ex(..., lm_trainer_load_extra, tr), which restores the
 * "train.*" tensors into tr (discard the second model). */
int lm_trainer_load_extra(void *ctx, const struct tensor_slice *s);
/* Checks that every train.* tensor arrived (after lm_load_ex). */
int lm_trainer_loaded(const struct lm_trainer *tr);
/* Resuming in one read: after lm_load_head(rd, ..., &held, &len) and the trainer built on
 * its model, the held record and the rest of rd ("train.*" tensors only, else
 * WP_ECORRUPT) restored into tr, to the verified end of the stream; then
 * lm_trainer_loaded's check. */
struct rec_reader;
int lm_trainer_load_rest(struct lm_trainer *tr, struct rec_reader *rd,
                         const unsigned char *held, size_t len);

#endif
