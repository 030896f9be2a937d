/* embed - vectors for text: static (word2vec vectors) or contextual (an elmo-train model),
 * per token or per sentence, as a wordpipe stream or numpy .npy. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "common/status.h"
#include "embed/embed_batch.h"
#include "embed/embed_cache.h"
#include "embed/embed_ctx.h"
#include "embed/embed_layers.h"
#include "embed/embed_out.h"
#include "embed/embed_sent.h"
#include "embed/embed_static.h"
#include "cli_blas.h"
#include "kernels/blas.h"
#include "lm/lm.h"
#include "stream/rec_payload.h"
#include "vecio/vecfile.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"

enum { BATCH_DEFAULT = 64, THREADS_MAX = 64 };

struct opts {
    const char *vectors, *model, *tokens, *output, *npy_dir, *unk, *cache, *cache_vocab;
    int oov, pool, normalize, carry, format, export_fmt, force, quiet, level, threads;
    int sel_set, gamma_set;
    size_t batch;
    double gamma;
    struct embed_sel sel;
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [-o file] [-z level] [--format stream|npy] [--npy-dir dir]\n"
            "       [--sentence mean|max] --vectors file [--oov skip|zero|error|unk=word]\n"
            "       [--normalize] [tokens]\n"
            "       %s [options] [-b sentences] [-t threads] --model file\n"
            "       [--layers all | --layer n | --average | --mix w0,w1,... [--gamma g]]\n"
            "       [--carry-state] [--cache file] [tokens]\n"
            "       %s [-fq] [-o file] --model file --cache-vocab\n"
            "       %s [-f] [-o file] --vectors file --export txt|bin|fasttext\n",
            cli_progname, cli_progname, cli_progname, cli_progname);
    exit(status);
}

static void
parse_mix(struct opts *o, const char *s)
{
    double w[EMBED_MAX_LAYERS];
    size_t n = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        const double v = strtod(p, &end);
        if (end == p || errno != 0 || !isfinite(v) || (*end != ',' && *end != '\0'))
            cli_die(RV_USAGE, "--mix %s: expected comma-separated numbers", s);
        if (n == EMBED_MAX_LAYERS)
            cli_die(RV_USAGE, "--mix %s: more than %d weights", s, EMBED_MAX_LAYERS);
        w[n++] = v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    embed_sel_mix(&o->sel, w, n, 1.0);
}

static void
check_args(struct opts *o)
{
    if (!o->vectors == !o->model)
        cli_die(RV_USAGE, "give exactly one of --vectors and --model");
    if (o->export_fmt && !o->vectors)
        cli_die(RV_USAGE, "--export needs --vectors");
    if (o->cache_vocab && !o->model)
        cli_die(RV_USAGE, "--cache-vocab needs --model");
    if (o->vectors && (o->sel_set || o->carry || o->cache))
        cli_die(RV_USAGE, "--layers, --layer, --average, --mix, --carry-state and --cache need "
                          "--model");
    if (o->model && (o->oov != EMBED_OOV_SKIP || o->normalize))
        cli_die(RV_USAGE, "--oov and --normalize need --vectors (a model maps unknown words "
                          "to <UNK> or spells them)");
    if (o->gamma_set && o->sel.mode != EMBED_SEL_MIX)
        cli_die(RV_USAGE, "--gamma needs --mix");
    if (o->normalize && o->pool != EMBED_POOL_MEAN)
        cli_die(RV_USAGE, "--normalize needs --sentence mean");
    if (o->npy_dir && (o->output || o->format != EMBED_OUT_STREAM))
        cli_die(RV_USAGE, "--npy-dir excludes -o and --format");
    if ((o->export_fmt || o->cache_vocab) && (o->tokens || o->pool || o->npy_dir ||
                                              o->format != EMBED_OUT_STREAM))
        cli_die(RV_USAGE, "--export and --cache-vocab read no tokens and write no embeddings");
    const char *src = o->vectors ? o->vectors : o->model;
    if (strcmp(src, "-") == 0 && !o->export_fmt && !o->cache_vocab &&
        (o->tokens == NULL || strcmp(o->tokens, "-") == 0))
        cli_die(RV_USAGE, "the %s and the tokens cannot both be stdin",
                o->vectors ? "vectors" : "model");
    if (o->sel.mode == EMBED_SEL_MIX)
        o->sel.gamma = (float)o->gamma;
}

/* --oov skip|zero|error|unk=WORD */
static void
opt_oov(void *dst, const char *arg)
{
    static const char *const oovs[] = {"skip", "zero", "error"};
    struct opts *o = dst;
    if (strncmp(arg, "unk=", 4) == 0 && arg[4] != '\0') {
        o->oov = EMBED_OOV_UNK;
        o->unk = arg + 4;
    } else {
        o->oov = cli_parse_enum(arg, "--oov", oovs, 3);
    }
}

static void
opt_mix(void *o, const char *arg)
{
    parse_mix(o, arg);
}

static void
opt_cache_vocab(void *o, const char *arg)
{
    ((struct opts *)o)->cache_vocab = "-";
}

static const char *const pool_names[] = {"mean", "max"}, *const format_names[] = {"stream", "npy"},
                         *const export_names[] = {"txt", "bin", "fasttext"},
                         *const layers_names[] = {"all"};
static const int one_two_three[] = {1, 2, 3}, layers_all[] = {EMBED_SEL_ALL};

/* the layer selections count in sel_set: more than one is refused */
#define AT(m) CLI_AT(struct opts, m)
#define SEL CLI_COUNTS(struct opts, sel_set)
static const struct cli_opt options[] = {
    {"batch", 'b', CLI_OPT_U64, AT(batch), .lo = 1, .hi = 1 << 20},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"model", 0, CLI_OPT_STR, AT(model)},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"threads", 't', CLI_OPT_U64, AT(threads), .lo = 1, .hi = THREADS_MAX},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"vectors", 0, CLI_OPT_STR, AT(vectors)},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"oov", 0, CLI_OPT_CALL, .call = opt_oov, .arg = 1},
    {"sentence", 0, CLI_OPT_ENUM, AT(pool), .names = pool_names, .nnames = 2,
     .values = one_two_three},
    {"normalize", 0, CLI_OPT_FLAG, AT(normalize)},
    {"layers", 0, CLI_OPT_ENUM, AT(sel.mode), .names = layers_names, .nnames = 1,
     .values = layers_all, SEL},
    {"layer", 0, CLI_OPT_U64, AT(sel.layer), .lo = 0, .hi = EMBED_MAX_LAYERS - 1,
     CLI_ALSO(struct opts, sel.mode, EMBED_SEL_ONE), SEL},
    {"average", 0, CLI_OPT_CONST, AT(sel.mode), .val = EMBED_SEL_AVERAGE, SEL},
    {"mix", 0, CLI_OPT_CALL, .call = opt_mix, .arg = 1, SEL},
    {"gamma", 0, CLI_OPT_DOUBLE, AT(gamma), .dlo = -1e6, .dhi = 1e6,
     CLI_ALSO(struct opts, gamma_set, 1)},
    {"carry-state", 0, CLI_OPT_FLAG, AT(carry)},
    {"format", 0, CLI_OPT_ENUM, AT(format), .names = format_names, .nnames = 2},
    {"npy-dir", 0, CLI_OPT_STR, AT(npy_dir)},
    {"export", 0, CLI_OPT_ENUM, AT(export_fmt), .names = export_names, .nnames = 3,
     .values = one_two_three},
    {"cache-vocab", 0, CLI_OPT_CALL, .call = opt_cache_vocab},
    {"cache", 0, CLI_OPT_STR, AT(cache)},
    {NULL, 'm', CLI_OPT_MOVED, .moved = "--model", .arg = 1},
    {NULL, 'w', CLI_OPT_MOVED, .moved = "--vectors", .arg = 1},
};
#undef AT
#undef SEL

static void
parse_args(struct opts *o, int argc, char **argv)
{
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->level = REC_LEVEL_DEFAULT;
    o->batch = BATCH_DEFAULT;
    o->gamma = 1.0;
    o->threads = ncpu > 0 ? (int)(ncpu > THREADS_MAX ? THREADS_MAX : ncpu) : 1;
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (argc - first > 1)
        usage(stderr, RV_USAGE);
    o->tokens = argc - first == 1 ? argv[first] : NULL;
    if (o->sel_set > 1)
        cli_die(RV_USAGE, "choose one of --layers, --layer, --average, --mix");
    o->sel_set = o->sel_set > 0;
    check_args(o);
}

/* ---- the token stream ---- */
/* Reads the next sentence into s; 0 at the end. */
static int
sent_read(struct rec_reader *r, const char *path, struct embed_tokens *s, size_t max_chars)
{
    const unsigned char *rec;
    size_t len;
    if (cli_reader_next(r, path, &rec, &len) != 1)
        return 0;
    const int rc = embed_tokens_decode(s, rec, len, max_chars);
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc < 0)
        cli_die_record(r, path, rc);
    return 1;
}

static float *
sent_out(struct embed_tokens *s, size_t floats)
{
    float *x = embed_tokens_out(s, floats);
    if (x == NULL)
        cli_die_nomem();
    return x;
}

/* ---- output: a stream or .npy on -o, or one .npy per sentence in --npy-dir ---- */
struct sink {
    const struct opts *o;
    struct cli_out out;
    struct embed_out *eo;
    size_t layers, dim;
    const char *outname;
};

static void
sink_open(struct sink *k, const struct opts *o, size_t layers, size_t dim, struct rec_meta *meta)
{
    memset(k, 0, sizeof *k);
    k->o = o;
    k->layers = layers;
    k->dim = dim;
    k->outname = o->output && strcmp(o->output, "-") != 0 ? o->output : "<stdout>";
    if (o->npy_dir) {
        if (mkdir(o->npy_dir, 0777) < 0 && errno != EEXIST)
            cli_die(RV_FAIL, "%s: %s", o->npy_dir, strerror(errno));
        return;
    }
    const struct embed_out_cfg cfg = {.format = o->format, .sentences = o->pool != 0,
                                      .layers = layers, .dim = dim, .level = o->level,
                                      .meta = meta};
    cli_out_open(&k->out, o->output, o->format == EMBED_OUT_NPY ? CLI_OUT_BINARY : CLI_OUT_STREAM,
                 o->force);
    const int rc = embed_out_open(&k->eo, k->out.fp, &cfg);
    if (rc < 0)
        cli_out_die(&k->out, rc);
}

static void
sink_check(struct sink *k, int rc)
{
    if (rc < 0)
        cli_out_die(&k->out, rc);
}

/* --npy-dir: DIR/NNNNNN.npy holding one sentence, each file atomic. */
static void
npy_file(struct sink *k, uint64_t id, size_t n, const float *x)
{
    char path[4096];
    struct cli_out f;
    if ((size_t)snprintf(path, sizeof path, "%s/%06llu.npy", k->o->npy_dir,
                         (unsigned long long)id) >= sizeof path)
        cli_die(RV_USAGE, "%s: path too long", k->o->npy_dir);
    cli_out_open(&f, path, 1, 1);
    const int rc = embed_out_npy_one(f.fp, n, k->layers, k->dim, k->o->pool != 0, x);
    if (rc < 0)
        cli_out_die(&f, rc);
    cli_out_commit(&f);
}

static void
sink_tokens(struct sink *k, uint64_t id, const struct embed_tokens *s, size_t n, const float *x)
{
    if (k->o->npy_dir)
        npy_file(k, id, n, x);
    else
        sink_check(k, embed_out_tokens(k->eo, id, s->tok, s->len, s->pos, n, x));
}

static void
sink_sentence(struct sink *k, uint64_t id, const struct embed_tokens *s, const float *x)
{
    if (k->o->npy_dir)
        npy_file(k, id, 1, x);
    else
        sink_check(k, embed_out_sentence(k->eo, id, s->tok, s->len, s->n, x));
}

static void
sink_close(struct sink *k)
{
    if (k->o->npy_dir)
        return;
    const int rc = embed_out_close(k->eo);
    k->eo = NULL;
    sink_check(k, rc);
    cli_out_commit(&k->out);
}

/* A sentence's vectors (embed_emit_fn) to the output. */
static int
emit(void *ctx, uint64_t id, const struct embed_tokens *s, size_t n, const float *x)
{
    struct sink *k = ctx;
    if (k->o->pool)
        sink_sentence(k, id, s, x);
    else
        sink_tokens(k, id, s, n, x);
    return WP_OK;
}

/* ---- static vectors ---- */
static int
export_vectors(const struct opts *o, const struct vecset *s)
{
    struct cli_out out;
    static const int formats[] = {W2VFMT_TEXT, W2VFMT_BIN, VECSET_FASTTEXT};
    cli_out_open(&out, o->output, o->export_fmt >= 2 ? CLI_OUT_BINARY : CLI_OUT_TEXT, o->force);
    const int rc = vecfile_write_set(out.fp, formats[o->export_fmt - 1], s, NULL, 0);
    if (rc < 0) {
        cli_out_abort(&out);
        if (rc == WP_EFORMAT)
            cli_die(RV_DATA, "%s: a word has a space or newline (not writable as word2vec)",
                    cli_name(o->vectors));
        cli_out_die(&out, rc);
    }
    cli_out_commit(&out);
    return RV_OK;
}

/* Each sentence's static vectors (or, with --sentence, their pooled vector) to k. */
static void
static_sentences(const struct opts *o, struct rec_reader *r, struct embed_static *es,
                 size_t d, struct sink *k)
{
    struct embed_tokens s = {0};
    struct embed_pool pool;
    float *pooled = cli_mallocarray(d, sizeof *pooled);
    uint64_t id = 0;
    if (embed_pool_init(&pool, o->pool, o->normalize, d) < 0)
        cli_die_nomem();
    for (; sent_read(r, o->tokens, &s, 0); id++) {
        size_t n, bad;
        float *x = sent_out(&s, (s.n ? s.n : 1) * d);
        embed_pool_reset(&pool);
        const int rc = embed_static_sentence(es, &s, x, &pool, &n, &bad);
        if (rc == WP_ENOTFOUND)
            cli_die(RV_DATA, "%s: sentence %llu, token %zu '%.*s': not in the vectors",
                    cli_name(o->tokens), (unsigned long long)id, bad, (int)s.len[bad],
                    (const char *)s.tok[bad]);
        if (rc < 0)
            cli_die_nomem();
        if (o->pool) {
            embed_pool_result(&pool, pooled);
            embed_tokens_reset(&s); /* the label is the whole input sentence */
        }
        emit(k, id, &s, n, o->pool ? pooled : x);
    }
    embed_pool_free(&pool);
    free(pooled);
    embed_tokens_free(&s);
}

/* No silent limits: tokens given n-gram vectors only, or handled by the OOV policy. */
static void
warn_static(const struct opts *o, const struct embed_static *es)
{
    if (es->subwords && !o->quiet)
        cli_warn("%s: %llu of %llu tokens not in the vocabulary got vectors from their "
                 "character n-grams only", cli_name(o->tokens),
                 (unsigned long long)es->ngram_tokens, (unsigned long long)es->tokens);
    if (es->oov_tokens > 0 && !o->quiet && o->oov != EMBED_OOV_ERROR)
        cli_warn("%s: %llu of %llu tokens not in the vectors (%s)", cli_name(o->tokens),
                 (unsigned long long)es->oov_tokens, (unsigned long long)es->tokens,
                 o->oov == EMBED_OOV_SKIP ? "skipped"
                 : o->oov == EMBED_OOV_ZERO ? "zero vectors" : "--oov unk");
}

static int
run_static(const struct opts *o)
{
    struct vecset *vs = cli_vecset_load(o->vectors, W2VFMT_AUTO);
    int64_t unk = -1;
    if (o->oov == EMBED_OOV_UNK && (unk = vecset_find(vs, o->unk, strlen(o->unk))) < 0)
        cli_die(RV_DATA, "%s: --oov unk=%s: word not in the vectors", cli_name(o->vectors),
                o->unk);
    if (o->export_fmt) {
        const int rc = vecset_need_floats(vs); /* an int8-only vector table: decoded */
        if (rc < 0)
            cli_die_status(rc, "%s", cli_name(o->vectors));
        const int rv = export_vectors(o, vs);
        vecset_free(vs);
        return rv;
    }
    FILE *fp = cli_open_in(o->tokens);
    struct rec_reader *r = cli_reader_open(fp, o->tokens, REC_TOKENS);
    struct rec_meta *meta = rec_meta_new();
    if (meta == NULL || embed_static_meta(meta, o->oov) < 0)
        cli_die_nomem();
    struct sink k;
    sink_open(&k, o, 1, vs->d, meta);
    /* .npy token arrays index tokens by position, as the stream's records do: a skipped
     * token leaves a zero row where it was rather than shifting the later ones up */
    const int npy_slots = !o->pool && (o->npy_dir != NULL || o->format == EMBED_OUT_NPY);
    struct embed_static es;
    embed_static_init(&es, vs, o->oov, unk, npy_slots);
    static_sentences(o, r, &es, vs->d, &k);
    sink_close(&k);
    warn_static(o, &es);
    rec_meta_free(meta);
    rec_reader_free(r);
    cli_close_in(fp);
    vecset_free(vs);
    return RV_OK;
}

/* ---- contextual: an elmo-train model ---- */
static struct lm *
load_model(const char *path)
{
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_MODEL);
    struct lm *m;
    struct lm_load_error err;
    const int rc = lm_load_checked(r, &m, &err);
    if (rc < 0) {
        const int code = cli_exit_code(rc);
        const char *detail = rec_reader_detail(r);
        if (rc == WP_ENOMEM)
            cli_die_nomem();
        if (err.msg[0] != '\0')
            cli_die(code, "%s: model: %s", cli_name(path), err.msg);
        if (rc == WP_EKIND)
            cli_die(code, "%s: not an elmo model (metadata model=elmo missing)", cli_name(path));
        /* the stream's own errors say where; a tensor that does not fit the header's
         * configuration (WP_ECORRUPT without detail) is the model's, not a block's */
        if (detail != NULL || rc == WP_ECHECKSUM || rc == WP_ETRUNC || rc == WP_EIO)
            cli_die(code, "%s: %s: %s", cli_name(path), rec_reader_where(r),
                    detail ? detail : rc == WP_EIO ? strerror(errno) : wp_strerror(rc));
        cli_die(code, "%s: model: %s", cli_name(path), wp_strerror(rc));
    }
    rec_reader_free(r);
    cli_close_in(fp);
    return m;
}

static int
write_cache(const struct opts *o, const struct lm *m)
{
    struct cli_out out;
    cli_out_open(&out, o->output, 1, o->force);
    const int rc = embed_cache_write(out.fp, m, o->level);
    if (rc < 0)
        cli_out_die(&out, rc);
    cli_out_commit(&out);
    return RV_OK;
}

/* MODEL.cache beside the model is used when it was made from this model; one made from
 * another model is ignored with a warning. Returns its path or NULL. */
static const char *
auto_cache(const char *model, const struct lm *m)
{
    static char path[4096];
    const int rc = embed_cache_beside(model, m, path, sizeof path);
    if (rc == WP_ENOTFOUND)
        return NULL;
    if (rc < 0) {
        cli_warn("%s: not a token cache of this model; ignored", path);
        return NULL;
    }
    return path;
}

/* The token-layer cache: refused unless made from exactly this model. */
static float *
load_cache(const char *path, const struct lm *m)
{
    const size_t width = lm_width(&m->c), n = m->c.vocab - LM_NSPECIAL;
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_VECTORS);
    const int rc = embed_cache_check(rec_reader_meta(r), m);
    if (rc == WP_EKIND)
        cli_die(RV_DATA, "%s: not a token cache (make one with embed --cache-vocab)", path);
    if (rc < 0)
        cli_die(RV_DATA, "%s: cache of another model (weights, size or vocabulary differ); "
                         "remake it with embed --cache-vocab", path);
    float *rows = cli_mallocarray((n ? n : 1) * width, sizeof *rows);
    size_t i;
    int bad_record;
    const int e = embed_cache_read(r, m, rows, &i, &bad_record);
    if (e < 0 && bad_record)
        cli_die_record(r, path, e);
    if (e < 0)
        cli_die_reader(r, path, e);
    if (i != n)
        cli_die(RV_DATA, "%s: %zu rows, the model has %zu words", path, i, n);
    rec_reader_free(r);
    cli_close_in(fp);
    return rows;
}

/* The layer selection checked against the model, the token cache found and loaded, the
 * batches set up to write into k. */
static struct embed_batch *
batch_setup(const struct opts *o, const struct lm *m, struct sink *k, float **cache)
{
    const size_t layers = m->c.layers + 1;
    const char *cpath = o->cache != NULL ? o->cache : auto_cache(o->model, m);
    *cache = cpath != NULL ? load_cache(cpath, m) : NULL;
    if (o->cache == NULL && cpath != NULL && !o->quiet)
        cli_warn("using the token cache %s", cpath);
    if (embed_sel_check(&o->sel, layers) < 0) {
        if (o->sel.mode == EMBED_SEL_MIX)
            cli_die(RV_USAGE, "--mix: %zu weights, the model has %zu layers (0..%zu)",
                    o->sel.nmix, layers, layers - 1);
        cli_die(RV_USAGE, "--layer %u: the model has layers 0..%zu", o->sel.layer, layers - 1);
    }
    const struct embed_batch_cfg cfg = {.m = m, .sel = o->sel, .cache = *cache,
                                        .batch = o->batch, .threads = o->threads,
                                        .carry = o->carry, .pool = o->pool, .emit = emit,
                                        .ctx = k};
    struct embed_batch *b;
    if (embed_batch_new(&b, &cfg) < 0)
        cli_die_nomem();
    return b;
}

static int
run_model(const struct opts *o)
{
    struct lm *m = load_model(o->model);
    if (o->cache_vocab) {
        const int rv = write_cache(o, m);
        lm_free(m);
        return rv;
    }
    struct sink k;
    float *cache;
    struct embed_batch *b = batch_setup(o, m, &k, &cache);
    const size_t mc = m->c.char_input ? m->c.ch.max_chars : 0;
    FILE *fp = cli_open_in(o->tokens);
    struct rec_reader *r = cli_reader_open(fp, o->tokens, REC_TOKENS);
    struct rec_meta *meta = rec_meta_new();
    if (meta == NULL || embed_model_meta(meta, m) < 0)
        cli_die_nomem();
    size_t nout, d2;
    embed_batch_shape(b, &nout, &d2);
    sink_open(&k, o, nout, d2, meta);
    struct cli_progress pr;
    uint64_t done = 0;
    cli_progress_start(&pr, "sentences", o->quiet);
    for (;;) {
        const int more = sent_read(r, o->tokens, embed_batch_slot(b), mc);
        const int rc = more ? embed_batch_add(b) : embed_batch_flush(b);
        if (rc < 0)
            cli_die_status(rc, "%s", cli_name(o->model));
        if (embed_batch_done(b) != done)
            cli_progress_update(&pr, done = embed_batch_done(b), 0, NULL);
        if (!more)
            break;
    }
    sink_close(&k);
    cli_progress_end(&pr, done, NULL);
    const uint64_t cut = embed_batch_cut(b);
    if (cut > 0 && !o->quiet)
        cli_warn("%s: %llu token%s longer than %zu bytes cut for the character CNN "
                 "(the model's --max-chars %zu)", cli_name(o->tokens), (unsigned long long)cut,
                 cut == 1 ? "" : "s", mc - 2, mc);
    embed_batch_free(b);
    free(cache);
    rec_meta_free(meta);
    rec_reader_free(r);
    cli_close_in(fp);
    lm_free(m);
    return RV_OK;
}

int
main(int argc, char **argv)
{
    struct opts o;
    cli_init(argv[0]);
    cli_blas_reserve(0);
    parse_args(&o, argc, argv);
    /* embed's threads each take whole sentences; BLAS threads inside them would only
     * compete for the same cores (sgemv of one sentence is too small to split) */
    blas_set_threads(1);
    cli_blas_reserve(o.threads);
    const int rv = o.vectors ? run_static(&o) : run_model(&o);
    cli_close_stdout();
    return rv;
}
