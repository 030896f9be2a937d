/* cli_io.c - the tools' inputs (files, record readers, vector sets, vocabularies) and
 * outputs (written to a temporary name and renamed into place, record writers, spools);
 * see cli.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common/mapfile.h"
#include "common/status.h"
#include "text/phrase_table.h"
#include "text/tok_meta.h"
#include "text/vocab.h"
#include "vecio/vecset.h"

const char *
cli_name(const char *path)
{
    return path == NULL || strcmp(path, "-") == 0 ? "<stdin>" : path;
}

FILE *
cli_open_in(const char *path)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return stdin;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL && errno == ENOMEM)
        cli_die_nomem();
    if (fp == NULL)
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
        cli_die(RV_FAIL, "%s: %s", path, strerror(EISDIR));
    return fp;
}

void
cli_close_in(FILE *fp)
{
    if (fp != NULL && fp != stdin)
        fclose(fp);
}

/* The bytes left to read of path, into *size: 1 for a regular file, else 0 (unknown). */
static int
input_size(const char *path, uint64_t *size)
{
    struct stat st;
    const int in = path == NULL || strcmp(path, "-") == 0;
    *size = 0;
    if ((in ? fstat(STDIN_FILENO, &st) : stat(path, &st)) != 0 || !S_ISREG(st.st_mode))
        return 0;
    const off_t at = in ? lseek(STDIN_FILENO, 0, SEEK_CUR) : 0; /* `{ head -1; tok; } < f` */
    if (at < 0 || at > st.st_size)
        return 0;
    *size = (uint64_t)(st.st_size - at);
    return 1;
}

uint64_t
cli_input_size(const char *path)
{
    uint64_t size;
    input_size(path, &size);
    return size;
}

uint64_t
cli_inputs_size(const char *const *paths, size_t n)
{
    uint64_t sum = 0, size;
    for (size_t i = 0; i < n; i++) {
        if (!input_size(paths[i], &size))
            return 0;
        sum += size;
    }
    return sum;
}

static _Noreturn void
die_reader(struct rec_reader *r, const char *path, int rc)
{
    const char *detail = r ? rec_reader_detail(r) : NULL;
    if (rc == WP_EIO)
        cli_die_status(rc, "%s: %s", cli_name(path), r ? rec_reader_where(r) : "header");
    if (rc == WP_ENOMEM)
        cli_die_nomem();
    if (rc == WP_EEMPTY)
        cli_die(RV_DATA, "%s: empty input, not a wordpipe stream", cli_name(path));
    cli_die(RV_DATA, "%s: %s: %s", cli_name(path), rec_reader_where(r),
            detail ? detail : wp_strerror(rc));
}

_Noreturn void
cli_die_reader(struct rec_reader *r, const char *path, int status)
{
    die_reader(r, path, status);
}

struct rec_reader *
cli_reader_open(FILE *fp, const char *path, int kind)
{
    struct rec_reader *r;
    const int rc = rec_reader_open(&r, fp);
    if (rc < 0)
        die_reader(r, path, rc);
    if (kind != 0 && rec_reader_kind(r) != kind)
        cli_die(RV_DATA, "%s: expected a %s stream, got %s", cli_name(path),
                rec_kind_name(kind), rec_kind_name(rec_reader_kind(r)));
    /* A model's header declares the sizes its loader allocates: checked against what the
     * file can hold, which a pipe cannot say, so a piped model is read into a spool file
     * first (its size in TMPDIR) rather than trusted. */
    if (kind == REC_MODEL && rec_reader_raw_left_max(r) == UINT64_MAX
        && rec_reader_spool(r, cli_spool_create(cli_progname)) < 0)
        cli_die(RV_FAIL, "%s: %s", cli_name(path), strerror(errno ? errno : EIO));
    return r;
}

uint64_t
cli_reader_records(struct rec_reader *r, const char *path)
{
    uint64_t n;
    const int rc = rec_reader_count_records(r, &n);
    if (rc == WP_EIO) /* the reader could not be put back where it was */
        die_reader(r, path, rc);
    return rc == WP_OK ? n : 0;
}

int
cli_reader_next(struct rec_reader *r, const char *path, const unsigned char **rec, size_t *len)
{
    const int rc = rec_reader_next(r, rec, len);
    if (rc < 0)
        die_reader(r, path, rc);
    return rc;
}

_Noreturn void
cli_die_record(struct rec_reader *r, const char *path, int status)
{
    cli_die_status(status, "%s: %s: record %llu", cli_name(path), rec_reader_where(r),
                   (unsigned long long)rec_reader_record_index(r));
}

int
cli_vectors_model(const struct rec_meta *meta, const char *path, uint64_t *fp)
{
    const int rc = rec_meta_get_u64(meta, REC_META_MODEL_HASH, fp);
    if (rc == WP_ENOTFOUND)
        return 0;
    if (rc < 0)
        cli_die(RV_DATA, "%s: header: %s is not a number", cli_name(path), REC_META_MODEL_HASH);
    return 1;
}

void
cli_check_model(const char *path, uint64_t got, uint64_t want, const char *whose)
{
    if (got != want)
        cli_die(RV_DATA, "%s: vectors made from another model (fingerprint %016llx, %s "
                "%016llx); --any-source takes them anyway", cli_name(path),
                (unsigned long long)got, whose, (unsigned long long)want);
}

struct vecset *
cli_vecset_load(const char *path, int fmt)
{
    return cli_vecset_open(path, fmt, 0);
}

struct vecset *
cli_vecset_open(const char *path, int fmt, unsigned flags)
{
    FILE *fp = cli_open_in(path);
    struct vecset *s;
    struct w2vfmt_error err = {0};
    const int rc = vecset_load_flags(&s, fp, fmt, flags, &err);
    if (rc < 0) {
        if (rc == WP_ENOMEM)
            cli_die_nomem();
        if (err.line > 0)
            cli_die(cli_exit_code(rc), "%s: line %zu: %s", cli_name(path), err.line, err.msg);
        if (err.msg[0])
            cli_die(cli_exit_code(rc), "%s: %s", cli_name(path), err.msg);
        cli_die_status(rc, "%s", cli_name(path));
    }
    cli_close_in(fp);
    return s;
}

/* ------------------------------------------------------------ outputs */

static _Noreturn void refuse_tty(int kind);

static const char *
out_name(const struct cli_out *o)
{
    return o->path ? o->path : "stdout";
}

void
cli_out_refuse_tty(const char *path, int kind, int force)
{
    if ((path != NULL && strcmp(path, "-") != 0) || force || kind == CLI_OUT_TEXT ||
        !isatty(STDOUT_FILENO))
        return;
    refuse_tty(kind);
}

static _Noreturn void
refuse_tty(int kind)
{
    if (kind == CLI_OUT_STREAM)
        cli_die(RV_USAGE, "refusing to write a binary stream to a terminal "
                          "(pipe it into wpcat, use -o FILE, or force with -f)");
    cli_die(RV_USAGE, "refusing to write binary data to a terminal "
                      "(use -o FILE, redirect it, or force with -f)");
}

void
cli_out_open(struct cli_out *o, const char *path, int kind, int force)
{
    memset(o, 0, sizeof *o);
    if (path == NULL || strcmp(path, "-") == 0) {
        cli_out_refuse_tty(path, kind, force);
        o->fp = stdout;
        return;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or FIFO (/dev/null, a named pipe): renaming over it would replace it */
        if ((o->fp = fopen(path, "wb")) == NULL)
            cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
        if (!force && kind != CLI_OUT_TEXT && isatty(fileno(o->fp))) /* -o /dev/tty */
            refuse_tty(kind);
        o->path = cli_strdup(path); /* named in messages; no temporary */
        return;
    }
    const size_t n = strlen(path);
    o->path = cli_strdup(path);
    o->tmp = cli_malloc(n + 16);
    /* beside the target, so the final rename stays on one file system */
    const char *slash = strrchr(path, '/');
    const size_t dir = slash ? (size_t)(slash - path + 1) : 0;
    snprintf(o->tmp, n + 16, "%.*s.%s.XXXXXX", (int)dir, path, path + dir);
    const int fd = mkstemp(o->tmp);
    if (fd < 0)
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
    const mode_t mask = umask(0); /* mkstemp makes 0600; outputs are ordinary files */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    cli_set_pending(o->tmp);
    if ((o->fp = fdopen(fd, "wb")) == NULL)
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
}

void
cli_out_check(const char *path)
{
    struct stat st;
    if (path == NULL || strcmp(path, "-") == 0
        || (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
        return;
    struct cli_out out;
    cli_out_open(&out, path, 1, 1); /* dies with "path: why" */
    cli_out_abort(&out);
}

/* Where a path leads, for cli_paths_distinct: an existing regular file by device and
 * inode; a name not yet made by its directory's device and inode and its last part.
 * kind 0: skip (a device, a FIFO, standard input or output, or a directory not found). */
struct path_id {
    int kind; /* 0 skip, 1 existing file, 2 name to be made */
    dev_t dev;
    ino_t ino;
    const char *base;
};

static struct path_id
path_id(const char *path)
{
    struct path_id id = {0};
    struct stat st;
    if (strcmp(path, "-") == 0)
        return id;
    if (stat(path, &st) == 0) {
        if (S_ISREG(st.st_mode))
            id = (struct path_id){1, st.st_dev, st.st_ino, NULL};
        return id;
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? cli_strdup(".")
                : slash == path ? cli_strdup("/")
                : cli_strdup(path);
    if (slash != NULL && slash != path)
        dir[slash - path] = '\0';
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        id = (struct path_id){2, st.st_dev, st.st_ino, slash ? slash + 1 : path};
    free(dir);
    return id;
}

static int
same_file(const struct path_id *a, const struct path_id *b)
{
    return a->kind != 0 && a->kind == b->kind && a->dev == b->dev && a->ino == b->ino
           && (a->kind == 1 || strcmp(a->base, b->base) == 0);
}

void
cli_paths_distinct(const struct cli_path *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i].path == NULL || !p[i].out)
            continue;
        const int out_stdout = strcmp(p[i].path, "-") == 0;
        const struct path_id a = path_id(p[i].path);
        for (size_t j = 0; j < n; j++) {
            if (j == i || p[j].path == NULL || (p[j].out && j < i))
                continue; /* two outputs are compared once */
            if (p[j].out && out_stdout && strcmp(p[j].path, "-") == 0)
                cli_die(RV_USAGE, "%s and %s both write to standard output", p[i].flag,
                        p[j].flag);
            const struct path_id b = path_id(p[j].path);
            if (!same_file(&a, &b) || (!p[j].out && p[i].pair != 0 && p[i].pair == p[j].pair))
                continue;
            if (p[j].out)
                cli_die(RV_USAGE, "%s: %s and %s both write it", p[i].path, p[i].flag,
                        p[j].flag);
            cli_die(RV_USAGE, "%s: %s would replace %s", p[i].path, p[i].flag,
                    p[j].flag);
        }
    }
}

FILE *
cli_log_open(const char *path)
{
    if (path == NULL)
        return NULL;
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *fp = fopen(path, "a");
    if (fp == NULL)
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
    return fp;
}

void
cli_log_start(FILE *log, const char *path, int resume, const char *header)
{
    if (log == NULL || resume)
        return;
    if (log != stdout && ftruncate(fileno(log), 0) != 0 && errno != EINVAL) /* EINVAL: a FIFO */
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
    fprintf(log, "%s\n", header);
}

void
cli_log_close(FILE *log, const char *path)
{
    if (log == NULL)
        return;
    if (log == stdout ? fflush(log) != 0 : fclose(log) != 0)
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
}

void
cli_out_mappable(struct cli_out *o)
{
    if (o->tmp == NULL)
        return;
    o->wbuf = cli_malloc(WP_MAP_WRITE_CHUNK);
    if (setvbuf(o->fp, o->wbuf, _IOFBF, WP_MAP_WRITE_CHUNK) != 0)
        cli_die(RV_FAIL, "%s: %s", o->path, strerror(errno));
}

void
cli_out_abort(struct cli_out *o)
{
    if (o->tmp == NULL) {
        if (o->path != NULL) { /* a device or FIFO: closed, nothing to remove */
            if (o->fp != NULL)
                fclose(o->fp);
            free(o->path);
            memset(o, 0, sizeof *o);
        }
        return;
    }
    if (o->fp != NULL)
        fclose(o->fp);
    unlink(o->tmp);
    cli_set_pending(NULL);
    free(o->tmp);
    free(o->path);
    free(o->wbuf);
    memset(o, 0, sizeof *o);
}

void
cli_out_commit(struct cli_out *o)
{
    if (o->fp == NULL)
        return; /* already committed */
    if (o->tmp == NULL) { /* standard output, or a device or FIFO written in place */
        if (fflush(o->fp) != 0 || ferror(o->fp))
            cli_die(RV_FAIL, "%s: %s", out_name(o), strerror(errno ? errno : EIO));
        if (o->fp != stdout && fclose(o->fp) != 0)
            cli_die(RV_FAIL, "%s: %s", out_name(o), strerror(errno));
        o->fp = NULL;
        free(o->path);
        o->path = NULL;
        return;
    }
    if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0) {
        const int e = errno ? errno : EIO;
        cli_die(RV_FAIL, "%s: %s", o->path, strerror(e));
    }
    if (fclose(o->fp) != 0)
        cli_die(RV_FAIL, "%s: %s", o->path, strerror(errno));
    o->fp = NULL;
    free(o->wbuf);
    o->wbuf = NULL;
    if (rename(o->tmp, o->path) != 0)
        cli_die(RV_FAIL, "%s: %s", o->path, strerror(errno));
    cli_set_pending(NULL);
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
}

_Noreturn void
cli_out_die(const struct cli_out *o, int rc)
{
    if (rc == WP_ENOMEM || (rc == WP_EIO && errno == ENOMEM))
        cli_die_nomem();
    if (rc == WP_EIO)
        cli_die(RV_FAIL, "%s: %s", out_name(o), strerror(errno ? errno : EIO));
    cli_die(RV_FAIL, "%s: %s", out_name(o), wp_strerror(rc));
}

struct rec_writer *
cli_writer_open(struct cli_out *o, int kind, const struct rec_meta *meta, int level)
{
    struct rec_writer *w;
    const int rc = rec_writer_open(&w, o->fp, kind, meta, level);
    if (rc < 0)
        cli_out_die(o, rc);
    return w;
}

void
cli_writer_put(struct rec_writer *w, struct cli_out *o, const void *rec, size_t len)
{
    const int rc = rec_writer_put(w, rec, len);
    if (rc < 0)
        cli_out_die(o, rc);
}

void
cli_writer_close(struct rec_writer *w, struct cli_out *o)
{
    const int rc = rec_writer_close(w);
    if (rc < 0)
        cli_out_die(o, rc);
    cli_out_commit(o);
}

void
cli_close_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        cli_die(RV_FAIL, "stdout: %s", strerror(errno ? errno : EIO));
    if (fclose(stdout) != 0)
        cli_die(RV_FAIL, "stdout: %s", strerror(errno));
}

/* ------------------------------------------------------------ spools */

FILE *
cli_spool_create(const char *name)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    const size_t n = strlen(dir) + strlen(name) + 16;
    char *path = cli_malloc(n);
    snprintf(path, n, "%s/%s.XXXXXX", dir, name);
    const int fd = mkstemp(path);
    if (fd < 0)
        cli_die(RV_FAIL, "%s: %s", path, strerror(errno));
    unlink(path);
    free(path);
    FILE *fp = fdopen(fd, "w+b");
    if (fp == NULL)
        cli_die(RV_FAIL, "spool: %s", strerror(errno));
    return fp;
}

/* ------------------------------------------------------------ vocabularies */

void
cli_vocab_not_table(struct rec_reader *r, const char *path)
{
    if (phrase_table_is(rec_reader_meta(r)))
        cli_die(RV_DATA, "%s: a phrase table, not a vocabulary (see phrases(1))",
                cli_name(path));
}

/* vocab(1) writes the most frequent word first; hierarchical softmax's tree needs it, and
 * any other order means the stream is not what it claims. vocab(1) sorts one again. */
static void
check_sorted(const struct vocab *v, const char *path)
{
    const uint32_t id = vocab_unsorted(v);
    if (id == 0)
        return;
    size_t len;
    const char *w = vocab_word(v, id, &len);
    cli_die(RV_DATA, "%s: not sorted by count: record %" PRIu32 " '%.*s' has count %" PRIu64
            ", above the %" PRIu64 " before it (vocab(1) sorts it)", cli_name(path), id + 1,
            (int)len, w, vocab_count(v, id), vocab_count(v, id - 1));
}

struct vocab *
cli_vocab_load(const char *path, uint32_t min_words)
{
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_VOCAB);
    cli_vocab_not_table(r, path);
    struct vocab *v;
    char dup[256]; /* a word listed twice, named as vocab(1) names it (cut if longer) */
    const int rc = vocab_read_dup(&v, r, dup, sizeof dup);
    if (rc == WP_EIO)
        cli_die_status(rc, "%s", cli_name(path));
    if (rc == WP_EFORMAT)
        cli_die(RV_DATA, "%s: %s: record %" PRIu64 ": duplicate word '%s'", cli_name(path),
                rec_reader_where(r), rec_reader_record_index(r), dup);
    if (rc < 0)
        cli_die_record(r, path, rc);
    rec_reader_free(r);
    cli_close_in(fp);
    check_sorted(v, path);
    if (vocab_size(v) == 0 && min_words > 0)
        cli_die(RV_DATA, "%s: the vocabulary is empty", cli_name(path));
    if (vocab_size(v) < min_words)
        cli_die(RV_DATA, "%s: a vocabulary of at least %u words is needed", cli_name(path),
                min_words);
    return v;
}

void
cli_check_tokenized(const struct vocab *v, const char *vpath, const struct rec_meta *tokens,
                    const char *tpath)
{
    const int vs = vocab_tok_shape(v), ts = tok_meta_shape(tokens);
    if (vs < 0 || ts < 0 || vs == ts)
        return;
    char a[96], b[96];
    tok_shape_text(ts, a, sizeof a);
    tok_shape_text(vs, b, sizeof b);
    cli_die(RV_DATA, "%s: tokens of '%s', the vocabulary %s counted tokens of '%s' (tokenize "
            "both alike)", cli_name(tpath), a, cli_name(vpath), b);
}
