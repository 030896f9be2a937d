/* cli.c - what every tool shares (see cli.h). The only place besides main()s that prints
 * errors and exits. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/dist.h"
#include "common/mapfile.h"
#include "common/status.h"
#include "text/vocab.h"
#include "vecio/vecset.h"

const char *cli_progname = "wordpipe";

/* The temporary file of the output being written, removed if a signal ends the tool.
 * Only one atomic output is pending at a time per tool. */
static char *volatile pending_tmp;

static void
on_fatal_signal(int sig)
{
    char *tmp = pending_tmp;
    if (tmp != NULL)
        unlink(tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

void
cli_init(const char *name)
{
    const char *slash = strrchr(name, '/');
    cli_progname = slash ? slash + 1 : name;
    signal(SIGPIPE, SIG_DFL);
    /* Past a file-size limit (ulimit -f) the kernel's SIGXFSZ would end the tool without a
     * word and leave its temporary behind: ignored, write fails with EFBIG and the tool
     * reports "tool: FILE: File too large" and removes the temporary like any write error. */
    signal(SIGXFSZ, SIG_IGN);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

_Noreturn void
cli_version(void)
{
    printf("%s (wordpipe) %s\n", cli_progname, WP_VERSION_STRING);
    cli_close_stdout();
    exit(RV_OK);
}

static void
vwarn_line(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", cli_progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* Every error exit ends here. It frees nothing on purpose: _exit after flushing, not exit,
 * so that the leak checkers judge only the runs that end well (not which local still held
 * a reader when a check failed), and no library thread is joined on the way out. */
static _Noreturn void
die_exit(int code)
{
    if (pending_tmp != NULL)
        unlink(pending_tmp);
    fflush(NULL); /* every open stream: stdout may be closed already */
    _exit(code);
}

_Noreturn void
cli_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn_line(fmt, ap);
    va_end(ap);
    die_exit(code);
}

void
cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn_line(fmt, ap);
    va_end(ap);
}

int
cli_exit_code(int status)
{
    return status == WP_EIO || status == WP_ENOMEM ? RV_FAIL : RV_DATA;
}

_Noreturn void
cli_die_nomem(void)
{
    cli_die(RV_FAIL, "out of memory");
}

const char *
cli_word(const char *w, char buf[CLI_WORD_BUF])
{
    const size_t n = strlen(w), keep_max = 60;
    if (n <= keep_max)
        return w;
    size_t keep = keep_max;
    while (keep > 0 && ((unsigned char)w[keep] & 0xC0) == 0x80)
        keep--; /* not inside a character */
    snprintf(buf, CLI_WORD_BUF, "%.*s... (%zu bytes)", (int)keep, w, n);
    return buf;
}

_Noreturn void
cli_die_nomem_now(const char *why)
{
    fprintf(stderr, "%s: out of memory (%s)\n", cli_progname, why);
    if (pending_tmp != NULL)
        unlink(pending_tmp);
    _exit(RV_FAIL);
}

static _Noreturn void
vdie_status(int status, int code, const char *fmt, va_list ap)
{
    const int err = errno;
    if (status == WP_ENOMEM || (status == WP_EIO && err == ENOMEM))
        cli_die_nomem(); /* a read whose stdio buffer could not be allocated, too */
    fprintf(stderr, "%s: ", cli_progname);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, ": %s\n", status == WP_EIO ? strerror(err ? err : EIO) : wp_strerror(status));
    die_exit(code);
}

_Noreturn void
cli_die_status(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdie_status(status, cli_exit_code(status), fmt, ap);
}

_Noreturn void
cli_die_usage_status(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdie_status(status, status == WP_EIO ? RV_FAIL : RV_USAGE, fmt, ap);
}

void *
cli_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        cli_die_nomem();
    return p;
}

void *
cli_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        cli_die_nomem();
    return p;
}

void *
cli_mallocarray(size_t n, size_t size)
{
    return cli_reallocarray(NULL, n, size);
}

void *
cli_reallocarray(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        cli_die_nomem();
    void *q = realloc(p, n * size != 0 ? n * size : 1);
    if (q == NULL)
        cli_die_nomem();
    return q;
}

char *
cli_strdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        cli_die_nomem();
    return d;
}

_Noreturn void
cli_moved(int letter, const char *long_name)
{
    static const char *const meaning[128] = {
        ['a'] = "--alpha",   ['d'] = "--dim",      ['e'] = "--epochs", ['f'] = "--force",
        ['h'] = "--help",    ['l'] = "--lower",    ['m'] = "--min-count",
        ['n'] = "--negative", ['o'] = "--output",  ['q'] = "--quiet",  ['s'] = "--sample",
        ['t'] = "--threads", ['v'] = "--vocab",    ['V'] = "--version", ['w'] = "--window",
        ['z'] = "--level"};
    const char *m = letter > 0 && letter < 128 ? meaning[letter] : NULL;
    cli_die(RV_USAGE, "-%c is %s in wordpipe; say %s", letter, m ? m : "not an option here",
            long_name);
}

uint64_t
cli_parse_u64(const char *s, const char *flag, uint64_t lo, uint64_t hi)
{
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(s, &end, 10);
    /* strtoull alone accepts " 7", "+7" and "-7" (wrapped): demand a leading digit */
    if (!isdigit((unsigned char)s[0]) || errno != 0 || *end != '\0' || v < lo || v > hi)
        cli_die(RV_USAGE, "%s %s: expected an integer in [%llu, %llu]", flag, s,
                (unsigned long long)lo, (unsigned long long)hi);
    return v;
}

uint64_t
cli_parse_size(const char *s, const char *flag, uint64_t min)
{
    static const char units[] = "KMGT";
    char *end;
    errno = 0;
    const uint64_t v = strtoull(s, &end, 10);
    uint64_t mul = 1;
    const char *u = *end != '\0' ? strchr(units, *end & ~0x20) : NULL;
    if (u != NULL && end[1] == '\0') {
        mul = (uint64_t)1 << (10 * (u - units + 1));
        end++;
    }
    if (!isdigit((unsigned char)s[0]) || errno != 0 || *end != '\0' || v > UINT64_MAX / mul ||
        v * mul < min)
        cli_die(RV_USAGE, "%s %s: expected a size of at least %llu%c (suffix K, M, G or T)", flag,
                s, (unsigned long long)(min >= (1u << 20) ? min >> 20 : min >> 10),
                min >= (1u << 20) ? 'M' : 'K');
    return v * mul;
}

void
cli_parse_every(const char *s, const char *flag, double *secs, uint64_t *words)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    const char unit = *end;
    const double mul = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
    if (!isdigit((unsigned char)s[0]) || errno || !(v >= 1) || v > 1e15 ||
        (mul == 0 && unit != 'w') || end[1] != '\0' || (unit == 'w' && v != (double)(uint64_t)v))
        cli_die(RV_USAGE, "%s %s: expected time (Ns, Nm, Nh) or words (Nw), N >= 1", flag, s);
    *secs = 0;
    *words = 0;
    if (unit == 'w')
        *words = (uint64_t)v;
    else
        *secs = v * mul;
}

int
cli_parse_enum(const char *s, const char *flag, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    cli_die(RV_USAGE, "%s %s: unknown value", flag, s);
}

double
cli_parse_double(const char *s, const char *flag, double lo, double hi)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (s[0] == '\0' || isspace((unsigned char)s[0]) || errno != 0 || *end != '\0' ||
        !isfinite(v) || v < lo || v > hi)
        cli_die(RV_USAGE, "%s %s: expected a number in [%g, %g]", flag, s, lo, hi);
    return v;
}

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

void
cli_out_refuse_tty(const char *path, int kind, int force)
{
    if ((path != NULL && strcmp(path, "-") != 0) || force || kind == CLI_OUT_TEXT ||
        !isatty(STDOUT_FILENO))
        return;
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
    pending_tmp = o->tmp;
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
    if (o->tmp == NULL)
        return;
    if (o->fp != NULL)
        fclose(o->fp);
    unlink(o->tmp);
    pending_tmp = NULL;
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
    if (o->tmp == NULL) {
        if (fflush(o->fp) != 0 || ferror(o->fp))
            cli_die(RV_FAIL, "%s: %s", o->fp == stdout ? "stdout" : "output",
                    strerror(errno ? errno : EIO));
        if (o->fp != stdout && fclose(o->fp) != 0)
            cli_die(RV_FAIL, "output: %s", strerror(errno));
        o->fp = NULL;
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
    pending_tmp = NULL;
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
}

static const char *
out_name(const struct cli_out *o)
{
    return o->path ? o->path : "stdout";
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

/* ------------------------------------------------------------ progress */

double
cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
cli_progress_start(struct cli_progress *p, const char *unit, int quiet)
{
    memset(p, 0, sizeof *p);
    p->t0 = p->last = cli_now();
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->unit = unit;
    /* WP_PROGRESS_INTERVAL=seconds overrides the pace (0: every update and a final line
     * even for short work), so scripts and tests can see progress deterministically. */
    const char *iv = getenv("WP_PROGRESS_INTERVAL");
    p->interval = p->tty ? 0.5 : 10.0;
    p->min_report = 1.0;
    if (iv != NULL && *iv != '\0') {
        char *end;
        const double v = strtod(iv, &end);
        if (*end == '\0' && v >= 0) {
            p->interval = v;
            p->min_report = v < 1.0 ? v : 1.0;
        }
    }
}

static void
fmt_rate(char *s, size_t n, double v)
{
    if (v >= 1e6)
        snprintf(s, n, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(s, n, "%.1fk", v / 1e3);
    else
        snprintf(s, n, "%.0f", v);
}

static void
progress_line(struct cli_progress *p, uint64_t done, uint64_t total, const char *extra,
              int final)
{
    const double el = cli_now() - p->t0;
    char rate[32], pct[32] = "", eta[64] = "";
    const double here = done > p->base ? (double)(done - p->base) : 0;
    fmt_rate(rate, sizeof rate, el > 0 ? here / el : 0);
    if (total > 0 && !final) {
        const double f = (double)done / (double)total;
        snprintf(pct, sizeof pct, "%5.1f%% ", 100.0 * (f > 1 ? 1 : f));
        if (f > 0 && f < 1 && here > 0) {
            double left = el * (double)(total - done) / here;
            const double budget = p->stop_at - (p->t0 + el);
            const int by_budget = p->stop_at > 0 && budget < left;
            left = by_budget ? (budget > 0 ? budget : 0) : left;
            const long s = (long)(left + 0.5);
            snprintf(eta, sizeof eta, " ETA %ld:%02ld:%02ld%s", s / 3600, s / 60 % 60, s % 60,
                     by_budget ? " (budget)" : "");
        }
    }
    fprintf(stderr, "%s%s: %s%s %s/s%s%s%s%s", p->tty ? "\r" : "", cli_progname, pct, rate,
            p->unit, eta, extra ? " " : "", extra ? extra : "",
            final ? "" : (p->tty ? "\033[K" : "\n"));
    if (final) {
        char tot[32];
        fmt_rate(tot, sizeof tot, here);
        fprintf(stderr, ", %s %s in %.1f s%s\n", tot, p->unit, el, p->tty ? "\033[K" : "");
    }
    p->shown = 1;
}

void
cli_progress_update(struct cli_progress *p, uint64_t done, uint64_t total, const char *extra)
{
    if (p->quiet)
        return;
    const double now = cli_now();
    if (now - p->last < p->interval)
        return;
    p->last = now;
    progress_line(p, done, total, extra, 0);
}

void
cli_progress_end(struct cli_progress *p, uint64_t done, const char *extra)
{
    if (p->quiet || cli_now() - p->t0 < p->min_report)
        return; /* short work needs no report */
    progress_line(p, done, 0, extra, 1);
}

struct vocab *
cli_vocab_load(const char *path, uint32_t min_words)
{
    FILE *fp = cli_open_in(path);
    struct rec_reader *r = cli_reader_open(fp, path, REC_VOCAB);
    struct vocab *v;
    const int rc = vocab_read(&v, r);
    if (rc == WP_EIO)
        cli_die_status(rc, "%s", cli_name(path));
    if (rc < 0)
        cli_die_record(r, path, rc);
    rec_reader_free(r);
    cli_close_in(fp);
    if (vocab_size(v) == 0 && min_words > 0)
        cli_die(RV_DATA, "%s: the vocabulary is empty", cli_name(path));
    if (vocab_size(v) < min_words)
        cli_die(RV_DATA, "%s: a vocabulary of at least %u words is needed", cli_name(path),
                min_words);
    return v;
}

int
cli_mpi_start(const char *resume, const char *out, const char *no)
{
    if (!dist_available())
        cli_die(RV_USAGE, "--mpi: built without MPI (make MPI=1)");
    if (resume != NULL)
        cli_die(RV_USAGE, "--mpi: --resume is not supported yet");
    if (out == NULL || strcmp(out, "-") == 0)
        cli_die(RV_USAGE, "--mpi: needs -o model (the ranks share no standard output)");
    if (no != NULL)
        cli_die(RV_USAGE, "--mpi: %s", no);
    if (dist_init() < 0)
        cli_die(RV_FAIL, "--mpi: cannot start MPI");
    return dist_rank();
}
