/* lm_resume.h - a training run (lm_run.h) started: a new one, or one resumed from a
 * checkpoint in one read of it (--resume): the model, the run's settings and its position
 * from the checkpoint's head (lm_load_head, lm_run_get_meta), then, once the trainer is
 * built, the rest (lm_trainer_load_rest: optimizer state, carried state, generators). No
 * files are opened here: the caller opens the checkpoint and the corpus, and reports. */
#ifndef WP_LM_RESUME_H
#define WP_LM_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "lm.h"
#include "lm_run.h"
#include "lm_train.h"

struct rec_reader;

/* A checkpoint read up to its training state. */
struct lm_resume {
    struct rec_reader *r;        /* the caller's; lm_run_start is done with it */
    const unsigned char *held;   /* lm_load_head's held record */
    size_t held_len;
    uint64_t data_hash;          /* the corpus it was trained on (lm_stream_hash) */
    uint64_t ranks;              /* the MPI ranks that trained it (1: one process) */
    double secs;                 /* its training seconds */
    const char *missing;         /* the first checkpoint key it lacks, else NULL */
    struct lm_load_error err;    /* lm_load_head's message */
};

/* Reads the model of the checkpoint r into *m and its run's settings into tc and sch (the
 * epochs kept when keep_epochs, a budget already in sch kept) and its position into *pos
 * (lm_run_get_meta). WP_OK; lm_load_head's error (rs->err.msg may say what); or, for a
 * model without a checkpoint's metadata, WP_ENOTFOUND with rs->missing naming the first
 * key absent (nothing kept: *m NULL). */
int lm_resume_head(struct lm_resume *rs, struct rec_reader *r, struct lm **m,
                   struct lm_train_cfg *tc, struct lm_schedule *sch, int keep_epochs,
                   struct lm_pos *pos);

/* What lm_run_start failed at. */
enum lm_start_fail {
    LM_START_OK,
    LM_START_TRAINER,   /* lm_trainer_new refused the training settings (its status) */
    LM_START_STATE,     /* the checkpoint's training state (lm_trainer_load_rest's status) */
    LM_START_SNAPSHOT   /* the rollback snapshot (WP_ENOMEM) */
};

/* The trainer of rn's model built over rn->train with rn->tc (lm_run_check passed), a
 * resumed run's training state read from rs (NULL for a new run; its reader freed and
 * rs->r set to NULL, whatever happens), the gradients summed over the ranks when
 * tc->nshards > 1 (common/dist.h), the rollback snapshot taken at rn->pos. WP_OK, or an
 * error with *fail saying where. */
int lm_run_start(struct lm_run *rn, struct lm_resume *rs, enum lm_start_fail *fail);

#endif
