/* knn_opts.c - knn's command line: usage, the option table, the combinations refused. */
#include "knn_cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opt.h"
#include "knn/knn.h"
#include "vecio/vecfile.h"
#include "vecio/vecset.h"
#include "vecio/vectab.h"
#include "vecio/w2vfmt.h"

enum { RESTRICT_EVAL_DEFAULT = 30000 }; /* rows an evaluation searches without -r */
enum { RERANK_DEFAULT = 100 };

static _Noreturn void
usage(FILE *fp, int status)
{
    fprintf(fp,
            "usage: %s [-fhqVx] [-k count] [-o file] [-r count] [-t threads]\n"
            "       [--query word ... | --all | --analogy file | --analogies |\n"
            "       --similarity file |\n"
            "       --convert txt|bin|stream|fasttext|table|table+int8|int8 |\n"
            "       --query-vectors stream [--any-source] | --map words]\n"
            "       [--metric cos|dot|l2] [--convention w2v|gensim]\n"
            "       [--method 3cosadd|3cosmul] [--no-fold]\n"
            "       [--input-format auto|txt|bin|glove|stream|fasttext|table] [--single]\n"
            "       [--verbose] [--trust] [--int8] [--rerank n]\n"
            "       [--hnsw index] [--ef n] [--hnsw-m n]\n"
            "       [--ef-construction n] [--seed n] vectors\n",
            cli_progname);
    exit(status);
}

/* The options' combinations that make no sense. */
static void
check_args(const struct knn_args *o)
{
    const int modes = (o->all || o->nqueries) + !!o->analogy_file + o->analogies +
                      !!o->similarity_file + !!o->convert + !!o->qvec + !!o->map;
    if (modes > 1)
        cli_die(RV_USAGE, "choose one of --all/--query, --analogy, --analogies, --similarity, --convert, "
                          "--query-vectors, --map");
    if (o->all && o->nqueries)
        cli_die(RV_USAGE, "--all and --query exclude each other");
    if ((o->analogies || o->all || o->nqueries == 0) && !o->analogy_file && !o->similarity_file &&
        !o->all && !o->convert && !o->qvec && !o->map && strcmp(o->vectors, "-") == 0)
        cli_die(RV_USAGE, "vectors on stdin need --query, --all, --analogy or --similarity");
    if (o->hnsw && (o->analogy_file || o->similarity_file || o->analogies || o->qvec || o->map))
        cli_die(RV_USAGE, "--hnsw serves --query, --all and stdin queries only");
    if (o->any_source && !o->qvec)
        cli_die(RV_USAGE, "--any-source goes with --query-vectors");
    if (o->hnsw && strcmp(o->hnsw, "-") == 0) /* mapped by later runs: never a stream */
        cli_die(RV_USAGE, "--hnsw -: the index is a file to map, not standard output");
    if (o->qvec && strcmp(o->qvec, "-") == 0 && strcmp(o->vectors, "-") == 0)
        cli_die(RV_USAGE, "the vectors and the query vectors cannot both be stdin");
    if (o->map && strcmp(o->map, "-") == 0 && strcmp(o->vectors, "-") == 0)
        cli_die(RV_USAGE, "the vectors and the --map words cannot both be stdin");
    if (o->an.method == ANALOGY_MUL && o->metric != KNN_COS)
        cli_die(RV_USAGE, "--method 3cosmul needs --metric cos");
    if (o->int8 && (o->hnsw || o->analogy_file || o->similarity_file || o->analogies || o->qvec ||
                    o->map || o->convert))
        cli_die(RV_USAGE, "--int8 serves --query, --all and stdin queries only");
    const struct cli_path paths[] = {
        {o->output != NULL ? o->output : "-", "-o", 1, 0},
        {o->hnsw, "--hnsw", 1, 0},
        {o->vectors, "the vectors", 0, 0},
        {o->analogy_file, "the analogies (--analogy)", 0, 0},
        {o->similarity_file, "the pairs (--similarity)", 0, 0},
        {o->qvec, "the query vectors (--query-vectors)", 0, 0},
        {o->map, "the words (--map)", 0, 0}};
    cli_paths_distinct(paths, sizeof paths / sizeof *paths);
}

static const char *const metric_names[] = {"cos", "dot", "l2"};
static const char *const convention_names[] = {"w2v", "gensim"};
static const char *const method_names[] = {"3cosadd", "3cosmul"};
static const char *const format_names[] = {"auto",   "txt",      "bin",  "glove",
                                           "stream", "fasttext", "table"};
/* auto txt bin glove = W2VFMT_ 0..3 */
static const int format_values[] = {0, 1, 2, 3, VECSET_STREAM, VECSET_FASTTEXT, VECSET_TABLE};
static const char *const convert_names[] = {"txt",   "bin",        "stream", "fasttext",
                                            "table", "table+int8", "int8"};
static const int convert_values[] = {
    1 + W2VFMT_TEXT, 1 + W2VFMT_BIN, 1 + VECSET_STREAM, 1 + VECSET_FASTTEXT,
    1 + (VECFILE_TABLE | VECTAB_F32), 1 + (VECFILE_TABLE | VECTAB_F32 | VECTAB_SQ8),
    1 + (VECFILE_TABLE | VECTAB_SQ8)};

#define AT(m) CLI_AT(struct knn_args, m)
static const struct cli_opt options[] = {
    {"all", 0, CLI_OPT_FLAG, AT(all)},
    {"help", 'h', .kind = CLI_OPT_HELP},
    {"k", 'k', CLI_OPT_U64, AT(k), .lo = 1, .hi = 100000},
    {"metric", 0, CLI_OPT_ENUM, AT(metric), .names = metric_names, .nnames = 3},
    {"output", 'o', CLI_OPT_STR, AT(output)},
    {"query", 0, CLI_OPT_LIST, AT(queries), CLI_AT2(struct knn_args, nqueries)},
    {"restrict", 'r', CLI_OPT_U64, AT(restrict_n), .lo = 0, .hi = UINT32_MAX,
     CLI_ALSO(struct knn_args, restrict_set, 1)},
    {"threads", 't', CLI_OPT_U64, AT(an.knn.threads), .lo = 1, .hi = 64},
    {"version", 'V', .kind = CLI_OPT_VERSION},
    {"verbose", 0, CLI_OPT_FLAG, AT(verbose)},
    {"exclude-query", 'x', CLI_OPT_FLAG, AT(exclude)},
    {"analogy", 0, CLI_OPT_STR, AT(analogy_file)},
    {"analogies", 0, CLI_OPT_FLAG, AT(analogies)},
    {"similarity", 0, CLI_OPT_STR, AT(similarity_file)},
    {"convention", 0, CLI_OPT_ENUM, AT(an.convention), .names = convention_names, .nnames = 2},
    {"method", 0, CLI_OPT_ENUM, AT(an.method), .names = method_names, .nnames = 2},
    {"no-fold", 0, CLI_OPT_CONST, AT(an.fold), .val = 0},
    {"input-format", 0, CLI_OPT_ENUM, AT(format), .names = format_names, .nnames = 7,
     .values = format_values},
    {"format", 0, CLI_OPT_MOVED, .arg = 1, .moved = "--input-format (--convert writes one)",
     .expect = "names what a tool writes (w2v-train, embed)"},
    {"quiet", 'q', CLI_OPT_FLAG, AT(quiet)},
    {"single", 0, CLI_OPT_FLAG, AT(single)},
    {"hnsw", 0, CLI_OPT_STR, AT(hnsw)},
    {"ef", 0, CLI_OPT_U64, AT(ef), .lo = 1, .hi = 1 << 20},
    {"hnsw-m", 0, CLI_OPT_U64, AT(hp.m), .lo = 2, .hi = 1024},
    {"ef-construction", 0, CLI_OPT_U64, AT(hp.ef_construction), .lo = 1, .hi = 1 << 20},
    {"seed", 0, CLI_OPT_U64, AT(hp.seed), .lo = 0, .hi = UINT64_MAX},
    {"force", 'f', CLI_OPT_FLAG, AT(force)},
    {"convert", 0, CLI_OPT_ENUM, AT(convert), .names = convert_names, .nnames = 7,
     .values = convert_values},
    {"query-vectors", 0, CLI_OPT_STR, AT(qvec)},
    {"any-source", 0, CLI_OPT_FLAG, AT(any_source)},
    {"map", 0, CLI_OPT_STR, AT(map)},
    {"trust", 0, CLI_OPT_FLAG, AT(trust)},
    {"int8", 0, CLI_OPT_FLAG, AT(int8)},
    {"rerank", 0, CLI_OPT_U64, AT(rerank), .lo = 1, .hi = 1000000},
    {NULL, 'a', CLI_OPT_MOVED, .moved = "--all"},
    {NULL, 'm', CLI_OPT_MOVED, .moved = "--metric", .arg = 1},
    {NULL, 's', CLI_OPT_MOVED, .moved = "--seed", .arg = 1},
    {NULL, 'v', CLI_OPT_MOVED, .moved = "--verbose"},
};
#undef AT

void
knn_parse_args(struct knn_args *o, int argc, char **argv)
{
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->ef = 50;
    o->rerank = RERANK_DEFAULT;
    knn_hnsw_params_default(&o->hp);
    analogy_opts_default(&o->an);
    o->an.knn.threads = ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1;
    const int first = cli_opt_parse(options, CLI_NOPTS(options), usage, o, argc, argv);
    if (argc - first != 1)
        usage(stderr, RV_USAGE);
    o->vectors = argv[first];
    check_args(o);
    o->an.restrict_n = o->restrict_set ? o->restrict_n : RESTRICT_EVAL_DEFAULT;
}
