/* tok - UTF-8 text (plain or gzip) to a wordpipe token stream, one sentence per line.
 * The rules live in lib/text/tokenize.c and are specified in tok(1). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/conllu.h"
#include "text/textin.h"
#include "text/textenc.h"
#include "text/textin_ahead.h"
#include "text/tok_meta.h"
#include "text/tokenize.h"

enum { TOK_CHUNK = 1 << 18 }; /* bytes per read: big enough to amortise, small for cache */

struct tok_cli {
    struct tok_opts t;
    const char *output; /* -o, NULL for stdout */
    int force, quiet, level;
    int conllu, column; /* --conllu, --column (enum conllu_col) */
    int column_given;
};

/* What the sentence callback needs. */
struct sink {
    struct rec_writer *w;
    struct cli_out *out;
    struct buf rec;
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhlqV] [-o file] [-z level] [--long-tokens skip|truncate]\n"
            "           [--max-sentence n] [--max-token n] [--no-punct] [--penn]\n"
            "           [--sentences] [--split-all-punct] [--whitespace] [file ...]\n"
            "       %s --conllu [-fhlqV] [--column name] [-o file] [-z level]\n"
            "           [--max-sentence n] [--max-token n] [file ...]\n",
            cli_progname, cli_progname);
    exit(status);
}

/* --column: a CoNLL-U field by name or number. */
static void
opt_column(void *dst, const char *arg)
{
    struct tok_cli *c = dst;
    c->column = conllu_column(arg);
    if (c->column < 0)
        cli_die(RV_USAGE, "--column %s: expected id, form, lemma, upos, xpos, feats, "
                "head, deprel, deps, misc or 1 to 10", arg);
}

static const char *const long_tokens[] = {"skip", "truncate"};
static const int long_tokens_skip[] = {1, 0};

#define AT(m) CLI_AT(struct tok_cli, m)
static const struct cli_opt options[] = {
    {"column", 0, CLI_OPT_CALL, .call = opt_column, .arg = 1,
     CLI_ALSO(struct tok_cli, column_given, 1)},
    {"conllu", 0, CLI_OPT_FLAG, AT(conllu)},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"long-tokens", 0, CLI_OPT_ENUM, AT(t.skip_long), .names = long_tokens, .nnames = 2,
     .values = long_tokens_skip, .expect = "skip or truncate"},
    {"lower", 'l', CLI_OPT_FLAG, AT(t.lower)},
    {"max-sentence", 0, CLI_OPT_U64, AT(t.max_sentence), .lo = 1, .hi = 100000000},
    {"max-token", 0, CLI_OPT_U64, AT(t.max_token), .lo = TOK_MAX_TOKEN_MIN, .hi = 1 << 24},
    {"no-punct", 0, CLI_OPT_FLAG, AT(t.drop_punct)},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"penn", 0, CLI_OPT_FLAG, AT(t.penn)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"sentences", 0, CLI_OPT_FLAG, AT(t.sentences)},
    {"split-all-punct", 0, CLI_OPT_FLAG, AT(t.split_all_punct)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"whitespace", 0, CLI_OPT_FLAG, AT(t.whitespace)},
    {NULL, 'w', CLI_OPT_MOVED, .moved = "--whitespace"},
};
#undef AT

static void
parse_args(struct tok_cli *c, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    tok_opts_default(&c->t);
    c->level = REC_LEVEL_DEFAULT;
    cli_opt_parse(options, CLI_NOPTS(options), usage, c, argc, argv);
    if (c->column_given && !c->conllu)
        cli_die(RV_USAGE, "--column needs --conllu");
    if (!c->column_given)
        c->column = CONLLU_FORM;
    if (c->conllu && (c->t.penn || c->t.sentences || c->t.whitespace || c->t.drop_punct ||
                      c->t.split_all_punct || c->t.skip_long))
        cli_die(RV_USAGE, "--conllu reads tokens as they are: no --penn, --sentences, "
                "--whitespace, --no-punct, --split-all-punct or --long-tokens");
    if (c->t.penn && c->t.whitespace)
        cli_die(RV_USAGE, "--penn and --whitespace exclude each other");
    if (c->t.penn && c->t.split_all_punct)
        cli_die(RV_USAGE, "--penn and --split-all-punct exclude each other");
}

static int
put_sentence(void *ctx, const unsigned char *const *tok, const size_t *len, size_t n)
{
    struct sink *s = ctx;
    buf_clear(&s->rec);
    WP_TRY(rec_tokens_encode(&s->rec, tok, len, n));
    cli_writer_put(s->w, s->out, s->rec.p, s->rec.len); /* exits on a write error */
    return WP_OK;
}

/* Opens path ("-" is stdin) as text, gzip or plain (lib/text/textin.h). */
static struct textin *
open_text(const char *path)
{
    int fd;
    if (strcmp(path, "-") == 0) {
        fd = dup(STDIN_FILENO);
    } else {
        fd = open(path, O_RDONLY);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            errno = EISDIR;
            fd = -1;
        }
    }
    if (fd < 0)
        cli_die(RV_FAIL, "%s: %s", cli_name(path), strerror(errno));
    struct textin *in;
    if (textin_open(&in, fd) < 0)
        cli_die_nomem();
    return in;
}

static void
progress_extra(char *s, size_t n, const struct tok_stats *st)
{
    snprintf(s, n, "(%.1f MB read, %" PRIu64 " token%s)", (double)st->bytes / 1e6,
             st->tokens, st->tokens == 1 ? "" : "s");
}

/* A wordpipe stream given as text (tok c.tok) would be tokenized as binary noise with exit
 * 0: its signature (plain or inside gzip) is refused instead. The first chunk read is at
 * least as long as the signature unless the whole file is shorter. */
static void
check_not_stream(const char *path, const unsigned char *p, size_t n)
{
    if (n >= REC_SIGNATURE_SIZE && memcmp(p, REC_SIGNATURE, REC_SIGNATURE_SIZE) == 0)
        cli_die(RV_DATA, "%s: a wordpipe stream, not text (wpcat prints one as text)",
                cli_name(path));
}

/* UTF-16 or UTF-32 text read as UTF-8 gives one-letter words between NUL bytes, with exit
 * 0: a byte order mark or NUL pattern of either in the first chunk is refused instead. */
static void
check_not_wide(const char *path, const unsigned char *p, size_t n)
{
    const char *enc = textenc_wide(p, n);
    if (enc != NULL)
        cli_die(RV_DATA, "%s: %s text, not UTF-8", cli_name(path), enc);
}

/* Exits RV_DATA naming the file and line for malformed CoNLL-U, else RV_FAIL. */
static void
conllu_die(const char *path, const struct conllu *cu, int rc)
{
    if (rc == WP_EFORMAT)
        cli_die(RV_DATA, "%s: line %" PRIu64 ": %s", cli_name(path), conllu_error_line(cu),
                conllu_error(cu));
    cli_die_status(rc, "%s", cli_name(path));
}

/* The CoNLL-U reader and the bytes it has read from all files, for the progress. */
struct conllu_in {
    struct conllu *p;
    uint64_t bytes;
};

/* Reads path into the tokenizer t, or into the CoNLL-U reader ci when it is not NULL; before:
 * the bytes of the inputs read before it, for the progress percent. */
static void
tokenize_file(const char *path, struct textin *in, struct tok_state *t, struct conllu_in *ci,
              unsigned char **bufs, struct cli_progress *pr, uint64_t before)
{
    struct textin_ahead *a;
    const unsigned char *p;
    char extra[96];
    uint64_t done;
    int got = textin_ahead_start(&a, in, bufs, TOK_CHUNK);
    if (got == WP_ENOMEM)
        cli_die_nomem();
    if (got < 0)
        cli_die(RV_FAIL, "%s: cannot start a thread", cli_name(path));
    for (int first = 1; (got = textin_ahead_next(a, &p)) != 0; first = 0) {
        if (got == WP_ENOMEM)
            cli_die_nomem();
        if (got < 0)
            cli_die(cli_exit_code(got), "%s: %s", cli_name(path), textin_ahead_error(a));
        if (first) {
            check_not_stream(path, p, (size_t)got);
            check_not_wide(path, p, (size_t)got);
        }
        if (ci != NULL) {
            const int rc = conllu_feed(ci->p, p, (size_t)got);
            if (rc < 0)
                conllu_die(path, ci->p, rc);
            ci->bytes += (uint64_t)got;
            snprintf(extra, sizeof extra, "(%.1f MB read, %" PRIu64 " words)",
                     (double)ci->bytes / 1e6, conllu_stats(ci->p)->words);
            done = ci->bytes;
        } else {
            const int rc = tok_feed(t, p, (size_t)got);
            if (rc < 0)
                cli_die(RV_FAIL, "%s: %s", cli_name(path), wp_strerror(rc));
            progress_extra(extra, sizeof extra, tok_stats(t));
            done = tok_stats(t)->bytes;
        }
        /* the rate in text bytes, the percent in the file's (compressed ones for gzip) */
        cli_progress_update_read(pr, done, before + textin_ahead_offset(a), extra);
    }
    textin_ahead_stop(a);
    if (textin_trailing(in) > 0)
        cli_warn("%s: %" PRIu64 " bytes after the gzip data are not gzip: ignored",
                 cli_name(path), textin_trailing(in));
    textin_close(in);
    if (ci != NULL) {
        const int rc = conllu_flush(ci->p); /* a file's last sentence ends with the file */
        if (rc < 0)
            conllu_die(path, ci->p, rc);
        return;
    }
    const int rc = tok_flush(t); /* a file's last line ends with the file */
    if (rc < 0)
        cli_die(RV_FAIL, "%s: %s", cli_name(path), wp_strerror(rc));
}

/* Appends ", N what" to s when n > 0. */
static void
add_count(char *s, size_t size, uint64_t n, const char *one, const char *many)
{
    if (n == 0)
        return;
    const size_t len = strlen(s);
    snprintf(s + len, size - len, "%s%" PRIu64 " %s", len ? ", " : "", n, n == 1 ? one : many);
}

static void
report(const struct tok_stats *st, const struct tok_opts *o)
{
    char s[512] = "";
    char split[96];
    snprintf(split, sizeof split, "long line%s split at %zu tokens",
             st->lines_split == 1 ? "" : "s", o->max_sentence);
    add_count(s, sizeof s, st->invalid, "invalid UTF-8 sequence replaced by U+FFFD",
              "invalid UTF-8 sequences replaced by U+FFFD");
    add_count(s, sizeof s, st->nuls, "NUL byte read as a space", "NUL bytes read as spaces");
    add_count(s, sizeof s, st->controls, "control character read as a space",
              "control characters read as spaces");
    add_count(s, sizeof s, st->lines_split, split, split);
    add_count(s, sizeof s, st->long_truncated, "long token truncated", "long tokens truncated");
    add_count(s, sizeof s, st->long_skipped, "long token skipped", "long tokens skipped");
    if (s[0] != '\0')
        cli_warn("%s", s);
}

/* No text replaced by the stream (cli_paths_distinct). */
static void
check_paths(const char *output, char *const *files, size_t nfiles)
{
    struct cli_path *p = cli_mallocarray(nfiles + 1, sizeof *p);
    p[0] = (struct cli_path){output != NULL ? output : "-", "-o", 1, 0};
    for (size_t i = 0; i < nfiles; i++)
        p[i + 1] = (struct cli_path){files[i], "an input", 0, 0};
    cli_paths_distinct(p, nfiles + 1);
    free(p);
}

int
main(int argc, char **argv)
{
    struct tok_cli c;
    struct cli_out out;
    struct sink sink = {0};
    struct tok_state *t;
    struct cli_progress pr;

    cli_init(argv[0]);
    parse_args(&c, argc, argv);
    argc -= optind;
    argv += optind;
    char *stdin_only[] = {"-", NULL};
    char **files = argc > 0 ? argv : stdin_only;

    struct rec_meta *meta = rec_meta_new();
    unsigned char *bufs[2] = {cli_malloc(TOK_CHUNK), cli_malloc(TOK_CHUNK)};
    if (meta == NULL ||
        tok_meta_put(meta, &c.t, cli_name(files[0]), c.conllu ? c.column : -1) < 0)
        cli_die_nomem();

    /* every input opened before the output: a missing file leaves no stream behind */
    size_t nfiles = 0;
    while (files[nfiles] != NULL)
        nfiles++;
    check_paths(c.output, files, nfiles);
    struct textin **ins = cli_mallocarray(nfiles, sizeof *ins);
    for (size_t i = 0; i < nfiles; i++)
        ins[i] = open_text(files[i]);
    cli_out_open(&out, c.output, 1, c.force);
    sink.out = &out;
    sink.w = cli_writer_open(&out, REC_TOKENS, meta, c.level);
    struct conllu_in ci = {0};
    if (tok_new(&t, &c.t, put_sentence, &sink) < 0 ||
        (c.conllu && conllu_new(&ci.p, c.column, c.t.max_token, put_sentence, &sink) < 0))
        cli_die_nomem();
    if (c.conllu) /* records of at most --max-sentence tokens, lowercased with -l */
        conllu_set_output(ci.p, c.t.max_sentence, c.t.lower);
    cli_progress_start(&pr, "bytes", c.quiet);
    pr.in_size = cli_inputs_size((const char *const *)files, nfiles);
    uint64_t before = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const uint64_t size = cli_input_size(files[i]); /* stdin's, before it is read */
        tokenize_file(files[i], ins[i], t, c.conllu ? &ci : NULL, bufs, &pr, before);
        before += size;
    }
    free(ins);
    char extra[96];
    if (c.conllu) {
        const struct conllu_stats *cs = conllu_stats(ci.p);
        snprintf(extra, sizeof extra, "(%.1f MB read, %" PRIu64 " words)",
                 (double)ci.bytes / 1e6, cs->words);
        cli_progress_end(&pr, ci.bytes, extra);
    } else {
        progress_extra(extra, sizeof extra, tok_stats(t));
        cli_progress_end(&pr, tok_stats(t)->bytes, extra);
    }
    cli_writer_close(sink.w, &out);
    if (!c.quiet && c.conllu) {
        const struct conllu_stats *cs = conllu_stats(ci.p);
        cli_warn("%" PRIu64 " sentences, %" PRIu64 " words (%" PRIu64
                 " multiword tokens, %" PRIu64 " empty nodes skipped)",
                 cs->sentences, cs->words, cs->ranges, cs->empty_nodes);
    } else if (!c.quiet) {
        report(tok_stats(t), &c.t);
    }

    tok_free(t);
    conllu_free(ci.p);
    buf_free(&sink.rec);
    rec_meta_free(meta);
    free(bufs[0]);
    free(bufs[1]);
    cli_close_stdout();
    return RV_OK;
}
