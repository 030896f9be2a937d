/* elmo-train - train an ELMo-style bidirectional LSTM language model (lm.h, lm_train.h)
 * from a token stream and its vocabulary; validation and test perplexity with the full
 * softmax; atomic checkpoints that --resume continues bit for bit; rollback on NaN/Inf. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
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

enum {
    O_PRESET = 256, O_WORD, O_CHAR, O_LAYERS, O_HIDDEN, O_PROJ, O_CCLIP, O_PCLIP, O_RES,
    O_NORES, O_FWD, O_MAXCH, O_CHDIM, O_FILT, O_HWY, O_UNROLL, O_BATCH, O_EPOCHS, O_MAXB,
    O_DROP, O_SAMP, O_OPTIM, O_LR, O_DECAY, O_DSTART, O_CLIP, O_INIT, O_FBIAS, O_VALID,
    O_TEST, O_CKPT, O_EVERY, O_RESUME, O_LOG, O_NAN, O_CHACT, O_CHGAIN, O_MPI, O_CHSTD,
    O_CHGS, O_SEED, O_BUDGET, O_TBUDGET
};
static const char shortopts[] = "fhqVo:s:t:v:z:";
static const struct option longopts[] = {
    {"preset", 1, 0, O_PRESET}, {"word-input", 0, 0, O_WORD}, {"char-input", 0, 0, O_CHAR},
    {"layers", 1, 0, O_LAYERS}, {"hidden", 1, 0, O_HIDDEN}, {"proj", 1, 0, O_PROJ},
    {"cell-clip", 1, 0, O_CCLIP}, {"proj-clip", 1, 0, O_PCLIP}, {"residual", 0, 0, O_RES},
    {"no-residual", 0, 0, O_NORES}, {"forward-only", 0, 0, O_FWD},
    {"max-chars", 1, 0, O_MAXCH}, {"char-dim", 1, 0, O_CHDIM}, {"filters", 1, 0, O_FILT},
    {"highway", 1, 0, O_HWY}, {"char-act", 1, 0, O_CHACT}, {"char-init", 1, 0, O_CHGAIN},
    {"char-init-std", 1, 0, O_CHSTD}, {"char-grad-scale", 1, 0, O_CHGS},
    {"unroll", 1, 0, O_UNROLL}, {"batch", 1, 0, O_BATCH},
    {"epochs", 1, 0, O_EPOCHS}, {"max-batches", 1, 0, O_MAXB},
    {"budget", 1, 0, O_BUDGET}, {"token-budget", 1, 0, O_TBUDGET}, {"dropout", 1, 0, O_DROP},
    {"sampled", 1, 0, O_SAMP}, {"optim", 1, 0, O_OPTIM}, {"lr", 1, 0, O_LR},
    {"decay", 1, 0, O_DECAY}, {"decay-start", 1, 0, O_DSTART}, {"clip", 1, 0, O_CLIP},
    {"init", 1, 0, O_INIT}, {"forget-bias", 1, 0, O_FBIAS}, {"valid", 1, 0, O_VALID},
    {"test", 1, 0, O_TEST}, {"checkpoint", 1, 0, O_CKPT},
    {"checkpoint-every", 1, 0, O_EVERY}, {"resume", 1, 0, O_RESUME}, {"log", 1, 0, O_LOG},
    {"inject-nan", 1, 0, O_NAN}, {"mpi", 0, 0, O_MPI},
    {"seed", 1, 0, O_SEED}, {"threads", 1, 0, 't'},
    {"level", 1, 0, 'z'}, {"output", 1, 0, 'o'}, {"vocab", 1, 0, 'v'},
    {"force", 0, 0, 'f'}, {"help", 0, 0, 'h'}, {"quiet", 0, 0, 'q'},
    {"version", 0, 0, 'V'}, {0, 0, 0, 0}};

/* The preset is applied first, whatever its position, so other flags override it: a first
 * pass over the options reads --preset alone (errors are the second pass's). */
static void
apply_preset(struct opts *o, int argc, char **argv)
{
    int ch;
    lm_preset("small", &o->mc, &o->tc, &o->sch);
    opterr = 0;
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
        if (ch == O_PRESET && strcmp(optarg, "small") != 0 /* applied already */
            && lm_preset(optarg, &o->mc, &o->tc, &o->sch) < 0)
            cli_die(RV_USAGE, "--preset: want small or elmo-small, got '%s'", optarg);
    opterr = 1;
    optind = 0; /* GNU getopt: start over */
}

/* The model's options (the network and its character encoder): 0 for any other. */
static int
parse_model_opt(struct opts *o, int ch)
{
    static const char *const acts[] = {"relu", "tanh"};
    switch (ch) {
    case O_WORD: o->mc.char_input = 0; break;
    case O_CHAR:
        if (o->mc.ch.nwidths == 0)
            parse_filters(o, "1:32,2:32,3:64,4:128,5:256,6:512,7:1024");
        if (o->mc.ch.max_chars == 0)
            o->mc.ch.max_chars = 50, o->mc.ch.char_dim = 16, o->mc.ch.highway = 1;
        o->mc.char_input = 1;
        break;
    case O_LAYERS: o->mc.layers = (uint32_t)cli_parse_u64(optarg, "--layers", 1, LM_MAX_LAYERS); break;
    case O_HIDDEN: o->mc.hidden = (uint32_t)cli_parse_u64(optarg, "--hidden", 1, 16384); break;
    case O_PROJ: o->mc.proj = (uint32_t)cli_parse_u64(optarg, "--proj", 0, 16384); break;
    case O_CCLIP: o->mc.cell_clip = (float)cli_parse_double(optarg, "--cell-clip", 0, 1e6); break;
    case O_PCLIP: o->mc.proj_clip = (float)cli_parse_double(optarg, "--proj-clip", 0, 1e6); break;
    case O_RES: o->mc.residual = 1; break;
    case O_NORES: o->mc.residual = 0; break;
    case O_FWD: o->mc.directions = 1; break;
    case O_MAXCH: o->mc.ch.max_chars = (uint32_t)cli_parse_u64(optarg, "--max-chars", 3, 1024); break;
    case O_CHDIM: o->mc.ch.char_dim = (uint32_t)cli_parse_u64(optarg, "--char-dim", 1, 1024); break;
    case O_FILT: parse_filters(o, optarg); break;
    case O_HWY: o->mc.ch.highway = (uint32_t)cli_parse_u64(optarg, "--highway", 0, CHARENC_MAX_HIGHWAY); break;
    case O_CHACT:
        o->mc.ch.act = (uint32_t)cli_parse_enum(optarg, "--char-act", acts, 2);
        break;
    case O_CHGAIN: o->sch.char_gain = (float)cli_parse_double(optarg, "--char-init", 0, 100); break;
    case O_CHSTD: o->sch.char_std = (float)cli_parse_double(optarg, "--char-init-std", 0, 100); break;
    case O_CHGS:
        o->tc.char_grad_scale = (float)cli_parse_double(optarg, "--char-grad-scale", 1e-6, 1e3);
        break;
    case O_INIT: o->sch.init = (float)cli_parse_double(optarg, "--init", 0, 10); break;
    case O_FBIAS: o->sch.forget_bias = (float)cli_parse_double(optarg, "--forget-bias", -100, 100); break;
    default: return 0;
    }
    return 1;
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
    int ch;
    apply_preset(o, argc, argv);
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (parse_model_opt(o, ch))
            continue;
        switch (ch) {
        case O_PRESET: break;
        case O_UNROLL: o->tc.unroll = (uint32_t)cli_parse_u64(optarg, "--unroll", 1, 10000); break;
        case O_BATCH: o->tc.batch = (uint32_t)cli_parse_u64(optarg, "--batch", 1, 100000); break;
        case O_EPOCHS:
            o->sch.epochs = (uint32_t)cli_parse_u64(optarg, "--epochs", 1, 100000);
            o->epochs_set = 1;
            break;
        case O_BUDGET: o->sch.budget_secs = parse_budget_time(optarg); break;
        case O_TBUDGET: o->sch.budget_tokens = parse_budget_tokens(optarg); break;
        case O_MAXB: o->max_batches = cli_parse_u64(optarg, "--max-batches", 1, UINT64_MAX); break;
        case O_DROP: o->tc.dropout = (float)cli_parse_double(optarg, "--dropout", 0, 0.95); break;
        case O_SAMP: o->tc.sampled = (uint32_t)cli_parse_u64(optarg, "--sampled", 0, 1u << 30); break;
        case O_OPTIM:
            if (strcmp(optarg, "sgd") == 0)
                o->tc.optim = LM_SGD;
            else if (strcmp(optarg, "adagrad") == 0)
                o->tc.optim = LM_ADAGRAD;
            else if (strcmp(optarg, "adam") == 0)
                o->tc.optim = LM_ADAM;
            else
                cli_die(RV_USAGE, "--optim: want sgd, adagrad or adam, got '%s'", optarg);
            break;
        case O_LR: o->tc.lr = (float)cli_parse_double(optarg, "--lr", 1e-9, 1e3); break;
        case O_DECAY: o->sch.decay = (float)cli_parse_double(optarg, "--decay", 1e-6, 1); break;
        case O_DSTART: o->sch.decay_start = (uint32_t)cli_parse_u64(optarg, "--decay-start", 0, 100000); break;
        case O_CLIP: o->tc.clip = (float)cli_parse_double(optarg, "--clip", 0, 1e9); break;
        case O_VALID: o->valid = optarg; break;
        case O_TEST: o->test = optarg; break;
        case O_CKPT: o->ckpt = optarg; break;
        case O_EVERY:
            cli_parse_every(optarg, "--checkpoint-every", &o->ckpt_secs, &o->ckpt_words);
            break;
        case O_RESUME: o->resume = optarg; break;
        case O_LOG: o->log = optarg; break;
        case O_NAN: o->inject_nan = cli_parse_u64(optarg, "--inject-nan", 1, UINT64_MAX); break;
        case O_MPI: o->mpi = 1; break;
        case 's': cli_moved('s', "--seed");
        case O_SEED: o->tc.seed = cli_parse_u64(optarg, "--seed", 0, UINT64_MAX); break;
        case 't': o->tc.threads = (uint32_t)cli_parse_u64(optarg, "--threads", 1, 256); break;
        case 'z': o->level = (int)cli_parse_u64(optarg, "--level", 0, 9); break;
        case 'o': o->out = optarg; break;
        case 'v': o->vocab = optarg; break;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case 'V': cli_version();
        case 'h': usage(stdout, RV_OK);
        default: usage(stderr, RV_USAGE);
        }
    }
    if (argc - optind > 1)
        usage(stderr, RV_USAGE);
    o->input = optind < argc ? argv[optind] : "-";
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
    o->mc.vocab = vocab_size(v) + LM_NSPECIAL;
    if (lm_cfg_check(&o->mc) < 0)
        cli_die(RV_USAGE, "inconsistent model options (sizes out of range%s)",
                o->mc.char_input ? " or character CNN options" : "");
    if (lm_new(&m, &o->mc) < 0)
        cli_die_nomem();
    m->vocab = v;
    lm_init(m, o->tc.seed, o->sch.init, o->sch.forget_bias, o->sch.char_gain);
    if (o->mc.char_input && o->sch.char_std > 0) {
        const int rc = lm_init_char_data(m, o->sch.char_std);
        if (rc == WP_ENOMEM)
            cli_die_nomem();
        if (rc < 0)
            cli_die(RV_FAIL, "--char-init-std: %s", wp_strerror(rc));
    }
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
    rn->lr.data_hash = lm_stream_hash(&rn->lr.train);
    if (o->resume != NULL && rn->lr.data_hash != want_hash)
        cli_die(RV_DATA, "%s: not the corpus the checkpoint %s was trained on",
                cli_name(o->input), cli_name(o->resume));
    const size_t nw = lm_stream_windows(&rn->lr.train, &o->tc);
    if (nw == 0)
        cli_die(RV_DATA, "%s: %zu tokens are too few for batch %u", cli_name(o->input),
                rn->lr.train.n, o->tc.batch * dist_size());
    if (o->tc.sampled >= rn->lr.m->c.vocab)
        cli_die(RV_USAGE, "--sampled %u: the model has %u words, sampled softmax needs fewer "
                "(0: the full softmax)", o->tc.sampled, rn->lr.m->c.vocab);
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
        rec_meta_set_f64(res, "test_ppl_fwd", ppl[0]);
        rec_meta_set_f64(res, "test_ppl_bwd", ppl[1]);
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
