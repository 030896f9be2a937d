/* cli_opt.c - the table-driven option parser (cli_opt.h). */
#include "cli_opt.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The most options a table holds: getopt's arrays live on the stack. */
enum { CLI_OPT_MAX = 96, CLI_OPT_CODE = 256 };

struct getopt_arrays {
    char shorts[2 * CLI_OPT_MAX + 1];
    struct option longs[CLI_OPT_MAX + 1];
};

static int
takes_arg(const struct cli_opt *d)
{
    switch (d->kind) {
    case CLI_OPT_FLAG: case CLI_OPT_CONST: case CLI_OPT_COUNT: case CLI_OPT_HELP:
    case CLI_OPT_VERSION:
        return 0;
    case CLI_OPT_CALL: case CLI_OPT_MOVED: case CLI_OPT_SKIP:
        return d->arg;
    default:
        return 1;
    }
}

/* getopt_long's value for option i: its letter, else a code past every character. */
static int
code_of(const struct cli_opt *t, size_t i)
{
    return t[i].letter ? t[i].letter : CLI_OPT_CODE + (int)i;
}

static void
build(const struct cli_opt *t, size_t n, struct getopt_arrays *g)
{
    size_t ns = 0, nl = 0;
    if (n > CLI_OPT_MAX)
        cli_die(RV_FAIL, "internal error: %zu options, at most %d", n, CLI_OPT_MAX);
    for (size_t i = 0; i < n; i++) {
        const int arg = takes_arg(&t[i]);
        if (t[i].letter) {
            g->shorts[ns++] = (char)t[i].letter;
            if (arg)
                g->shorts[ns++] = ':';
        }
        if (t[i].name != NULL)
            g->longs[nl++] = (struct option){t[i].name, arg ? required_argument : no_argument,
                                             NULL, code_of(t, i)};
    }
    g->shorts[ns] = '\0';
    g->longs[nl] = (struct option){NULL, 0, NULL, 0};
}

static const struct cli_opt *
find(const struct cli_opt *t, size_t n, int ch)
{
    if (ch >= CLI_OPT_CODE && (size_t)(ch - CLI_OPT_CODE) < n)
        return &t[ch - CLI_OPT_CODE];
    for (size_t i = 0; i < n && ch > 0 && ch < CLI_OPT_CODE; i++)
        if (t[i].letter == ch)
            return &t[i];
    return NULL;
}

/* Stores v in the integer of the given width at p. */
static void
put_int(void *p, size_t size, int64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: { const uint16_t x = (uint16_t)v; memcpy(p, &x, sizeof x); break; }
    case 4: { const uint32_t x = (uint32_t)v; memcpy(p, &x, sizeof x); break; }
    default: memcpy(p, &v, sizeof v); break;
    }
}

/* The integer of the given width at p (put_int's inverse for what it stores). */
static uint64_t
get_uint(const void *p, size_t size)
{
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    switch (size) {
    case 1: memcpy(&a, p, 1); return a;
    case 2: memcpy(&b, p, 2); return b;
    case 4: memcpy(&c, p, 4); return c;
    default: memcpy(&d, p, 8); return d;
    }
}

static void
put_real(void *p, size_t size, double v)
{
    if (size == sizeof(float)) {
        const float f = (float)v;
        memcpy(p, &f, sizeof f);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

/* The option as messages name it: its .flag, else -x, else --name. */
static void
flag_name(const struct cli_opt *d, char *buf, size_t size)
{
    if (d->flag != NULL)
        snprintf(buf, size, "%s", d->flag);
    else if (d->letter)
        snprintf(buf, size, "-%c", d->letter);
    else
        snprintf(buf, size, "--%s", d->name);
}

static void
take_enum(const struct cli_opt *d, const char *flag, const char *s, char *at)
{
    int i = 0;
    while (i < d->nnames && strcmp(s, d->names[i]) != 0)
        i++;
    if (i == d->nnames && d->expect != NULL)
        cli_die(RV_USAGE, "%s %s: expected %s", flag, s, d->expect);
    if (i == d->nnames)
        i = cli_parse_enum(s, flag, d->names, d->nnames); /* dies with its message */
    put_int(at, d->size, d->values ? d->values[i] : i);
}

/* -h: the tools' usage functions exit themselves, so the write error of a full or closed
 * stdout (--help > /dev/full) is caught on the way out, as cli_version catches it. */
static _Noreturn void
help(void (*usage)(FILE *, int))
{
    if (atexit(cli_close_stdout) != 0)
        cli_die_nomem();
    usage(stdout, RV_OK);
    exit(RV_OK);
}

static void
take(const struct cli_opt *d, char *base, const char *arg, void (*usage)(FILE *, int))
{
    char flag[64];
    char *const at = base + d->off;
    flag_name(d, flag, sizeof flag);
    switch (d->kind) {
    case CLI_OPT_FLAG: put_int(at, d->size, 1); break;
    case CLI_OPT_CONST: put_int(at, d->size, d->val); break;
    case CLI_OPT_COUNT: put_int(at, d->size, (int64_t)get_uint(at, d->size) + 1); break;
    case CLI_OPT_STR: memcpy(at, &arg, sizeof arg); break;
    case CLI_OPT_LIST: {
        const char **list;
        size_t nlist;
        memcpy(&list, at, sizeof list);
        memcpy(&nlist, base + d->off2, sizeof nlist);
        list[nlist++] = arg;
        memcpy(base + d->off2, &nlist, sizeof nlist);
        break;
    }
    case CLI_OPT_U64: put_int(at, d->size, (int64_t)cli_parse_u64(arg, flag, d->lo, d->hi)); break;
    case CLI_OPT_DOUBLE: put_real(at, d->size, cli_parse_double(arg, flag, d->dlo, d->dhi)); break;
    case CLI_OPT_ENUM: take_enum(d, flag, arg, at); break;
    case CLI_OPT_SIZE: put_int(at, d->size, (int64_t)cli_parse_size(arg, flag, d->lo)); break;
    case CLI_OPT_EVERY: {
        double secs;
        uint64_t words;
        cli_parse_every(arg, flag, &secs, &words);
        memcpy(at, &secs, sizeof secs);
        memcpy(base + d->off2, &words, sizeof words);
        break;
    }
    case CLI_OPT_CALL: d->call(base, arg); break;
    case CLI_OPT_MOVED:
        if (d->letter)
            cli_moved(d->letter, d->moved);
        cli_die(RV_USAGE, "--%s %s in wordpipe; say %s", d->name, d->expect, d->moved);
    case CLI_OPT_SKIP: break;
    case CLI_OPT_HELP: help(usage);
    case CLI_OPT_VERSION: cli_version();
    }
    if (d->also)
        put_int(base + d->also - 1, d->also_size, d->alsov);
    if (d->count) {
        int c;
        memcpy(&c, base + d->count - 1, sizeof c);
        c++;
        memcpy(base + d->count - 1, &c, sizeof c);
    }
}

int
cli_opt_parse(const struct cli_opt *t, size_t n, void (*usage)(FILE *, int), void *dst,
              int argc, char **argv)
{
    struct getopt_arrays g;
    int ch;
    build(t, n, &g);
    for (size_t i = 0; i < n; i++)
        if (t[i].kind == CLI_OPT_LIST) {
            const char **list = cli_mallocarray(argc > 0 ? (size_t)argc : 1, sizeof *list);
            memcpy((char *)dst + t[i].off, &list, sizeof list);
        }
    while ((ch = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        const struct cli_opt *d = find(t, n, ch);
        if (d == NULL) {
            usage(stderr, RV_USAGE);
            exit(RV_USAGE);
        }
        take(d, dst, optarg, usage);
    }
    return optind;
}

/* An option's value in the struct at base, as text ("on"/"off" for a flag). */
static void
value_text(const struct cli_opt *d, const char *base, char *buf, size_t size)
{
    const char *at = base + d->off;
    const uint64_t u = get_uint(at, d->size);
    float f;
    double x;
    switch (d->kind) {
    case CLI_OPT_DOUBLE:
        if (d->size == sizeof f) {
            memcpy(&f, at, sizeof f);
            x = f;
        } else {
            memcpy(&x, at, sizeof x);
        }
        snprintf(buf, size, "%g", x);
        return;
    case CLI_OPT_ENUM:
        for (int i = 0; i < d->nnames; i++)
            if ((uint64_t)(d->values ? d->values[i] : i) == u) {
                snprintf(buf, size, "%s", d->names[i]);
                return;
            }
        break;
    case CLI_OPT_FLAG: case CLI_OPT_CONST: case CLI_OPT_COUNT:
        snprintf(buf, size, "%s", u ? "on" : "off");
        return;
    default:
        break;
    }
    snprintf(buf, size, "%llu", (unsigned long long)u);
}

static int
has_field(const struct cli_opt *d)
{
    switch (d->kind) {
    case CLI_OPT_FLAG: case CLI_OPT_CONST: case CLI_OPT_COUNT: case CLI_OPT_U64:
    case CLI_OPT_DOUBLE: case CLI_OPT_ENUM: case CLI_OPT_SIZE:
        return 1;
    default:
        return 0;
    }
}

static int
listed(const char *name, const char *const *names)
{
    for (; name != NULL && *names != NULL; names++)
        if (strcmp(name, *names) == 0)
            return 1;
    return 0;
}

/* Calls fn(d, argument, ctx) for each option of t in argv, from its start, quietly skipping
 * what the table does not know (errors are cli_opt_parse's), then rewinds getopt. */
static void
each_given(const struct cli_opt *t, size_t n, int argc, char **argv,
           void (*fn)(const struct cli_opt *d, const char *arg, void *ctx), void *ctx)
{
    struct getopt_arrays g;
    int ch;
    build(t, n, &g);
    opterr = 0;
    optind = 0; /* GNU getopt: from the start, also after cli_opt_parse */
    while ((ch = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        const struct cli_opt *d = find(t, n, ch);
        if (d != NULL)
            fn(d, optarg, ctx);
    }
    opterr = 1;
    optind = 0; /* GNU getopt: start over */
}

struct kept_ctx {
    const struct cli_kept *k;
    const char *given, *kept;
};

static void
check_one_kept(const struct cli_opt *d, const char *arg, void *ctx)
{
    const struct kept_ctx *c = ctx;
    (void)arg;
    if (!has_field(d) || !listed(d->name, c->k->names)
        || memcmp(c->given + d->off, c->kept + d->off, d->size) == 0)
        return;
    char flag[64], a[64], b[64];
    flag_name(d, flag, sizeof flag);
    value_text(d, c->given, a, sizeof a);
    value_text(d, c->kept, b, sizeof b);
    cli_die(RV_USAGE, "%s: %s gives %s, %s %s (%s: drop %s, or %s)", c->k->ctx, flag, a,
            c->k->source, b, c->k->why, flag, c->k->remedy);
}

void
cli_opt_check_kept(const struct cli_opt *t, size_t n, const struct cli_kept *k,
                   const void *given, const void *kept, int argc, char **argv)
{
    struct kept_ctx c = {k, given, kept};
    each_given(t, n, argc, argv, check_one_kept, &c);
}

struct scan_ctx {
    const char *name;
    void (*fn)(void *dst, const char *arg);
    void *dst;
};

static void
scan_one(const struct cli_opt *d, const char *arg, void *ctx)
{
    const struct scan_ctx *c = ctx;
    if (d->name != NULL && strcmp(d->name, c->name) == 0)
        c->fn(c->dst, arg);
}

void
cli_opt_scan(const struct cli_opt *t, size_t n, const char *name,
             void (*fn)(void *dst, const char *arg), void *dst, int argc, char **argv)
{
    struct scan_ctx c = {name, fn, dst};
    each_given(t, n, argc, argv, scan_one, &c);
}
