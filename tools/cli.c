/* cli.c - what every tool shares (see cli.h): start, errors and exits, allocation, option
 * values; inputs and outputs are in cli_io.c, progress in cli_progress.c. With them the only
 * place besides main()s that prints errors and exits. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/dist.h"
#include "common/status.h"

const char *cli_progname = "wordpipe";

/* The temporary file of the output being written, removed if a signal ends the tool.
 * Only one atomic output is pending at a time per tool. */
static char *volatile pending_tmp;

/* The temporary directory of embed --npy-dir and how many arrays it may hold. */
static char *volatile pending_dir;
static volatile unsigned long long pending_files;

void
cli_set_pending(char *tmp)
{
    pending_tmp = tmp;
}

void
cli_set_pending_dir(char *dir, unsigned long long files)
{
    pending_files = files;
    pending_dir = dir;
}

/* No snprintf: a signal handler calls it. */
size_t
cli_npy_name(char *s, unsigned long long id)
{
    char d[24];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + id % 10);
        id /= 10;
    } while (id > 0 || n < 6);
    for (size_t i = 0; i < n; i++)
        s[i] = d[n - 1 - i];
    memcpy(s + n, ".npy", 5);
    return n + 4;
}

/* Removes the pending temporary file, then the pending directory and its arrays: only
 * unlink and rmdir, safe in a signal handler. */
static void
remove_pending(void)
{
    char *tmp = pending_tmp, *dir = pending_dir;
    char path[4096];
    if (tmp != NULL)
        unlink(tmp);
    if (dir == NULL)
        return;
    const size_t n = strlen(dir);
    if (n + 32 > sizeof path)
        return;
    memcpy(path, dir, n);
    path[n] = '/';
    for (unsigned long long i = 0; i < pending_files; i++) {
        cli_npy_name(path + n + 1, i);
        unlink(path);
    }
    rmdir(dir);
}

static void
on_fatal_signal(int sig)
{
    remove_pending();
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
    remove_pending();
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
