/* embed_opts.c - embed's command line; see embed_opts.h. */
#include "embed_opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "embed/embed_out.h"
#include "embed/embed_static.h"
#include "stream/rec.h"

enum { BATCH_DEFAULT = 64, THREADS_MAX = 64 };

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [-o file] [-z level] [--format stream|npy] [--npy-dir dir]\n"
            "       [--sentence mean|max] --vectors file [--oov skip|zero|error|unk=word]\n"
            "       [--normalize] [tokens]\n"
            "       %s [options] [-b sentences] [-t threads] --model file\n"
            "       [--all-layers | --layer n | --average | --mix w0,w1,... [--gamma g]]\n"
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
        cli_die(RV_USAGE, "--all-layers, --layer, --average, --mix, --carry-state and --cache need "
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
    const struct cli_path paths[] = {
        {o->npy_dir ? NULL : o->output != NULL ? o->output : "-", "-o", 1, 0},
        {o->vectors, "the vectors (--vectors)", 0, 0},
        {o->model, "the model (--model)", 0, 0},
        {o->tokens, "the tokens", 0, 0},
        {o->cache, "the token cache (--cache)", 0, 0}};
    cli_paths_distinct(paths, sizeof paths / sizeof *paths);
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
                         *const export_names[] = {"txt", "bin", "fasttext"};
static const int one_two_three[] = {1, 2, 3};

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
    {"all-layers", 0, CLI_OPT_CONST, AT(sel.mode), .val = EMBED_SEL_ALL, SEL},
    {"layers", 0, CLI_OPT_MOVED, .arg = 1, .moved = "--all-layers",
     .expect = "is elmo-train's number of layers"},
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

void
embed_args(struct opts *o, int argc, char **argv)
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
        cli_die(RV_USAGE, "choose one of --all-layers, --layer, --average, --mix");
    o->sel_set = o->sel_set > 0;
    check_args(o);
}

