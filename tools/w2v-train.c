/* w2v-train - train word2vec (skip-gram or CBOW; negative sampling and/or hierarchical
 * softmax) from a windows or spans stream made by pairs(1), or from a token stream plus its
 * vocabulary (it then windows the sentences itself, exactly as pairs would). Windows from
 * pairs --from-text have their own context vocabulary (--context-vocab): word2vecf.
 * This file wires the library's calls (w2v/); its options, progress and messages are in
 * w2v_train_opts.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/dist.h"
#include "common/status.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"
#include "text/window_meta.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"
#include "w2v/w2v.h"
#include "w2v/w2v_job.h"
#include "w2v/w2v_out.h"
#include "w2v/w2v_plan.h"
#include "w2v/w2v_resume.h"
#include "w2v/w2v_sync.h"
#include "w2v_train_opts.h"

/* What main's steps share: the inputs, the checkpoint resumed, the model and the engine's
 * settings. */
struct run {
    struct vocab *v, *cv;        /* cv: the context vocabulary, NULL without */
    FILE *in, *ckfp;
    struct rec_reader *rd, *ckrd; /* ckrd: --resume's checkpoint, until its weights are read */
    int kind;                    /* the input's */
    struct window_meta_read head; /* a windows or spans input's header */
    struct w2v_resume res;       /* --resume: the checkpoint's header */
    struct w2v_pos pos;
    struct w2v_bad_record bad;
    struct w2v_run_cfg cfg;
    struct w2v_job job;
    struct state st;
};

static int
on_checkpoint(void *arg, struct w2v_run *run)
{
    struct state *st = arg;
    struct cli_out out;
    cli_out_open(&out, st->o->ckpt, 1, 1);
    const int rc = w2v_job_save(st->job, out.fp, w2v_run_workers(run), w2v_run_pos(run), 1);
    if (rc < 0)
        cli_die(RV_FAIL, "%s: %s", st->o->ckpt, rc == WP_EIO ? strerror(errno) : wp_strerror(rc));
    cli_out_commit(&out);
    return WP_OK;
}

/* The file formats (vecfile.h) of --format's. */
static const int file_format[] = {[FMT_STREAM] = VECSET_STREAM, [FMT_TXT] = W2VFMT_TEXT,
                                  [FMT_BIN] = W2VFMT_BIN, [FMT_FASTTEXT] = VECSET_FASTTEXT};

/* The model to --output: --format fasttext writes the whole model (any word gets a vector
 * from it), the other formats one vector per vocabulary word (w2v_out_model). */
static void
write_model(const struct opts *o, const struct vocab *v, const struct w2v_model *m)
{
    struct cli_out out;
    cli_out_open(&out, o->out, w2v_train_out_kind(o->format), o->force);
    const int rc = w2v_out_model(out.fp, file_format[o->format], m, v, &o->rs, o->level);
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc < 0 && o->format == FMT_FASTTEXT)
        cli_die_status(rc, "%s", out.path ? out.path : "stdout");
    if (rc < 0)
        cli_out_die(&out, rc);
    cli_out_commit(&out);
}

/* --save-context: the output vectors, one per context (or word), as a stream. */
static void
write_context(const struct opts *o, const struct vocab *v, const struct w2v_model *m)
{
    struct cli_out out;
    cli_out_open(&out, o->context, CLI_OUT_STREAM, o->force);
    const int rc = w2v_out_vectors(out.fp, VECSET_STREAM, v, m->syn1neg, o->p.dim, o->level);
    if (rc < 0)
        cli_out_die(&out, rc);
    cli_out_commit(&out);
}

/* --resume: the model settings, threads, position and run settings from the checkpoint,
 * whose reader r->ckrd is left at its weights. */
static void
read_resume(struct opts *o, struct run *r)
{
    struct w2v_resume_err err;
    r->ckfp = cli_open_in(o->resume);
    r->ckrd = cli_reader_open(r->ckfp, o->resume, REC_MODEL);
    r->res.run = o->rs;
    if (w2v_resume_read(&r->res, rec_reader_meta(r->ckrd), r->v,
                        rec_reader_raw_left_max(r->ckrd), &err) < 0)
        w2v_train_die_resume(o->resume, &r->res, &err);
    const struct opts cmd = *o;
    o->p = r->res.p;
    o->threads = r->res.threads;
    r->pos = r->res.pos;
    o->rs = r->res.run;
    o->epochs_set = 1;
    w2v_train_check_resumed(&cmd, o);
}

/* Windows from pairs --from-text: their context vocabulary (--context-vocab), checked
 * against the stream and the checkpoint; NULL for ordinary input. */
static struct vocab *
context_vocab(const struct opts *o, const struct run *r)
{
    const uint64_t h = r->head.context_vocab_hash;
    const char *in = cli_name(o->input);
    if (r->kind != REC_WINDOWS || !(r->head.has & WINDOW_META_CONTEXT_VOCAB_HASH)) {
        if (o->cvocab != NULL)
            cli_die(RV_USAGE, "--context-vocab: %s has no context vocabulary of its own "
                              "(only windows from pairs --from-text have one)", in);
        if (o->resume != NULL && r->res.nctx != 0)
            cli_die(RV_DATA, "%s: checkpoint was made with a context vocabulary", o->resume);
        return NULL;
    }
    if (o->cvocab == NULL)
        cli_die(RV_USAGE, "%s: windows with their own context vocabulary (pairs --from-text) "
                          "need --context-vocab FILE", in);
    /* word2vecf's model: CBOW would sum syn0 rows by context id, and hs would build its
     * tree over the contexts; neither is defined for separate contexts */
    if (o->p.cbow || o->p.hs || o->shared_set > 0)
        cli_die(RV_USAGE, "--cbow, --hs and --shared-negatives do not apply to windows with "
                          "their own context vocabulary (skip-gram with -n only)");
    struct vocab *cv = cli_vocab_load(o->cvocab, 2);
    if (vocab_hash(cv) != h)
        cli_die(RV_DATA, "%s: not the context vocabulary %s was made with", o->cvocab, in);
    if (o->resume != NULL && (r->res.nctx != vocab_size(cv) || r->res.ctx_hash != h))
        cli_die(RV_DATA, "%s: checkpoint was made with another context vocabulary", o->resume);
    return cv;
}

/* The input's fingerprint (rec_reader_fingerprint), saved in checkpoints; with --resume it
 * must be the checkpoint's (as elmo-train's data hash), unless --any-input says otherwise. */
static void
check_input(const struct opts *o, const struct run *r, uint64_t *first, uint64_t *all)
{
    const int rc = rec_reader_fingerprint(r->rd, first, all);
    if (rc < 0)
        w2v_train_die_run(rc, W2V_AT_INPUT, r->rd, o->input, &(struct w2v_bad_record){0});
    if (o->resume != NULL && !o->any_input && !w2v_resume_same_input(&r->res, *first, *all))
        cli_die(RV_DATA, "%s: not the input the checkpoint %s was trained on (--any-input "
                "resumes on it anyway)", cli_name(o->input), o->resume);
}

/* --mpi: the replicas checked and every rank waited for; then rank 0 writes the model and
 * the context vectors. */
static void
write_outputs(const struct opts *o, const struct vocab *v, const struct vocab *cv,
              const struct w2v_model *m)
{
    if (o->mpi) {
        if (!w2v_replicas_agree(m))   /* the merges give every rank the same bits */
            cli_die(RV_FAIL, "--mpi: rank %d: the replicas differ after the last merge",
                    dist_rank());
        /* every rank got here, so the model holds all of their work */
        if (dist_barrier() < 0)
            cli_die(RV_FAIL, "--mpi: a rank failed");
    }
    const uint64_t bad = w2v_model_nonfinite(m);
    if (bad > 0)
        cli_die(RV_DATA, "%s: training diverged: %llu vectors hold a NaN or an infinity, no "
                "model written (a smaller -a?)", cli_name(o->input), (unsigned long long)bad);
    if (dist_rank() == 0) {
        write_model(o, v, m);
        if (o->context != NULL)
            write_context(o, cv != NULL ? cv : v, m);
    }
}

/* --mpi: one replica per rank, each training its share of the chunks (w2v_run_cfg shard),
 * the replicas merged every --sync-words words per rank; rank 0 alone prints, logs and
 * writes files. A rank that dies or fails makes mpirun end the whole job (an MPI process
 * that exits without finalizing aborts it), before rank 0 can write the model. */
static void
mpi_start(struct opts *o)
{
    if (!o->mpi)
        return;
    const char *no = o->ckpt != NULL ? "--checkpoint is not supported yet"
                     : o->input == NULL || strcmp(o->input, "-") == 0
                         ? "needs an input file (every rank reads it)"
                         : NULL;
    if (cli_mpi_start(o->resume, o->out, no) != 0) {
        o->quiet = 1;
        o->log = NULL;
    }
    if (o->inputs != NULL) {
        if (o->ninputs != dist_size())
            cli_die(RV_USAGE, "--mpi: %d input files for %d ranks: give one file per rank, "
                    "or one file for all", o->ninputs, dist_size());
        o->input = o->inputs[dist_rank()];
        for (int i = 0; i < o->ninputs; i++)
            if (strcmp(o->inputs[i], "-") == 0)
                cli_die(RV_USAGE, "--mpi: standard input cannot be one rank's file");
    }
}

static _Noreturn void
sync_failed(void)
{
    cli_die(RV_FAIL, "--mpi: rank %d: merging the replicas failed", dist_rank());
}

/* --mpi: merges the replicas (w2v_sync.h). */
static int
on_sync(void *arg, struct w2v_model *m, int done, uint64_t *records)
{
    struct state *st = arg;
    const int rc = w2v_sync_round(st->job->sync, m, done, records);
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc < 0)
        sync_failed();
    return rc;
}

/* The kernels and threads chosen, and every output path checked before anything is read or
 * trained (the model is written last). */
static void
start(struct opts *o)
{
    mpi_start(o);
    if (vec_select_status() < 0)
        cli_die(RV_USAGE, "WP_KERNEL=%s: no such kernel on this machine", getenv("WP_KERNEL"));
    const struct cli_path paths[] = {
        {o->out != NULL ? o->out : "-", "-o", 1, 0},
        {o->context, "--save-context", 1, 0},
        {o->ckpt, "--checkpoint", 1, 1},
        {o->log, "--log", 1, 0},
        {o->input, "the input", 0, 0},
        {o->vocab, "the vocabulary (-v)", 0, 0},
        {o->cvocab, "the context vocabulary (--context-vocab)", 0, 0},
        {o->resume, "the checkpoint (--resume)", 0, 1}};
    cli_paths_distinct(paths, sizeof paths / sizeof *paths);
    cli_out_check(o->out);
    cli_out_check(o->context);
    cli_out_check(o->ckpt);
}

/* The vocabulary, and with --resume the checkpoint's settings. */
static void
load_vocab(struct opts *o, struct run *r)
{
    r->v = cli_vocab_load(o->vocab, 2);
    /* fastText's subsampling divides by every token it read, the pruned words' too */
    if (o->p.maxn > 0)
        o->rs.wcfg.sample_total = vocab_tokens_counted(r->v);
    if (o->format == FMT_TXT || o->format == FMT_BIN)
        w2v_train_check_words(r->v, o->vocab, o->format);
    if (o->resume != NULL)
        read_resume(o, r);
}

/* The input opened and checked against the vocabulary, the checkpoint and the options; its
 * context vocabulary loaded; *first and *all its fingerprint (0 with --mpi). */
static void
open_input(struct opts *o, struct run *r, uint64_t *first, uint64_t *all)
{
    r->in = cli_open_in(o->input);
    r->rd = cli_reader_open(r->in, o->input, 0);
    r->kind = rec_reader_kind(r->rd);
    window_meta_get(rec_reader_meta(r->rd), &r->head);
    /* spans (pairs --spans) are windows in short form: the same metadata and schedule */
    const int windows = r->kind == REC_WINDOWS || r->kind == REC_SPANS;
    if (r->kind != REC_TOKENS && !windows)
        cli_die(RV_DATA, "%s: expected a tokens, spans or windows stream, got %s", cli_name(o->input),
                rec_kind_name(r->kind));
    if (windows && (!(r->head.has & WINDOW_META_VOCAB_HASH)
                    || r->head.vocab_hash != vocab_hash(r->v)))
        cli_die(RV_DATA, "%s: stream was made with another vocabulary", cli_name(o->input));
    if (windows && (r->head.has & WINDOW_META_WINDOW) && r->head.window > W2V_WINDOW_MAX)
        cli_die(RV_DATA, "%s: window %llu is above the %d w2v-train takes", cli_name(o->input),
                (unsigned long long)r->head.window, W2V_WINDOW_MAX);
    if (windows)
        w2v_train_check_windows(o, &r->head);
    else
        cli_check_tokenized(r->v, o->vocab, rec_reader_meta(r->rd), o->input);
    if (o->resume != NULL && r->res.kind != (uint64_t)r->kind)
        cli_die(RV_DATA, "%s: checkpoint was made from another kind of input than %s",
                o->resume, rec_kind_name(r->kind));
    if (o->context != NULL && o->p.negative == 0)
        cli_die(RV_USAGE, "--save-context needs negative sampling (-n 1 or more)");
    r->cv = context_vocab(o, r);
    if (r->cv != NULL && o->p.maxn > 0)
        cli_die(RV_USAGE, "--subwords does not apply to windows with their own context "
                          "vocabulary (pairs --from-text)");
    if (r->cv != NULL && o->format == FMT_FASTTEXT)
        cli_die(RV_USAGE, "--format fasttext: not for windows with their own context "
                          "vocabulary (fastText's output rows are its words)");
    *first = *all = 0; /* after the checks that say more */
    if (!o->mpi)
        check_input(o, r, first, all);
    if (r->cv != NULL)
        o->p.shared_neg = 0;  /* per-pair updates: the only scheme for separate contexts */
}

/* The engine's settings (w2v_run_cfg) and the run's plan from the input's header
 * (w2v_plan.h): tokens are streamed with an estimated count from a one-epoch pipe or to
 * Hogwild threads, else spooled and counted first; a windows file's records are counted
 * from its blocks. */
static void
wire_run(const struct opts *o, struct run *r)
{
    r->st = (struct state){.o = o, .job = &r->job, .ranks = (uint32_t)dist_size()};
    r->cfg = (struct w2v_run_cfg){.rd = r->rd, .vocab = r->v, .wcfg = o->rs.wcfg,
                                  .bad = &r->bad, .threads = o->threads,
                                  .progress = w2v_train_progress,
                                  .checkpoint = on_checkpoint, .arg = &r->st};
    if (o->mpi) {
        r->cfg.shard = (uint32_t)dist_rank();
        r->cfg.nshards = (uint32_t)dist_size();
        r->cfg.own_input = o->inputs != NULL;
        r->cfg.sync = on_sync;
    }
    if (o->mpi || o->rs.deterministic) {
        r->cfg.sync_every = o->rs.sync_words;
        r->cfg.deterministic = o->rs.deterministic;
    }
    struct w2v_plan_in pin = {.kind = r->kind, .meta = rec_reader_meta(r->rd), .v = r->v,
                              .sample = o->rs.wcfg.sample,
                              .sample_total = o->rs.wcfg.sample_total,
                              .window = o->rs.wcfg.window, .epochs = o->rs.epochs,
                              .epochs_set = o->epochs_set,
                              .hogwild = w2v_hogwild(o->threads, o->rs.deterministic, o->mpi)};
    const int from_stdin = o->input == NULL || strcmp(o->input, "-") == 0;
    const int rc = w2v_plan_read(&r->st.plan, &pin, r->rd, r->in, from_stdin, !o->mpi);
    w2v_train_plan_report(o, rc, &r->st.plan, r->kind, pin.counted);
    w2v_plan_apply(&r->st.plan, &r->cfg);
}

/* The model and its workers, fresh or restored from the checkpoint, with the settings its
 * checkpoints keep; the MPI merges. */
static void
init_model(const struct opts *o, struct run *r, uint64_t data_first, uint64_t data_all)
{
    int rc;
    if ((rc = w2v_job_init(&r->job, &o->p, r->v, r->cv, o->threads,
                           (uint32_t)dist_rank() * o->threads)) < 0)
        cli_die_usage_status(rc, "model");
    if (w2v_job_keep(&r->job, &o->rs, r->kind, data_first, data_all) < 0)
        cli_die_nomem();
    if (r->ckrd != NULL) {
        if ((rc = w2v_job_restore(&r->job, r->ckrd)) < 0)
            cli_die(RV_DATA, "%s: %s: %s", o->resume, rec_reader_where(r->ckrd),
                    wp_strerror(rc));
        rec_reader_free(r->ckrd);
        cli_close_in(r->ckfp);
        r->ckrd = NULL;
    }
    if (o->mpi && w2v_job_mpi(&r->job, o->merge_mean) < 0)
        cli_die_nomem();
    r->cfg.m = &r->job.m;
    r->cfg.spool = r->cfg.passes > 1 || r->cfg.total_records == 0
                       ? cli_spool_create("w2v-train") : NULL;
    r->cfg.final = w2v_train_final;
    r->cfg.prefetch = 1; /* inflate the input on a thread of its own while this one decodes */
}

/* --resume from a pipe: only its first block could be checked before training (a pipe
 * cannot be walked first); read to its end, the whole input is checked against the
 * checkpoint's fingerprint before any model is written (data_all: the file's, 0 for a pipe). */
static void
check_input_read(const struct opts *o, const struct run *r, uint64_t data_all)
{
    uint64_t all;
    if (o->resume == NULL || o->any_input || o->mpi || data_all != 0 || r->res.data_all == 0
        || rec_reader_fingerprint_read(r->rd, &all) < 0 || all == r->res.data_all)
        return;
    cli_die(RV_DATA, "%s: not the input the checkpoint %s was trained on: its first block is, "
            "the rest differs (a pipe is checked once read; --any-input resumes on it anyway); "
            "no model written", cli_name(o->input), o->resume);
}

/* Trains to the end, then the last progress figures and the input closed. */
static void
train(const struct opts *o, struct run *r, uint64_t data_all)
{
    enum w2v_stage where;
    const int rc = w2v_run(&r->cfg, r->job.workers, &r->pos, &where);
    if (rc < 0)
        w2v_train_die_run(rc, where, r->rd, o->input, &r->bad);
    /* the random initial vectors are no model: one behaviour for tokens and windows */
    check_input_read(o, r, data_all);
    if (r->pos.records == 0 && !o->mpi)
        cli_die(RV_DATA, "%s: %s: nothing to train on, no model written", cli_name(o->input),
                rec_reader_stats(r->rd)->records == 0 ? "the tokens stream holds no sentences"
                : r->pos.words == 0 ? "no token of the stream is in the vocabulary"
                                    : "subsampling (-s) dropped every token");
    uint64_t words_done = w2v_plan_words_at(&r->st.plan, &r->pos);
    if (o->mpi && dist_sum_u64(&words_done, 1) < 0) /* every rank's, not rank 0's x ranks */
        sync_failed();
    cli_progress_end(&r->st.prog, words_done, NULL);
    if (o->mpi && !o->quiet) {
        uint64_t merges, sent, all;
        w2v_sync_stats(r->job.sync, &merges, &sent, &all);
        fprintf(stderr, "%s: %u MPI ranks, %llu merges of the replicas (%.1f%% of the rows "
                "changed and were sent)\n", cli_progname, r->st.ranks,
                (unsigned long long)merges, all ? 100.0 * (double)sent / (double)all : 0.0);
    }
    cli_log_close(r->st.log, o->log);
    rec_reader_free(r->rd);
    cli_close_in(r->in);
    if (r->cfg.spool != NULL)
        fclose(r->cfg.spool);
}

static void
free_run(struct run *r)
{
    w2v_job_free(&r->job);
    vocab_free(r->v);
    if (r->cv != NULL)
        vocab_free(r->cv);
}

int
main(int argc, char **argv)
{
    struct opts o;
    struct run r = {0};
    uint64_t data_first, data_all;

    cli_init(argv[0]);
    w2v_train_parse(&o, argc, argv);
    start(&o);
    load_vocab(&o, &r);
    open_input(&o, &r, &data_first, &data_all);
    wire_run(&o, &r);
    init_model(&o, &r, data_first, data_all);
    w2v_train_progress_start(&o, &r.st, &r.pos);
    train(&o, &r, data_all);
    write_outputs(&o, r.v, r.cv, &r.job.m);
    free_run(&r);
    cli_close_stdout();
    if (o.mpi)
        dist_finalize();
    return RV_OK;
}
