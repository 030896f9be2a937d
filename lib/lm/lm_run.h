/* lm_run.h - a training run of lm_train.h, as elmo-train drives it: the corpus read into a
 * stream, where training is (epoch, window, the loss summed so far, the learning-rate scale
 * that rollbacks halve), the learning-rate schedule and the budgets, rollback to the last
 * snapshot after a step whose loss or gradient is not finite, and the checkpoint metadata
 * from which a resumed run continues bit for bit. No files, clocks or printing: the caller
 * times, reports and saves. */
#ifndef WP_LM_RUN_H
#define WP_LM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lm.h"
#include "lm_train.h"

struct rec_meta;
struct rec_reader;

/* A token stream (record kind tokens) -> the forward stream: LM_EOS, then each sentence's
 * ids (lm_token) and LM_EOS. s->ids is malloc'd; on failure s is freed and emptied, and
 * *bad_record says whether a record's payload was bad (1) or the reader failed (0). */
int lm_stream_read(struct rec_reader *r, const struct lm *m, struct lm_stream *s,
                   int *bad_record);
/* The fingerprint a checkpoint keeps of its corpus (xxHash3 of the ids). */
uint64_t lm_stream_hash(const struct lm_stream *s);

/* The settings of a run beyond the trainer's (lm_train_cfg), all kept in checkpoints. */
struct lm_schedule {
    uint32_t epochs;          /* 0: until a budget is spent */
    uint32_t decay_start;     /* learning rate times decay^(epoch - decay_start + 1) from
                               * this epoch on; 0: no decay */
    float decay;
    double budget_secs;       /* training wall time, 0 for none */
    uint64_t budget_tokens;   /* tokens trained (lm_run_tokens), 0 for none */
    /* the initialisation, only recorded in the model */
    float init, forget_bias, char_gain, char_std;
};

/* Where training is and what it has summed so far in this epoch. */
struct lm_pos {
    uint32_t epoch;        /* 1-based */
    uint64_t window;       /* next window of the epoch */
    double loss;           /* summed over the epoch so far */
    uint64_t ntok;
    double lr_scale;       /* halved by each rollback */
    uint64_t batches;      /* windows trained in this run and before (resume) */
};

struct lm_run {
    struct lm_train_cfg *tc;
    const struct lm_schedule *sch;
    struct lm *m;
    struct lm_trainer *tr;
    struct lm_snapshot *snap;
    struct lm_pos pos, snap_pos;
    struct lm_stream train;
    uint64_t data_hash;
    unsigned rollbacks;    /* since the run started */
};

#define LM_RUN_MAX_ROLLBACKS 8

/* The position of a new run: epoch 1, window 0, full learning rate. */
void lm_pos_start(struct lm_pos *p);
/* The learning rate of the position's epoch: lr x lr_scale x the decay. */
float lm_run_lr(const struct lm_run *rn);
/* Tokens trained so far, before this run too: the positions of the corpus read, per
 * direction and over all ranks (ranks), as in tokens/s figures. Derived from the position,
 * so that a rollback or a resume counts the same. */
uint64_t lm_run_tokens(const struct lm_run *rn, int ranks);

/* Trains window rn->pos.window and moves on: WP_OK; WP_ERANGE when the loss or gradient was
 * not finite: rn->rollbacks counts it and, unless that makes more than
 * LM_RUN_MAX_ROLLBACKS (training diverged: nothing restored), the run is rolled back to the
 * last snapshot with the learning rate halved, *bad receiving the position that failed (the
 * caller restarts its epoch loop from rn->pos); other errors from the step (the reduce). */
int lm_run_step(struct lm_run *rn, double *norm, struct lm_pos *bad);
/* --mpi: whether every rank's replica holds the same weights (common/dist.h). */
int lm_replicas_agree(const struct lm *m);
/* Takes the snapshot rollbacks return to. */
void lm_run_snapshot(struct lm_run *rn);

/* Why a run cannot train its corpus (lm_run_check). */
enum lm_run_unfit {
    LM_RUN_FITS = 0,
    LM_RUN_OTHER_CORPUS, /* not the corpus the resumed checkpoint was trained on */
    LM_RUN_TOO_SHORT,    /* not one window of batch x unroll (over every shard) */
    LM_RUN_SAMPLED       /* a sampled softmax not smaller than the vocabulary */
};
/* Fingerprints rn->train (rn->data_hash) and checks it against the run: the corpus of a
 * resumed checkpoint (when resumed, want_hash), at least one window per epoch (*windows),
 * a sampled softmax smaller than the model's vocabulary. Returns LM_RUN_FITS or the first
 * problem, in that order. */
int lm_run_check(struct lm_run *rn, int resumed, uint64_t want_hash, size_t *windows);

/* The run's settings and the corpus fingerprint into x; with checkpoint, the position and
 * secs (training seconds so far) too. The keys are the checkpoint format: lm_run_get_meta
 * reads them back. */
int lm_run_put_meta(struct rec_meta *x, const struct lm_run *rn, double secs, int checkpoint);
/* The model (checkpoint 0) or a checkpoint (the trainer's state too: lm_trainer_save) to
 * fp, with lm_run_put_meta's metadata and results' (may be NULL). WP_OK, WP_ENOMEM or the
 * writer's error. */
int lm_run_save(FILE *fp, const struct lm_run *rn, double secs, int checkpoint,
                const struct rec_meta *results, int level);
/* The test perplexities (lm_eval_ppl's forward and backward) into a model's results
 * (lm_run_save's results). WP_OK or WP_ENOMEM. */
int lm_run_put_test(struct rec_meta *results, const double ppl[3]);
/* A checkpoint's settings and position: tc, sch (epochs kept when keep_epochs; a budget
 * already in sch kept), *p, *data_hash, *secs and the MPI ranks that trained it (1 for
 * one process). WP_ENOTFOUND with *missing naming the first key absent (not a
 * checkpoint). */
int lm_run_get_meta(const struct rec_meta *meta, struct lm_train_cfg *tc,
                    struct lm_schedule *sch, int keep_epochs, struct lm_pos *p,
                    uint64_t *data_hash, double *secs, uint64_t *ranks, const char **missing);

#endif
