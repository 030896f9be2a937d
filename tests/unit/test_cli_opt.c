/* test_cli_opt.c - the table-driven option parser (tools/cli_opt.c): every argument kind
 * stores what it should where it should, and every error is the message and exit code of
 * cli.h's parsers. Each parse runs in a child process, since errors exit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "cli_opt.h"

struct t_opts {
    int flag, konst, count, also, seen, called;
    const char *str, *call_arg;
    const char **list;
    size_t nlist;
    uint64_t u64, size, words;
    uint32_t u32;
    int i32;
    uint8_t u8;
    double real, secs;
    float real32;
    int e, ev;
};

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp, "usage: t [-fh]\n");
    exit(status);
}

static void
call_arg(void *dst, const char *arg)
{
    struct t_opts *o = dst;
    o->called++;
    o->call_arg = arg;
}

static const char *const colours[] = {"red", "green", "blue"};
static const int colour_values[] = {10, 20, 30};

#define AT(m) CLI_AT(struct t_opts, m)
static const struct cli_opt table[] = {
    {"flag", 'f', CLI_OPT_FLAG, AT(flag)},
    {"no-flag", 0, CLI_OPT_CONST, AT(flag), .val = 0},
    {"konst", 0, CLI_OPT_CONST, AT(konst), .val = -7},
    {"count", 'c', CLI_OPT_COUNT, AT(count)},
    {"str", 's', CLI_OPT_STR, AT(str)},
    {"item", 0, CLI_OPT_LIST, AT(list), CLI_AT2(struct t_opts, nlist)},
    {"u64", 'n', CLI_OPT_U64, AT(u64), .lo = 1, .hi = 100, CLI_ALSO(struct t_opts, also, 3)},
    {"u32", 0, CLI_OPT_U64, AT(u32), .lo = 0, .hi = UINT32_MAX},
    {"i32", 0, CLI_OPT_U64, AT(i32), .lo = 0, .hi = 9, .flag = "--level"},
    {"u8", 0, CLI_OPT_U64, AT(u8), .lo = 0, .hi = 255},
    {"real", 'r', CLI_OPT_DOUBLE, AT(real), .dlo = -1, .dhi = 1},
    {"real32", 0, CLI_OPT_DOUBLE, AT(real32), .dlo = 0, .dhi = 10},
    {"colour", 0, CLI_OPT_ENUM, AT(e), .names = colours, .nnames = 3},
    {"colour-value", 0, CLI_OPT_ENUM, AT(ev), .names = colours, .nnames = 3,
     .values = colour_values, .expect = "red, green or blue"},
    {"size", 'M', CLI_OPT_SIZE, AT(size), .lo = 1 << 20},
    {"every", 0, CLI_OPT_EVERY, AT(secs), CLI_AT2(struct t_opts, words)},
    {"call", 0, CLI_OPT_CALL, .call = call_arg, .arg = 1, CLI_COUNTS(struct t_opts, seen)},
    {"call0", 0, CLI_OPT_CALL, .call = call_arg, CLI_COUNTS(struct t_opts, seen)},
    {"skip", 0, CLI_OPT_SKIP, .arg = 1},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"verbose", 0, CLI_OPT_FLAG, AT(konst)},
    {NULL, 'a', CLI_OPT_MOVED, .moved = "--all"},
    {NULL, 'm', CLI_OPT_MOVED, .moved = "--metric", .arg = 1},
};
#undef AT

struct result {
    int status; /* exit code, or -1 if the child did not exit */
    int first;  /* what cli_opt_parse returned */
    struct t_opts o;
    char out[512], err[512];
};

static void
slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t got;
    while (n + 1 < cap && (got = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)got;
    buf[n] = '\0';
    close(fd);
}

/* Parses the NULL-terminated argv in a child; r gets its exit code, stdout, stderr and, on
 * success, the options and the index of the first operand. */
static int
parse(struct result *r, char **argv)
{
    int po[2], pe[2], pr[2];
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    memset(r, 0, sizeof *r);
    if (pipe(po) != 0 || pipe(pe) != 0 || pipe(pr) != 0)
        return -1;
    fflush(NULL);
    const pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct t_opts o;
        memset(&o, 0, sizeof o);
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        close(po[0]), close(pe[0]), close(pr[0]);
        cli_init("t");
        const int first = cli_opt_parse(table, CLI_NOPTS(table), usage, &o, argc, argv);
        if (write(pr[1], &first, sizeof first) != sizeof first ||
            write(pr[1], &o, sizeof o) != sizeof o)
            _exit(99);
        free(o.list);
        exit(0);
    }
    close(po[1]), close(pe[1]), close(pr[1]);
    char res[sizeof r->first + sizeof r->o];
    ssize_t got = 0, n;
    while ((size_t)got < sizeof res && (n = read(pr[0], res + got, sizeof res - (size_t)got)) > 0)
        got += n;
    close(pr[0]);
    slurp(po[0], r->out, sizeof r->out);
    slurp(pe[0], r->err, sizeof r->err);
    int ws;
    if (waitpid(pid, &ws, 0) != pid)
        return -1;
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    if ((size_t)got == sizeof res) {
        memcpy(&r->first, res, sizeof r->first);
        memcpy(&r->o, res + sizeof r->first, sizeof r->o);
    }
    return 0;
}

#define PARSE(r, ...) CHECK_EQ(0, parse(r, (char *[]){"t", __VA_ARGS__, NULL}))

static int
test_nothing_given(void)
{
    struct result r;
    PARSE(&r, "a", "b");
    CHECK_EQ(0, r.status);
    CHECK_EQ(1, r.first);
    CHECK_EQ(0, r.o.flag);
    CHECK(r.o.str == NULL);
    CHECK(r.o.list != NULL); /* room for argc, allocated whether used or not */
    CHECK_EQ(0, r.o.nlist);
    CHECK_STR("", r.err);
    return 0;
}

static int
test_flags_consts_counts(void)
{
    struct result r;
    PARSE(&r, "-f", "--konst", "-cc", "--count", "op");
    CHECK_EQ(0, r.status);
    CHECK_EQ(5, r.first);
    CHECK_EQ(1, r.o.flag);
    CHECK_EQ(-7, r.o.konst);
    CHECK_EQ(3, r.o.count);
    PARSE(&r, "--flag", "--no-flag");
    CHECK_EQ(0, r.o.flag); /* the last one wins */
    PARSE(&r, "--fl"); /* an unambiguous abbreviation, as getopt_long has it */
    CHECK_EQ(1, r.o.flag);
    return 0;
}

static int
test_strings_and_lists(void)
{
    struct result r;
    PARSE(&r, "-s", "one", "--str=two", "--item", "x", "--item=y", "--item", "z");
    CHECK_EQ(0, r.status);
    CHECK_EQ(3, r.o.nlist);
    CHECK_EQ(9, r.first);
    return 0;
}

static int
test_integers(void)
{
    struct result r;
    PARSE(&r, "-n", "7", "--u32=4000000000", "--i32", "9", "--u8", "255");
    CHECK_EQ(0, r.status);
    CHECK_EQ(7, r.o.u64);
    CHECK_EQ(3, r.o.also); /* CLI_ALSO stored with it */
    CHECK_EQ(4000000000u, r.o.u32);
    CHECK_EQ(9, r.o.i32);
    CHECK_EQ(255, r.o.u8);
    PARSE(&r, "--u64", "0");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: -n 0: expected an integer in [1, 100]\n", r.err); /* named by its letter */
    PARSE(&r, "--i32", "10");
    CHECK_STR("t: --level 10: expected an integer in [0, 9]\n", r.err); /* .flag */
    PARSE(&r, "--u32", "-1");
    CHECK_STR("t: --u32 -1: expected an integer in [0, 4294967295]\n", r.err);
    return 0;
}

static int
test_reals(void)
{
    struct result r;
    PARSE(&r, "-r", "-0.5", "--real32", "2.5");
    CHECK_EQ(0, r.status);
    CHECK_NEAR(-0.5, r.o.real, 0);
    CHECK_NEAR(2.5, r.o.real32, 0);
    PARSE(&r, "-r", "2");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: -r 2: expected a number in [-1, 1]\n", r.err);
    PARSE(&r, "--real32", "x");
    CHECK_STR("t: --real32 x: expected a number in [0, 10]\n", r.err);
    return 0;
}

static int
test_enums(void)
{
    struct result r;
    PARSE(&r, "--colour", "blue", "--colour-value", "green");
    CHECK_EQ(0, r.status);
    CHECK_EQ(2, r.o.e);
    CHECK_EQ(20, r.o.ev);
    PARSE(&r, "--colour", "pink");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: --colour pink: unknown value\n", r.err);
    PARSE(&r, "--colour-value", "pink");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: --colour-value pink: expected red, green or blue\n", r.err);
    return 0;
}

static int
test_sizes_and_every(void)
{
    struct result r;
    PARSE(&r, "-M", "2G", "--every", "2m");
    CHECK_EQ(0, r.status);
    CHECK_EQ((uint64_t)2 << 30, r.o.size);
    CHECK_NEAR(120, r.o.secs, 0);
    CHECK_EQ(0, r.o.words);
    PARSE(&r, "--every", "5000w");
    CHECK_EQ(5000, r.o.words);
    CHECK_NEAR(0, r.o.secs, 0);
    PARSE(&r, "-M", "512K");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: -M 512K: expected a size of at least 1M (suffix K, M, G or T)\n", r.err);
    PARSE(&r, "--every", "10");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: --every 10: expected time (Ns, Nm, Nh) or words (Nw), N >= 1\n", r.err);
    return 0;
}

static int
test_calls_and_skips(void)
{
    struct result r;
    PARSE(&r, "--call", "v", "--skip", "ignored", "--call0");
    CHECK_EQ(0, r.status);
    CHECK_EQ(2, r.o.called);
    CHECK_EQ(2, r.o.seen); /* CLI_COUNTS */
    CHECK(r.o.call_arg == NULL); /* the last call took no argument */
    CHECK_EQ(6, r.first);
    return 0;
}

static int
test_moved_letters(void)
{
    struct result r;
    PARSE(&r, "-a");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("t: -a is --alpha in wordpipe; say --all\n", r.err);
    PARSE(&r, "-m", "cos");
    CHECK_STR("t: -m is --min-count in wordpipe; say --metric\n", r.err);
    PARSE(&r, "-m"); /* it takes an argument: getopt's complaint and the usage */
    CHECK_EQ(RV_USAGE, r.status);
    CHECK(strstr(r.err, "option requires an argument -- 'm'\nusage: t [-fh]\n") != NULL);
    return 0;
}

static int
test_help_version_unknown(void)
{
    struct result r;
    PARSE(&r, "-h", "-n", "0");
    CHECK_EQ(0, r.status);
    CHECK_STR("usage: t [-fh]\n", r.out);
    CHECK_STR("", r.err);
    PARSE(&r, "-n", "0", "-h"); /* in order: the error comes first */
    CHECK_EQ(RV_USAGE, r.status);
    PARSE(&r, "--version");
    CHECK_EQ(0, r.status);
    CHECK_STR("t (wordpipe) " WP_VERSION_STRING "\n", r.out);
    PARSE(&r, "--bogus");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK_STR("", r.out);
    CHECK(strstr(r.err, "unrecognized option '--bogus'\nusage: t [-fh]\n") != NULL);
    PARSE(&r, "--ver"); /* --verbose or --version */
    CHECK_EQ(RV_USAGE, r.status);
    CHECK(strstr(r.err, "ambiguous") != NULL);
    PARSE(&r, "--str");
    CHECK_EQ(RV_USAGE, r.status);
    CHECK(strstr(r.err, "requires an argument") != NULL);
    return 0;
}

static void
count_skips(void *dst, const char *arg)
{
    struct t_opts *o = dst;
    o->count++;
    o->str = arg;
}

static int
test_scan(void)
{
    struct t_opts o;
    char *argv[] = {"t", "--skip", "a", "--bogus", "-n", "0", "--skip=b", "op", NULL};
    memset(&o, 0, sizeof o);
    cli_opt_scan(table, CLI_NOPTS(table), "skip", count_skips, &o, 8, argv);
    CHECK_EQ(2, o.count); /* every occurrence, the others (even bad ones) passed over */
    CHECK_STR("b", o.str);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_nothing_given), CHECK_CASE(test_flags_consts_counts),
           CHECK_CASE(test_strings_and_lists), CHECK_CASE(test_integers),
           CHECK_CASE(test_reals), CHECK_CASE(test_enums), CHECK_CASE(test_sizes_and_every),
           CHECK_CASE(test_calls_and_skips), CHECK_CASE(test_moved_letters),
           CHECK_CASE(test_help_version_unknown), CHECK_CASE(test_scan))
