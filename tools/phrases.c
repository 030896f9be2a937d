/* phrases - token streams in, token streams out with frequent collocations joined by '_'
 * (new_york), learned from word and pair counts as word2phrase does, or with gensim's
 * normalised PMI. Three modes: learn and apply in one run (the default: the inputs are read
 * passes + 1 times, a pipe through a spool file), --learn (write the phrase table), and
 * --apply TABLE (join a learned table's phrases in any token stream). Counting, scoring and
 * joining are lib/text/phrase_count and lib/text/phrase_table, the steps of a run around
 * them lib/text/phrase_run. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/buf.h"
#include "common/spool.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "stream/rec_prefetch.h"
#include "stream/rec_writeahead.h"
#include "text/phrase_count.h"
#include "text/phrase_run.h"
#include "text/phrase_table.h"

enum { W2P_THRESHOLD = 100 }; /* word2phrase's default; npmi's is 0.5 */
#define NPMI_THRESHOLD 0.5

struct input {
    const char *path;
    FILE *spool; /* a copy of a pipe, to read it again; NULL for a regular file */
};

struct phrases_cli {
    struct input *in;
    size_t nin;
    const char *output, *apply;
    const char *threshold; /* --threshold as given, parsed once --scoring is known */
    struct phrase_settings s; /* the learning settings, and which were given */
    uint64_t memory;          /* 0: no bound */
    int learn, force, quiet, level;
};

static const char *const scoring_names[] = {"word2phrase", "npmi"}; /* enum phrase_scoring */

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [-M size] [-m min_count] [-o file] [-z level] [--delta d]\n"
            "               [--passes n] [--scoring word2phrase|npmi] [--threshold t]\n"
            "               [--learn | --apply table] [file ...]\n",
            cli_progname);
    exit(status);
}

static void
add_input(struct phrases_cli *o, const char *path)
{
    o->in = cli_reallocarray(o->in, o->nin + 1, sizeof *o->in);
    o->in[o->nin].path = path;
    o->in[o->nin++].spool = NULL;
}

#define AT(m) CLI_AT(struct phrases_cli, m)
#define SET(m) CLI_ALSO(struct phrases_cli, m, 1)
static const struct cli_opt options[] = {
    {"apply", 0, CLI_OPT_STR, AT(apply)},
    {"delta", 0, CLI_OPT_DOUBLE, AT(s.p.delta), .dlo = 0, .dhi = 1e18, SET(s.set_delta)},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"learn", 0, CLI_OPT_FLAG, AT(learn)},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"memory", 'M', CLI_OPT_SIZE, AT(memory), .lo = (uint64_t)1 << 20},
    {"min-count", 'm', CLI_OPT_U64, AT(s.p.min_count), .lo = 1, .hi = UINT32_MAX,
     SET(s.set_min_count)},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"passes", 0, CLI_OPT_U64, AT(s.passes), .lo = 1, .hi = PHRASE_MAX_PASSES,
     SET(s.set_passes)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"scoring", 0, CLI_OPT_ENUM, AT(s.p.scoring), .names = scoring_names, .nnames = 2,
     SET(s.set_scoring)},
    {"threshold", 0, CLI_OPT_STR, AT(threshold)}, /* read once --scoring is known */
    {"version", 'V', .kind = CLI_OPT_VERSION},
};
#undef AT
#undef SET

static void
parse_args(struct phrases_cli *o, int argc, char **argv)
{
    int stdin_seen = 0;
    memset(o, 0, sizeof *o);
    o->s.p.min_count = 5;
    o->s.passes = 1;
    o->level = REC_LEVEL_DEFAULT;
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (o->learn && o->apply != NULL)
        cli_die(RV_USAGE, "--learn and --apply exclude each other");
    if (o->apply != NULL && o->memory != 0)
        cli_die(RV_USAGE, "-M bounds counting, which --apply does not do");
    if (o->threshold != NULL) {
        o->s.set_threshold = 1;
        o->s.p.threshold = o->s.p.scoring == PHRASE_NPMI
                             ? cli_parse_double(o->threshold, "--threshold", -1, 1)
                             : cli_parse_double(o->threshold, "--threshold", -1e300, 1e300);
    } else {
        o->s.p.threshold = o->s.p.scoring == PHRASE_NPMI ? NPMI_THRESHOLD : W2P_THRESHOLD;
    }
    if (o->s.set_delta && o->s.p.scoring == PHRASE_NPMI)
        cli_die(RV_USAGE, "--delta is word2phrase's discount; npmi scoring has none");
    if (!o->s.set_delta)
        o->s.p.delta = o->s.p.scoring == PHRASE_NPMI ? 0 : (double)o->s.p.min_count;
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 && stdin_seen++)
            cli_die(RV_USAGE, "standard input given twice");
        add_input(o, argv[i]);
    }
    if (o->nin == 0)
        add_input(o, "-");
}

/* ------------------------------------------------------------ inputs */

/* A pipe (or standard input, or a FIFO named on the line) is copied whole to a spool
 * file, so that learning can read it once per pass and applying once more. */
static void
spool_input(struct input *in)
{
    FILE *fp = cli_open_in(in->path);
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && fp != stdin) {
        cli_close_in(fp);
        return;
    }
    in->spool = cli_spool_create("phrases");
    int at_input;
    if (spool_copy(in->spool, fp, &at_input) < 0)
        cli_die(RV_FAIL, "%s: %s", at_input ? cli_name(in->path) : "spool", strerror(errno));
    cli_close_in(fp);
}

/* The bytes of an input, for the progress percent: its spool's, else the file's (0: a pipe,
 * unknown). */
static uint64_t
input_size(const struct input *in)
{
    struct stat st;
    if (in->spool == NULL)
        return cli_input_size(in->path);
    return fstat(fileno(in->spool), &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Their sum, 0 when one is unknown. */
static uint64_t
inputs_size(const struct phrases_cli *o)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < o->nin; i++) {
        const uint64_t size = input_size(&o->in[i]);
        if (size == 0)
            return 0;
        sum += size;
    }
    return sum;
}

static FILE *
open_input(const struct input *in)
{
    if (in->spool == NULL)
        return cli_open_in(in->path);
    if (spool_rewind(in->spool) < 0)
        cli_die(RV_FAIL, "spool: %s", strerror(errno));
    return in->spool;
}

static void
close_input(const struct input *in, FILE *fp)
{
    if (fp != in->spool)
        cli_close_in(fp);
}

/* One read of every input: each sentence, after the first `apply` passes of t, goes to
 * fn. first_meta, if set, is called with the first input's metadata before any sentence. */
struct reader_ctx {
    const struct phrases_cli *o;
    const struct phrase_table *t;
    unsigned apply;             /* passes of t to apply before fn */
    struct phrase_sent *sent;   /* apply + 1 sentences: decoded, then after each pass */
    struct cli_progress prog;
    uint64_t tokens, total;     /* tokens read; expected (0 = unknown) */
    char extra[64];
};

typedef void (*sentence_fn)(void *ctx, const struct phrase_sent *s);
typedef void (*meta_fn)(void *ctx, const struct rec_meta *m);

static void
read_all(struct reader_ctx *r, sentence_fn fn, meta_fn first_meta, void *ctx)
{
    const unsigned char *rec;
    size_t len;
    int rc;
    uint64_t before = 0; /* bytes of the inputs read, for the percent when no total is known */
    r->prog.in_size = inputs_size(r->o);
    for (size_t i = 0; i < r->o->nin; i++) {
        const struct input *in = &r->o->in[i];
        const uint64_t size = input_size(in); /* stdin's, before it is read */
        FILE *fp = open_input(in);
        struct rec_reader *rd = cli_reader_open(fp, in->path, REC_TOKENS);
        struct rec_prefetch *pf;
        if (i == 0 && first_meta != NULL)
            first_meta(ctx, rec_reader_meta(rd));
        if (rec_prefetch_start(&pf, rd) < 0)
            cli_die_nomem();
        while ((rc = rec_prefetch_next(pf, &rec, &len)) == 1) {
            const struct phrase_sent *s;
            if ((rc = phrase_run_join(r->t, r->apply, r->sent, rec, len, &s)) < 0) {
                rec_prefetch_stop(pf);
                if (rc == WP_ENOMEM)
                    cli_die_nomem();
                cli_die_record(rd, in->path, rc);
            }
            r->tokens += r->sent[0].n;
            fn(ctx, s);
            if (r->total > 0)
                cli_progress_update(&r->prog, r->tokens, r->total, r->extra);
            else
                cli_progress_update_read(&r->prog, r->tokens,
                                         before + rec_prefetch_packed_bytes(pf), r->extra);
        }
        rec_prefetch_stop(pf);
        if (rc < 0)
            cli_die_reader(rd, in->path, rc);
        rec_reader_free(rd);
        close_input(in, fp);
        before += size;
    }
}

/* ------------------------------------------------------------ learning */

static void
count_sentence(void *ctx, const struct phrase_sent *s)
{
    const int rc = phrase_counter_add(ctx, s->tok, s->len, s->n);
    if (rc < 0)
        cli_die_status(rc, "counting");
}

static void
fmt_count(char *s, size_t n, uint64_t v)
{
    if (v >= 1000000)
        snprintf(s, n, "%.1fM", (double)v / 1e6);
    else if (v >= 1000)
        snprintf(s, n, "%.1fk", (double)v / 1e3);
    else
        snprintf(s, n, "%" PRIu64, v);
}

/* Counts pass k (0-based) over the inputs with passes 0..k-1 applied, and keeps its
 * phrases in t. Returns the tokens read. */
static uint64_t
learn_pass(const struct phrases_cli *o, struct phrase_table *t, unsigned k,
           struct phrase_sent *sent, uint64_t expected)
{
    struct phrase_counter *c;
    struct reader_ctx r = {.o = o, .t = t, .apply = k, .sent = sent, .total = expected};
    if (phrase_counter_create(&c, (size_t)o->memory) < 0)
        cli_die_nomem();
    snprintf(r.extra, sizeof r.extra, "(pass %u/%u: counting)", k + 1, o->s.passes);
    cli_progress_start(&r.prog, "tokens", o->quiet);
    read_all(&r, count_sentence, NULL, c);
    if (phrase_run_keep(t, k, c) < 0)
        cli_die_nomem();
    char tok[16], pairs[16], mem[16];
    fmt_count(tok, sizeof tok, phrase_counter_tokens(c));
    fmt_count(pairs, sizeof pairs, phrase_counter_pairs(c));
    fmt_count(mem, sizeof mem, phrase_counter_memory(c));
    cli_progress_end(&r.prog, r.tokens, r.extra);
    if (!o->quiet) {
        cli_warn("pass %u: %" PRIu32 " phrases from %s tokens (%" PRIu64 " words, %s pairs, "
                 "%sB)", k + 1, phrase_table_size(t, k), tok, phrase_counter_words(c),
                 pairs, mem);
        if (phrase_counter_pruned(c) > 0)
            cli_warn("pass %u: approximate: -M pruned pairs seen up to %" PRIu64 " times",
                     k + 1, phrase_counter_pruned(c));
    }
    phrase_counter_free(c);
    return r.tokens;
}

static struct phrase_table *
learn(const struct phrases_cli *o, struct phrase_sent *sent, uint64_t *tokens)
{
    struct phrase_table *t;
    if (phrase_table_create(&t, o->s.passes, &o->s.p) < 0)
        cli_die_nomem();
    *tokens = 0;
    for (unsigned k = 0; k < o->s.passes; k++)
        *tokens = learn_pass(o, t, k, sent, *tokens);
    if (phrase_table_sort(t) < 0)
        cli_die_nomem();
    return t;
}

static void
write_table(const struct phrases_cli *o, const struct phrase_table *t, uint64_t tokens,
            struct cli_out *out)
{
    struct rec_meta *m = rec_meta_new();
    if (m == NULL || phrase_table_meta(t, m) < 0 ||
        rec_meta_set_u64(m, "total_tokens", tokens) < 0)
        cli_die_nomem();
    struct rec_writer *w = cli_writer_open(out, REC_VOCAB, m, o->level);
    const int rc = phrase_table_write(t, w);
    if (rc < 0)
        cli_out_die(out, rc);
    cli_writer_close(w, out);
    rec_meta_free(m);
}

/* ------------------------------------------------------------ applying */

/* --apply: the table, checked against any learning setting given on the line. */
static struct phrase_table *
load_table(const struct phrases_cli *o)
{
    FILE *fp = cli_open_in(o->apply);
    struct rec_reader *r = cli_reader_open(fp, o->apply, REC_VOCAB);
    const char *name = o->apply;
    char why[160];
    int rc = phrase_run_check(rec_reader_meta(r), &o->s, why, sizeof why);
    if (rc == WP_ENOTFOUND)
        cli_die(RV_DATA, "%s: not a phrase table (no phrase_passes metadata; a vocabulary?)",
                name);
    if (rc == WP_EFORMAT)
        cli_die(RV_DATA, "%s: %s", name, why);
    if (rc < 0)
        cli_die(RV_DATA, "%s: header: bad phrase table metadata", name);
    struct phrase_table *t;
    if ((rc = phrase_table_read(&t, r)) < 0) {
        if (rc == WP_ENOMEM)
            cli_die_nomem();
        if (rc == WP_ECORRUPT && rec_reader_detail(r) == NULL)
            cli_die(RV_DATA, "%s: the phrases do not match phrase_pass_sizes, or one is "
                    "listed twice", name);
        cli_die(RV_DATA, "%s: %s: %s", name, rec_reader_where(r),
                rec_reader_detail(r) ? rec_reader_detail(r) : wp_strerror(rc));
    }
    rec_reader_free(r);
    cli_close_in(fp);
    return t;
}

struct apply_ctx {
    const struct phrases_cli *o;
    const struct phrase_table *t;
    struct cli_out *out;
    struct rec_writer *w;
    struct rec_writeahead *wa; /* compresses and writes on its own thread */
    struct buf rec;
    uint64_t out_tokens;
};

static void
open_output(void *ctx, const struct rec_meta *in)
{
    struct apply_ctx *a = ctx;
    struct rec_meta *m = rec_meta_new();
    if (m == NULL || phrase_run_tokens_meta(m, in, a->t) < 0)
        cli_die_nomem();
    a->w = cli_writer_open(a->out, REC_TOKENS, m, a->o->level);
    rec_meta_free(m);
    if (rec_writeahead_start(&a->wa, a->w) < 0)
        cli_die_nomem();
}

static void
write_sentence(void *ctx, const struct phrase_sent *s)
{
    struct apply_ctx *a = ctx;
    buf_clear(&a->rec);
    if (rec_tokens_encode(&a->rec, s->tok, s->len, s->n) < 0)
        cli_die_nomem();
    const int rc = rec_writeahead_put(a->wa, a->rec.p, a->rec.len);
    if (rc < 0)
        cli_out_die(a->out, rc);
    a->out_tokens += s->n;
}

static void
apply(const struct phrases_cli *o, const struct phrase_table *t, struct phrase_sent *sent,
      uint64_t expected, struct cli_out *out)
{
    struct apply_ctx a = {.o = o, .t = t, .out = out};
    struct reader_ctx r = {.o = o, .t = t, .apply = phrase_table_passes(t), .sent = sent,
                           .total = expected};
    snprintf(r.extra, sizeof r.extra, "(joining)");
    cli_progress_start(&r.prog, "tokens", o->quiet);
    read_all(&r, write_sentence, open_output, &a);
    cli_progress_end(&r.prog, r.tokens, r.extra);
    const int rc = rec_writeahead_stop(a.wa);
    if (rc < 0)
        cli_out_die(a.out, rc);
    cli_writer_close(a.w, a.out);
    buf_free(&a.rec);
    if (!o->quiet) {
        char nin[16], nout[16];
        fmt_count(nin, sizeof nin, r.tokens);
        fmt_count(nout, sizeof nout, a.out_tokens);
        cli_warn("%s tokens in, %s out", nin, nout);
    }
}

/* No input or table replaced by the output (cli_paths_distinct). */
static void
check_paths(const struct phrases_cli *o)
{
    struct cli_path *p = cli_mallocarray(o->nin + 2, sizeof *p);
    p[0] = (struct cli_path){o->output != NULL ? o->output : "-", "-o", 1, 0};
    p[1] = (struct cli_path){o->apply, "the table (--apply)", 0, 0};
    for (size_t i = 0; i < o->nin; i++)
        p[i + 2] = (struct cli_path){o->in[i].path, "an input", 0, 0};
    cli_paths_distinct(p, o->nin + 2);
    free(p);
}

int
main(int argc, char **argv)
{
    struct phrases_cli o;
    struct phrase_sent sent[PHRASE_MAX_PASSES + 1];
    struct phrase_table *t;
    struct cli_out out;
    uint64_t tokens = 0;

    cli_init(argv[0]);
    parse_args(&o, argc, argv);
    check_paths(&o);
    memset(sent, 0, sizeof sent);
    if (o.apply != NULL) {
        t = load_table(&o);
        cli_out_open(&out, o.output, 1, o.force);
    } else {
        cli_out_open(&out, o.output, 1, o.force); /* a terminal is refused before the work */
        if (!o.learn || o.s.passes > 1)
            for (size_t i = 0; i < o.nin; i++)
                spool_input(&o.in[i]);
        t = learn(&o, sent, &tokens);
    }
    if (o.learn)
        write_table(&o, t, tokens, &out);
    else
        apply(&o, t, sent, tokens, &out);
    for (size_t i = 0; i <= PHRASE_MAX_PASSES; i++)
        phrase_sent_free(&sent[i]);
    for (size_t i = 0; i < o.nin; i++)
        if (o.in[i].spool != NULL)
            fclose(o.in[i].spool);
    phrase_table_free(t);
    free(o.in);
    cli_close_stdout();
    return RV_OK;
}
