/* elmo-train - train an ELMo-style bidirectional LSTM language model (lm.h, lm_train.h)
 * from a token stream and its vocabulary; validation and test perplexity with the full
 * softmax; atomic checkpoints that --resume continues bit for bit; rollback on NaN/Inf. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "cli_blas.h"
#include "common/dist.h"
#include "common/status.h"
#include "lm/lm.h"
#include "lm/lm_eval.h"
#include "lm/lm_loop.h"
#include "lm/lm_preset.h"
#include "lm/lm_run.h"
#include "lm/lm_train.h"
#include "stream/rec_payload.h"
#include "stream/tensorio.h"
#include "text/vocab.h"

struct opts {
    struct lm_cfg mc;
    struct lm_train_cfg tc;
    struct lm_schedule sch;    /* epochs, decay, budgets, initialisation */
    uint64_t max_batches, ckpt_windows, ckpt_words, inject_nan;
    double ckpt_secs;          /* --checkpoint-every Ns/Nm/Nh */
    int epochs_set;            /* --epochs given: with a budget, a bound only then */
    int quiet, force, level, mpi;
    const char *vocab, *valid, *test, *out, *ckpt, *resume, *log, *input;
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [--preset small|elmo-small] [--word-input | --char-input]\n"
            "       [--layers n] [--hidden n] [--proj n] [--cell-clip x] [--proj-clip x]\n"
            "       [--residual | --no-residual] [--forward-only] [--max-chars n]\n"
            "       [--char-dim n] [--filters w:n,...] [--highway n] [--char-act relu|tanh]\n"
            "       [--char-init x] [--char-init-std x] [--char-grad-scale x] [--unroll n]\n"
            "       [--batch n] [--epochs n] [--budget n(s|m|h)] [--token-budget n[k|M|G]]\n"
            "       [--max-batches n]\n"
            "       [--dropout p] [--sampled n] [--optim sgd|adagrad|adam] [--lr x]\n"
            "       [--decay x] [--decay-start n] [--clip x] [--init x] [--forget-bias x]\n"
            "       [--valid file] [--test file] [--checkpoint file]\n"
            "       [--checkpoint-every n{s|m|h|w}] [--resume file] [--mpi] [--log file]\n"
            "       [--inject-nan n] [--seed n] [-t threads] [-z level] [-o model] -v vocab\n"
            "       [file]\n",
            cli_progname);
    exit(status);
}

static void
parse_filters(struct opts *o, const char *s)
{
    struct charenc_cfg *c = &o->mc.ch;
    c->nwidths = 0;
    while (*s) {
        char *end;
        const unsigned long w = strtoul(s, &end, 10);
        if (*end != ':' || c->nwidths == CHARENC_MAX_WIDTHS)
            cli_die(RV_USAGE, "--filters: want width:count,... (at most %d), got '%s'",
                    CHARENC_MAX_WIDTHS, s);
        const unsigned long n = strtoul(end + 1, &end, 10);
        if (w == 0 || w > 64 || n == 0 || n > 8192 || (*end != ',' && *end != '\0'))
            cli_die(RV_USAGE, "--filters: bad width:count near '%s'", s);
        c->widths[c->nwidths] = (uint32_t)w;
        c->filters[c->nwidths++] = (uint32_t)n;
        s = *end == ',' ? end + 1 : end;
    }
}

/* --budget: a wall time with its unit, n(s|m|h); a unit is required, so that "40m" is
 * never taken for a token count. */
static double
parse_budget_time(const char *s)
{
    char *end;
    const double v = strtod(s, &end);
    double mul = 0;
    if (end != s && end[0] != '\0' && end[1] == '\0')
        mul = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 0;
    if (mul == 0 || !(v > 0) || !(v * mul < 1e9))
        cli_die(RV_USAGE, "--budget: want a positive time n followed by s, m or h (e.g. 4h), "
                "got '%s'", s);
    return v * mul;
}

/* --token-budget: n tokens, with an optional k, M or G (powers of 1000). */
static uint64_t
parse_budget_tokens(const char *s)
{
    char *end;
    const double v = strtod(s, &end);
    double mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1e3, end++;
    else if (*end == 'M')
        mul = 1e6, end++;
    else if (*end == 'G')
        mul = 1e9, end++;
    if (end == s || *end != '\0' || !(v * mul >= 1) || !(v * mul < 1e18))
        cli_die(RV_USAGE, "--token-budget: want a positive count n[k|M|G] (e.g. 40M), got '%s'",
                s);
    return (uint64_t)(v * mul + 0.5);
}

static void
opt_filters(void *o, const char *arg)
{
    parse_filters(o, arg);
}

/* --char-input: the character encoder, its defaults unless given before */
static void
opt_char_input(void *dst, const char *arg)
{
    struct opts *o = dst;
    if (o->mc.ch.nwidths == 0)
        parse_filters(o, "1:32,2:32,3:64,4:128,5:256,6:512,7:1024");
    if (o->mc.ch.max_chars == 0)
        o->mc.ch.max_chars = 50, o->mc.ch.char_dim = 16, o->mc.ch.highway = 1;
    o->mc.char_input = 1;
}

static void
opt_budget(void *o, const char *arg)
{
    ((struct opts *)o)->sch.budget_secs = parse_budget_time(arg);
}

static void
opt_token_budget(void *o, const char *arg)
{
    ((struct opts *)o)->sch.budget_tokens = parse_budget_tokens(arg);
}

static void
opt_optim(void *o, const char *arg)
{
    static const char *const names[] = {"sgd", "adagrad", "adam"};
    static const int optims[] = {LM_SGD, LM_ADAGRAD, LM_ADAM};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            ((struct opts *)o)->tc.optim = optims[i];
            return;
        }
    cli_die(RV_USAGE, "--optim: want sgd, adagrad or adam, got '%s'", arg);
}

static const char *const act_names[] = {"relu", "tanh"};

#define AT(m) CLI_AT(struct opts, m)
#define U64(name, m, l, h) {name, 0, CLI_OPT_U64, AT(m), .lo = (l), .hi = (h)}
#define REAL(name, m, l, h) {name, 0, CLI_OPT_DOUBLE, AT(m), .dlo = (l), .dhi = (h)}
#define STR(name, m) {name, 0, CLI_OPT_STR, AT(m)}
static const struct cli_opt options[] = {
    {"preset", 0, CLI_OPT_SKIP, .arg = 1}, /* read by parse_args's first pass */
    {"word-input", 0, CLI_OPT_CONST, AT(mc.char_input), .val = 0},
    {"char-input", 0, CLI_OPT_CALL, .call = opt_char_input},
    U64("layers", mc.layers, 1, LM_MAX_LAYERS),
    U64("hidden", mc.hidden, 1, 16384),
    U64("proj", mc.proj, 0, 16384),
    REAL("cell-clip", mc.cell_clip, 0, 1e6),
    REAL("proj-clip", mc.proj_clip, 0, 1e6),
    {"residual", 0, CLI_OPT_FLAG, AT(mc.residual)},
    {"no-residual", 0, CLI_OPT_CONST, AT(mc.residual), .val = 0},
    {"forward-only", 0, CLI_OPT_FLAG, AT(mc.directions)},
    U64("max-chars", mc.ch.max_chars, 3, 1024),
    U64("char-dim", mc.ch.char_dim, 1, 1024),
    {"filters", 0, CLI_OPT_CALL, .call = opt_filters, .arg = 1},
    U64("highway", mc.ch.highway, 0, CHARENC_MAX_HIGHWAY),
    {"char-act", 0, CLI_OPT_ENUM, AT(mc.ch.act), .names = act_names, .nnames = 2},
    REAL("char-init", sch.char_gain, 0, 100),
    REAL("char-init-std", sch.char_std, 0, 100),
    REAL("char-grad-scale", tc.char_grad_scale, 1e-6, 1e3),
    U64("unroll", tc.unroll, 1, 10000),
    U64("batch", tc.batch, 1, 100000),
    {"epochs", 0, CLI_OPT_U64, AT(sch.epochs), .lo = 1, .hi = 100000,
     CLI_ALSO(struct opts, epochs_set, 1)},
    U64("max-batches", max_batches, 1, UINT64_MAX),
    {"budget", 0, CLI_OPT_CALL, .call = opt_budget, .arg = 1},
    {"token-budget", 0, CLI_OPT_CALL, .call = opt_token_budget, .arg = 1},
    REAL("dropout", tc.dropout, 0, 0.95),
    U64("sampled", tc.sampled, 0, 1u << 30),
    {"optim", 0, CLI_OPT_CALL, .call = opt_optim, .arg = 1},
    REAL("lr", tc.lr, 1e-9, 1e3),
    REAL("decay", sch.decay, 1e-6, 1),
    U64("decay-start", sch.decay_start, 0, 100000),
    REAL("clip", tc.clip, 0, 1e9),
    REAL("init", sch.init, 0, 10),
    REAL("forget-bias", sch.forget_bias, -100, 100),
    STR("valid", valid),
    STR("test", test),
    STR("checkpoint", ckpt),
    {"checkpoint-every", 0, CLI_OPT_EVERY, AT(ckpt_secs), CLI_AT2(struct opts, ckpt_words)},
    STR("resume", resume),
    STR("log", log),
    U64("inject-nan", inject_nan, 1, UINT64_MAX),
    {"mpi", 0, CLI_OPT_FLAG, AT(mpi)},
    U64("seed", tc.seed, 0, UINT64_MAX),
    {"threads", 't', CLI_OPT_U64, AT(tc.threads), .flag = "--threads", .lo = 1, .hi = 256},
    {"level", 'z', CLI_OPT_U64, AT(level), .flag = "--level", .lo = 0, .hi = 9},
    {"output", 'o', CLI_OPT_STR, AT(out)},
    {"vocab", 'v', CLI_OPT_STR, AT(vocab)},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {NULL, 's', CLI_OPT_MOVED, .moved = "--seed", .arg = 1},
};
#undef AT
#undef U64
#undef REAL
#undef STR

static void
opt_preset(void *dst, const char *name)
{
    struct opts *o = dst;
    if (strcmp(name, "small") != 0 /* applied already */
        && lm_preset(name, &o->mc, &o->tc, &o->sch) < 0)
        cli_die(RV_USAGE, "--preset: want small or elmo-small, got '%s'", name);
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
    /* The preset is applied first, whatever its position, so other flags override it: a
     * first pass reads --preset alone (errors are the second pass's). */
    lm_preset("small", &o->mc, &o->tc, &o->sch);
    cli_opt_scan(options, CLI_NOPTS(options), "preset", opt_preset, o, argc, argv);
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (argc - first > 1)
        usage(stderr, RV_USAGE);
    o->input = first < argc ? argv[first] : "-";
    if (o->vocab == NULL && o->resume == NULL)
        cli_die(RV_USAGE, "a vocabulary is needed: -v file (from vocab(1))");
    if (o->mc.char_input)
        o->mc.ch.out_dim = lm_width(&o->mc);
    if ((o->ckpt_secs > 0 || o->ckpt_words > 0) && o->ckpt == NULL)
        cli_die(RV_USAGE, "--checkpoint-every needs --checkpoint file");
    cli_out_refuse_tty(o->out, CLI_OUT_STREAM, o->force);
}

/* A token stream -> the forward stream (lm_stream_read). */
static void
read_stream(const char *path, const struct lm *m, struct lm_stream *s)
{
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_TOKENS);
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
    /* --resume: the checkpoint, read up to its training state (lm_load_head) */
    FILE *ck_fp;
    struct rec_reader *ck;
    const unsigned char *held;
    size_t held_len;
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
 * training state, which resume_state reads once the trainer is built. */
static struct lm *
resume_model(struct opts *o, struct run *rn, uint64_t *data_hash, int epochs_set)
{
    FILE *fp = cli_open_in(o->resume);
    struct rec_reader *r = cli_reader_open(fp, o->resume, REC_MODEL);
    const char *path = cli_name(o->resume);
    struct lm *m;
    struct lm_load_error err;
    int rc = lm_load_head(r, &m, &err, &rn->held, &rn->held_len);
    const char *missing = NULL;
    uint64_t ranks = 1;
    const int meta_rc = rc < 0 ? WP_OK
                               : lm_run_get_meta(rec_reader_meta(r), &o->tc, &o->sch, epochs_set,
                                                 &rn->lr.pos, data_hash, &rn->loop.secs0,
                                                 &ranks, &missing);
    if (rc == WP_EKIND)
        cli_die(RV_DATA, "%s: not an elmo-train model", path);
    if (rc < 0 && rc != WP_ENOMEM && err.msg[0] != '\0')
        cli_die(RV_DATA, "%s: model: %s", path, err.msg);
    if (rc < 0)
        cli_die_status(rc, "%s", path);
    if (meta_rc < 0)
        cli_die(RV_DATA, "%s: not an elmo-train checkpoint (no %s)", path, missing);
    if (ranks > 1)
        cli_die(RV_USAGE, "%s: checkpoint of a %llu-rank --mpi run: resuming it is not "
                "supported yet", path, (unsigned long long)ranks);
    if (o->sch.epochs == 0 && o->sch.budget_secs == 0 && o->sch.budget_tokens == 0)
        cli_die(RV_DATA, "%s: no number of epochs and no budget", path);
    rn->ck_fp = fp;
    rn->ck = r;
    o->mc = m->c;
    return m;
}

/* --resume, the rest of the checkpoint: the optimizer state, carried state and generators. */
static void
resume_state(struct run *rn)
{
    const int rc = lm_trainer_load_rest(rn->lr.tr, rn->ck, rn->held, rn->held_len);
    rec_reader_free(rn->ck);
    cli_close_in(rn->ck_fp);
    rn->ck = NULL;
    rn->held = NULL;
    if (rc < 0)
        cli_die_status(rc, "%s: training state", cli_name(rn->o->resume));
}

/* A held-out stream, read once before training so that a bad file fails early. */
static void
read_heldout(const char *path, const struct run *rn, struct lm_stream *s)
{
    s->ids = NULL;
    s->n = 0;
    if (path == NULL)
        return;
    read_stream(path, rn->lr.m, s);
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
    cli_out_check(o->out);
    cli_out_check(o->ckpt);
    *log = NULL;
    if (o->log != NULL && (*log = fopen(o->log, "a")) == NULL)
        cli_die(RV_FAIL, "%s: cannot open the log: %s", o->log, strerror(errno));
}

/* A new run's log starts empty with its column names; --resume appends. */
static void
start_log(const struct opts *o, FILE *log)
{
    if (log == NULL || o->resume != NULL)
        return;
    if (ftruncate(fileno(log), 0) != 0 && errno != EINVAL)   /* EINVAL: not a regular file */
        cli_die(RV_FAIL, "%s: %s", o->log, strerror(errno));
    fprintf(log, "epoch\tlr\ttrain_ppl\tvalid_fwd\tvalid_bwd\ttokens_per_s\tseconds\n");
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
prepare(struct run *rn, uint64_t want_hash)
{
    struct opts *o = rn->o;
    read_stream(o->input, rn->lr.m, &rn->lr.train);
    read_heldout(o->valid, rn, &rn->valid);
    read_heldout(o->test, rn, &rn->test);
    size_t nw;
    switch (lm_run_check(&rn->lr, o->resume != NULL, want_hash, &nw)) {
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
    const int rc = lm_trainer_new(&rn->lr.tr, rn->lr.m, &o->tc, &rn->lr.train);
    if (rc < 0)
        cli_die_usage_status(rc, "training options");
    if (o->resume != NULL)
        resume_state(rn);
    if (o->ckpt_words > 0) /* words (tokens per direction) to windows of every rank */
        o->ckpt_windows = lm_loop_ckpt_windows(&o->tc, o->ckpt_words);
    if (o->tc.nshards > 1)
        lm_trainer_set_reduce(rn->lr.tr, dist_sum_f32);
    if ((rn->lr.snap = lm_snapshot_new(rn->lr.tr)) == NULL)
        cli_die_nomem();
    rn->lr.snap_pos = rn->lr.pos;
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
    memset(&o, 0, sizeof o);
    lm_train_cfg_default(&o.tc);
    o.mc.directions = 2;
    o.tc.threads = 2;
    o.level = REC_LEVEL_DEFAULT;
    parse_args(&o, argc, argv);
    /* each direction trains in a thread of its own when there are two */
    cli_blas_reserve(o.tc.threads >= 2 ? 2 : 1);
    /* with a budget, the epochs are a bound only when given */
    if (!o.epochs_set && (o.sch.budget_secs > 0 || o.sch.budget_tokens > 0))
        o.sch.epochs = 0;
    mpi_start(&o);
    struct run rn = {.o = &o, .lr = {.tc = &o.tc, .sch = &o.sch},
                     .hooks = {&rn, hk_now, hk_epoch_start, hk_stepped, hk_epoch_end,
                               hk_rolled_back, hk_budget_reached, hk_save}};
    if (dist_rank() == 0)
        open_outputs(&o, &rn.log);
    lm_pos_start(&rn.lr.pos);
    uint64_t want_hash = 0;
    rn.lr.m = o.resume != NULL
                  ? resume_model(&o, &rn, &want_hash, o.epochs_set)
                  : new_model(&o);
    const size_t nw = prepare(&rn, want_hash);
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
    if (rn.log != NULL)
        fclose(rn.log);
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
