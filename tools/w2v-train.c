/* w2v-train - train word2vec (skip-gram or CBOW; negative sampling and/or hierarchical
 * softmax) from a windows or spans stream made by pairs(1), or from a token stream plus its
 * vocabulary (it then windows the sentences itself, exactly as pairs would). Windows from
 * pairs --from-text have their own context vocabulary (--context-vocab): word2vecf. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/dist.h"
#include "common/status.h"
#include "cli_blas.h"
#include "kernels/blas.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"
#include "text/window.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"
#include "w2v/w2v.h"
#include "w2v/w2v_out.h"
#include "w2v/w2v_pace.h"
#include "w2v/w2v_plan.h"
#include "w2v/w2v_resume.h"
#include "w2v/w2v_sync.h"

enum { FMT_STREAM, FMT_TXT, FMT_BIN, FMT_FASTTEXT };

static int
out_kind(int format)
{
    return format == FMT_STREAM ? CLI_OUT_STREAM : format == FMT_TXT ? CLI_OUT_TEXT : CLI_OUT_BINARY;
}
enum { SUB_BUCKETS = 2000000 }; /* fastText's -bucket default */
enum { EPOCHS_MAX = 100000, WINDOW_MAX = 1000 }; /* -e and -w, and a checkpoint's */

struct opts {
    struct w2v_params p;
    struct window_cfg wcfg;
    uint32_t epochs, threads;
    int epochs_set, alpha_set, format, force, quiet, level;
    int shared_set;        /* --shared-negatives 1, --exact-updates -1, default 0 */
    int buckets_set, power_set;
    int mpi;               /* --mpi: one replica per MPI rank */
    int deterministic;     /* --deterministic: one replica per thread, merged in order */
    uint64_t sync_words;   /* --sync-words: words per replica between merges */
    int sync_set, merge_set;
    int merge_mean;        /* --merge mean: average the replicas, else add their changes */
    const char *vocab, *cvocab, *out, *context, *ckpt, *resume, *log, *input;
    char **inputs;         /* --mpi: one input file per rank, or NULL */
    int ninputs;
    int any_input;        /* --any-input: resume on another input on purpose */
    uint64_t ckpt_words;  /* --checkpoint-every Nw: raw words */
    double ckpt_secs;     /* --checkpoint-every Ns/Nm/Nh: seconds */
};

/* What the callbacks need while training. */
struct state {
    const struct opts *o;
    struct w2v_model *m;
    const struct vocab *v, *cv; /* cv: the context vocabulary, NULL without */
    struct rec_meta *extra;  /* run settings saved into checkpoints */
    struct cli_progress prog;
    FILE *log;
    uint32_t threads;
    double words_per_record; /* windows input: raw words per window, for progress */
    uint64_t total_words, last_loss_n;
    int overrun;             /* warned that the input holds more windows than expected */
    int counted_here;        /* the window count is w2v-train's own (tokens), not a header's */
    double last_loss, ema_loss, t_log;
    struct w2v_pace pace;    /* --checkpoint-every */
    uint32_t ranks;          /* --mpi: MPI ranks, else 1 */
    struct w2v_sync *sync;   /* --mpi: merges the replicas */
};

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
    {"epochs", 'e', CLI_OPT_U64, AT(epochs), .lo = 1, .hi = EPOCHS_MAX, SET(epochs_set)},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"negative", 'n', CLI_OPT_U64, AT(p.negative), .lo = 0, .hi = 1000},
    {"output", 'o', CLI_OPT_STR, AT(out)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"sample", 's', CLI_OPT_DOUBLE, AT(wcfg.sample), .dlo = 0, .dhi = 1},
    {"threads", 't', CLI_OPT_U64, AT(threads), .lo = 1, .hi = 1024},
    {"vocab", 'v', CLI_OPT_STR, AT(vocab)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"window", 'w', CLI_OPT_U64, AT(wcfg.window), .lo = 1, .hi = WINDOW_MAX},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"sg", 0, CLI_OPT_CONST, AT(p.cbow), .val = 0},
    {"cbow", 0, CLI_OPT_FLAG, AT(p.cbow)},
    {"cbow-sum", 0, CLI_OPT_FLAG, AT(p.cbow_sum), SET(p.cbow)},
    {"hs", 0, CLI_OPT_FLAG, AT(p.hs)},
    {"exact-sigmoid", 0, CLI_OPT_FLAG, AT(p.exact_sigmoid)},
    {"shared-negatives", 0, CLI_OPT_CONST, AT(shared_set), .val = 1},
    {"exact-updates", 0, CLI_OPT_CONST, AT(shared_set), .val = -1},
    {"fixed-window", 0, CLI_OPT_FLAG, AT(wcfg.fixed)},
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
    {"sync-words", 0, CLI_OPT_U64, AT(sync_words), .lo = 1, .hi = UINT64_MAX / 1024,
     SET(sync_set)},
    {"merge", 0, CLI_OPT_ENUM, AT(merge_mean), .names = merge_names, .nnames = 2,
     .expect = "sum or mean", SET(merge_set)},
    {"deterministic", 0, CLI_OPT_FLAG, AT(deterministic)},
    {"subwords", 0, CLI_OPT_CALL, .call = opt_subwords, .arg = 1},
    {"buckets", 0, CLI_OPT_U64, AT(p.buckets), .lo = 1, .hi = INT32_MAX / 2, SET(buckets_set)},
    {"any-input", 0, CLI_OPT_FLAG, AT(any_input)},
};
#undef AT
#undef SET

static void
parse_args(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    w2v_params_default(&o->p);
    o->wcfg.window = 5;
    o->wcfg.sample = 1e-3;
    o->epochs = 5;
    o->threads = 1;
    o->level = REC_LEVEL_DEFAULT;
    /* 1M words apart cost 2 analogy points on the 17M-word corpus (2 replicas, seed 1);
     * 100k, 0.6 on average over seeds 1-3 (README): on a slow network, raise it */
    o->sync_words = 100000;
    cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    check_args(o, argc, argv);
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
        if (o->mpi || o->deterministic)
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
    if (o->sync_set && !o->mpi && !o->deterministic)
        cli_die(RV_USAGE, "--sync-words needs --deterministic or --mpi");
    if ((o->ckpt_words || o->ckpt_secs) && o->ckpt == NULL)
        cli_die(RV_USAGE, "--checkpoint-every needs --checkpoint FILE");
    if (o->ckpt != NULL && !o->ckpt_words && !o->ckpt_secs)
        o->ckpt_secs = 600;
    /* refuse before training, not after (cli_out_open checks again at the end) */
    cli_out_refuse_tty(o->out, out_kind(o->format), o->force);
}

_Static_assert((int)EPOCHS_MAX == (int)W2V_EPOCHS_MAX && (int)WINDOW_MAX == (int)W2V_WINDOW_MAX,
               "-e and -w accept what a checkpoint may hold");

/* What main's steps share: the inputs, the checkpoint resumed, the model and the engine's
 * settings. */
struct run {
    struct vocab *v, *cv;        /* cv: the context vocabulary, NULL without */
    FILE *in, *ckfp;
    struct rec_reader *rd, *ckrd; /* ckrd: --resume's checkpoint, until its weights are read */
    int kind;                    /* the input's */
    const struct rec_meta *imeta;
    struct w2v_resume res;       /* --resume: the checkpoint's header */
    struct w2v_pos pos;
    struct w2v_bad_record bad;
    struct w2v_run_cfg cfg;
    struct w2v_worker *workers;
    struct w2v_model m;
    struct state st;
};

/* The settings a checkpoint keeps and fastText's args name, from the options. */
static struct w2v_run_settings
settings(const struct opts *o)
{
    return (struct w2v_run_settings){.epochs = o->epochs, .wcfg = o->wcfg,
                                     .deterministic = o->deterministic,
                                     .sync_words = o->sync_words};
}

static int
on_checkpoint(void *arg, struct w2v_run *run)
{
    struct state *st = arg;
    struct cli_out out;
    cli_out_open(&out, st->o->ckpt, 1, 1);
    const int rc = w2v_ckpt_save(out.fp, st->m, w2v_run_workers(run), st->threads,
                                 w2v_run_pos(run), vocab_hash(st->v),
                                 st->cv != NULL ? vocab_hash(st->cv) : 0, st->extra, 1);
    if (rc < 0)
        cli_die(RV_FAIL, "%s: %s", st->o->ckpt, rc == WP_EIO ? strerror(errno) : wp_strerror(rc));
    cli_out_commit(&out);
    return WP_OK;
}

/* Raw words for n (windows input: n windows; tokens: n words). */
static uint64_t
words_of(const struct state *st, uint64_t n)
{
    return st->words_per_record > 0 ? (uint64_t)((double)n * st->words_per_record) : n;
}

/* Raw words done at p, for progress. */
static uint64_t
pos_words(const struct state *st, const struct w2v_pos *p)
{
    return words_of(st, st->words_per_record > 0 ? p->records : p->words);
}

static int
on_progress(void *arg, const struct w2v_stats *s)
{
    struct state *st = arg;
    /* --mpi: this rank's share times the ranks, the global progress */
    const uint64_t words = pos_words(st, &s->pos) * st->ranks;
    if (s->loss_n > st->last_loss_n) {
        const double l = (s->loss - st->last_loss) / (double)(s->loss_n - st->last_loss_n);
        st->ema_loss = st->ema_loss == 0 ? l : 0.95 * st->ema_loss + 0.05 * l;
        st->last_loss = s->loss;
        st->last_loss_n = s->loss_n;
    }
    const double now = cli_now(), el = now - st->prog.t0;
    const double here = words > st->prog.base ? (double)(words - st->prog.base) : 0;
    const double wps = el > 0 ? here / el / st->threads / st->ranks : 0;
    char extra[128];
    snprintf(extra, sizeof extra, "%.1fk words/s/thread lr %.6f loss %.4f", wps / 1e3,
             (double)s->lr, st->ema_loss);
    cli_progress_update(&st->prog, words, st->total_words, extra);
    /* from tokens the count is w2v-train's own: replayed with one generator (threads draw
     * from their own, so the count is off by a few windows) or estimated for a pipe; only a
     * windows or spans header can have promised wrongly */
    if (s->pos.records > s->total_records && !st->overrun && !st->o->mpi && !st->counted_here) {
        st->overrun = 1; /* a pipe or spans: known only now */
        cli_warn("%s: more windows than the %llu the header's expected_records promised "
                 "(streams concatenated?): the learning rate stays at its floor from here",
                 cli_name(st->o->input), (unsigned long long)s->total_records);
    }
    if (st->log != NULL && now - st->t_log >= 1.0) {
        st->t_log = now;
        fprintf(st->log, "%.3f\t%u\t%llu\t%llu\t%.8f\t%.6f\t%.0f\n", el, s->pos.pass,
                (unsigned long long)words, (unsigned long long)s->pos.records, (double)s->lr,
                st->ema_loss, wps * st->threads * st->ranks);
    }
    return st->o->ckpt != NULL && w2v_pace_due(&st->pace, words_of(st, s->queued), now);
}

/* The last progress figures and log line, after every worker has finished. */
static int
on_final(void *arg, const struct w2v_stats *s)
{
    struct state *st = arg;
    st->t_log = -1e9; /* the last log line is always written */
    const char *ck = st->o->ckpt;
    ((struct opts *)st->o)->ckpt = NULL; /* no checkpoint at the very end */
    on_progress(arg, s);
    ((struct opts *)st->o)->ckpt = ck;
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
    const struct w2v_run_settings rs = settings(o);
    struct cli_out out;
    cli_out_open(&out, o->out, out_kind(o->format), o->force);
    const int rc = w2v_out_model(out.fp, file_format[o->format], m, v, &rs, o->level);
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

/* --format txt and bin cannot hold a word with whitespace: say so before training, naming
 * the vocabulary, rather than failing on the output afterwards. */
static void
check_words(const struct vocab *v, const char *path, int format)
{
    uint32_t id;
    if (!w2v_words_writable(v, &id))
        cli_die(RV_DATA, "%s: word %u '%s' is empty or holds whitespace: --format %s "
                "cannot hold it (--format stream can)", path, id, vocab_word(v, id, NULL),
                format == FMT_TXT ? "txt" : "bin");
}

/* A checkpoint w2v_resume_read refused, said as the tool says it. */
static _Noreturn void
die_resume(const char *path, const struct w2v_resume *r, const struct w2v_resume_err *e)
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

/* --resume: the model settings, threads, position and run settings from the checkpoint,
 * whose reader r->ckrd is left at its weights. */
static void
read_resume(struct opts *o, struct run *r)
{
    struct w2v_resume_err err;
    r->ckfp = cli_open_in(o->resume);
    r->ckrd = cli_reader_open(r->ckfp, o->resume, REC_MODEL);
    r->res.run = settings(o);
    if (w2v_resume_read(&r->res, rec_reader_meta(r->ckrd), r->v,
                        rec_reader_raw_left_max(r->ckrd), &err) < 0)
        die_resume(o->resume, &r->res, &err);
    o->p = r->res.p;
    o->threads = r->res.threads;
    r->pos = r->res.pos;
    o->epochs = r->res.run.epochs;
    o->epochs_set = 1;
    o->wcfg = r->res.run.wcfg;
    o->deterministic = r->res.run.deterministic;
    o->sync_words = r->res.run.sync_words;
}

/* Windows from pairs --from-text: their context vocabulary (--context-vocab), checked
 * against the stream and the checkpoint; NULL for ordinary input. */
static struct vocab *
context_vocab(const struct opts *o, const struct run *r)
{
    uint64_t h;
    const char *in = cli_name(o->input);
    if (r->kind != REC_WINDOWS
        || rec_meta_get_u64(r->imeta, "context_vocab_hash", &h) != WP_OK) {
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

static void
die_run(int rc, enum w2v_stage where, struct rec_reader *rd, const char *input,
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

/* The input's fingerprint (rec_reader_fingerprint), saved in checkpoints; with --resume it
 * must be the checkpoint's (as elmo-train's data hash), unless --any-input says otherwise. */
static void
check_input(const struct opts *o, const struct run *r, uint64_t *first, uint64_t *all)
{
    const int rc = rec_reader_fingerprint(r->rd, first, all);
    if (rc < 0)
        die_run(rc, W2V_AT_INPUT, r->rd, o->input, &(struct w2v_bad_record){0});
    if (o->resume != NULL && !o->any_input && !w2v_resume_same_input(&r->res, *first, *all))
        cli_die(RV_DATA, "%s: not the input the checkpoint %s was trained on (--any-input "
                "resumes on it anyway)", cli_name(o->input), o->resume);
}

/* What made w2v_plan_make fail, or its warning, said as the tool says it. */
static void
plan_report(const struct opts *o, int rc, const struct w2v_plan *p, const struct run *r,
            uint64_t counted)
{
    if (rc < 0 && p->fail == W2V_PLAN_SUBSAMPLE)
        cli_die(RV_FAIL, "%s", wp_strerror(rc));
    if (p->fail == W2V_PLAN_EPOCHS)
        cli_die(RV_USAGE, "-e %u: the stream holds %llu epochs; use a multiple", o->epochs,
                (unsigned long long)p->stream_epochs);
    if (p->fail == W2V_PLAN_NO_EXPECTED)
        cli_die(RV_DATA, "%s: stream has no expected_records metadata", cli_name(o->input));
    if (p->fail == W2V_PLAN_EMPTY)
        cli_die(RV_DATA, "%s: the %s stream holds no windows: nothing to train on, no "
                "model written", cli_name(o->input), rec_kind_name(r->kind));
    if (p->warn)
        cli_warn("%s: %llu windows, not the %llu of the header's expected_records "
                 "(streams concatenated?): the learning rate follows the %llu",
                 cli_name(o->input), (unsigned long long)counted,
                 (unsigned long long)p->header_records, (unsigned long long)counted);
}

/* The run planned from the input's header (w2v_plan.h) into r->cfg and r->st: a token pipe
 * with one epoch is streamed with an estimated count, anything else spooled and counted
 * first; a windows file's records are counted from its blocks. */
static void
plan_run(const struct opts *o, struct run *r)
{
    struct stat sb;
    struct w2v_plan_in pin = {.kind = r->kind, .meta = r->imeta, .v = r->v,
                              .sample = o->wcfg.sample, .sample_total = o->wcfg.sample_total,
                              .window = o->wcfg.window,
                              .epochs = o->epochs, .epochs_set = o->epochs_set};
    pin.pipe = (o->input == NULL || strcmp(o->input, "-") == 0)
               && (fstat(fileno(r->in), &sb) != 0 || !S_ISREG(sb.st_mode));
    struct w2v_plan p;
    uint64_t have;
    int rc = w2v_plan_make(&p, &pin);
    if (rc == WP_OK && r->kind == REC_WINDOWS && !o->mpi
        && rec_reader_count_records(r->rd, &have) == WP_OK) {
        pin.counted = have;
        rc = w2v_plan_make(&p, &pin);
    }
    plan_report(o, rc, &p, r, pin.counted);
    r->cfg.input = p.input;
    r->cfg.passes = p.passes;
    r->cfg.wcfg.window = p.window;
    r->cfg.total_records = p.total_records;
    r->st.counted_here = p.counted_here;
    r->st.total_words = p.total_words;
    r->st.words_per_record = p.words_per_record;
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

static void
sync_failed(void)
{
    cli_die(RV_FAIL, "--mpi: rank %d: merging the replicas failed", dist_rank());
}

/* --mpi: merges the replicas (w2v_sync.h). */
static int
on_sync(void *arg, struct w2v_model *m, int done, uint64_t *records)
{
    struct state *st = arg;
    const int rc = w2v_sync_round(st->sync, m, done, records);
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
    blas_set_threads(1); /* Hogwild workers own the cores */
    if (vec_select_status() < 0)
        cli_die(RV_USAGE, "WP_KERNEL=%s: no such kernel on this machine", getenv("WP_KERNEL"));
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
        o->wcfg.sample_total = vocab_tokens_counted(r->v);
    if (o->format == FMT_TXT || o->format == FMT_BIN)
        check_words(r->v, o->vocab, o->format);
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
    r->imeta = rec_reader_meta(r->rd);
    /* spans (pairs --spans) are windows in short form: the same metadata and schedule */
    const int windows = r->kind == REC_WINDOWS || r->kind == REC_SPANS;
    uint64_t h;
    if (r->kind != REC_TOKENS && !windows)
        cli_die(RV_DATA, "%s: expected a tokens or windows stream, got %s", cli_name(o->input),
                rec_kind_name(r->kind));
    if (windows && (rec_meta_get_u64(r->imeta, "vocab_hash", &h) != WP_OK
                    || h != vocab_hash(r->v)))
        cli_die(RV_DATA, "%s: stream was made with another vocabulary", cli_name(o->input));
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

/* The engine's settings (w2v_run_cfg) and the run's plan; the settings a checkpoint keeps. */
static void
wire_run(const struct opts *o, struct run *r, uint64_t data_first, uint64_t data_all)
{
    r->st = (struct state){.o = o, .v = r->v, .cv = r->cv, .ranks = (uint32_t)dist_size()};
    r->cfg = (struct w2v_run_cfg){.rd = r->rd, .vocab = r->v, .wcfg = o->wcfg, .bad = &r->bad,
                                  .threads = o->threads, .progress = on_progress,
                                  .checkpoint = on_checkpoint, .arg = &r->st};
    if (o->mpi) {
        r->cfg.shard = (uint32_t)dist_rank();
        r->cfg.nshards = (uint32_t)dist_size();
        r->cfg.own_input = o->inputs != NULL;
        r->cfg.sync = on_sync;
    }
    if (o->mpi || o->deterministic) {
        r->cfg.sync_every = o->sync_words;
        r->cfg.deterministic = o->deterministic;
    }
    plan_run(o, r);
    const struct w2v_run_settings rs = settings(o);
    if (w2v_run_meta(&r->st.extra, &rs, r->kind, data_first, data_all) < 0)
        cli_die_nomem();
}

/* The model and its workers, fresh or restored from the checkpoint; the MPI merges. */
static void
init_model(const struct opts *o, struct run *r)
{
    int rc;
    r->workers = cli_calloc(o->threads, sizeof *r->workers);
    if ((rc = w2v_model_init_vocab(&r->m, &o->p, r->v, r->cv)) < 0)
        cli_die_usage_status(rc, "model");
    /* --mpi: the same initial weights (the seed) on every rank, but generators of their own */
    for (uint32_t t = 0; t < o->threads; t++)
        if (w2v_worker_init(&r->workers[t], &r->m, t + (uint32_t)dist_rank() * o->threads) < 0)
            cli_die_nomem();
    if (r->ckrd != NULL) {
        if ((rc = w2v_ckpt_load(r->ckrd, &r->m, r->workers, o->threads)) < 0)
            cli_die(RV_DATA, "%s: %s: %s", o->resume, rec_reader_where(r->ckrd),
                    wp_strerror(rc));
        rec_reader_free(r->ckrd);
        cli_close_in(r->ckfp);
        r->ckrd = NULL;
    }
    r->st.m = &r->m;
    r->st.threads = o->threads;
    if (o->mpi && w2v_sync_new(&r->st.sync, &r->m, o->merge_mean) < 0)
        cli_die_nomem();
    r->cfg.m = &r->m;
    r->cfg.spool = r->cfg.passes > 1 || r->cfg.total_records == 0
                       ? cli_spool_create("w2v-train") : NULL;
    r->cfg.final = on_final;
    r->cfg.prefetch = 1; /* inflate the input on a thread of its own while this one decodes */
}

/* The log's header and the progress line, from where a resumed run starts. */
static void
start_progress(const struct opts *o, struct state *st, const struct w2v_pos *pos)
{
    const uint64_t start = pos_words(st, pos);
    if (o->log != NULL && (st->log = fopen(o->log, "w")) == NULL)
        cli_die(RV_FAIL, "%s: %s", o->log, strerror(errno));
    if (st->log != NULL)
        fprintf(st->log, "seconds\tepoch\twords\twindows\tlr\tloss\twords_per_sec\n");
    cli_progress_start(&st->prog, "words", o->quiet);
    st->prog.base = start;   /* --resume: the rate and ETA of this run's words */
    st->t_log = st->prog.t0;
    w2v_pace_start(&st->pace, o->ckpt_words, o->ckpt_secs, start, st->prog.t0);
}

/* Trains to the end, then the last progress figures and the input closed. */
static void
train(const struct opts *o, struct run *r)
{
    enum w2v_stage where;
    const int rc = w2v_run(&r->cfg, r->workers, &r->pos, &where);
    if (rc < 0)
        die_run(rc, where, r->rd, o->input, &r->bad);
    /* the random initial vectors are no model: one behaviour for tokens and windows */
    if (r->pos.records == 0 && !o->mpi)
        cli_die(RV_DATA, "%s: %s: nothing to train on, no model written", cli_name(o->input),
                rec_reader_stats(r->rd)->records == 0 ? "the tokens stream holds no sentences"
                : r->pos.words == 0 ? "no token of the stream is in the vocabulary"
                                    : "subsampling (-s) dropped every token");
    uint64_t words_done = pos_words(&r->st, &r->pos);
    if (o->mpi && dist_sum_u64(&words_done, 1) < 0) /* every rank's, not rank 0's x ranks */
        sync_failed();
    cli_progress_end(&r->st.prog, words_done, NULL);
    if (o->mpi && !o->quiet) {
        uint64_t merges, sent, all;
        w2v_sync_stats(r->st.sync, &merges, &sent, &all);
        fprintf(stderr, "%s: %u MPI ranks, %llu merges of the replicas (%.1f%% of the rows "
                "changed and were sent)\n", cli_progname, r->st.ranks,
                (unsigned long long)merges, all ? 100.0 * (double)sent / (double)all : 0.0);
    }
    if (r->st.log != NULL && fclose(r->st.log) != 0)
        cli_die(RV_FAIL, "%s: %s", o->log, strerror(errno));
    rec_reader_free(r->rd);
    cli_close_in(r->in);
    if (r->cfg.spool != NULL)
        fclose(r->cfg.spool);
}

static void
free_run(const struct opts *o, struct run *r)
{
    for (uint32_t t = 0; t < o->threads; t++)
        w2v_worker_free(&r->workers[t]);
    w2v_model_free(&r->m);
    free(r->workers);
    rec_meta_free(r->st.extra);
    w2v_sync_free(r->st.sync);
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
    cli_blas_reserve(0); /* no product here, but OpenBLAS's threads start with it */
    parse_args(&o, argc, argv);
    start(&o);
    load_vocab(&o, &r);
    open_input(&o, &r, &data_first, &data_all);
    wire_run(&o, &r, data_first, data_all);
    init_model(&o, &r);
    start_progress(&o, &r.st, &r.pos);
    train(&o, &r);
    write_outputs(&o, r.v, r.cv, &r.m);
    free_run(&o, &r);
    cli_close_stdout();
    if (o.mpi)
        dist_finalize();
    return RV_OK;
}
