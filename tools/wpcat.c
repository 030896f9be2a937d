/* wpcat - print any wordpipe stream as text for people and shell tools, or describe it
 * (--stat) after verifying every checksum. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

struct wpcat_opts {
    int stat;      /* --stat: describe instead of printing records */
    int lines;     /* -l: tokens as one sentence per line */
    int precision; /* significant digits of floats */
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp, "usage: %s [-hV] [-p digits] [--lines] [--stat] [file ...]\n", cli_progname);
    exit(status);
}

static void
print_tokens(const unsigned char *rec, size_t len, const struct wpcat_opts *o, int *err)
{
    struct rec_cursor c;
    uint64_t n;
    if ((*err = rec_tokens_open(&c, rec, len, &n)) < 0)
        return;
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *t;
        size_t tl;
        if ((*err = rec_cursor_bytes(&c, &t, &tl)) < 0)
            return;
        fwrite(t, 1, tl, stdout);
        putchar(o->lines && i + 1 < n ? ' ' : '\n');
    }
    if (!o->lines || n == 0)
        putchar('\n');
    *err = rec_cursor_done(&c);
}

static void
print_floats(const float *x, size_t n, int precision)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%.*g", i ? " " : "", precision, (double)x[i]);
    putchar('\n');
}

static void
print_ids(struct rec_cursor *c, int *err)
{
    uint64_t n, v;
    if ((*err = rec_cursor_varint(c, &n)) < 0)
        return;
    for (uint64_t i = 0; i < n; i++) {
        if ((*err = rec_cursor_varint(c, &v)) < 0)
            return;
        printf("%s%" PRIu64, i ? " " : "", v);
    }
    putchar('\n');
    *err = rec_cursor_done(c);
}

/* A spans record: "id/radius" pairs on one line. */
static void
print_spans(const unsigned char *rec, size_t len, int *err)
{
    size_t n;
    uint32_t *ids = NULL;
    if ((*err = rec_spans_count(rec, len, &n)) < 0)
        return;
    ids = cli_mallocarray(n ? 2 * n : 1, sizeof *ids);
    if ((*err = rec_spans_decode(rec, len, ids, ids + n, n, &n)) == WP_OK) {
        for (size_t i = 0; i < n; i++)
            printf("%s%" PRIu32 "/%" PRIu32, i ? " " : "", ids[i], ids[n + i]);
        putchar('\n');
    }
    free(ids);
}

static void
print_tensor(const unsigned char *rec, size_t len, int *err)
{
    struct rec_cursor c;
    const unsigned char *name;
    size_t nl;
    uint64_t ndim, d, off, count;
    rec_cursor_init(&c, rec, len);
    if ((*err = rec_cursor_bytes(&c, &name, &nl)) < 0 || c.p == c.end) {
        *err = WP_ECORRUPT;
        return;
    }
    const unsigned dtype = *c.p++;
    if ((*err = rec_cursor_varint(&c, &ndim)) < 0 || ndim > 8)
        return;
    printf("%.*s\t%s\t", (int)nl, name, dtype == 0 ? "f32" : dtype == 1 ? "u8" : "u64");
    for (uint64_t i = 0; i < ndim; i++) {
        if ((*err = rec_cursor_varint(&c, &d)) < 0)
            return;
        printf("%s%" PRIu64, i ? "x" : "", d);
    }
    if ((*err = rec_cursor_varint(&c, &off)) < 0 || (*err = rec_cursor_varint(&c, &count)) < 0)
        return;
    printf("\t%" PRIu64 "\t%" PRIu64 "\n", off, count);
}

static void
print_record(int kind, const struct rec_meta *meta, const unsigned char *rec, size_t len,
             const struct wpcat_opts *o, float **vec, int *err)
{
    struct rec_cursor c;
    const unsigned char *w;
    size_t wl;
    uint64_t a, b, dim = 0, layers = 1;
    rec_meta_get_u64(meta, "dim", &dim);
    rec_meta_get_u64(meta, "layers", &layers);
    *err = WP_OK;
    switch (kind) {
    case REC_TOKENS: print_tokens(rec, len, o, err); return;
    case REC_VOCAB:
        if ((*err = rec_vocab_decode(rec, len, &a, &w, &wl)) == WP_OK)
            printf("%.*s\t%" PRIu64 "\n", (int)wl, w, a);
        return;
    case REC_IDS: rec_cursor_init(&c, rec, len); print_ids(&c, err); return;
    case REC_WINDOWS:
        rec_cursor_init(&c, rec, len);
        if ((*err = rec_cursor_varint(&c, &a)) == WP_OK) {
            printf("%" PRIu64 "\t", a);
            print_ids(&c, err);
        }
        return;
    case REC_VECTORS:
    case REC_CVECTORS: {
        const size_t n = (size_t)(kind == REC_VECTORS ? dim : dim * layers);
        if (*vec == NULL)
            *vec = cli_mallocarray(n ? n : 1, sizeof **vec);
        if (kind == REC_VECTORS)
            *err = rec_vector_decode(rec, len, n, &w, &wl, *vec);
        else
            *err = rec_cvector_decode(rec, len, n, &a, &b, &w, &wl, *vec);
        if (*err < 0)
            return;
        if (kind == REC_CVECTORS)
            printf("%" PRIu64 "\t%" PRIu64 "\t", a, b);
        printf("%.*s\t", (int)wl, w);
        print_floats(*vec, n, o->precision);
        return;
    }
    case REC_MODEL: print_tensor(rec, len, err); return;
    case REC_SPANS: print_spans(rec, len, err); return;
    }
}

static void
print_meta(const struct rec_meta *m)
{
    for (size_t i = 0; i < rec_meta_count(m); i++) {
        const char *key, *s;
        int type;
        uint64_t u;
        double f;
        rec_meta_entry(m, i, &key, &type, &u, &f, &s);
        if (type == REC_META_U64)
            printf("meta.%s\t%" PRIu64 "\n", key, u);
        else if (type == REC_META_F64)
            printf("meta.%s\t%.17g\n", key, f);
        else
            printf("meta.%s\t%s\n", key, s);
    }
}

static void
print_stat(const char *path, const struct rec_reader *r)
{
    const struct rec_stats *st = rec_reader_stats(r);
    printf("file\t%s\nkind\t%s\nversion\t%d\n", cli_name(path), rec_kind_name(rec_reader_kind(r)),
           REC_VERSION);
    print_meta(rec_reader_meta(r));
    printf("streams\t%" PRIu64 "\nblocks\t%" PRIu64 "\nrecords\t%" PRIu64 "\n", st->streams,
           st->blocks, st->records);
    printf("raw_bytes\t%" PRIu64 "\nstored_bytes\t%" PRIu64 "\n", st->raw_bytes, st->packed_bytes);
    if (st->raw_bytes > 0)
        printf("ratio\t%.3f\n", (double)st->packed_bytes / (double)st->raw_bytes);
    printf("checksums\tok\n");
}

static void
cat_file(const char *path, const struct wpcat_opts *o)
{
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, 0);
    const unsigned char *rec;
    size_t len;
    float *vec = NULL;
    int err;
    while (cli_reader_next(r, path, &rec, &len) == 1) {
        if (o->stat)
            continue;
        print_record(rec_reader_kind(r), rec_reader_meta(r), rec, len, o, &vec, &err);
        if (err < 0)
            cli_die_record(r, path, err);
    }
    if (o->stat)
        print_stat(path, r);
    free(vec);
    rec_reader_free(r);
    cli_close_in(fp);
}

#define AT(m) CLI_AT(struct wpcat_opts, m)
static const struct cli_opt options[] = {
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"lines", 0, CLI_OPT_FLAG, AT(lines)},
    {"precision", 'p', CLI_OPT_U64, AT(precision), .lo = 1, .hi = 17},
    {"stat", 0, CLI_OPT_FLAG, AT(stat)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {NULL, 'l', CLI_OPT_MOVED, .moved = "--lines"},
};
#undef AT

int
main(int argc, char **argv)
{
    struct wpcat_opts o = {.precision = 6};
    cli_init(argv[0]);
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, &o, argc, argv);
    argc -= first;
    argv += first;
    if (argc == 0)
        cat_file("-", &o);
    for (int i = 0; i < argc; i++)
        cat_file(argv[i], &o);
    cli_close_stdout();
    return RV_OK;
}
