/* w2v_train_opts.h - w2v-train's dialogue with its user (w2v_train_opts.c): the options and
 * their checks, and what it says while and after training: progress and the log, and the
 * message of each failure. tools/w2v-train.c wires the library's calls. */
#ifndef WP_W2V_TRAIN_OPTS_H
#define WP_W2V_TRAIN_OPTS_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "text/window_meta.h"
#include "w2v/w2v.h"
#include "w2v/w2v_job.h"
#include "w2v/w2v_pace.h"
#include "w2v/w2v_plan.h"
#include "w2v/w2v_resume.h"

enum { FMT_STREAM, FMT_TXT, FMT_BIN, FMT_FASTTEXT };

struct opts {
    struct w2v_params p;
    struct w2v_run_settings rs; /* -e, -w, -s, --fixed-window, --deterministic, --sync-words */
    uint32_t threads;
    int epochs_set, alpha_set, format, force, quiet, level;
    int shared_set;        /* --shared-negatives 1, --exact-updates -1, default 0 */
    int buckets_set, power_set;
    int mpi;               /* --mpi: one replica per MPI rank */
    int sync_set, merge_set;
    int merge_mean;        /* --merge mean: average the replicas, else add their changes */
    const char *vocab, *cvocab, *out, *context, *ckpt, *resume, *log, *input;
    char **inputs;         /* --mpi: one input file per rank, or NULL */
    int ninputs;
    int any_input;        /* --any-input: resume on another input on purpose */
    int argc;             /* the command line, for w2v_train_check_resumed */
    char **argv;
    uint64_t ckpt_words;  /* --checkpoint-every Nw: raw words */
    double ckpt_secs;     /* --checkpoint-every Ns/Nm/Nh: seconds */
};

/* What the callbacks need while training. */
struct state {
    const struct opts *o;
    struct w2v_job *job;
    struct w2v_plan plan;    /* the run's, for progress (w2v_plan_words) */
    struct cli_progress prog;
    FILE *log;
    uint64_t last_loss_n;
    int overrun;             /* warned that the input holds more windows than expected */
    int final;               /* the last figures: no checkpoint, the log line written */
    double last_loss, ema_loss, t_log;
    struct w2v_pace pace;    /* --checkpoint-every */
    uint32_t ranks;          /* --mpi: MPI ranks, else 1 */
};

/* The options, checked, with the defaults that depend on others; dies on a bad command
 * line (exit 2) after saying why. */
void w2v_train_parse(struct opts *o, int argc, char **argv);
/* --resume: the run takes the checkpoint's settings (in o, read); each given on the command
 * line (cmd, o as parsed) must agree with them, or the tool dies RV_USAGE naming it: a rerun
 * of the same command with --resume added passes, a changed one is not dropped unsaid. */
void w2v_train_check_resumed(const struct opts *cmd, const struct opts *o);
/* Windows or spans input: -w, -s and --fixed-window are the stream's (h, its header), made
 * by pairs; one given that differs is refused as w2v_train_check_resumed does. */
void w2v_train_check_windows(const struct opts *o, const struct window_meta_read *h);
/* The cli_out kind of a --format. */
int w2v_train_out_kind(int format);

/* The engine's progress and final callbacks (w2v_progress_fn, arg a struct state): the
 * progress line, the log, the warning of more windows than promised; whether a checkpoint
 * is due. */
int w2v_train_progress(void *arg, const struct w2v_stats *s);
int w2v_train_final(void *arg, const struct w2v_stats *s);
/* The log's header and the progress line, from where a resumed run starts. */
void w2v_train_progress_start(const struct opts *o, struct state *st, const struct w2v_pos *pos);

/* What failed, said as w2v-train says it (each ends the tool): the engine (w2v_run's
 * status and stage; rd the input's reader), a checkpoint w2v_resume_read refused, a plan
 * w2v_plan_read refused (kind the input's, counted its windows; the plan's warning is said
 * and the tool goes on), a word --format txt and bin cannot hold. */
_Noreturn void w2v_train_die_run(int rc, enum w2v_stage where, struct rec_reader *rd,
                                 const char *input, const struct w2v_bad_record *bad);
_Noreturn void w2v_train_die_resume(const char *path, const struct w2v_resume *r,
                                    const struct w2v_resume_err *e);
void w2v_train_plan_report(const struct opts *o, int rc, const struct w2v_plan *p, int kind,
                           uint64_t counted);
void w2v_train_check_words(const struct vocab *v, const char *path, int format);

#endif
