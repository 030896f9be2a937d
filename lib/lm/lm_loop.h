/* lm_loop.h - the epochs of a training run (lm_run.h), as elmo-train drives them: each epoch
 * from the run's position to its last window, stopped by --max-batches or a budget (checked
 * before every window, so a run stops at a window boundary), rolled back and restarted after a
 * step that is not finite, a checkpoint (the caller's save, then the rollback snapshot) after
 * each epoch, when a budget stops the run, and every ckpt_secs seconds or ckpt_windows
 * windows within an epoch. No clocks, files or printing: the caller's hooks time, report and
 * save. */
#ifndef WP_LM_LOOP_H
#define WP_LM_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "lm_run.h"

/* The caller's side; every hook but now may be NULL. */
struct lm_loop_hooks {
    void *ctx;
    double (*now)(void *ctx);        /* seconds, monotonic */
    void (*epoch_start)(void *ctx, uint64_t w0);   /* before the first window (w0) */
    void (*stepped)(void *ctx);      /* after each window trained (progress) */
    /* the epoch ended at rn->pos.window: complete (partial 0), or stopped by a budget or
     * --max-batches (1); w0 as at its start */
    void (*epoch_end)(void *ctx, uint64_t w0, int partial);
    /* a step at *bad was not finite (gradient norm norm): rolled back to rn->pos */
    void (*rolled_back)(void *ctx, const struct lm_pos *bad, double norm);
    void (*budget_reached)(void *ctx);   /* before the checkpoint that ends the run */
    void (*save)(void *ctx);             /* writes a checkpoint (before the snapshot) */
};

/* What failed when lm_loop_train returns an error. */
enum lm_loop_fail {
    LM_LOOP_OK,
    LM_LOOP_REDUCE,     /* summing the gradients over the ranks (the step's status) */
    LM_LOOP_BUDGET,     /* agreeing on the budget over the ranks (its status) */
    LM_LOOP_DIVERGED,   /* more than LM_RUN_MAX_ROLLBACKS rollbacks (WP_ERANGE) */
    LM_LOOP_REPLICAS    /* --mpi: the ranks' weights differ after an epoch (WP_ECORRUPT) */
};

struct lm_loop {
    struct lm_run *run;                /* trainer, snapshot and position ready */
    size_t windows;                    /* per epoch (lm_stream_windows) */
    uint64_t max_batches;              /* 0: no limit */
    uint64_t ckpt_windows;             /* checkpoint every so many windows, 0: never */
    double ckpt_secs;                  /* checkpoint every so many seconds, 0: never */
    uint64_t inject_nan;               /* test hook: batch whose weights are poisoned, 0: none */
    double secs0;                      /* training seconds before this run (--resume) */
    /* set by lm_loop_train */
    double t_start, t_ckpt;
    int budget_stop;                   /* a budget ended the run */
    enum lm_loop_fail fail;
};

/* The epochs until the last (sch->epochs; 0: until a budget is spent), a budget or
 * --max-batches. WP_OK, or an error with l->fail saying what failed. */
int lm_loop_train(struct lm_loop *l, const struct lm_loop_hooks *h);
/* Training wall time so far, before this run too (l->secs0). */
double lm_loop_seconds(const struct lm_loop *l, const struct lm_loop_hooks *h);
/* Converts --checkpoint-every in words (tokens per direction) to windows of every rank:
 * at least 1. */
uint64_t lm_loop_ckpt_windows(const struct lm_train_cfg *tc, uint64_t words);

#endif
