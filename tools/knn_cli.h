/* knn_cli.h - what knn's files share: its options, parsed and checked by knn_opts.c, and the
 * evaluation modes of knn_eval.c. */
#ifndef WP_KNN_CLI_H
#define WP_KNN_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "knn/analogy.h"
#include "knn/knn_hnsw.h"
#include "vecio/vecset.h"

struct knn_args {
    size_t k;
    int metric, exclude, all, analogies, quiet, verbose, single, format, restrict_set;
    size_t restrict_n;
    const char *analogy_file, *similarity_file, *output, *vectors;
    const char **queries;
    size_t nqueries;
    const char *hnsw, *qvec, *map;
    int convert, force; /* convert: 0, or 1 + the vecfile_write_set format */
    int trust, int8;
    int any_source; /* --query-vectors made from another model are searched anyway */
    size_t rerank;
    size_t ef;
    struct knn_hnsw_params hp;
    struct analogy_opts an;
};

/* Parses and checks argv into o (o->queries is malloc'd; o->an.restrict_n is -r, else the
 * evaluations' default); a bad command line ends the tool with usage (exit 2), -h and -V
 * with exit 0. */
void knn_parse_args(struct knn_args *o, int argc, char **argv);

/* The rows searched: the first -r of them when given (0: all). */
static inline size_t
knn_rows_searched(const struct knn_args *o, const struct vecset *s)
{
    return o->restrict_set && o->restrict_n && o->restrict_n < s->v ? o->restrict_n : s->v;
}

/* The evaluation modes (knn_eval.c), their reports on out: RV_OK, or RV_DATA when nothing
 * could be answered. */
int knn_run_map(const struct knn_args *o, const struct vecset *s, FILE *out);
int knn_run_analogy_eval(const struct knn_args *o, const struct vecset *s, FILE *out);
int knn_run_analogies(const struct knn_args *o, const struct vecset *s, FILE *out);
int knn_run_similarity(const struct knn_args *o, const struct vecset *s, FILE *out);

#endif
