/* knn - nearest neighbours, analogies and evaluation over word vectors. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/status.h"
#include "cli_blas.h"
#include "kernels/blas.h"
#include "kernels/vec.h"
#include "knn/analogy.h"
#include "knn/analogy_ask.h"
#include "knn/evalsim.h"
#include "knn/knn.h"
#include "knn/knn_hnsw.h"
#include "knn/knn_map.h"
#include "knn/knn_query.h"
#include "stream/rec_payload.h"
#include "vecio/vecset.h"
#include "vecio/vecfile.h"
#include "vecio/vectab.h"
#include "vecio/w2vfmt.h"

enum { RESTRICT_EVAL_DEFAULT = 30000 };
enum { RERANK_DEFAULT = 100 };
/* --convert: 1 + the format, or these for vector tables (the sections they hold) */
enum { CONVERT_TABLE = 100 };

struct opts {
    size_t k;
    int metric, exclude, all, analogies, quiet, verbose, single, format, restrict_set;
    size_t restrict_n;
    const char *analogy_file, *similarity_file, *output, *vectors;
    const char **queries;
    size_t nqueries;
    const char *hnsw, *qvec, *map;
    int convert, force; /* convert: 0, or 1 + W2VFMT_TEXT/W2VFMT_BIN */
    int trust, int8;
    size_t rerank;
    size_t ef;
    struct knn_hnsw_params hp;
    struct analogy_opts an;
};

/* --convert txt|bin|stream|fasttext: the vectors written in another format. */
static void
convert(const struct opts *o, const struct vecset *s, struct cli_out *out)
{
    const int format = o->convert - 1;
    const int rc = vecfile_write_set(out->fp, format, s, NULL, REC_LEVEL_DEFAULT);
    if (rc == WP_EFORMAT && (format == W2VFMT_TEXT || format == W2VFMT_BIN))
        cli_die(RV_DATA, "%s: a word has a space or newline (not writable as word2vec)",
                o->output ? o->output : "<stdout>");
    if (rc < 0)
        cli_out_die(out, rc);
}

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqVx] [-k count] [-o file] [-r count] [-t threads]\n"
            "       [--query word ... | --all | --analogy file | --analogies |\n"
            "       --similarity file |\n"
            "       --convert txt|bin|stream|fasttext|table|table+int8|int8 |\n"
            "       --query-vectors stream | --map words] [--metric cos|dot|l2]\n"
            "       [--convention w2v|gensim] [--method 3cosadd|3cosmul] [--no-fold]\n"
            "       [--format auto|txt|bin|glove|stream|fasttext|table] [--single]\n"
            "       [--verbose] [--trust] [--int8] [--rerank n]\n"
            "       [--hnsw index] [--ef n] [--hnsw-m n]\n"
            "       [--ef-construction n] [--seed n] vectors\n",
            cli_progname);
    exit(status);
}

/* The options' combinations that make no sense. */
static void
check_args(const struct opts *o)
{
    const int modes = (o->all || o->nqueries) + !!o->analogy_file + o->analogies +
                      !!o->similarity_file + !!o->convert + !!o->qvec + !!o->map;
    if (modes > 1)
        cli_die(RV_USAGE, "choose one of --all/--query, --analogy, --analogies, --similarity, --convert, "
                          "--query-vectors, --map");
    if (o->all && o->nqueries)
        cli_die(RV_USAGE, "--all and --query exclude each other");
    if ((o->analogies || o->all || o->nqueries == 0) && !o->analogy_file && !o->similarity_file &&
        !o->all && !o->convert && !o->qvec && !o->map && strcmp(o->vectors, "-") == 0)
        cli_die(RV_USAGE, "vectors on stdin need --query, --all, --analogy or --similarity");
    if (o->hnsw && (o->analogy_file || o->similarity_file || o->analogies || o->qvec || o->map))
        cli_die(RV_USAGE, "--hnsw serves --query, --all and stdin queries only");
    if (o->qvec && strcmp(o->qvec, "-") == 0 && strcmp(o->vectors, "-") == 0)
        cli_die(RV_USAGE, "the vectors and the query vectors cannot both be stdin");
    if (o->map && strcmp(o->map, "-") == 0 && strcmp(o->vectors, "-") == 0)
        cli_die(RV_USAGE, "the vectors and the --map words cannot both be stdin");
    if (o->an.method == ANALOGY_MUL && o->metric != KNN_COS)
        cli_die(RV_USAGE, "--method 3cosmul needs --metric cos");
    if (o->int8 && (o->hnsw || o->analogy_file || o->similarity_file || o->analogies || o->qvec ||
                    o->map || o->convert))
        cli_die(RV_USAGE, "--int8 serves --query, --all and stdin queries only");
}

static const char *const metric_names[] = {"cos", "dot", "l2"};
static const char *const convention_names[] = {"w2v", "gensim"};
static const char *const method_names[] = {"3cosadd", "3cosmul"};
static const char *const format_names[] = {"auto",   "txt",      "bin",  "glove",
                                           "stream", "fasttext", "table"};
/* auto txt bin glove = W2VFMT_ 0..3 */
static const int format_values[] = {0, 1, 2, 3, VECSET_STREAM, VECSET_FASTTEXT, VECSET_TABLE};
static const char *const convert_names[] = {"txt",   "bin",        "stream", "fasttext",
                                            "table", "table+int8", "int8"};
static const int convert_values[] = {
    1 + W2VFMT_TEXT, 1 + W2VFMT_TEXT + 1, 1 + VECSET_STREAM, 1 + VECSET_FASTTEXT,
    CONVERT_TABLE + VECTAB_F32, CONVERT_TABLE + (VECTAB_F32 | VECTAB_SQ8),
    CONVERT_TABLE + VECTAB_SQ8};

#define AT(m) CLI_AT(struct opts, m)
static const struct cli_opt options[] = {
    {"all", 0, CLI_OPT_FLAG, AT(all)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"k", 'k', CLI_OPT_U64, AT(k), .lo = 1, .hi = 100000},
    {"metric", 0, CLI_OPT_ENUM, AT(metric), .names = metric_names, .nnames = 3},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"query", 0, CLI_OPT_LIST, AT(queries), CLI_AT2(struct opts, nqueries)},
    {"restrict", 'r', CLI_OPT_U64, AT(restrict_n), .lo = 0, .hi = UINT32_MAX,
     CLI_ALSO(struct opts, restrict_set, 1)},
    {"threads", 't', CLI_OPT_U64, AT(an.knn.threads), .lo = 1, .hi = 64},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"verbose", 0, CLI_OPT_FLAG, AT(verbose)},
    {"exclude-query", 'x', CLI_OPT_FLAG, AT(exclude)},
    {"analogy", 0, CLI_OPT_STR, AT(analogy_file)},
    {"analogies", 0, CLI_OPT_FLAG, AT(analogies)},
    {"similarity", 0, CLI_OPT_STR, AT(similarity_file)},
    {"convention", 0, CLI_OPT_ENUM, AT(an.convention), .names = convention_names, .nnames = 2},
    {"method", 0, CLI_OPT_ENUM, AT(an.method), .names = method_names, .nnames = 2},
    {"no-fold", 0, CLI_OPT_CONST, AT(an.fold), .val = 0},
    {"format", 0, CLI_OPT_ENUM, AT(format), .names = format_names, .nnames = 7,
     .values = format_values},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"single", 0, CLI_OPT_FLAG, AT(single)},
    {"hnsw", 0, CLI_OPT_STR, AT(hnsw)},
    {"ef", 0, CLI_OPT_U64, AT(ef), .lo = 1, .hi = 1 << 20},
    {"hnsw-m", 0, CLI_OPT_U64, AT(hp.m), .lo = 2, .hi = 1024},
    {"ef-construction", 0, CLI_OPT_U64, AT(hp.ef_construction), .lo = 1, .hi = 1 << 20},
    {"seed", 0, CLI_OPT_U64, AT(hp.seed), .lo = 0, .hi = UINT64_MAX},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"convert", 0, CLI_OPT_ENUM, AT(convert), .names = convert_names, .nnames = 7,
     .values = convert_values},
    {"query-vectors", 0, CLI_OPT_STR, AT(qvec)},
    {"map", 0, CLI_OPT_STR, AT(map)},
    {"trust", 0, CLI_OPT_FLAG, AT(trust)},
    {"int8", 0, CLI_OPT_FLAG, AT(int8)},
    {"rerank", 0, CLI_OPT_U64, AT(rerank), .lo = 1, .hi = 1000000},
    {NULL, 'a', CLI_OPT_MOVED, .moved = "--all"},
    {NULL, 'm', CLI_OPT_MOVED, .moved = "--metric", .arg = 1},
    {NULL, 's', CLI_OPT_MOVED, .moved = "--seed", .arg = 1},
    {NULL, 'v', CLI_OPT_MOVED, .moved = "--verbose"},
};
#undef AT

static void
parse_args(struct opts *o, int argc, char **argv)
{
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->ef = 50;
    o->rerank = RERANK_DEFAULT;
    knn_hnsw_params_default(&o->hp);
    analogy_opts_default(&o->an);
    o->an.knn.threads = ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1;
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (argc - first != 1)
        usage(stderr, RV_USAGE);
    o->vectors = argv[first];
    check_args(o);
}

static struct vecset *
load(const struct opts *o)
{
    struct vecset *s = cli_vecset_open(o->vectors, o->format, o->trust ? VECSET_TRUST : 0);
    if (s->v == 0)
        cli_die(RV_DATA, "%s: no vectors", cli_name(o->vectors));
    if (o->int8 && (s->tab == NULL || s->tab->codes == NULL))
        cli_die(RV_USAGE, "%s: --int8 needs a vector table with int8 codes "
                "(knn --convert table+int8)", cli_name(o->vectors));
    if (s->tab != NULL && o->int8 == 0 && s->tab->m == NULL && !o->quiet && o->verbose)
        cli_warn("%s: int8 codes only: searching them (--int8 is implied)", cli_name(o->vectors));
    /* neighbour queries (HNSW too, unless int8 only) use a table in place; every other mode
     * wants whole matrices */
    const int in_place = !((o->hnsw && s->tab != NULL && s->tab->m == NULL) || o->analogy_file ||
                           o->similarity_file || o->analogies || o->qvec || o->map || o->convert);
    if (s->tab != NULL && !in_place) {
        int rc = vecset_need_floats(s);
        if (rc == WP_OK)
            rc = vecset_need_unit(s);
        if (rc < 0)
            cli_die_status(rc, "%s", cli_name(o->vectors));
    }
    if (s->dups > 0)
        cli_warn("%s: %zu duplicate word%s ignored (first kept; first duplicate at %s %zu)",
                 cli_name(o->vectors), s->dups, s->dups == 1 ? "" : "s",
                 s->format == W2VFMT_BIN ? "row" : s->format == VECSET_STREAM ? "record" : "line",
                 s->format == W2VFMT_BIN ? s->first_dup - 1 : s->first_dup);
    return s;
}

/* The rows searched: the first -r of them when given (0: all). */
static size_t
rows_searched(const struct opts *o, const struct vecset *s)
{
    return o->restrict_set && o->restrict_n && o->restrict_n < s->v ? o->restrict_n : s->v;
}

/* ---- neighbour queries ---- */
struct qctx {
    const struct opts *o;
    const struct vecset *s;
    struct knn_db db;
    FILE *out;
    float *scratch;
    const struct knn_hnsw *hnsw;
    size_t found, missing, ngrams;
    struct knn_queries q; /* the rows of the words asked, n-gram vectors included */
    struct knn_sq8 sq8;   /* --int8, or a table of int8 codes only */
};

static void
print_hits(struct qctx *c, const char *query, const struct knn_hit *h, float qsq)
{
    for (size_t r = 0; r < c->o->k && h[r].id != KNN_NONE; r++) {
        const float score = c->db.metric == KNN_L2 ? knn_l2_distance(h[r].score, qsq) : h[r].score;
        fprintf(c->out, "%s\t%zu\t%s\t%.6f\n", query, r + 1, c->s->words[h[r].id], score);
    }
}

/* Answers queries ids[0..n) (all found); batches through sgemm when there are many. */
static void
answer(struct qctx *c, const uint32_t *ids, size_t n)
{
    const struct knn_query_cfg cfg = {.k = c->o->k, .ef = c->o->ef, .exclude = c->o->exclude,
                                      .single = c->o->single, .knn = &c->o->an.knn};
    struct knn_hit *h = cli_mallocarray(cfg.k * (n ? n : 1), sizeof *h);
    const int rc = knn_queries_search(&c->q, &c->db, c->hnsw, &cfg, ids, n, c->scratch, h);
    if (rc < 0)
        cli_die_status(rc, "search");
    for (size_t i = 0; i < n; i++)
        print_hits(c, knn_queries_word(&c->q, ids[i]), h + i * cfg.k,
                   knn_queries_sqnorm(&c->q, ids[i]));
    free(h);
    knn_queries_clear(&c->q);
}

/* The query w as *id (knn_queries_lookup), saying so when it is answered from its n-grams
 * or not at all. */
static int
lookup(struct qctx *c, const char *w, uint32_t *id)
{
    const int rc = knn_queries_lookup(&c->q, w, id);
    if (rc < 0)
        cli_die_nomem();
    if (rc == 0) {
        cli_warn("'%s' not in vocabulary", cli_word(w, (char[CLI_WORD_BUF]){0}));
        c->missing++;
        return 0;
    }
    if (rc == KNN_QUERY_NGRAMS) {
        if (!c->o->quiet)
            cli_warn("'%s' not in vocabulary: answered from its character n-grams",
                     cli_word(w, (char[CLI_WORD_BUF]){0}));
        c->ngrams++;
    }
    c->found++;
    return 1;
}

/* stdin_queries' buffer: the bytes read and not yet answered, and the ids of a batch. */
struct lines {
    char *buf;
    uint32_t *ids;
    size_t cap, len, lineno, multi, first_multi;
};

/* Each whole line of l looked up into l->ids (*nids of them); returns the bytes used. */
static size_t
take_lines(struct qctx *c, struct lines *l, size_t *nids)
{
    size_t start = 0;
    char *nl;
    while ((nl = memchr(l->buf + start, '\n', l->len - start)) != NULL) {
        *nl = '\0';
        l->lineno++;
        char *w = l->buf + start + strspn(l->buf + start, " \t");
        const size_t wl = strcspn(w, " \t\r");
        if (w[wl] != '\0' && w[wl + strspn(w + wl, " \t\r")] != '\0' && l->multi++ == 0) {
            l->first_multi = l->lineno; /* one word a line: say so rather than drop the rest */
            w[wl] = '\0';
            cli_warn("<stdin>: line %zu: one query word per line: looked up '%s' only, "
                     "the rest of the line ignored", l->lineno, w);
        }
        w[wl] = '\0';
        if (*w != '\0' && lookup(c, w, &l->ids[*nids]))
            (*nids)++;
        start = (size_t)(nl - l->buf) + 1;
    }
    return start;
}

/* Reads stdin with read(2) so that every line already waiting forms one batch, while an
 * interactive user still gets each answer as soon as the line is typed. */
static void
stdin_queries(struct qctx *c)
{
    struct lines l = {.cap = 1 << 16};
    l.buf = cli_malloc(l.cap);
    l.ids = cli_mallocarray(l.cap, sizeof *l.ids);
    for (int eof = 0; !eof;) {
        if (l.len + 1 >= l.cap) {
            l.cap *= 2;
            l.buf = cli_reallocarray(l.buf, l.cap, 1);
            l.ids = cli_reallocarray(l.ids, l.cap, sizeof *l.ids);
        }
        const ssize_t got = read(STDIN_FILENO, l.buf + l.len, l.cap - l.len - 1);
        if (got < 0)
            cli_die(RV_FAIL, "<stdin>: %s", strerror(errno));
        eof = got == 0;
        l.len += (size_t)got;
        if (eof && l.len > 0 && l.buf[l.len - 1] != '\n')
            l.buf[l.len++] = '\n'; /* a last line without its newline */
        size_t nids = 0;
        const size_t used = take_lines(c, &l, &nids);
        answer(c, l.ids, nids);
        fflush(c->out);
        memmove(l.buf, l.buf + used, l.len - used);
        l.len -= used;
    }
    if (l.multi > 1)
        cli_warn("<stdin>: %zu lines held more than one word (first: line %zu); only the first "
                 "word of each was looked up", l.multi, l.first_multi);
    free(l.buf);
    free(l.ids);
}

/* Maps the HNSW index at o->hnsw, or builds it and saves it there when it does not exist. */
static struct knn_hnsw *
open_hnsw(const struct opts *o, const struct vecset *s, const struct knn_db *db)
{
    struct knn_hnsw *h;
    struct w2vfmt_error err = {0};
    const uint64_t fpr = knn_set_fingerprint(s);
    const int fd = open(o->hnsw, O_RDONLY | O_CLOEXEC);
    int rc;
    if (fd >= 0) {
        rc = knn_hnsw_map(&h, fd, db, fpr, o->trust ? KNN_HNSW_TRUST : 0, &err);
        if (rc < 0 && err.msg[0])
            cli_die(cli_exit_code(rc), "%s: %s", o->hnsw, err.msg);
        if (rc < 0)
            cli_die_status(rc, "%s", o->hnsw);
        close(fd);
        return h;
    }
    if (errno != ENOENT)
        cli_die(RV_FAIL, "%s: %s", o->hnsw, strerror(errno));
    const double t0 = cli_now();
    struct knn_hnsw_params hp = o->hp;
    hp.threads = o->an.knn.threads;
    if ((rc = knn_hnsw_build(&h, db, &hp)) < 0)
        cli_die_usage_status(rc, "hnsw");
    if (o->verbose)
        cli_warn("%s: built in %.2f s (m %zu, ef_construction %zu, %d threads)", o->hnsw,
                 cli_now() - t0, o->hp.m, o->hp.ef_construction, hp.threads);
    struct cli_out io;
    cli_out_open(&io, o->hnsw, 1, 1);
    cli_out_mappable(&io);
    if ((rc = knn_hnsw_save(h, fpr, io.fp)) < 0)
        cli_out_die(&io, rc);
    cli_out_commit(&io);
    return h;
}

/* --all: every row's neighbours, through the HNSW index when there is one. */
static void
query_all(struct qctx *c)
{
    const struct opts *o = c->o;
    const struct knn_query_cfg cfg = {.k = o->k, .ef = o->ef, .exclude = o->exclude,
                                      .single = o->single, .knn = &o->an.knn};
    struct knn_hit *h = cli_mallocarray(c->db.n * o->k, sizeof *h);
    const double t0 = cli_now();
    const int rc = knn_queries_search_all(&c->q, &c->db, c->hnsw, &cfg, c->scratch, h);
    if (rc < 0)
        cli_die_status(rc, "search");
    const double t1 = cli_now();
    if (o->verbose && c->hnsw == NULL)
        cli_warn("%zu queries x %zu rows in %.3f s (%.0f queries/s, %d threads)", c->db.n,
                 c->db.n, t1 - t0, (double)c->db.n / (t1 - t0), o->an.knn.threads);
    for (size_t i = 0; i < c->db.n; i++)
        print_hits(c, knn_queries_word(&c->q, (uint32_t)i), h + i * o->k,
                   knn_queries_sqnorm(&c->q, (uint32_t)i));
    if (o->verbose && c->hnsw != NULL)
        cli_warn("%zu queries (hnsw, ef %zu) in %.3f s with printing", c->db.n, o->ef,
                 cli_now() - t0);
    c->found = c->db.n;
    free(h);
}

/* --query: the words given, one batch. */
static void
query_words(struct qctx *c)
{
    const struct opts *o = c->o;
    uint16_t *m16 =
        o->nqueries < KNN_QUERY_BATCH_MIN || o->single ? knn_db_add_half(&c->db) : NULL;
    uint32_t *ids = cli_mallocarray(o->nqueries, sizeof *ids);
    size_t n = 0;
    for (size_t i = 0; i < o->nqueries; i++)
        n += (size_t)lookup(c, o->queries[i], &ids[n]);
    answer(c, ids, n);
    free(ids);
    free(m16);
}

/* Queries from stdin, one word a line. */
static void
query_stdin(struct qctx *c)
{
    uint16_t *m16 = knn_db_add_half(&c->db);
    const double t0 = cli_now();
    stdin_queries(c);
    free(m16);
    if (c->o->verbose)
        cli_warn("%zu queries in %.3f s (%.0f queries/s)", c->found, cli_now() - t0,
                 (double)c->found / (cli_now() - t0));
}

static int
run_queries(const struct opts *o, const struct vecset *s, FILE *out)
{
    struct qctx c = {.o = o, .s = s, .out = out};
    knn_db_of_set(&c.db, &c.sq8, s, o->metric, rows_searched(o, s), o->int8, o->rerank);
    c.scratch = cli_mallocarray(s->v, sizeof *c.scratch);
    if (knn_queries_init(&c.q, s, o->metric) < 0)
        cli_die_nomem();
    struct knn_hnsw *hnsw = o->hnsw ? open_hnsw(o, s, &c.db) : NULL;
    c.hnsw = hnsw;
    if (o->all)
        query_all(&c);
    else if (o->nqueries > 0)
        query_words(&c);
    else
        query_stdin(&c);
    if (c.ngrams > 0 && o->verbose)
        cli_warn("%zu of %zu queries answered from character n-grams", c.ngrams, c.found);
    free(c.scratch);
    knn_queries_free(&c.q);
    knn_hnsw_free(hnsw);
    return c.missing > 0 && c.found == 0 ? RV_DATA : RV_OK;
}

/* ---- query by vector: a REC_VECTORS stream (e.g. from embed), read in batches ---- */
static void
qvec_flush(struct qctx *c, struct knn_qvecs *b, struct knn_hit *h)
{
    if (b->n == 0)
        return;
    const int rc = knn_qvecs_search(b, &c->db, c->o->k, &c->o->an.knn, h);
    if (rc < 0)
        cli_die_status(rc, "search");
    for (size_t i = 0; i < b->n; i++)
        print_hits(c, b->labels[i], h + i * c->o->k, b->sq[i]);
    knn_qvecs_clear(b);
    fflush(c->out);
}

static int
run_query_vectors(const struct opts *o, const struct vecset *s, FILE *out)
{
    enum { QBATCH = 4096 };
    struct qctx c = {.o = o, .s = s, .out = out};
    struct knn_qvecs b;
    knn_db_of_set(&c.db, &c.sq8, s, o->metric, rows_searched(o, s), 0, 0);
    FILE *fp = cli_open_in(o->qvec);
    struct rec_reader *r = cli_reader_open(fp, o->qvec, REC_VECTORS);
    uint64_t dim = 0;
    if (rec_meta_get_u64(rec_reader_meta(r), "dim", &dim) < 0 || dim != s->d)
        cli_die(RV_DATA, "%s: dimension %llu, the vectors have %zu", cli_name(o->qvec),
                (unsigned long long)dim, s->d);
    if (knn_qvecs_init(&b, s->d, QBATCH, o->metric) < 0)
        cli_die_nomem();
    struct knn_hit *h = cli_mallocarray(QBATCH * o->k, sizeof *h);
    const unsigned char *rec, *word;
    size_t len, wlen;
    while (cli_reader_next(r, o->qvec, &rec, &len) == 1) {
        const int rc = rec_vector_decode(rec, len, s->d, &word, &wlen, knn_qvecs_slot(&b));
        if (rc < 0)
            cli_die_record(r, o->qvec, rc);
        const int full = knn_qvecs_push(&b, (const char *)word, wlen);
        if (full < 0)
            cli_die_nomem();
        if (full)
            qvec_flush(&c, &b, h);
    }
    qvec_flush(&c, &b, h);
    rec_reader_free(r);
    cli_close_in(fp);
    knn_qvecs_free(&b);
    free(h);
    return RV_OK;
}

/* ---- --map: chosen words on the plane of their top two principal components ---- */
/* Every whitespace-separated word of path, in order. */
static char **
read_words(const char *path, size_t *nout)
{
    FILE *fp = cli_open_in(path);
    char *line = NULL, **w = NULL;
    size_t cap = 0, n = 0, wcap = 0;
    while (getline(&line, &cap, fp) >= 0) {
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
            if (n == wcap)
                w = cli_reallocarray(w, wcap = wcap ? 2 * wcap : 64, sizeof *w);
            w[n++] = cli_strdup(t);
        }
    }
    if (ferror(fp))
        cli_die(RV_FAIL, "%s: %s", cli_name(path), strerror(errno));
    free(line);
    cli_close_in(fp);
    if (n == 0)
        cli_die(RV_DATA, "%s: no words to map", cli_name(path));
    *nout = n;
    return w;
}

/* A coordinate that prints as zero prints as 0.000000: the eigensolver leaves residues of
 * 1e-17 of either sign where the answer is exactly 0, and -0.000000 would make the output
 * differ for no reason. */
static double
map_coord(float v)
{
    return fabsf(v) < 5e-7f ? 0.0 : (double)v;
}

/* Looks the words up exactly, as -q does (rows as the metric sees them: unit length for
 * cos, raw for dot and l2), projects them with pca_2d and prints word, x, y. */
static int
run_map(const struct opts *o, const struct vecset *s, FILE *out)
{
    size_t nw;
    char **w = read_words(o->map, &nw);
    struct knn_map mp;
    if (knn_map_lookup(&mp, s, o->metric, w, nw) < 0)
        cli_die_nomem();
    for (size_t i = 0; i < mp.nmissing; i++)
        cli_warn("'%s' not in vocabulary", cli_word(w[mp.missing[i]], (char[CLI_WORD_BUF]){0}));
    if (mp.nmissing > 0)
        cli_warn("%s: %zu of %zu words not in the vectors, skipped", cli_name(o->map),
                 mp.nmissing, nw);
    if (mp.dups > 0)
        cli_warn("%s: %zu repeated word%s skipped", cli_name(o->map), mp.dups,
                 mp.dups == 1 ? "" : "s");
    if (mp.n == 0)
        cli_die(RV_DATA, "%s: none of its words is in the vectors", cli_name(o->map));
    const int rc = knn_map_project(&mp);
    if (rc < 0)
        cli_die_status(rc, "%s: pca", cli_name(o->vectors));
    for (size_t i = 0; i < mp.n; i++)
        fprintf(out, "%s\t%.6f\t%.6f\n", s->words[mp.ids[i]], map_coord(mp.xy[i * 2]),
                map_coord(mp.xy[i * 2 + 1]));
    if (o->verbose) {
        const double total = knn_map_total_variance(&mp);
        cli_warn("map: %zu words; the two axes show %.1f%% and %.1f%% of their variance", mp.n,
                 total > 0 ? 100 * mp.var[0] / total : 0.0,
                 total > 0 ? 100 * mp.var[1] / total : 0.0);
    }
    for (size_t i = 0; i < nw; i++)
        free(w[i]);
    free(w);
    knn_map_free(&mp);
    return RV_OK;
}

/* ---- analogies ---- */
static void
print_section(FILE *out, const char *name, size_t correct, size_t seen, size_t skipped)
{
    fprintf(out, "%s\t%zu\t%zu\t%zu\t%.6f\n", name, correct, seen, skipped,
            seen ? (double)correct / (double)seen : 0.0);
}

static int
run_analogy_eval(const struct opts *o, const struct vecset *s, FILE *out)
{
    FILE *fp = cli_open_in(o->analogy_file);
    struct analogy_result res;
    struct w2vfmt_error err = {0};
    const int rc = analogy_eval(s, fp, &o->an, &res, &err);
    if (rc < 0) {
        if (err.line > 0)
            cli_die(RV_DATA, "%s: line %zu: %s", cli_name(o->analogy_file), err.line, err.msg);
        cli_die_status(rc, "%s", cli_name(o->analogy_file));
    }
    cli_close_in(fp);
    if (res.bad_lines > 0)
        cli_warn("%s: %zu line%s without 4 words skipped (first: line %zu)",
                 cli_name(o->analogy_file), res.bad_lines, res.bad_lines == 1 ? "" : "s",
                 res.first_bad_line);
    if (res.questions == 0) { /* not "no question has all 4 words": there is none */
        const size_t bad = res.bad_lines;
        analogy_result_free(&res);
        cli_die(RV_DATA, "%s: no question of 4 words in the file%s", cli_name(o->analogy_file),
                bad > 0 ? "" : " (empty, or only comments and section lines)");
    }
    struct analogy_section g[2];
    analogy_result_group(&res, 0, &g[0]);
    analogy_result_group(&res, 1, &g[1]);
    fprintf(out, "section\tcorrect\tseen\tskipped\taccuracy\n");
    for (size_t i = 0; i < res.nsec; i++)
        print_section(out, res.sec[i].name, res.sec[i].correct, res.sec[i].seen,
                      res.sec[i].skipped);
    print_section(out, "semantic", g[0].correct, g[0].seen, g[0].skipped);
    print_section(out, "syntactic", g[1].correct, g[1].seen, g[1].skipped);
    print_section(out, "total", res.correct, res.seen, res.skipped);
    const int none = res.seen == 0;
    if (none)
        cli_warn("%s: no question has all 4 words among the first %zu", cli_name(o->analogy_file),
                 o->an.restrict_n ? o->an.restrict_n : s->v);
    analogy_result_free(&res);
    return none ? RV_DATA : RV_OK;
}

/* "a b c" per stdin line -> top k for b - a + c (3CosAdd) or 3CosMul, inputs excluded. */
static int
run_analogies(const struct opts *o, const struct vecset *s, FILE *out)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, found = 0, missing = 0;
    const size_t n = rows_searched(o, s);
    struct knn_hit *h = cli_mallocarray(o->k, sizeof *h);
    struct analogy_ask a;
    if (analogy_ask_init(&a, s, o->an.method, n, o->k, &o->an.knn) < 0)
        cli_die_nomem();
    while (getline(&line, &cap, stdin) >= 0) {
        char *w[4], *save = NULL;
        size_t nw = 0;
        int in[3];
        lineno++;
        for (char *t = strtok_r(line, " \t\r\n", &save); t && nw < 4; t = strtok_r(NULL, " \t\r\n", &save))
            w[nw++] = t;
        if (nw == 0)
            continue;
        if (nw != 3) {
            cli_warn("<stdin>: line %zu: expected 3 words \"a b c\"", lineno);
            missing++;
            continue;
        }
        if (analogy_ask_words(&a, (const char *const *)w, in) < 0)
            cli_die_nomem();
        for (int i = 0; i < 3; i++)
            if (in[i] < 0)
                cli_warn("'%s' not in vocabulary", cli_word(w[i], (char[CLI_WORD_BUF]){0}));
            else if (in[i] == 0 && !o->quiet)
                cli_warn("'%s' not in vocabulary: its character n-grams stand in",
                         cli_word(w[i], (char[CLI_WORD_BUF]){0}));
        if (in[0] < 0 || in[1] < 0 || in[2] < 0) {
            missing++;
            continue;
        }
        found++;
        const int rc = analogy_ask_search(&a, h);
        if (rc < 0)
            cli_die_status(rc, "search");
        for (size_t r = 0; r < o->k && h[r].id != KNN_NONE; r++)
            fprintf(out, "%s %s %s\t%zu\t%s\t%.6f\n", w[0], w[1], w[2], r + 1,
                    s->words[h[r].id], h[r].score);
        fflush(out);
    }
    free(line);
    free(h);
    analogy_ask_free(&a);
    return missing > 0 && found == 0 ? RV_DATA : RV_OK;
}

static int
run_similarity(const struct opts *o, const struct vecset *s, FILE *out)
{
    struct analogy_lookup lk;
    struct evalsim_result r;
    if (analogy_lookup_init(&lk, s, o->an.restrict_n, o->an.fold) < 0)
        cli_die_nomem();
    FILE *fp = cli_open_in(o->similarity_file);
    const int rc = evalsim_eval(&lk, fp, &r);
    if (rc < 0)
        cli_die_status(rc, "%s", cli_name(o->similarity_file));
    cli_close_in(fp);
    analogy_lookup_free(&lk);
    if (r.bad_lines > 0)
        cli_warn("%s: %zu line%s not \"word word score\" skipped (first: line %zu)",
                 cli_name(o->similarity_file), r.bad_lines, r.bad_lines == 1 ? "" : "s",
                 r.first_bad_line);
    if (r.undefined != NULL)
        cli_die(RV_DATA, "%s: %s over the %zu pairs with known words: no correlation",
                cli_name(o->similarity_file), r.undefined, r.found);
    fprintf(out, "spearman\t%.6f\npearson\t%.6f\npairs\t%zu\nfound\t%zu\noov\t%zu\n"
            "coverage\t%.6f\n", r.spearman, r.pearson, r.pairs, r.found, r.oov,
            r.pairs ? (double)r.found / (double)r.pairs : 0.0);
    if (vecset_has_subwords(s))
        fprintf(out, "ngrams\t%zu\n", r.ngrams);
    if (r.found < 2) {
        cli_warn("%s: fewer than 2 pairs with known words", cli_name(o->similarity_file));
        return RV_DATA;
    }
    return RV_OK;
}

int
main(int argc, char **argv)
{
    struct opts o;
    struct cli_out out;
    int rval;

    cli_init(argv[0]);
    cli_blas_reserve(0);
    parse_args(&o, argc, argv);
    if (!o.restrict_set)
        o.an.restrict_n = RESTRICT_EVAL_DEFAULT;
    else
        o.an.restrict_n = o.restrict_n;
    if (vec_select_status() < 0)
        cli_die(RV_USAGE, "WP_KERNEL names no usable kernel");
    blas_set_threads(1); /* knn runs its own workers, each calling sgemm */
    cli_blas_reserve(o.an.knn.threads);
    struct vecset *s = load(&o);
    if (o.k > s->v) /* more than every row cannot be listed; keeps -a memory bounded */
        o.k = s->v;
    cli_out_open(&out, o.output,
                 o.convert == 1 + VECSET_STREAM || o.convert > CONVERT_TABLE ? CLI_OUT_STREAM
                 : o.convert == 1 + W2VFMT_BIN || o.convert == 1 + VECSET_FASTTEXT
                     ? CLI_OUT_BINARY
                     : CLI_OUT_TEXT,
                 o.force);
    if (o.convert > CONVERT_TABLE) {
        cli_out_mappable(&out);
        const int rc = vectab_write(out.fp, s->words, s->m, s->unit, s->v, s->d,
                                    (unsigned)(o.convert - CONVERT_TABLE));
        if (rc < 0)
            cli_out_die(&out, rc);
        rval = RV_OK;
    } else if (o.convert) {
        convert(&o, s, &out);
        rval = RV_OK;
    } else if (o.qvec) {
        rval = run_query_vectors(&o, s, out.fp);
    } else if (o.map) {
        rval = run_map(&o, s, out.fp);
    } else if (o.analogy_file)
        rval = run_analogy_eval(&o, s, out.fp);
    else if (o.similarity_file)
        rval = run_similarity(&o, s, out.fp);
    else if (o.analogies)
        rval = run_analogies(&o, s, out.fp);
    else
        rval = run_queries(&o, s, out.fp);
    cli_out_commit(&out);
    vecset_free(s);
    free(o.queries);
    return rval;
}
