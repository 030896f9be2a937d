/* elmo_train_opts.c - elmo-train's command line; see elmo_train_opts.h. */
#include "elmo_train_opts.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opt.h"
#include "lm/lm_preset.h"
#include "stream/rec.h"

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqV] [--preset small|elmo-small] [--word-input | --char-input]\n"
            "       [--layers n] [--hidden n] [--proj n] [--cell-clip x] [--proj-clip x]\n"
            "       [--residual | --no-residual] [--forward-only] [--max-chars n]\n"
            "       [--char-dim n] [--filters w:n,...] [--highway n] [--char-act relu|tanh]\n"
            "       [--char-init x] [--char-init-std x] [--char-grad-scale x] [--unroll n]\n"
            "       [--batch n] [--epochs n] [--budget n(s|m|h)] [--token-budget n[k|M|G]]\n"
            "       [--max-batches n]\n"
            "       [--dropout p] [--sampled n] [--optim sgd|adagrad|adam] [--lr x]\n"
            "       [--decay x] [--decay-start n] [--clip x] [--init x] [--forget-bias x]\n"
            "       [--valid file] [--test file] [--checkpoint file]\n"
            "       [--checkpoint-every n{s|m|h|w}] [--resume file] [--mpi] [--log file]\n"
            "       [--inject-nan n] [--seed n] [-t threads] [-z level] [-o model] -v vocab\n"
            "       [file]\n",
            cli_progname);
    exit(status);
}

static void
parse_filters(struct opts *o, const char *s)
{
    struct charenc_cfg *c = &o->mc.ch;
    c->nwidths = 0;
    while (*s) {
        char *end;
        const unsigned long w = strtoul(s, &end, 10);
        if (*end != ':' || c->nwidths == CHARENC_MAX_WIDTHS)
            cli_die(RV_USAGE, "--filters: want width:count,... (at most %d), got '%s'",
                    CHARENC_MAX_WIDTHS, s);
        const unsigned long n = strtoul(end + 1, &end, 10);
        if (w == 0 || w > 64 || n == 0 || n > 8192 || (*end != ',' && *end != '\0'))
            cli_die(RV_USAGE, "--filters: bad width:count near '%s'", s);
        c->widths[c->nwidths] = (uint32_t)w;
        c->filters[c->nwidths++] = (uint32_t)n;
        s = *end == ',' ? end + 1 : end;
    }
}

/* --budget: a wall time with its unit, n(s|m|h); a unit is required, so that "40m" is
 * never taken for a token count. */
static double
parse_budget_time(const char *s)
{
    char *end;
    const double v = strtod(s, &end);
    double mul = 0;
    if (end != s && end[0] != '\0' && end[1] == '\0')
        mul = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 0;
    if (mul == 0 || !(v > 0) || !(v * mul < 1e9))
        cli_die(RV_USAGE, "--budget: want a positive time n followed by s, m or h (e.g. 4h), "
                "got '%s'", s);
    return v * mul;
}

/* --token-budget: n tokens, with an optional k, M or G (powers of 1000). */
static uint64_t
parse_budget_tokens(const char *s)
{
    char *end;
    const double v = strtod(s, &end);
    double mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1e3, end++;
    else if (*end == 'M')
        mul = 1e6, end++;
    else if (*end == 'G')
        mul = 1e9, end++;
    if (end == s || *end != '\0' || !(v * mul >= 1) || !(v * mul < 1e18))
        cli_die(RV_USAGE, "--token-budget: want a positive count n[k|M|G] (e.g. 40M), got '%s'",
                s);
    return (uint64_t)(v * mul + 0.5);
}

static void
opt_filters(void *o, const char *arg)
{
    parse_filters(o, arg);
}

/* --char-input: the character encoder, its defaults unless given before */
static void
opt_char_input(void *dst, const char *arg)
{
    struct opts *o = dst;
    if (o->mc.ch.nwidths == 0)
        parse_filters(o, "1:32,2:32,3:64,4:128,5:256,6:512,7:1024");
    if (o->mc.ch.max_chars == 0)
        o->mc.ch.max_chars = 50, o->mc.ch.char_dim = 16, o->mc.ch.highway = 1;
    o->mc.char_input = 1;
}

static void
opt_budget(void *o, const char *arg)
{
    ((struct opts *)o)->sch.budget_secs = parse_budget_time(arg);
}

static void
opt_token_budget(void *o, const char *arg)
{
    ((struct opts *)o)->sch.budget_tokens = parse_budget_tokens(arg);
}

static void
opt_optim(void *o, const char *arg)
{
    static const char *const names[] = {"sgd", "adagrad", "adam"};
    static const int optims[] = {LM_SGD, LM_ADAGRAD, LM_ADAM};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            ((struct opts *)o)->tc.optim = optims[i];
            return;
        }
    cli_die(RV_USAGE, "--optim: want sgd, adagrad or adam, got '%s'", arg);
}

static const char *const act_names[] = {"relu", "tanh"};

#define AT(m) CLI_AT(struct opts, m)
#define U64(name, m, l, h) {name, 0, CLI_OPT_U64, AT(m), .lo = (l), .hi = (h)}
#define REAL(name, m, l, h) {name, 0, CLI_OPT_DOUBLE, AT(m), .dlo = (l), .dhi = (h)}
#define STR(name, m) {name, 0, CLI_OPT_STR, AT(m)}
static const struct cli_opt options[] = {
    {"preset", 0, CLI_OPT_SKIP, .arg = 1}, /* read by parse_args's first pass */
    {"word-input", 0, CLI_OPT_CONST, AT(mc.char_input), .val = 0},
    {"char-input", 0, CLI_OPT_CALL, .call = opt_char_input},
    U64("layers", mc.layers, 1, LM_MAX_LAYERS),
    U64("hidden", mc.hidden, 1, 16384),
    U64("proj", mc.proj, 0, 16384),
    REAL("cell-clip", mc.cell_clip, 0, 1e6),
    REAL("proj-clip", mc.proj_clip, 0, 1e6),
    {"residual", 0, CLI_OPT_FLAG, AT(mc.residual)},
    {"no-residual", 0, CLI_OPT_CONST, AT(mc.residual), .val = 0},
    {"forward-only", 0, CLI_OPT_FLAG, AT(mc.directions)},
    U64("max-chars", mc.ch.max_chars, 3, 1024),
    U64("char-dim", mc.ch.char_dim, 1, 1024),
    {"filters", 0, CLI_OPT_CALL, .call = opt_filters, .arg = 1},
    U64("highway", mc.ch.highway, 0, CHARENC_MAX_HIGHWAY),
    {"char-act", 0, CLI_OPT_ENUM, AT(mc.ch.act), .names = act_names, .nnames = 2},
    REAL("char-init", sch.char_gain, 0, 100),
    REAL("char-init-std", sch.char_std, 0, 100),
    REAL("char-grad-scale", tc.char_grad_scale, 1e-6, 1e3),
    U64("unroll", tc.unroll, 1, 10000),
    U64("batch", tc.batch, 1, 100000),
    {"epochs", 0, CLI_OPT_U64, AT(sch.epochs), .lo = 1, .hi = 100000,
     CLI_ALSO(struct opts, epochs_set, 1)},
    U64("max-batches", max_batches, 1, UINT64_MAX),
    {"budget", 0, CLI_OPT_CALL, .call = opt_budget, .arg = 1},
    {"token-budget", 0, CLI_OPT_CALL, .call = opt_token_budget, .arg = 1},
    REAL("dropout", tc.dropout, 0, 0.95),
    U64("sampled", tc.sampled, 0, 1u << 30),
    {"optim", 0, CLI_OPT_CALL, .call = opt_optim, .arg = 1},
    REAL("lr", tc.lr, 1e-9, 1e3),
    REAL("decay", sch.decay, 1e-6, 1),
    U64("decay-start", sch.decay_start, 0, 100000),
    REAL("clip", tc.clip, 0, 1e9),
    REAL("init", sch.init, 0, 10),
    REAL("forget-bias", sch.forget_bias, -100, 100),
    STR("valid", valid),
    STR("test", test),
    STR("checkpoint", ckpt),
    {"checkpoint-every", 0, CLI_OPT_EVERY, AT(ckpt_secs), CLI_AT2(struct opts, ckpt_words)},
    STR("resume", resume),
    STR("log", log),
    U64("inject-nan", inject_nan, 1, UINT64_MAX),
    {"mpi", 0, CLI_OPT_FLAG, AT(mpi)},
    U64("seed", tc.seed, 0, UINT64_MAX),
    {"threads", 't', CLI_OPT_U64, AT(tc.threads), .lo = 1, .hi = 256},
    {"level", 'z', CLI_OPT_U64, AT(level), .lo = 0, .hi = 9},
    {"output", 'o', CLI_OPT_STR, AT(out)},
    {"vocab", 'v', CLI_OPT_STR, AT(vocab)},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {NULL, 's', CLI_OPT_MOVED, .moved = "--seed", .arg = 1},
};
#undef AT
#undef U64
#undef REAL
#undef STR

static void
opt_preset(void *dst, const char *name)
{
    struct opts *o = dst;
    if (strcmp(name, "small") != 0 /* applied already */
        && lm_preset(name, &o->mc, &o->tc, &o->sch) < 0)
        cli_die(RV_USAGE, "--preset: want small or elmo-small, got '%s'", name);
}

void
elmo_train_args(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    lm_train_cfg_default(&o->tc);
    o->mc.directions = 2;
    o->tc.threads = 2;
    o->level = REC_LEVEL_DEFAULT;
    /* The preset is applied first, whatever its position, so other flags override it: a
     * first pass reads --preset alone (errors are the second pass's). */
    lm_preset("small", &o->mc, &o->tc, &o->sch);
    cli_opt_scan(options, CLI_NOPTS(options), "preset", opt_preset, o, argc, argv);
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (argc - first > 1)
        usage(stderr, RV_USAGE);
    o->input = first < argc ? argv[first] : "-";
    o->argc = argc;
    o->argv = argv;
    if (o->vocab == NULL && o->resume == NULL)
        cli_die(RV_USAGE, "a vocabulary is needed: -v file (from vocab(1))");
    if (o->mc.char_input)
        o->mc.ch.out_dim = lm_width(&o->mc);
    if ((o->ckpt_secs > 0 || o->ckpt_words > 0) && o->ckpt == NULL)
        cli_die(RV_USAGE, "--checkpoint-every needs --checkpoint file");
    cli_out_refuse_tty(o->out, CLI_OUT_STREAM, o->force);
    if (!o->epochs_set && (o->sch.budget_secs > 0 || o->sch.budget_tokens > 0))
        o->sch.epochs = 0;
}

/* The options whose settings a checkpoint holds (the model's shape and the training's),
 * compared by elmo_train_check_resumed; --char-input, --filters and --optim have no field
 * of their own to compare. */
static const char *const resumed_settings[] = {
    "word-input", "layers",     "hidden",          "proj",    "cell-clip", "proj-clip",
    "residual",   "no-residual", "forward-only",   "max-chars", "char-dim", "highway",
    "char-act",   "char-init",  "char-init-std",   "char-grad-scale", "unroll", "batch",
    "dropout",    "sampled",    "lr",              "decay",   "decay-start", "clip",
    "seed",       NULL};

void
elmo_train_check_resumed(const struct opts *cmd, const struct opts *o)
{
    const struct cli_kept k = {resumed_settings, "--resume", "the checkpoint",
                               "a resumed run keeps the checkpoint's settings", "start afresh"};
    cli_opt_check_kept(options, CLI_NOPTS(options), &k, cmd, o, o->argc, o->argv);
}
