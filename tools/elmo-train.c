/* elmo-train - train an ELMo-style bidirectional LSTM language model (lm.h, lm_train.h)
 * from a token stream and its vocabulary; validation and test perplexity with the full
 * softmax; atomic checkpoints that --resume continues bit for bit; rollback on NaN/Inf. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_blas.h"
#include "elmo_train_opts.h"
#include "common/dist.h"
#include "common/status.h"
#include "lm/lm.h"
#include "lm/lm_eval.h"
#include "lm/lm_loop.h"
#include "lm/lm_preset.h"
#include "lm/lm_resume.h"
#include "lm/lm_run.h"
#include "lm/lm_train.h"
#include "text/vocab.h"

/* A token stream -> the forward stream (lm_stream_read), its tokens of the shape the
 * vocabulary (vpath, -v) counted. */
static void
read_stream(const char *path, const struct lm *m, const char *vpath, struct lm_stream *s)
{
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_TOKENS);
    cli_check_tokenized(m->vocab, vpath, rec_reader_meta(r), path);
    int bad_record;
    const int rc = lm_stream_read(r, m, s, &bad_record);
    if (rc < 0 && bad_record)
        cli_die_record(r, path, rc);
    if (rc < 0)
        cli_die_reader(r, path, rc);
    rec_reader_free(r);
    cli_close_in(fp);
}

struct run {
    struct opts *o;
    struct lm_run lr;        /* the model, trainer, corpus and position */
    struct lm_loop loop;     /* the epochs, with hooks below */
    struct lm_loop_hooks hooks;
    struct lm_stream valid, test;   /* held-out streams: n == 0 when not given */
    FILE *log;
    /* --resume: the checkpoint, read up to its training state (lm_resume_head) */
    FILE *ck_fp;
    struct lm_resume ck;
    /* this epoch's progress: tokens per window over the ranks, its start */
    struct cli_progress prog;
    uint64_t per;
    double t0;
    char extra[96];
};

/* Training wall time so far, before this run too. */
static double
train_seconds(const struct run *rn)
{
    return lm_loop_seconds(&rn->loop, &rn->hooks);
}

static void
save_model(struct run *rn, const char *path, int checkpoint, struct rec_meta *results)
{
    struct cli_out out;
    cli_out_open(&out, path, 1, 1);
    const int rc = lm_run_save(out.fp, &rn->lr, train_seconds(rn), checkpoint, results,
                               rn->o->level);
    if (rc < 0)
        cli_out_die(&out, rc);
    cli_out_commit(&out);
}

/* --resume: the model, the settings and the position, from the checkpoint read up to its
 * training state, which lm_run_start reads once the trainer is built. */
static struct lm *
resume_model(struct opts *o, struct run *rn)
{
    FILE *fp = cli_open_in(o->resume);
    struct rec_reader *r = cli_reader_open(fp, o->resume, REC_MODEL);
    const char *path = cli_name(o->resume);
    struct lm *m;
    const struct opts cmd = *o;
    const int rc = lm_resume_head(&rn->ck, r, &m, &o->tc, &o->sch, o->epochs_set, &rn->lr.pos);
    if (rc == WP_EKIND)
        cli_die(RV_DATA, "%s: not an elmo-train model", path);
    if (rc < 0 && rn->ck.missing != NULL)
        cli_die(RV_DATA, "%s: not an elmo-train checkpoint (no %s)", path, rn->ck.missing);
    if (rc < 0 && rc != WP_ENOMEM && rn->ck.err.msg[0] != '\0')
        cli_die(RV_DATA, "%s: model: %s", path, rn->ck.err.msg);
    if (rc < 0)
        cli_die_status(rc, "%s", path);
    if (rn->ck.ranks > 1)
        cli_die(RV_USAGE, "%s: checkpoint of a %llu-rank --mpi run: resuming it is not "
                "supported yet", path, (unsigned long long)rn->ck.ranks);
    if (o->sch.epochs == 0 && o->sch.budget_secs == 0 && o->sch.budget_tokens == 0)
        cli_die(RV_DATA, "%s: no number of epochs and no budget", path);
    rn->ck_fp = fp;
    rn->loop.secs0 = rn->ck.secs;
    o->mc = m->c;
    elmo_train_check_resumed(&cmd, o);
    if (o->vocab != NULL) {
        struct vocab *v = cli_vocab_load(o->vocab, 1);
        if (vocab_hash(v) != vocab_hash(m->vocab))
            cli_die(RV_DATA, "%s: checkpoint was made with another vocabulary than %s", path,
                    o->vocab);
        vocab_free(v);
    }
    return m;
}

/* A held-out stream, read once before training so that a bad file fails early. */
static void
read_heldout(const char *path, const struct run *rn, struct lm_stream *s)
{
    s->ids = NULL;
    s->n = 0;
    if (path == NULL)
        return;
    read_stream(path, rn->lr.m, rn->o->vocab, s);
    if (s->n < (size_t)rn->o->tc.batch * dist_size() + 1)
        cli_die(RV_DATA, "%s: too short to evaluate with batch %u", cli_name(path),
                rn->o->tc.batch * dist_size());
}

/* Perplexities of a held-out stream: forward, backward (0 if none), mean. */
static void
evaluate(struct run *rn, const struct lm_stream *s, double ppl[3])
{
    if (lm_eval_ppl(rn->lr.tr, s, ppl) < 0)
        cli_die_nomem();
}

static void
report_epoch(struct run *rn, double secs, uint64_t tokens, int partial)
{
    const struct opts *o = rn->o;
    const double train_ppl = lm_train_ppl(&rn->lr.pos); /* --mpi: over every rank */
    const double rate = secs > 0 ? (double)tokens / secs : 0;
    double ppl[3] = {0, 0, 0};
    if (o->valid != NULL)
        evaluate(rn, &rn->valid, ppl);
    if (!o->quiet) {
        char v[160] = "";
        if (o->valid != NULL && rn->lr.m->c.directions == 2)
            snprintf(v, sizeof v, ", valid ppl fwd %.2f bwd %.2f mean %.2f", ppl[0], ppl[1],
                     ppl[2]);
        else if (o->valid != NULL)
            snprintf(v, sizeof v, ", valid ppl %.2f", ppl[0]);
        char of[16] = "";
        if (o->sch.epochs != 0)
            snprintf(of, sizeof of, "/%u", o->sch.epochs);
        fprintf(stderr, "%s: epoch %u%s%s: lr %g, train ppl %.2f%s, %.0f tokens/s, %.1f s\n",
                cli_progname, rn->lr.pos.epoch, of, partial ? " (stopped early)" : "",
                (double)lm_run_lr(&rn->lr), train_ppl, v, rate, secs);
    }
    if (rn->log != NULL) {
        fprintf(rn->log, "%u\t%g\t%.4f\t%.4f\t%.4f\t%.1f\t%.2f\n", rn->lr.pos.epoch,
                (double)lm_run_lr(&rn->lr), train_ppl, ppl[0], ppl[1], rate, secs);
        fflush(rn->log);
    }
}

/* ---- the hooks of the training loop (lm_loop.h) ---- */
static double
hk_now(void *ctx)
{
    (void)ctx;
    return cli_now();
}

static void
hk_epoch_start(void *ctx, uint64_t w0)
{
    struct run *rn = ctx;
    rn->extra[0] = '\0';
    cli_progress_start(&rn->prog, "tokens", rn->o->quiet);
    if (rn->o->sch.budget_secs > 0)   /* the ETA of a --budget run is at most what is left of it */
        rn->prog.stop_at = cli_now() + rn->o->sch.budget_secs - train_seconds(rn);
    rn->t0 = cli_now();
    rn->prog.base = w0 * rn->per;   /* resumed mid-epoch: the rate of this run's windows */
}

static void
hk_stepped(void *ctx)
{
    struct run *rn = ctx;
    const double ppl = exp(rn->lr.pos.loss / (double)rn->lr.pos.ntok);
    snprintf(rn->extra, sizeof rn->extra, "loss %.3f ppl %.1f", log(ppl), ppl);
    cli_progress_update(&rn->prog, rn->lr.pos.window * rn->per, rn->loop.windows * rn->per,
                        rn->extra);
}

static void
hk_epoch_end(void *ctx, uint64_t w0, int partial)
{
    struct run *rn = ctx;
    cli_progress_end(&rn->prog, rn->lr.pos.window * rn->per, rn->extra);
    report_epoch(rn, cli_now() - rn->t0, (rn->lr.pos.window - w0) * rn->per, partial);
}

static void
hk_rolled_back(void *ctx, const struct lm_pos *bad, double norm)
{
    struct run *rn = ctx;
    if (dist_rank() == 0)   /* --mpi: every rank rolls back, one says so */
        cli_warn("epoch %u batch %llu: loss or gradient not finite (norm %g); rolled "
                 "back to epoch %u batch %llu, learning rate now %g",
                 bad->epoch, (unsigned long long)bad->window + 1, norm, rn->lr.pos.epoch,
                 (unsigned long long)rn->lr.pos.window, (double)lm_run_lr(&rn->lr));
}

static void
hk_budget_reached(void *ctx)
{
    struct run *rn = ctx;
    if (!rn->o->quiet)
        fprintf(stderr, "%s: budget reached: %llu tokens trained in %.1f s, stopped at "
                "epoch %u batch %llu\n", cli_progname,
                (unsigned long long)lm_run_tokens(&rn->lr, dist_size()), train_seconds(rn),
                rn->lr.pos.epoch, (unsigned long long)rn->lr.pos.window);
}

static void
hk_save(void *ctx)
{
    struct run *rn = ctx;
    if (rn->o->ckpt != NULL && dist_rank() == 0)
        save_model(rn, rn->o->ckpt, 1, NULL);
}

/* Every output, before the corpus is read and training starts: the model and checkpoint
 * paths checked, the log opened for appending (an old log is emptied only by
 * start_log, when training starts). */
static void
open_outputs(const struct opts *o, FILE **log)
{
    const struct cli_path paths[] = {
        {o->out != NULL ? o->out : "-", "-o", 1, 0},
        {o->ckpt, "--checkpoint", 1, 1},
        {o->log, "--log", 1, 0},
        {o->input, "the input", 0, 0},
        {o->vocab, "the vocabulary (-v)", 0, 0},
        {o->valid, "the validation set (--valid)", 0, 0},
        {o->test, "the test set (--test)", 0, 0},
        {o->resume, "the checkpoint (--resume)", 0, 1}};
    cli_paths_distinct(paths, sizeof paths / sizeof *paths);
    cli_out_check(o->out);
    cli_out_check(o->ckpt);
    *log = cli_log_open(o->log);
}

/* A new run's log starts empty with its column names; --resume appends. */
static void
start_log(const struct opts *o, FILE *log)
{
    cli_log_start(log, o->log, o->resume != NULL,
                  "epoch\tlr\ttrain_ppl\tvalid_fwd\tvalid_bwd\ttokens_per_s\tseconds");
}

/* --mpi: one replica per rank, each on its rows of the stream (lm_train_cfg shard, nshards),
 * gradients summed every step; rank 0 alone prints, logs and writes files. Any rank that
 * dies or exits early makes mpirun end the whole job, before rank 0 can write the model. */
static void
mpi_start(struct opts *o)
{
    if (!o->mpi)
        return;
    o->tc.shard = (uint32_t)cli_mpi_start(o->resume, o->out, NULL);
    o->tc.nshards = (uint32_t)dist_size();
    if (o->tc.shard != 0) {
        o->quiet = 1;
        o->log = NULL;
    }
}

/* No silent limits: the character CNN sees at most max_chars - 2 bytes of a word. */
static void
warn_cut_words(const struct lm *m)
{
    uint64_t words, tokens;
    lm_cut_words(m, &words, &tokens);
    if (words > 0)
        cli_warn("%llu vocabulary word%s (%llu tokens of the counted corpus) longer than %zu "
                 "bytes cut for the character CNN (--max-chars %zu)", (unsigned long long)words,
                 words == 1 ? "" : "s", (unsigned long long)tokens,
                 (size_t)m->c.ch.max_chars - 2, (size_t)m->c.ch.max_chars);
}

/* A new model from the vocabulary and the model options, initialised from the seed. */
static struct lm *
new_model(struct opts *o)
{
    struct vocab *v = cli_vocab_load(o->vocab, 1);
    struct lm *m;
    int bad_cfg;
    const int rc = lm_new_vocab(&m, &o->mc, v, &o->sch, o->tc.seed, &bad_cfg);
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (bad_cfg)
        cli_die(RV_USAGE, "inconsistent model options (sizes out of range%s)",
                o->mc.char_input ? " or character CNN options" : "");
    if (rc < 0)
        cli_die(RV_FAIL, "--char-init-std: %s", wp_strerror(rc));
    dist_bcast_f32(m->w, m->nparams);   /* --mpi: rank 0's, to be sure */
    return m;
}

/* The corpus and held-out streams read, the trainer built (and its state restored with
 * --resume), the rollback snapshot taken. Returns the windows per epoch. */
static size_t
prepare(struct run *rn)
{
    struct opts *o = rn->o;
    read_stream(o->input, rn->lr.m, o->vocab, &rn->lr.train);
    read_heldout(o->valid, rn, &rn->valid);
    read_heldout(o->test, rn, &rn->test);
    size_t nw;
    switch (lm_run_check(&rn->lr, o->resume != NULL, rn->ck.data_hash, &nw)) {
    case LM_RUN_OTHER_CORPUS:
        cli_die(RV_DATA, "%s: not the corpus the checkpoint %s was trained on",
                cli_name(o->input), cli_name(o->resume));
    case LM_RUN_TOO_SHORT:
        cli_die(RV_DATA, "%s: %zu tokens are too few for batch %u", cli_name(o->input),
                rn->lr.train.n, o->tc.batch * dist_size());
    case LM_RUN_SAMPLED:
        cli_die(RV_USAGE, "--sampled %u: the model has %u words, sampled softmax needs fewer "
                "(0: the full softmax)", o->tc.sampled, rn->lr.m->c.vocab);
    }
    enum lm_start_fail fail;
    const int rc = lm_run_start(&rn->lr, o->resume != NULL ? &rn->ck : NULL, &fail);
    if (o->resume != NULL)
        cli_close_in(rn->ck_fp);
    if (rc < 0 && fail == LM_START_TRAINER)
        cli_die_usage_status(rc, "training options");
    if (rc < 0 && fail == LM_START_STATE)
        cli_die_status(rc, "%s: training state", cli_name(o->resume));
    if (rc < 0)
        cli_die_nomem();
    if (o->ckpt_words > 0) /* words (tokens per direction) to windows of every rank */
        o->ckpt_windows = lm_loop_ckpt_windows(&o->tc, o->ckpt_words);
    return nw;
}

/* Epochs until the last, a budget or --max-batches; a checkpoint after each. */
static void
train(struct run *rn, size_t nw)
{
    const struct opts *o = rn->o;
    rn->per = (uint64_t)o->tc.unroll * o->tc.batch * (uint64_t)dist_size();
    rn->loop.run = &rn->lr;
    rn->loop.windows = nw;
    rn->loop.max_batches = o->max_batches;
    rn->loop.ckpt_windows = o->ckpt_windows;
    rn->loop.ckpt_secs = o->ckpt_secs;
    rn->loop.inject_nan = o->inject_nan;
    if (lm_loop_train(&rn->loop, &rn->hooks) == WP_OK)
        return;
    switch (rn->loop.fail) {
    case LM_LOOP_REDUCE: cli_die(RV_FAIL, "--mpi: summing the gradients failed");
    case LM_LOOP_DIVERGED:
        cli_die(RV_DATA, "%s: training diverged: loss not finite after %d rollbacks",
                cli_name(o->input), LM_RUN_MAX_ROLLBACKS);
    case LM_LOOP_REPLICAS:
        cli_die(RV_FAIL, "--mpi: rank %d: weights differ between ranks after epoch %u "
                "(unlike machines or libraries?)", dist_rank(), rn->lr.pos.epoch);
    default: cli_die(RV_FAIL, "--mpi: a rank failed");
    }
}

/* Test perplexity (into the model's metadata and the log), then the model written. */
static void
finish(struct run *rn)
{
    const struct opts *o = rn->o;
    struct rec_meta *res = rec_meta_new();
    if (res == NULL)
        cli_die_nomem();
    if (o->test != NULL) {
        double ppl[3];
        evaluate(rn, &rn->test, ppl);
        if (lm_run_put_test(res, ppl) < 0)
            cli_die_nomem();
        if (!o->quiet)
            fprintf(stderr, "%s: test ppl fwd %.2f bwd %.2f mean %.2f\n", cli_progname, ppl[0],
                    ppl[1], ppl[2]);
        if (rn->log != NULL)
            fprintf(rn->log, "test\t-\t-\t%.4f\t%.4f\t-\t-\n", ppl[0], ppl[1]);
    }
    /* --mpi: every rank got here, so the model holds all of their work */
    if (dist_barrier() < 0)
        cli_die(RV_FAIL, "--mpi: a rank failed");
    if (dist_rank() == 0)
        save_model(rn, o->out, 0, res);
    rec_meta_free(res);
}

int
main(int argc, char **argv)
{
    cli_init("elmo-train");
    cli_blas_reserve(0);
    struct opts o;
    elmo_train_args(&o, argc, argv);
    /* each direction trains in a thread of its own when there are two */
    cli_blas_reserve(o.tc.threads >= 2 ? 2 : 1);
    mpi_start(&o);
    struct run rn = {.o = &o, .lr = {.tc = &o.tc, .sch = &o.sch},
                     .hooks = {&rn, hk_now, hk_epoch_start, hk_stepped, hk_epoch_end,
                               hk_rolled_back, hk_budget_reached, hk_save}};
    if (dist_rank() == 0)
        open_outputs(&o, &rn.log);
    lm_pos_start(&rn.lr.pos);
    rn.lr.m = o.resume != NULL ? resume_model(&o, &rn) : new_model(&o);
    const size_t nw = prepare(&rn);
    start_log(&o, rn.log);
    if (!o.quiet)
        fprintf(stderr, "%s: %zu weights, %s input, %u x %u%s, %zu tokens, %zu batches/epoch"
                "%s%.0d%s\n", cli_progname, rn.lr.m->nparams, o.mc.char_input ? "character" : "word",
                o.mc.layers, o.mc.hidden, o.mc.directions == 2 ? " x 2 directions" : "",
                rn.lr.train.n, nw, o.mpi ? ", " : "", o.mpi ? dist_size() : 0,
                o.mpi ? " MPI ranks" : "");
    if (!o.quiet)
        warn_cut_words(rn.lr.m);
    train(&rn, nw);
    finish(&rn);
    cli_log_close(rn.log, o.log);
    lm_snapshot_free(rn.lr.snap);
    lm_trainer_free(rn.lr.tr);
    lm_free(rn.lr.m);
    free(rn.lr.train.ids);
    free(rn.valid.ids);
    free(rn.test.ids);
    dist_finalize();
    cli_close_stdout();
    return RV_OK;
}
