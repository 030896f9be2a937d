/* elmo_train_opts.h - elmo-train's command line: its options, their defaults and checks
 * (the preset first, whatever its position), usage. Only tools/elmo-train.c uses it. */
#ifndef WP_ELMO_TRAIN_OPTS_H
#define WP_ELMO_TRAIN_OPTS_H

#include <stdint.h>

#include "lm/lm.h"
#include "lm/lm_run.h"
#include "lm/lm_train.h"

struct opts {
    struct lm_cfg mc;
    struct lm_train_cfg tc;
    struct lm_schedule sch;    /* epochs, decay, budgets, initialisation */
    uint64_t max_batches, ckpt_windows, ckpt_words, inject_nan;
    double ckpt_secs;          /* --checkpoint-every Ns/Nm/Nh */
    int epochs_set;            /* --epochs given: with a budget, a bound only then */
    int quiet, force, level, mpi;
    const char *vocab, *valid, *test, *out, *ckpt, *resume, *log, *input;
    int argc;                  /* the command line, for elmo_train_check_resumed */
    char **argv;
};

/* The defaults (the preset small), then argv parsed into o and checked; exits with usage on
 * a bad command line. With a budget, the epochs are a bound only when given. */
void elmo_train_args(struct opts *o, int argc, char **argv);
/* --resume: the model's and the training's settings are the checkpoint's (in o once read;
 * cmd, o as parsed): each given on the command line must agree, or the tool dies RV_USAGE
 * naming it. --epochs may be raised, a budget replaced, -t changed. */
void elmo_train_check_resumed(const struct opts *cmd, const struct opts *o);

#endif
