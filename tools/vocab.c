/* vocab - token streams and partial vocabularies in, one exact vocabulary out: sorted by
 * count descending then bytewise, pruned by -m and -n. With -M the counting table is
 * bounded: it spills sorted runs to $TMPDIR and merges them at the end (lib/text/vocab_spill). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/bom.h"
#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/tok_meta.h"
#include "text/vocab.h"
#include "text/vocab_spill.h"
#include "vecio/w2vfmt.h"

struct input {
    const char *path;
    int text; /* a word2vec `word count` text vocabulary (--text-vocab) */
};

struct vocab_cli {
    struct input *in;
    size_t nin;
    const char *output;
    uint64_t min_count, max_words, memory; /* max_words, memory: 0 = no limit */
    int force, quiet, level, text;
};

/* The counting state shared by every input. */
struct counter {
    const struct vocab_cli *o;
    struct vocab *v;
    struct vocab_spill *spill; /* NULL without -M */
    struct cli_progress prog;
    uint64_t seen;         /* tokens read from token streams, for progress */
    uint64_t read_before;  /* bytes of the inputs read to their end, for progress */
    uint64_t total_tokens; /* every token counted, before pruning */
    int shape;              /* the inputs' shape of tokens (tok_meta.h); -1 none said yet */
    const char *shape_from; /* the first input that said it */
    int shape_unknown;      /* an input did not say (a text vocabulary, an older stream) */
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [-M size] [-m min_count] [-o file] [-z level]\n"
            "             [--max-words n] [--text-vocab file] [--text] [file ...]\n",
            cli_progname);
    exit(status);
}

static void
add_input(struct vocab_cli *o, const char *path, int text)
{
    o->in = cli_reallocarray(o->in, o->nin + 1, sizeof *o->in);
    o->in[o->nin].path = path;
    o->in[o->nin++].text = text;
}

static void
opt_text_vocab(void *o, const char *path)
{
    add_input(o, path, 1);
}

#define AT(m) CLI_AT(struct vocab_cli, m)
static const struct cli_opt options[] = {
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"text-vocab", 0, CLI_OPT_CALL, .call = opt_text_vocab, .arg = 1},
    {"from-text", 0, CLI_OPT_MOVED, .arg = 1, .moved = "--text-vocab",
     .expect = "is pairs' word<TAB>context input"},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"max-words", 0, CLI_OPT_U64, AT(max_words), .lo = 1, .hi = UINT32_MAX - 1},
    {"memory", 'M', CLI_OPT_SIZE, AT(memory), .lo = (uint64_t)1 << 18},
    {"min-count", 'm', CLI_OPT_U64, AT(min_count), .lo = 0, .hi = UINT64_MAX},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"text", 0, CLI_OPT_FLAG, AT(text)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {NULL, 'n', CLI_OPT_MOVED, .moved = "--max-words", .arg = 1},
};
#undef AT

static void
parse_args(struct vocab_cli *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->min_count = 1;
    o->level = REC_LEVEL_DEFAULT;
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    for (int i = first; i < argc; i++)
        add_input(o, argv[i], 0);
    if (o->nin == 0)
        add_input(o, "-", 0);
}

static _Noreturn void
die_status(const char *path, int rc)
{
    cli_die_status(rc, "%s", path);
}

static struct vocab *
new_table(const struct vocab_cli *o)
{
    struct vocab *v;
    /* under -M start small: the first allocation must not already pass the budget */
    if (vocab_create(&v, o->memory ? 1024 : 1 << 16) < 0)
        cli_die_nomem();
    return v;
}

/* Under -M: once the table passes its budget, it becomes a sorted run on disk. */
static void
maybe_spill(struct counter *c)
{
    if (c->spill == NULL || vocab_spill_need(c->v) <= c->o->memory)
        return;
    const int rc = vocab_spill_run(c->spill, c->v);
    if (rc < 0)
        die_status("temporary run", rc);
    vocab_free(c->v);
    c->v = new_table(c->o);
}

static void
count_word(struct counter *c, const void *w, size_t len, uint64_t n)
{
    const int rc = vocab_add(c->v, w, len, n);
    if (rc < 0)
        die_status("vocabulary", rc);
}

static void
count_tokens(struct counter *c, struct rec_reader *r, const char *path)
{
    const unsigned char *rec, *t;
    size_t len, tl;
    uint64_t n;
    struct rec_cursor cur;
    int rc;
    while (cli_reader_next(r, path, &rec, &len) == 1) {
        if ((rc = rec_tokens_open(&cur, rec, len, &n)) < 0)
            cli_die_record(r, path, rc);
        for (uint64_t i = 0; i < n; i++) {
            if ((rc = rec_cursor_bytes(&cur, &t, &tl)) < 0)
                cli_die_record(r, path, rc);
            count_word(c, t, tl, 1);
        }
        if ((rc = rec_cursor_done(&cur)) < 0)
            cli_die_record(r, path, rc);
        c->seen += n;
        c->total_tokens += n;
        cli_progress_update_read(&c->prog, c->seen,
                                 c->read_before + rec_reader_stats(r)->packed_bytes, NULL);
        maybe_spill(c);
    }
}

/* Adds every word of a partial vocabulary v to the counter. */
static void
merge_part(struct counter *c, const struct vocab *part)
{
    for (uint32_t id = 0; id < vocab_size(part); id++) {
        size_t len;
        const char *w = vocab_word(part, id, &len);
        count_word(c, w, len, vocab_count(part, id));
        if ((id & 4095) == 0)
            maybe_spill(c);
    }
    maybe_spill(c);
}

/* A vocabulary stream: read whole (rejecting a word listed twice), then merged. */
static void
count_vocab(struct counter *c, struct rec_reader *r, const char *path)
{
    struct vocab *part = new_table(c->o);
    const unsigned char *rec, *w;
    size_t len, wl;
    uint64_t n, total, kept;
    int rc;
    /* part is freed before each exit: the only pointer to it is this frame's, which an
     * optimised noreturn call may drop, and LeakSanitizer would then call it a leak */
    while (cli_reader_next(r, path, &rec, &len) == 1) {
        if ((rc = rec_vocab_decode(rec, len, &n, &w, &wl)) < 0) {
            vocab_free(part);
            cli_die_record(r, path, rc);
        }
        if (vocab_lookup(part, w, wl) >= 0) {  /* w is the reader's, not part's */
            vocab_free(part);
            cli_die(RV_DATA, "%s: %s: record %" PRIu64 ": duplicate word '%.*s'", cli_name(path),
                    rec_reader_where(r), rec_reader_record_index(r), (int)wl, w);
        }
        if ((rc = vocab_add(part, w, wl, n)) < 0) {
            vocab_free(part);
            die_status(cli_name(path), rc);
        }
    }
    c->total_tokens += vocab_total(part);
    /* a pruned partial vocabulary still knows how many tokens it saw */
    const struct rec_meta *m = rec_reader_meta(r);
    if (rec_meta_get_u64(m, "total_tokens", &total) == WP_OK &&
        rec_meta_get_u64(m, "tokens", &kept) == WP_OK && total > kept) {
        c->total_tokens += total - kept;
        /* merged with others, its dropped words are lost to the sum (documented, and maybe
         * meant, but never unsaid) */
        if (c->o->nin > 1 && !c->o->quiet)
            cli_warn("%s: a pruned vocabulary (the words of %" PRIu64 " of its %" PRIu64
                     " tokens dropped): the merge undercounts words rare in each part; count "
                     "the parts with -m 1 and prune at the merge", cli_name(path),
                     total - kept, total);
    }
    merge_part(c, part);
    vocab_free(part);
}

/* A word2vec/gensim text vocabulary: one `word count` per line. */
static void
count_text(struct counter *c, const char *path)
{
    FILE *fp = cli_open_in(path);
    struct vocab *part = new_table(c->o);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    while ((n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *word = line; /* a byte order mark is no part of the first (most frequent) word */
        if (lineno == 1) {
            const size_t bom = utf8_bom_len(line, (size_t)n);
            word += bom;
            n -= (ssize_t)bom;
        }
        if (n == 0)
            continue;
        char *sp = word + n;
        while (sp > word && sp[-1] != ' ' && sp[-1] != '\t')
            sp--;
        char *end;
        errno = 0;
        const uint64_t count = strtoull(sp, &end, 10);
        if (sp == word || sp - 1 == word || *sp < '0' || *sp > '9' || *end != '\0' || errno)
            cli_die(RV_DATA, "%s: line %" PRIu64 ": expected 'word count'", cli_name(path),
                    lineno);
        const size_t wl = (size_t)(sp - 1 - word);
        if (vocab_lookup(part, word, wl) >= 0)
            cli_die(RV_DATA, "%s: line %" PRIu64 ": duplicate word '%.*s'", cli_name(path),
                    lineno, (int)wl, word);
        if (vocab_add(part, word, wl, count) < 0)
            die_status(cli_name(path), WP_ERANGE);
    }
    if (ferror(fp))
        cli_die(RV_FAIL, "%s: %s", cli_name(path), strerror(errno));
    free(line);
    cli_close_in(fp);
    c->total_tokens += vocab_total(part);
    merge_part(c, part);
    vocab_free(part);
}

/* The shape s of the tokens an input holds (a token stream's, or the one a vocabulary says
 * it counted; -1 when it does not say) joined into c's: inputs tokenized apart are refused,
 * since the vocabulary would hold both "The" and "the" and match neither stream well; an
 * input that does not say leaves the vocabulary's shape unsaid. */
static void
note_shape(struct counter *c, int s, const char *path)
{
    if (s < 0) {
        c->shape_unknown = 1;
    } else if (c->shape < 0) {
        c->shape = s;
        c->shape_from = path;
    } else if (s != c->shape) {
        char a[96], b[96];
        tok_shape_text(s, a, sizeof a);
        tok_shape_text(c->shape, b, sizeof b);
        cli_die(RV_DATA, "%s: tokens of '%s', %s of '%s' (tokenize the inputs alike)",
                cli_name(path), a, cli_name(c->shape_from), b);
    }
}

/* A token stream or a vocabulary stream, counted into c. */
static void
count_stream(struct counter *c, const struct input *in)
{
    FILE *fp = cli_open_in(in->path);
    struct rec_reader *r = cli_reader_open(fp, in->path, 0);
    const int kind = rec_reader_kind(r);
    if (kind == REC_TOKENS)
        note_shape(c, tok_meta_shape(rec_reader_meta(r)), in->path);
    else if (kind == REC_VOCAB)
        note_shape(c, vocab_meta_tok_shape(rec_reader_meta(r)), in->path);
    if (kind == REC_TOKENS)
        count_tokens(c, r, in->path);
    else if (kind == REC_VOCAB) {
        cli_vocab_not_table(r, in->path);
        count_vocab(c, r, in->path);
    }
    else
        cli_die(RV_DATA, "%s: expected tokens or vocabulary, got %s", cli_name(in->path),
                rec_kind_name(kind));
    rec_reader_free(r);
    cli_close_in(fp);
}

static void
count_input(struct counter *c, const struct input *in)
{
    const uint64_t size = cli_input_size(in->path); /* stdin's, before it is read */
    if (in->text) {
        note_shape(c, -1, in->path);
        count_text(c, in->path);
    } else {
        count_stream(c, in);
    }
    c->read_before += size;
}

/* The bytes of all inputs, for the progress percent (0: one is a pipe). */
static uint64_t
inputs_size(const struct vocab_cli *o)
{
    const char **paths = cli_mallocarray(o->nin, sizeof *paths);
    for (size_t i = 0; i < o->nin; i++)
        paths[i] = o->in[i].path;
    const uint64_t size = cli_inputs_size(paths, o->nin);
    free(paths);
    return size;
}

struct final {
    struct vocab *v;
    uint64_t min_count, distinct;
};

static int
keep_merged(void *ctx, const void *word, size_t len, uint64_t count)
{
    struct final *f = ctx;
    f->distinct++;
    return count >= f->min_count ? vocab_add(f->v, word, len, count) : WP_OK;
}

/* Spilled runs and the table in memory become one table of the words kept by -m. */
static void
merge_spilled(struct counter *c, uint64_t *distinct)
{
    struct final f = {.min_count = c->o->min_count};
    int rc = vocab_spill_run(c->spill, c->v);
    if (rc < 0)
        die_status("temporary run", rc);
    vocab_free(c->v);
    if (!c->o->quiet)
        cli_warn("merging %zu runs (%.1f MB written to temporary files)",
                 vocab_spill_runs(c->spill), (double)vocab_spill_bytes(c->spill) / 1e6);
    f.v = new_table(c->o);
    if ((rc = vocab_spill_merge(c->spill, keep_merged, &f)) < 0)
        die_status("temporary run", rc);
    c->v = f.v;
    *distinct = f.distinct;
}

static void
write_text(const struct vocab *v, struct cli_out *out)
{
    for (uint32_t id = 0; id < vocab_size(v); id++) {
        size_t len;
        const char *w = vocab_word(v, id, &len);
        if (!w2vfmt_word_ok(w, len))
            cli_die(RV_DATA, "word %" PRIu32 " '%s' is empty or holds whitespace: it cannot "
                    "be written as a text vocabulary", id, w);
        fprintf(out->fp, "%s %" PRIu64 "\n", w, vocab_count(v, id));
    }
    cli_out_commit(out);
}

static void
write_stream(const struct counter *c, uint64_t distinct, struct cli_out *out)
{
    struct rec_meta *m = rec_meta_new();
    if (m == NULL || rec_meta_set_u64(m, "words", vocab_size(c->v)) < 0 ||
        rec_meta_set_u64(m, "tokens", vocab_total(c->v)) < 0 ||
        rec_meta_set_u64(m, "total_tokens", c->total_tokens) < 0 ||
        rec_meta_set_u64(m, "total_words", distinct) < 0 ||
        rec_meta_set_u64(m, "min_count", c->o->min_count) < 0 ||
        rec_meta_set_u64(m, "vocab_hash", vocab_hash(c->v)) < 0 ||
        (c->shape >= 0 && !c->shape_unknown
         && rec_meta_set_u64(m, VOCAB_META_TOKENIZED, (uint64_t)c->shape) < 0))
        cli_die_nomem();
    struct rec_writer *w = cli_writer_open(out, REC_VOCAB, m, c->o->level);
    const int rc = vocab_write(c->v, w);
    if (rc < 0)
        cli_die(RV_FAIL, "%s: %s", out->path ? out->path : "stdout",
                rc == WP_EIO ? strerror(errno ? errno : EIO) : wp_strerror(rc));
    cli_writer_close(w, out);
    rec_meta_free(m);
}

/* No input replaced by the output (cli_paths_distinct). */
static void
check_paths(const struct vocab_cli *o)
{
    struct cli_path *p = cli_mallocarray(o->nin + 1, sizeof *p);
    p[0] = (struct cli_path){o->output != NULL ? o->output : "-", "-o", 1, 0};
    for (size_t i = 0; i < o->nin; i++)
        p[i + 1] = (struct cli_path){o->in[i].path,
                                     o->in[i].text ? "a text vocabulary (--text-vocab)"
                                                   : "an input", 0, 0};
    cli_paths_distinct(p, o->nin + 1);
    free(p);
}

int
main(int argc, char **argv)
{
    struct vocab_cli o;
    struct counter c = {0};
    struct cli_out out;
    uint64_t distinct;

    cli_init(argv[0]);
    parse_args(&o, argc, argv);
    c.o = &o;
    c.shape = -1;
    c.v = new_table(&o);
    if (o.memory) {
        const char *dir = getenv("TMPDIR");
        if (vocab_spill_create(&c.spill, dir && *dir ? dir : "/tmp") < 0)
            cli_die_nomem();
    }
    check_paths(&o);
    cli_out_open(&out, o.output, !o.text, o.force);
    cli_progress_start(&c.prog, "tokens", o.quiet);
    c.prog.in_size = inputs_size(&o);
    for (size_t i = 0; i < o.nin; i++)
        count_input(&c, &o.in[i]);
    if (c.spill != NULL && vocab_spill_runs(c.spill) > 0)
        merge_spilled(&c, &distinct);
    else
        distinct = vocab_size(c.v);
    if (vocab_sort_prune(c.v, o.min_count, o.max_words) < 0)
        cli_die_nomem();
    char extra[96];
    snprintf(extra, sizeof extra, "%" PRIu32 " words kept of %" PRIu64, vocab_size(c.v),
             distinct);
    cli_progress_end(&c.prog, c.seen, extra);
    if (o.text)
        write_text(c.v, &out);
    else
        write_stream(&c, distinct, &out);
    vocab_spill_free(c.spill);
    vocab_free(c.v);
    free(o.in);
    cli_close_stdout();
    return RV_OK;
}
