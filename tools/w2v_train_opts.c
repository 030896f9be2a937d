/* w2v_train_opts.c - w2v-train's options and their checks, its progress and log, and the
 * messages of what failed (w2v_train_opts.h). */
#include "w2v_train_opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opt.h"
#include "common/status.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "w2v/w2v_out.h"

enum { SUB_BUCKETS = 2000000 }; /* fastText's -bucket default */

int
w2v_train_out_kind(int format)
{
    return format == FMT_STREAM ? CLI_OUT_STREAM : format == FMT_TXT ? CLI_OUT_TEXT : CLI_OUT_BINARY;
}

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [--sg | --cbow] [--cbow-sum] [--hs] [--exact-sigmoid]\n"
            "       [--shared-negatives | --exact-updates] [--fixed-window] [-a alpha] [-d dim] [-e epochs]\n"
            "       [-n negative] [--ns-power p] [-s sample] [-t threads] [-w window]\n"
            "       [--seed n] [-z level] [-o file] [--format stream|txt|bin|fasttext]\n"
            "       [--save-context file] [--checkpoint file] [--checkpoint-every n{s|m|h|w}]\n"
            "       [--resume file [--any-input]] [--log file] [--context-vocab file]\n"
            "       [--deterministic] [--mpi [--merge sum|mean]] [--sync-words n]\n"
            "       [--subwords min-max [--buckets n]]\n"
            "       -v vocab [file | --mpi file ...]\n",
            cli_progname);
    exit(status);
}

/* --subwords MIN-MAX: two lengths in code points, 1 <= MIN <= MAX <= W2V_SUB_MAXN. */
static void
parse_subwords(const char *s, struct w2v_params *p)
{
    const char *dash = strchr(s, '-');
    char *end;
    unsigned long lo = 0, hi = 0;
    int ok = dash != NULL && isdigit((unsigned char)s[0]) && isdigit((unsigned char)dash[1]);
    if (ok) {
        errno = 0;
        lo = strtoul(s, &end, 10);
        ok = end == dash && errno == 0;
        hi = strtoul(dash + 1, &end, 10);
        ok = ok && *end == '\0' && errno == 0;
    }
    if (!ok || lo < 1 || lo > hi || hi > W2V_SUB_MAXN)
        cli_die(RV_USAGE, "--subwords %s: expected MIN-MAX, character n-gram lengths with "
                "1 <= MIN <= MAX <= %d (fastText's default: 3-6)", s, W2V_SUB_MAXN);
    p->minn = (uint32_t)lo;
    p->maxn = (uint32_t)hi;
}

static void check_args(struct opts *o, int argc, char **argv);

static void
opt_subwords(void *o, const char *arg)
{
    parse_subwords(arg, &((struct opts *)o)->p);
}

static const char *const format_names[] = {"stream", "txt", "bin", "fasttext"};
static const int format_values[] = {FMT_STREAM, FMT_TXT, FMT_BIN, FMT_FASTTEXT};
static const char *const merge_names[] = {"sum", "mean"};

#define AT(m) CLI_AT(struct opts, m)
#define SET(m) CLI_ALSO(struct opts, m, 1)
static const struct cli_opt options[] = {
    {"alpha", 'a', CLI_OPT_DOUBLE, AT(p.alpha), .dlo = 1e-9, .dhi = 10, SET(alpha_set)},
    {"dim", 'd', CLI_OPT_U64, AT(p.dim), .lo = 1, .hi = 100000},
    {"epochs", 'e', CLI_OPT_U64, AT(rs.epochs), .lo = 1, .hi = W2V_EPOCHS_MAX, SET(epochs_set)},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"negative", 'n', CLI_OPT_U64, AT(p.negative), .lo = 0, .hi = 1000},
    {"output", 'o', CLI_OPT_STR, AT(out)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"sample", 's', CLI_OPT_DOUBLE, AT(rs.wcfg.sample), .dlo = 0, .dhi = 1},
    {"threads", 't', CLI_OPT_U64, AT(threads), .lo = 1, .hi = 1024},
    {"vocab", 'v', CLI_OPT_STR, AT(vocab)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"window", 'w', CLI_OPT_U64, AT(rs.wcfg.window), .lo = 1, .hi = W2V_WINDOW_MAX},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    /* the last of --sg, --cbow, --cbow-sum given wins whole: each sets both fields */
    {"sg", 0, CLI_OPT_CONST, AT(p.cbow), .val = 0, CLI_ALSO(struct opts, p.cbow_sum, 0)},
    {"cbow", 0, CLI_OPT_FLAG, AT(p.cbow), CLI_ALSO(struct opts, p.cbow_sum, 0)},
    {"cbow-sum", 0, CLI_OPT_FLAG, AT(p.cbow_sum), SET(p.cbow)},
    {"hs", 0, CLI_OPT_FLAG, AT(p.hs)},
    {"exact-sigmoid", 0, CLI_OPT_FLAG, AT(p.exact_sigmoid)},
    {"shared-negatives", 0, CLI_OPT_CONST, AT(shared_set), .val = 1},
    {"exact-updates", 0, CLI_OPT_CONST, AT(shared_set), .val = -1},
    {"fixed-window", 0, CLI_OPT_FLAG, AT(rs.wcfg.fixed)},
    {"ns-power", 0, CLI_OPT_DOUBLE, AT(p.ns_power), .dlo = 0, .dhi = 10, SET(power_set)},
    {"seed", 0, CLI_OPT_U64, AT(p.seed), .lo = 0, .hi = UINT64_MAX},
    {"format", 0, CLI_OPT_ENUM, AT(format), .names = format_names, .nnames = 4,
     .values = format_values, .expect = "stream, txt, bin or fasttext"},
    {"save-context", 0, CLI_OPT_STR, AT(context)},
    {"checkpoint", 0, CLI_OPT_STR, AT(ckpt)},
    {"checkpoint-every", 0, CLI_OPT_EVERY, AT(ckpt_secs), CLI_AT2(struct opts, ckpt_words)},
    {"resume", 0, CLI_OPT_STR, AT(resume)},
    {"log", 0, CLI_OPT_STR, AT(log)},
    {"context-vocab", 0, CLI_OPT_STR, AT(cvocab)},
    {"mpi", 0, CLI_OPT_FLAG, AT(mpi)},
    {"sync-words", 0, CLI_OPT_U64, AT(rs.sync_words), .lo = 1, .hi = UINT64_MAX / 1024,
     SET(sync_set)},
    {"merge", 0, CLI_OPT_ENUM, AT(merge_mean), .names = merge_names, .nnames = 2,
     .expect = "sum or mean", SET(merge_set)},
    {"deterministic", 0, CLI_OPT_FLAG, AT(rs.deterministic)},
    {"subwords", 0, CLI_OPT_CALL, .call = opt_subwords, .arg = 1},
    {"buckets", 0, CLI_OPT_U64, AT(p.buckets), .lo = 1, .hi = INT32_MAX / 2, SET(buckets_set)},
    {"any-input", 0, CLI_OPT_FLAG, AT(any_input)},
};
#undef AT
#undef SET

/* The options whose settings a checkpoint holds (--subwords is refused with --resume). */
static const char *const resumed_settings[] = {
    "alpha",  "dim",           "epochs",        "negative",     "sample",
    "threads", "window",       "sg",            "cbow",         "cbow-sum",
    "hs",     "exact-sigmoid", "fixed-window",  "ns-power",     "seed",
    "sync-words", "deterministic", "buckets",   NULL};

/* The options whose settings a windows or spans stream's header holds. */
static const char *const stream_settings[] = {"window", "sample", "fixed-window", NULL};

void
w2v_train_check_windows(const struct opts *o, const struct window_meta_read *h)
{
    struct opts made = *o;
    if (h->has & WINDOW_META_WINDOW)
        made.rs.wcfg.window = (uint32_t)h->window;
    if (h->has & WINDOW_META_SAMPLE)
        made.rs.wcfg.sample = h->sample;
    if (h->has & WINDOW_META_FIXED_WINDOW)
        made.rs.wcfg.fixed = h->fixed_window != 0;
    const struct cli_kept k = {stream_settings, cli_name(o->input), "the stream",
                               "windows keep what pairs drew them with",
                               "remake them with pairs"};
    cli_opt_check_kept(options, CLI_NOPTS(options), &k, o, &made, o->argc, o->argv);
}

void
w2v_train_check_resumed(const struct opts *cmd, const struct opts *o)
{
    const struct cli_kept k = {resumed_settings, "--resume", "the checkpoint",
                               "a resumed run keeps the checkpoint's settings", "start afresh"};
    cli_opt_check_kept(options, CLI_NOPTS(options), &k, cmd, o, o->argc, o->argv);
}

void
w2v_train_parse(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    w2v_params_default(&o->p);
    o->rs.wcfg.window = 5;
    o->rs.wcfg.sample = 1e-3;
    o->rs.epochs = 5;
    o->threads = 1;
    o->level = REC_LEVEL_DEFAULT;
    /* 1M words apart cost 2 analogy points on the 17M-word corpus (2 replicas, seed 1);
     * 100k, 0.6 on average over seeds 1-3 (README): on a slow network, raise it */
    o->rs.sync_words = 100000;
    cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    check_args(o, argc, argv);
    o->argc = argc;
    o->argv = argv;
}

/* The options' combinations checked and their defaults that depend on others. */
static void
check_args(struct opts *o, int argc, char **argv)
{
    if (argc - optind > 1 && !o->mpi)
        cli_die(RV_USAGE, "%d inputs: one token, windows or spans stream (several only with "
                "--mpi, a file per rank; concatenate them with cat otherwise)", argc - optind);
    o->input = optind < argc ? argv[optind] : NULL;
    if (argc - optind > 1) {
        o->inputs = argv + optind; /* the rank picks its own in mpi_start */
        o->ninputs = argc - optind;
    }
    if (o->vocab == NULL)
        cli_die(RV_USAGE, "a vocabulary is required (-v FILE)");
    if (o->p.negative == 0 && !o->p.hs)
        cli_die(RV_USAGE, "-n 0 needs --hs: nothing would be trained");
    if (o->p.cbow && !o->alpha_set)
        o->p.alpha = 0.05f; /* word2vec.c's CBOW default */
    if (o->buckets_set && o->p.maxn == 0)
        cli_die(RV_USAGE, "--buckets needs --subwords");
    if (o->p.maxn > 0) {
        if (o->p.cbow || o->p.hs)
            cli_die(RV_USAGE, "--subwords trains skip-gram with negative sampling only "
                              "(not --cbow, --cbow-sum or --hs, yet)");
        if (o->mpi || o->rs.deterministic)
            cli_die(RV_USAGE, "--subwords does not support --mpi or --deterministic yet");
        if (o->ckpt != NULL || o->resume != NULL)
            cli_die(RV_USAGE, "--subwords does not support --checkpoint or --resume yet");
        if (!o->buckets_set)
            o->p.buckets = SUB_BUCKETS;
        if (!o->alpha_set)
            o->p.alpha = 0.05f; /* fastText's default */
        if (!o->power_set)
            o->p.ns_power = 0.5; /* fastText's noise distribution: count^0.5 (loss.cc) */
        if (o->p.negative >= W2V_BATCH_MAX_T)
            cli_die(RV_USAGE, "--subwords takes at most %d negatives, not -n %u",
                    W2V_BATCH_MAX_T - 1, o->p.negative);
    }
    /* negative sampling shares negatives (skip-gram: per window, CBOW: per batch of
     * windows) unless told not to */
    const uint32_t max_shared = W2V_BATCH_MAX_T - 1; /* the centre takes one slot */
    o->p.shared_neg = o->shared_set > 0
                      || (o->shared_set == 0 && !o->p.hs && o->p.negative > 0
                          && o->p.negative <= max_shared);
    /* subwords: fastText's k negatives per context unless told to share them; one set
     * shared by the window trained 11 analogy points worse (39.07% against 50.50% on the
     * 17M-word corpus) */
    if (o->p.maxn > 0 && o->shared_set == 0)
        o->p.shared_neg = 0;
    if (o->shared_set > 0 && (o->p.hs || o->p.negative == 0))
        cli_die(RV_USAGE, "--shared-negatives is for negative sampling without --hs only");
    if (o->shared_set > 0 && o->p.negative > max_shared)
        cli_die(RV_USAGE, "--shared-negatives takes at most %u negatives, not -n %u "
                "(more train with --exact-updates, the default above %u)",
                max_shared, o->p.negative, max_shared);
    if (o->merge_set && !o->mpi)
        cli_die(RV_USAGE, "--merge needs --mpi");
    if (o->sync_set && !o->mpi && !o->rs.deterministic)
        cli_die(RV_USAGE, "--sync-words needs --deterministic or --mpi");
    if ((o->ckpt_words || o->ckpt_secs) && o->ckpt == NULL)
        cli_die(RV_USAGE, "--checkpoint-every needs --checkpoint FILE");
    if (o->ckpt != NULL && !o->ckpt_words && !o->ckpt_secs)
        o->ckpt_secs = 600;
    /* refuse before training, not after (cli_out_open checks again at the end) */
    cli_out_refuse_tty(o->out, w2v_train_out_kind(o->format), o->force);
}

int
w2v_train_progress(void *arg, const struct w2v_stats *s)
{
    struct state *st = arg;
    /* --mpi: this rank's share times the ranks, the global progress */
    const uint64_t words = w2v_plan_words_at(&st->plan, &s->pos) * st->ranks;
    if (s->loss_n > st->last_loss_n) {
        const double l = (s->loss - st->last_loss) / (double)(s->loss_n - st->last_loss_n);
        st->ema_loss = st->ema_loss == 0 ? l : 0.95 * st->ema_loss + 0.05 * l;
        st->last_loss = s->loss;
        st->last_loss_n = s->loss_n;
    }
    const double now = cli_now(), el = now - st->prog.t0;
    const double here = words > st->prog.base ? (double)(words - st->prog.base) : 0;
    const double wps = el > 0 ? here / el / st->o->threads / st->ranks : 0;
    char extra[128];
    snprintf(extra, sizeof extra, "%.1fk words/s/thread lr %.6f loss %.4f", wps / 1e3,
             (double)s->lr, st->ema_loss);
    cli_progress_update(&st->prog, words, st->plan.total_words, extra);
    /* from tokens the count is w2v-train's own: replayed with one generator (deterministic
     * threads draw from their own, so the count is off by a few windows) or estimated (a
     * pipe, Hogwild threads); only a windows or spans header can have promised wrongly, and
     * pairs' estimate on a pipe is passed by chance by a few windows (w2v_plan_overrun) */
    if (w2v_plan_overrun(&st->plan, s->pos.records, s->total_records) && !st->overrun
        && !st->o->mpi && !st->plan.counted_here) {
        st->overrun = 1; /* a pipe or spans: known only now */
        if (st->plan.estimated)
            cli_warn("%s: more windows than the %llu the header's expected_records "
                     "estimated, by more than the %llu chance allows (a vocabulary counted "
                     "on another corpus, or streams concatenated?): the learning rate stays at "
                     "its floor from here",
                     cli_name(st->o->input), (unsigned long long)s->total_records,
                     (unsigned long long)w2v_plan_slack(&st->plan, s->total_records));
        else
            cli_warn("%s: more windows than the %llu the header's expected_records promised "
                     "(streams concatenated?): the learning rate stays at its floor from here",
                     cli_name(st->o->input), (unsigned long long)s->total_records);
    }
    if (st->log != NULL && (now - st->t_log >= 1.0 || st->final)) {
        st->t_log = now;
        fprintf(st->log, "%.3f\t%u\t%llu\t%llu\t%.8f\t%.6f\t%.0f\n", el, s->pos.pass,
                (unsigned long long)words, (unsigned long long)s->pos.records, (double)s->lr,
                st->ema_loss, wps * st->o->threads * st->ranks);
    }
    return !st->final && st->o->ckpt != NULL
           && w2v_pace_due(&st->pace, w2v_plan_words(&st->plan, s->queued), now);
}

/* The last progress figures and log line, after every worker has finished: no checkpoint at
 * the very end. */
int
w2v_train_final(void *arg, const struct w2v_stats *s)
{
    struct state *st = arg;
    st->final = 1;
    w2v_train_progress(arg, s);
    return WP_OK;
}

/* --format txt and bin cannot hold a word with whitespace: say so before training, naming
 * the vocabulary, rather than failing on the output afterwards. */
void
w2v_train_check_words(const struct vocab *v, const char *path, int format)
{
    uint32_t id;
    if (!w2v_words_writable(v, &id))
        cli_die(RV_DATA, "%s: word %u '%s' is empty or holds whitespace: --format %s "
                "cannot hold it (--format stream can)", path, id, vocab_word(v, id, NULL),
                format == FMT_TXT ? "txt" : "bin");
}

/* A checkpoint w2v_resume_read refused, said as the tool says it. */
_Noreturn void
w2v_train_die_resume(const char *path, const struct w2v_resume *r,
                     const struct w2v_resume_err *e)
{
    switch (e->fail) {
    case W2V_RESUME_PARAMS:
        cli_die(RV_DATA, "%s: not a w2v-train checkpoint (%s)", path, wp_strerror(e->status));
    case W2V_RESUME_SIZE:
        cli_die(RV_DATA, "%s: checkpoint: header declares %u x %u weights, more than the rest "
                "of the file can hold", path, e->n, e->dim);
    case W2V_RESUME_RANGE:
        cli_die(RV_DATA, "%s: checkpoint's %s %llu is out of range (%llu to %llu)", path,
                e->key, (unsigned long long)e->value, (unsigned long long)e->lo,
                (unsigned long long)e->hi);
    case W2V_RESUME_SAMPLE:
        cli_die(RV_DATA, "%s: checkpoint's sample %g is out of range (0 to 1)", path,
                e->sample);
    case W2V_RESUME_PASS:
        cli_die(RV_DATA, "%s: checkpoint's pass %u is not below its epochs %u", path,
                r->pos.pass, r->run.epochs);
    default:
        cli_die(RV_DATA, "%s: checkpoint was made with another vocabulary", path);
    }
}

/* A run w2v_run failed, said as the tool says it. */
_Noreturn void
w2v_train_die_run(int rc, enum w2v_stage where, struct rec_reader *rd, const char *input,
                  const struct w2v_bad_record *bad)
{
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    /* the reader reads ahead (prefetch): the engine knows which record it refused */
    if (where == W2V_AT_RECORD && bad->msg[0] != '\0')
        cli_die(RV_DATA, "%s: record %llu: %s", cli_name(input),
                (unsigned long long)bad->record, bad->msg);
    if (where == W2V_AT_RECORD)
        cli_die_status(WP_ECORRUPT, "%s: record %llu", cli_name(input),
                       (unsigned long long)bad->record);
    if (where == W2V_AT_INPUT) {
        const char *d = rec_reader_detail(rd);
        if (d != NULL)
            cli_die(cli_exit_code(rc), "%s: %s: %s", cli_name(input), rec_reader_where(rd), d);
        cli_die_status(rc, "%s: %s", cli_name(input), rec_reader_where(rd));
    }
    cli_die(RV_FAIL, "%s: %s", w2v_stage_name(where),
            rc == WP_EIO ? strerror(errno) : wp_strerror(rc));
}

/* What made w2v_plan_make fail, or its warning, said as the tool says it. */
void
w2v_train_plan_report(const struct opts *o, int rc, const struct w2v_plan *p, int kind,
                      uint64_t counted)
{
    if (rc < 0 && p->fail == W2V_PLAN_SUBSAMPLE)
        cli_die(RV_FAIL, "%s", wp_strerror(rc));
    if (p->fail == W2V_PLAN_EPOCHS)
        cli_die(RV_USAGE, "-e %u: the stream holds %llu epochs; use a multiple", o->rs.epochs,
                (unsigned long long)p->stream_epochs);
    if (p->fail == W2V_PLAN_NO_EXPECTED)
        cli_die(RV_DATA, "%s: stream has no expected_records metadata", cli_name(o->input));
    if (p->fail == W2V_PLAN_EMPTY)
        cli_die(RV_DATA, "%s: the %s stream holds no windows: nothing to train on, no "
                "model written", cli_name(o->input), rec_kind_name(kind));
    if (p->warn)
        cli_warn("%s: %llu windows, not the %llu of the header's expected_records "
                 "(streams concatenated?): the learning rate follows the %llu",
                 cli_name(o->input), (unsigned long long)counted,
                 (unsigned long long)p->header_records, (unsigned long long)counted);
}

/* The log's header and the progress line, from where a resumed run starts. */
void
w2v_train_progress_start(const struct opts *o, struct state *st, const struct w2v_pos *pos)
{
    const uint64_t start = w2v_plan_words_at(&st->plan, pos);
    st->log = cli_log_open(o->log);
    cli_log_start(st->log, o->log, o->resume != NULL,
                  "seconds\tepoch\twords\twindows\tlr\tloss\twords_per_sec");
    cli_progress_start(&st->prog, "words", o->quiet);
    st->prog.base = start;   /* --resume: the rate and ETA of this run's words */
    st->t_log = st->prog.t0;
    w2v_pace_start(&st->pace, o->ckpt_words, o->ckpt_secs, start, st->prog.t0);
}
