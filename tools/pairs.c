/* pairs - token stream + vocabulary -> word2vec training windows (one record per kept
 * center word: the center and its contexts), subsampled and shrunk as word2vec.c does,
 * for one or more epochs; or word<TAB>context text (word2vecf) -> the same stream.
 * --spans writes one record per subsampled sentence instead: each kept id with the window
 * radius drawn for it, from the same draws (a fifth of the bytes; w2v-train lists the
 * contexts itself).
 *
 * Passes: the input is read once and mapped to ids into an unlinked spool file of u32s;
 * a counting pass replays subsampling and windows from the seed to learn the exact number
 * of records, then the emitting pass replays them again from the same seed. A pipe is
 * streamed instead, with an expected count estimated from the vocabulary (meta
 * "expected_exact" 0): its first epoch as it comes, the others from the spool. The draws and records are lib/text/pairs_gen; their
 * order is written at the top of lib/text/window.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/buf.h"
#include "common/rng.h"
#include "common/spool.h"
#include "common/status.h"
#include "stream/rec.h"
#include "text/pairs_gen.h"
#include "text/pairs_text.h"
#include "text/vocab.h"
#include "text/window.h"
#include "text/window_meta.h"

enum { PAIRS_GROUP_MAX = 1000 }; /* --from-text: contexts per record before a group is split */

struct pairs_opts {
    const char *input, *vocab, *output, *vocab_out, *cvocab_out;
    uint64_t epochs, seed, min_count;
    struct window_cfg wcfg;
    int level, force, quiet, from_text, exact, min_count_set, window_set, spans;
};

struct pairs_run {
    const struct pairs_opts *o;
    struct vocab *v, *cv; /* words; contexts (--from-text only) */
    struct subsampler sub;
    struct pairs_gen g;   /* the draws and records (text/pairs_gen.h) */
    struct rec_writer *w; /* NULL while only counting */
    struct cli_out out;
    uint64_t words;   /* per epoch: in-vocabulary tokens, or groups for --from-text */
    uint64_t max_ctx; /* most contexts in one record */
    uint64_t total;   /* progress units of all epochs */
    uint64_t epoch;   /* the epoch extra[] names, + 1 (0: none yet) */
    char extra[64];
    struct cli_progress prog;
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [-e epochs] [-m min_count] [-o file] [-s sample] [-v vocab] "
            "[-w window] [-z level] [--context-vocab-out file] [--exact] [--fixed-window] "
            "[--from-text] [--seed n] [--spans] [--vocab-out file] [file]\n",
            cli_progname);
    exit(status);
}

#define AT(m) CLI_AT(struct pairs_opts, m)
static const struct cli_opt options[] = {
    {"epochs", 'e', CLI_OPT_U64, AT(epochs), .lo = 1, .hi = 100000},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"min-count", 'm', CLI_OPT_U64, AT(min_count), .lo = 1, .hi = UINT64_MAX,
     CLI_ALSO(struct pairs_opts, min_count_set, 1)},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"sample", 's', CLI_OPT_DOUBLE, AT(wcfg.sample), .dlo = 0, .dhi = 1},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"vocab", 'v', CLI_OPT_STR, AT(vocab)},
    {"window", 'w', CLI_OPT_U64, AT(wcfg.window), .lo = 1, .hi = WINDOW_MAX,
     CLI_ALSO(struct pairs_opts, window_set, 1)},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"context-vocab-out", 0, CLI_OPT_STR, AT(cvocab_out)},
    {"exact", 0, CLI_OPT_FLAG, AT(exact)},
    {"fixed-window", 0, CLI_OPT_FLAG, AT(wcfg.fixed), CLI_ALSO(struct pairs_opts, window_set, 1)},
    {"from-text", 0, CLI_OPT_FLAG, AT(from_text)},
    {"seed", 0, CLI_OPT_U64, AT(seed), .lo = 0, .hi = UINT64_MAX},
    {"spans", 0, CLI_OPT_FLAG, AT(spans)},
    {"vocab-out", 0, CLI_OPT_STR, AT(vocab_out)},
};
#undef AT

static void
parse_args(struct pairs_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->epochs = 1;
    o->seed = 1;
    o->min_count = 1;
    o->wcfg.window = 5;
    o->wcfg.sample = 1e-3;
    o->level = REC_LEVEL_DEFAULT;
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (argc - first > 1)
        cli_die(RV_USAGE, "at most one input file (use cat for several)");
    o->input = first < argc ? argv[first] : NULL;
    if (o->from_text) {
        if (o->window_set)
            cli_die(RV_USAGE, "-w and --fixed-window do not apply to --from-text");
        if (o->spans)
            cli_die(RV_USAGE, "--spans does not apply to --from-text (its contexts are not "
                              "the words around a position)");
        if (o->vocab == NULL && o->vocab_out == NULL)
            cli_die(RV_USAGE, "--from-text needs -v FILE or --vocab-out FILE "
                              "(the trainer needs the word list)");
        o->wcfg.window = 0;
        o->exact = 1;
    } else {
        if (o->vocab == NULL)
            cli_die(RV_USAGE, "a vocabulary is required (-v FILE)");
        if (o->min_count_set || o->vocab_out || o->cvocab_out)
            cli_die(RV_USAGE, "-m, --vocab-out and --context-vocab-out need --from-text");
    }
    if ((o->vocab_out && strcmp(o->vocab_out, "-") == 0) ||
        (o->cvocab_out && strcmp(o->cvocab_out, "-") == 0))
        cli_die(RV_USAGE, "vocabulary outputs must be files, not standard output");
}

/* ---- small helpers ---- */

/* Dies for a failed spool call: "spool: what" (errno's text) or "spool: truncated". */
static void
spool_check(int rc)
{
    if (rc == WP_ETRUNC)
        cli_die(RV_FAIL, "spool: truncated");
    if (rc < 0)
        cli_die(RV_FAIL, "spool: %s", strerror(errno ? errno : EIO));
}

static void
write_vocab(const char *path, const struct vocab *v, uint64_t min_count)
{
    struct cli_out o;
    struct rec_meta *m = rec_meta_new();
    if (m == NULL || rec_meta_set_u64(m, "vocab_hash", vocab_hash(v)) < 0 ||
        rec_meta_set_u64(m, "min_count", min_count) < 0)
        cli_die_nomem();
    cli_out_open(&o, path, 1, 1);
    struct rec_writer *w = cli_writer_open(&o, REC_VOCAB, m, REC_LEVEL_DEFAULT);
    const int rc = vocab_write(v, w);
    if (rc < 0)
        cli_die(RV_FAIL, "%s: %s", path, wp_strerror(rc));
    cli_writer_close(w, &o);
    rec_meta_free(m);
}

/* ---- the records (text/pairs_gen.h) to the output ---- */

static int
put_record(void *ctx, const unsigned char *rec, size_t len)
{
    struct pairs_run *run = ctx;
    cli_writer_put(run->w, &run->out, rec, len); /* exits on a write error */
    return WP_OK;
}

/* Dies for a failed generator call: out of memory, else the spool's failure. */
static void
gen_check(int rc)
{
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    spool_check(rc);
}

/* ---- tokens: read, map, spool or stream ---- */

/* Reads the tokens as ids into the spool sp (when not NULL), and generates their first
 * epoch as they come when emit (the spool gets each sentence before the draws keep part
 * of it in place). */
static void
read_tokens(struct pairs_run *run, FILE *sp, int emit)
{
    const char *path = run->o->input;
    run->prog.in_size = cli_input_size(path); /* stdin's, before it is read */
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_TOKENS);
    cli_check_tokenized(run->v, run->o->vocab, rec_reader_meta(r), path);
    const unsigned char *rec;
    size_t len;
    while (cli_reader_next(r, path, &rec, &len) == 1) {
        size_t k;
        uint64_t n;
        const int rc = vocab_record_ids(run->v, rec, len, &run->g.ids, &run->g.cap, 1, &k, &n);
        if (rc == WP_ENOMEM)
            cli_die_nomem();
        if (rc < 0)
            cli_die_record(r, path, rc);
        run->words += k;
        if (k == 0)
            continue;
        if (sp != NULL) {
            run->g.ids[0] = (uint32_t)k;
            spool_check(spool_put_u32(sp, run->g.ids, k + 1));
        }
        if (emit)
            gen_check(pairs_gen_sentence(&run->g, run->g.ids + 1, k));
        else
            run->g.done += k;
        /* streaming: the vocabulary's total tells how far along we are; reading a file
         * first: its bytes */
        if (emit)
            cli_progress_update(&run->prog, run->g.done, run->total,
                                run->o->epochs > 1 ? run->extra : NULL);
        else
            cli_progress_update_read(&run->prog, run->g.done,
                                     rec_reader_stats(r)->packed_bytes, NULL);
    }
    rec_reader_free(r);
    cli_close_in(fp);
}

/* The emitting pass's progress, naming the epoch. */
static void
epoch_progress(void *ctx, uint64_t done, uint64_t epoch)
{
    struct pairs_run *run = ctx;
    if (run->epoch != epoch + 1) {
        run->epoch = epoch + 1;
        snprintf(run->extra, sizeof run->extra, "epoch %" PRIu64 "/%" PRIu64, epoch + 1,
                 run->o->epochs);
    }
    cli_progress_update(&run->prog, done, run->total, run->extra);
}

/* ---- --from-text: word<TAB>context lines (text/pairs_text.h) ---- */

static void
text_progress(void *ctx, uint64_t pairs)
{
    struct pairs_run *run = ctx;
    run->g.done = pairs;
    cli_progress_update(&run->prog, pairs, 0, NULL);
}

/* Dies for a failed pass over the text: its line, the spool, or the input. */
static void
text_check(const struct pairs_run *run, int rc, const struct pairs_text_err *err)
{
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc == WP_EMAGIC)
        cli_die(RV_DATA, "%s: a wordpipe stream, not word<TAB>context lines (--from-text reads "
                "text; a tokens stream goes without it)", cli_name(run->o->input));
    if (rc == WP_EFORMAT)
        cli_die(RV_DATA, "%s: line %" PRIu64 ": expected word<TAB>context",
                cli_name(run->o->input), err->line);
    if (rc < 0 && err->spool)
        spool_check(rc);
    if (rc < 0)
        cli_die(RV_FAIL, "%s: %s", cli_name(run->o->input), strerror(errno));
}

static void
read_text(struct pairs_run *run, FILE *sp)
{
    const struct pairs_opts *o = run->o;
    FILE *fp = cli_open_in(o->input), *text = fp, *tsp = NULL;
    struct stat st;
    const off_t start = ftello(fp);
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || start < 0)
        text = tsp = cli_spool_create("pairs"); /* a pipe: keep the bytes for the second pass */
    if (o->vocab == NULL && vocab_create(&run->v, 1 << 16) < 0)
        cli_die_nomem();
    if (vocab_create(&run->cv, 1 << 16) < 0)
        cli_die_nomem();
    struct pairs_text_err err;
    uint64_t pairs;
    int rc = pairs_text_count(fp, tsp, o->vocab == NULL ? run->v : NULL, run->cv, &pairs,
                              text_progress, run, &err);
    text_check(run, rc, &err);
    run->g.done = pairs;
    if ((o->vocab == NULL && vocab_sort_prune(run->v, o->min_count, 0) < 0) ||
        vocab_sort_prune(run->cv, o->min_count, 0) < 0)
        cli_die_nomem();
    if (vocab_size(run->v) == 0 || vocab_size(run->cv) == 0)
        cli_die(RV_DATA, "%s: no word or no context left (of %" PRIu64 " pairs, -m %" PRIu64
                         ")", cli_name(o->input), pairs, o->min_count);
    if (tsp != NULL)
        spool_check(spool_rewind(tsp));
    else if (fseeko(fp, start, SEEK_SET) != 0)
        cli_die(RV_FAIL, "%s: %s", cli_name(o->input), strerror(errno));
    struct pairs_text_groups g;
    rc = pairs_text_group(text, run->v, run->cv, PAIRS_GROUP_MAX, sp, &g, &err);
    text_check(run, rc, &err);
    run->words = g.groups;
    run->max_ctx = g.max_ctx;
    if (tsp != NULL)
        fclose(tsp);
    cli_close_in(fp);
}

/* ---- header and main ---- */

static struct rec_meta *
make_meta(const struct pairs_run *run, uint64_t records, int exact)
{
    const struct pairs_opts *o = run->o;
    const struct window_meta wm = {.v = run->v, .cv = run->cv, .wcfg = &o->wcfg,
                                   .epochs = o->epochs, .seed = o->seed,
                                   .expected_records = records, .expected_exact = exact,
                                   .expected_words = run->words, .max_contexts = run->max_ctx};
    struct rec_meta *m = rec_meta_new();
    if (m == NULL || window_meta_put(m, &wm) < 0)
        cli_die_nomem();
    return m;
}

/* The same metadata either way: expected_records counts windows (kept positions), which a
 * spans stream holds one per (id, radius) pair. */
static int
out_kind(const struct pairs_opts *o)
{
    return o->spans ? REC_SPANS : REC_WINDOWS;
}

/* Streaming (a pipe): the header is written before the corpus is seen, so the counts come
 * from the vocabulary, assumed to be counted on this corpus. The first epoch is written as
 * the tokens come, the others replayed from a spool of them with the draws continuing:
 * the records of the counted path, without its wait for two passes over every epoch. */
static void
stream_tokens(struct pairs_run *run)
{
    const struct pairs_opts *o = run->o;
    run->words = vocab_total(run->v);
    struct rec_meta *m = make_meta(run, o->epochs * subsample_expected(&run->sub, run->v), 0);
    run->w = cli_writer_open(&run->out, out_kind(o), m, o->level);
    rec_meta_free(m);
    run->g.put = put_record;
    run->total = o->epochs * run->words;
    run->words = 0;
    FILE *sp = o->epochs > 1 ? cli_spool_create("pairs") : NULL;
    if (o->epochs > 1)
        epoch_progress(run, 0, 0);
    read_tokens(run, sp, 1);
    if (sp != NULL) {
        gen_check(pairs_gen_epochs_from(&run->g, sp, 1, o->epochs, epoch_progress, run));
        fclose(sp);
    }
}

/* The counting pass (the same draws as the emitting pass, nothing written), the header,
 * then the emitting pass. */
static void
emit_epochs(struct pairs_run *run, FILE *sp)
{
    const struct pairs_opts *o = run->o;
    run->g.groups = o->from_text;
    run->g.put = NULL;
    gen_check(pairs_gen_epochs(&run->g, sp, o->epochs, o->seed, NULL, NULL));
    struct rec_meta *m = make_meta(run, run->g.records, 1);
    if (run->out.fp == NULL)
        cli_out_open(&run->out, o->output, 1, o->force);
    run->w = cli_writer_open(&run->out, out_kind(o), m, o->level);
    rec_meta_free(m);
    run->g.put = put_record;
    run->total = o->epochs * run->words;
    cli_progress_start(&run->prog, o->from_text ? "groups" : "words", o->quiet);
    gen_check(pairs_gen_epochs(&run->g, sp, o->epochs, o->seed, epoch_progress, run));
}

/* --from-text: both passes over the text into a spool, the vocabulary outputs, then the
 * epochs from the spool. */
static void
run_text(struct pairs_run *run)
{
    const struct pairs_opts *o = run->o;
    FILE *sp = cli_spool_create("pairs");
    read_text(run, sp);
    if (o->vocab_out)
        write_vocab(o->vocab_out, run->v, o->min_count);
    if (o->cvocab_out)
        write_vocab(o->cvocab_out, run->cv, o->min_count);
    run->g.done = 0;
    if (subsample_init(&run->sub, run->v, o->wcfg.sample) < 0 ||
        pairs_gen_init(&run->g, &o->wcfg, &run->sub) < 0)
        cli_die_nomem();
    emit_epochs(run, sp);
    fclose(sp);
}

/* A token stream: streamed from a pipe for one epoch, else spooled and replayed. */
static void
run_tokens(struct pairs_run *run)
{
    const struct pairs_opts *o = run->o;
    struct stat st;
    FILE *probe = o->input == NULL || strcmp(o->input, "-") == 0 ? stdin : NULL;
    const int pipe = probe != NULL && (fstat(fileno(probe), &st) != 0 ||
                                       !S_ISREG(st.st_mode));
    if (subsample_init(&run->sub, run->v, o->wcfg.sample) < 0 ||
        pairs_gen_init(&run->g, &o->wcfg, &run->sub) < 0)
        cli_die_nomem();
    run->g.spans = o->spans;
    run->max_ctx = 2 * (uint64_t)o->wcfg.window;
    if (pipe && !o->exact) {
        stream_tokens(run);
    } else {
        FILE *sp = cli_spool_create("pairs");
        read_tokens(run, sp, 0);
        cli_progress_end(&run->prog, run->g.done, "read");
        emit_epochs(run, sp);
        fclose(sp);
    }
}

int
main(int argc, char **argv)
{
    struct pairs_opts o;
    struct pairs_run run;
    cli_init("pairs");
    parse_args(&o, argc, argv);
    const struct cli_path paths[] = {
        {o.output != NULL ? o.output : "-", "-o", 1, 0},
        {o.vocab_out, "--vocab-out", 1, 0},
        {o.cvocab_out, "--context-vocab-out", 1, 0},
        {o.input, "the input", 0, 0},
        {o.vocab, "the vocabulary (-v)", 0, 0}};
    cli_paths_distinct(paths, sizeof paths / sizeof *paths);
    memset(&run, 0, sizeof run);
    run.o = &o;
    run.g.put_ctx = &run;
    rng_seed(&run.g.rng, o.seed, 0);
    /* a file output is opened late (one pending atomic file at a time); a terminal is
     * refused before any work */
    if (o.output == NULL || strcmp(o.output, "-") == 0 || !o.from_text)
        cli_out_open(&run.out, o.output, 1, o.force);
    if (o.vocab != NULL)
        run.v = cli_vocab_load(o.vocab, 1);
    cli_progress_start(&run.prog, o.from_text ? "pairs" : "words", o.quiet);
    if (o.from_text)
        run_text(&run);
    else
        run_tokens(&run);
    cli_writer_close(run.w, &run.out);
    cli_progress_end(&run.prog, run.g.done, NULL);
    subsample_free(&run.sub);
    vocab_free(run.v);
    if (run.cv != NULL)
        vocab_free(run.cv);
    pairs_gen_free(&run.g);
    return RV_OK;
}
