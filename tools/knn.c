/* knn - nearest neighbours, analogies and evaluation over word vectors. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_blas.h"
#include "common/status.h"
#include "kernels/blas.h"
#include "kernels/vec.h"
#include "knn/knn.h"
#include "knn/knn_hnsw.h"
#include "knn/knn_lines.h"
#include "knn/knn_query.h"
#include "stream/rec_payload.h"
#include "vecio/vecset.h"
#include "vecio/vecfile.h"
#include "vecio/vectab.h"
#include "vecio/w2vfmt.h"
#include "knn_cli.h"

/* --convert: the vectors written in another format, or as a vector table. */
static void
convert(const struct knn_args *o, const struct vecset *s, struct cli_out *out)
{
    const int format = o->convert - 1;
    if (format & VECFILE_TABLE)
        cli_out_mappable(out);
    const int rc = vecfile_write_set(out->fp, format, s, NULL, REC_LEVEL_DEFAULT);
    if (rc == WP_EFORMAT && (format == W2VFMT_TEXT || format == W2VFMT_BIN))
        cli_die(RV_DATA, "%s: a word has a space or newline (not writable as word2vec)",
                o->output ? o->output : "<stdout>");
    if (rc < 0)
        cli_out_die(out, rc);
}

static struct vecset *
load(const struct knn_args *o)
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

/* ---- neighbour queries ---- */
struct qctx {
    const struct knn_args *o;
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

/* Reads stdin a batch of whole lines at a time (knn_lines.h), one query word a line. */
static void
stdin_queries(struct qctx *c)
{
    struct knn_lines l;
    if (knn_lines_init(&l) < 0)
        cli_die_nomem();
    int rc;
    do {
        if ((rc = knn_lines_fill(&l, STDIN_FILENO)) < 0)
            cli_die_status(rc, "<stdin>");
        size_t nids = 0;
        int multi;
        for (char *w; (w = knn_lines_next(&l, &multi)) != NULL;) {
            if (multi) /* one word a line: say so rather than drop the rest */
                cli_warn("<stdin>: line %zu: one query word per line: looked up '%s' only, "
                         "the rest of the line ignored", l.lineno, w);
            if (*w != '\0' && lookup(c, w, &l.ids[nids]))
                nids++;
        }
        answer(c, l.ids, nids);
        fflush(c->out);
    } while (rc > 0);
    if (l.multi > 1)
        cli_warn("<stdin>: %zu lines held more than one word (first: line %zu); only the first "
                 "word of each was looked up", l.multi, l.first_multi);
    knn_lines_free(&l);
}

/* Maps the HNSW index at o->hnsw, or builds it and saves it there when it does not exist. */
static struct knn_hnsw *
open_hnsw(const struct knn_args *o, const struct vecset *s, const struct knn_db *db)
{
    struct knn_hnsw *h;
    struct w2vfmt_error err = {0};
    const uint64_t fpr = vecset_matrix_fingerprint(s);
    int rc = knn_hnsw_open(&h, o->hnsw, db, fpr, o->trust ? KNN_HNSW_TRUST : 0, &err);
    if (rc == WP_OK)
        return h;
    if (rc != WP_ENOTFOUND && err.msg[0])
        cli_die(cli_exit_code(rc), "%s: %s", o->hnsw, err.msg);
    if (rc != WP_ENOTFOUND)
        cli_die_status(rc, "%s", o->hnsw);
    cli_out_check(o->hnsw); /* an unwritable path fails now, not after the build */
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
    const struct knn_args *o = c->o;
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
    const struct knn_args *o = c->o;
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
run_queries(const struct knn_args *o, const struct vecset *s, FILE *out)
{
    struct qctx c = {.o = o, .s = s, .out = out};
    knn_db_of_set(&c.db, &c.sq8, s, o->metric, knn_rows_searched(o, s), o->int8, o->rerank);
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
run_query_vectors(const struct knn_args *o, const struct vecset *s, FILE *out)
{
    enum { QBATCH = 4096 };
    struct qctx c = {.o = o, .s = s, .out = out};
    struct knn_qvecs b;
    knn_db_of_set(&c.db, &c.sq8, s, o->metric, knn_rows_searched(o, s), 0, 0);
    FILE *fp = cli_open_in(o->qvec);
    struct rec_reader *r = cli_reader_open(fp, o->qvec, REC_VECTORS);
    uint64_t dim = 0;
    if (rec_meta_get_u64(rec_reader_meta(r), "dim", &dim) < 0 || dim != s->d)
        cli_die(RV_DATA, "%s: dimension %llu, the vectors have %zu", cli_name(o->qvec),
                (unsigned long long)dim, s->d);
    uint64_t made;
    if (!o->any_source && cli_vectors_model(rec_reader_meta(r), o->qvec, &made))
        cli_check_model(o->qvec, made, vecset_made_by(s), "the vectors searched have");
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

/* Renames -o's file into place only on success: a run that exits 3 (nothing answered) leaves
 * the old file as it was. Standard output, a device or a FIFO keep what was written. */
static void
finish_out(struct cli_out *out, int rval)
{
    if (rval == RV_OK || out->tmp == NULL)
        cli_out_commit(out);
    else
        cli_out_abort(out);
}

int
main(int argc, char **argv)
{
    struct knn_args o;
    struct cli_out out;
    int rval;

    cli_init(argv[0]);
    cli_blas_reserve(0);
    knn_parse_args(&o, argc, argv);
    if (vec_select_status() < 0)
        cli_die(RV_USAGE, "WP_KERNEL names no usable kernel");
    blas_set_threads(1); /* knn runs its own workers, each calling sgemm */
    cli_blas_reserve(o.an.knn.threads);
    struct vecset *s = load(&o);
    if (o.k > s->v) /* more than every row cannot be listed; keeps -a memory bounded */
        o.k = s->v;
    const int format = o.convert - 1;
    cli_out_open(&out, o.output,
                 format == VECSET_STREAM || (o.convert && (format & VECFILE_TABLE))
                     ? CLI_OUT_STREAM
                 : format == W2VFMT_BIN || format == VECSET_FASTTEXT ? CLI_OUT_BINARY
                                                                     : CLI_OUT_TEXT,
                 o.force);
    if (o.convert) {
        convert(&o, s, &out);
        rval = RV_OK;
    } else if (o.qvec) {
        rval = run_query_vectors(&o, s, out.fp);
    } else if (o.map) {
        rval = knn_run_map(&o, s, out.fp);
    } else if (o.analogy_file)
        rval = knn_run_analogy_eval(&o, s, out.fp);
    else if (o.similarity_file)
        rval = knn_run_similarity(&o, s, out.fp);
    else if (o.analogies)
        rval = knn_run_analogies(&o, s, out.fp);
    else
        rval = run_queries(&o, s, out.fp);
    finish_out(&out, rval);
    vecset_free(s);
    free(o.queries);
    return rval;
}
