/* embed - vectors for text: static (word2vec vectors) or contextual (an elmo-train model),
 * per token or per sentence, as a wordpipe stream or numpy .npy. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "embed_opts.h"
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
#include "vecio/vecfile.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"

/* A failed pass over the tokens (embed_fail): the reader's or record's error, else the
 * vectors' (what, naming src). */
static _Noreturn void
die_pass(struct rec_reader *r, const char *path, int rc, const struct embed_fail *f,
         const char *src)
{
    if (f->what == EMBED_FAIL_READ)
        cli_die_reader(r, path, rc);
    if (f->what == EMBED_FAIL_RECORD)
        cli_die_record(r, path, rc);
    cli_die_status(rc, "%s", cli_name(src));
}

/* ---- --npy-dir: the arrays go into a temporary directory beside dir, renamed into place
 * at the end, so that dir never mixes two runs nor keeps arrays of a longer earlier one */

/* 1 when name is one of the arrays embed writes: six or more digits, then ".npy". */
static int
npy_name_ok(const char *name)
{
    size_t n = strspn(name, "0123456789");
    return n >= 6 && strcmp(name + n, ".npy") == 0;
}

/* Whether dir holds arrays to replace: 0 when it is missing or empty. Exits 2 when it holds
 * anything unless force, and then still when it holds anything but arrays. */
static int
npy_dir_scan(const char *dir, int force)
{
    struct stat st;
    if (stat(dir, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        cli_die(RV_FAIL, "%s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        cli_die(RV_FAIL, "%s: %s", dir, strerror(ENOTDIR));
    DIR *d = opendir(dir);
    if (d == NULL)
        cli_die(RV_FAIL, "%s: %s", dir, strerror(errno));
    int arrays = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!force)
            cli_die(RV_USAGE, "--npy-dir %s: directory not empty (-f replaces the "
                    "NNNNNN.npy files of an earlier run)", dir);
        if (!npy_name_ok(e->d_name))
            cli_die(RV_USAGE, "--npy-dir %s: holds %s, not only NNNNNN.npy files: not "
                    "replaced", dir, e->d_name);
        arrays = 1;
    }
    closedir(d);
    return arrays;
}

/* Unlinks the arrays of dir, which npy_dir_scan found to hold nothing else. */
static void
npy_dir_clear(const char *dir)
{
    char path[4096];
    DIR *d = opendir(dir);
    if (d == NULL)
        cli_die(RV_FAIL, "%s: %s", dir, strerror(errno));
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!npy_name_ok(e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) < 0)
            cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
    }
    closedir(d);
}

/* A new temporary directory beside dir (".NAME.XXXXXX", mode as mkdir would give). */
static char *
npy_dir_temp(const char *dir)
{
    const size_t n = strlen(dir);
    char *tmp = cli_malloc(n + 16);
    const char *slash = strrchr(dir, '/');
    const size_t at = slash ? (size_t)(slash - dir + 1) : 0;
    snprintf(tmp, n + 16, "%.*s.%s.XXXXXX", (int)at, dir, dir + at);
    if (mkdtemp(tmp) == NULL)
        cli_die(RV_FAIL, "%s: %s", dir, strerror(errno));
    const mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0777 & ~mask);
    return tmp;
}

/* Before any work: dir without its trailing slashes (the temporary goes beside it, not
 * into it), checked: it may be replaced, and a directory can be made beside it. */
static char *
npy_dir_check(const char *path, int force)
{
    char *dir = cli_strdup(path);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0';
    npy_dir_scan(dir, force);
    char *tmp = npy_dir_temp(dir);
    rmdir(tmp);
    free(tmp);
    return dir;
}

/* ---- output: a stream or .npy on -o, or one .npy per sentence in --npy-dir ---- */
struct sink {
    const struct opts *o;
    struct cli_out out;
    struct embed_out *eo;
    size_t layers, dim;
    const char *outname;
    char *npy_tmp;      /* --npy-dir: the temporary directory being filled */
    uint64_t npy_files; /* and the number past its highest array */
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
        k->npy_tmp = npy_dir_temp(o->npy_dir);
        cli_set_pending_dir(k->npy_tmp, 0);
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

/* --npy-dir: TMP/NNNNNN.npy holding one sentence. */
static void
npy_file(struct sink *k, uint64_t id, size_t n, const float *x)
{
    char path[4096];
    struct cli_out f;
    const size_t len = strlen(k->npy_tmp);
    if (len + 32 > sizeof path)
        cli_die(RV_USAGE, "%s: path too long", k->o->npy_dir);
    memcpy(path, k->npy_tmp, len);
    path[len] = '/';
    cli_npy_name(path + len + 1, id);
    if (id + 1 > k->npy_files)
        cli_set_pending_dir(k->npy_tmp, k->npy_files = id + 1);
    cli_out_open(&f, path, 1, 1);
    const int rc = embed_out_npy_one(f.fp, n, k->layers, k->dim, k->o->pool != 0, x);
    if (rc < 0)
        cli_out_die(&f, rc);
    cli_out_commit(&f);
}

/* The filled temporary directory renamed into place, over an empty dir or, with -f, one
 * whose arrays (and nothing else, checked again) are removed first. */
static void
npy_dir_commit(struct sink *k)
{
    const char *dir = k->o->npy_dir;
    if (npy_dir_scan(dir, k->o->force))
        npy_dir_clear(dir);
    if (rename(k->npy_tmp, dir) < 0)
        cli_die(RV_FAIL, "%s: %s", dir, strerror(errno));
    cli_set_pending_dir(NULL, 0);
    free(k->npy_tmp);
    k->npy_tmp = NULL;
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
    if (k->o->npy_dir) {
        npy_dir_commit(k);
        return;
    }
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
                 struct sink *k)
{
    struct embed_tokens s = {0};
    struct embed_fail f;
    const int rc = embed_static_run(es, r, &s, o->pool, o->normalize, emit, k, &f);
    if (rc < 0 && f.what == EMBED_FAIL_OOV)
        cli_die(RV_DATA, "%s: sentence %llu, token %zu '%.*s': not in the vectors",
                cli_name(o->tokens), (unsigned long long)f.id, f.bad, (int)s.len[f.bad],
                (const char *)s.tok[f.bad]);
    if (rc < 0 && f.what == EMBED_FAIL_EMBED)
        cli_die_nomem();
    if (rc < 0)
        die_pass(r, o->tokens, rc, &f, o->tokens);
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
    if (meta == NULL || embed_static_meta(meta, o->oov, vs) < 0)
        cli_die_nomem();
    struct sink k;
    sink_open(&k, o, 1, vs->d, meta);
    /* .npy token arrays index tokens by position, as the stream's records do: a skipped
     * token leaves a zero row where it was rather than shifting the later ones up */
    const int npy_slots = !o->pool && (o->npy_dir != NULL || o->format == EMBED_OUT_NPY);
    struct embed_static es;
    embed_static_init(&es, vs, o->oov, unk, npy_slots);
    static_sentences(o, r, &es, &k);
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

/* embed --model's progress line: sentences done of the file's (0: a pipe, unknown) */
struct progress {
    struct cli_progress p;
    uint64_t done, total;
};

static void
progress(void *ctx, uint64_t done)
{
    struct progress *pr = ctx;
    cli_progress_update(&pr->p, pr->done = done, pr->total, NULL);
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
    /* counted first: a block of tokens is read at once and embedded for seconds, so its
     * sentences say how far along the work is, not its bytes */
    struct progress pr = {.total = cli_reader_records(r, o->tokens)};
    struct embed_fail f;
    cli_progress_start(&pr.p, "sentences", o->quiet);
    const int rc = embed_batch_run(b, r, progress, &pr, &f);
    if (rc < 0)
        die_pass(r, o->tokens, rc, &f, o->model);
    sink_close(&k);
    cli_progress_end(&pr.p, pr.done, NULL);
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
    embed_args(&o, argc, argv);
    char *npy_dir = o.npy_dir ? npy_dir_check(o.npy_dir, o.force) : NULL;
    o.npy_dir = npy_dir;
    /* embed's threads each take whole sentences; BLAS threads inside them would only
     * compete for the same cores (sgemv of one sentence is too small to split) */
    blas_set_threads(1);
    cli_blas_reserve(o.threads);
    const int rv = o.vectors ? run_static(&o) : run_model(&o);
    free(npy_dir);
    cli_close_stdout();
    return rv;
}
