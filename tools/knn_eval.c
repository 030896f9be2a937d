/* knn_eval.c - knn's evaluation modes: --analogy, --analogies, --similarity and --map, each
 * run through lib/knn and its report printed. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "common/bom.h"
#include "common/status.h"
#include "knn/analogy.h"
#include "knn/analogy_ask.h"
#include "knn/evalsim.h"
#include "knn/knn.h"
#include "knn/knn_map.h"
#include "knn_cli.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"

/* ---- --map: chosen words on the plane of their top two principal components ---- */
/* Looks the words up exactly, as -q does (rows as the metric sees them: unit length for
 * cos, raw for dot and l2), projects them (knn_map_project) and prints word, x, y. */
int
knn_run_map(const struct knn_args *o, const struct vecset *s, FILE *out)
{
    size_t nw;
    char **w;
    FILE *fp = cli_open_in(o->map);
    const int rd = knn_map_read_words(fp, &w, &nw);
    if (rd < 0)
        cli_die_status(rd, "%s", cli_name(o->map));
    cli_close_in(fp);
    if (nw == 0)
        cli_die(RV_DATA, "%s: no words to map", cli_name(o->map));
    struct knn_map mp;
    if (knn_map_lookup(&mp, s, o->metric, w, nw) < 0)
        cli_die_nomem();
    for (size_t i = 0; i < mp.nmissing; i++)
        cli_warn("'%s' not in vocabulary", cli_word(w[mp.missing[i]], (char[CLI_WORD_BUF]){0}));
    if (mp.nmissing > 0)
        cli_warn("%s: %zu of %zu words not in the vectors, skipped", cli_name(o->map),
                 mp.nmissing, nw);
    if (mp.dups > 0)
        cli_warn("%s: %zu repeated word%s skipped", cli_name(o->map), mp.dups,
                 mp.dups == 1 ? "" : "s");
    if (mp.n == 0)
        cli_die(RV_DATA, "%s: none of its words is in the vectors", cli_name(o->map));
    const int rc = knn_map_project(&mp);
    if (rc < 0)
        cli_die_status(rc, "%s: pca", cli_name(o->vectors));
    for (size_t i = 0; i < mp.n; i++)
        fprintf(out, "%s\t%.6f\t%.6f\n", s->words[mp.ids[i]], (double)mp.xy[i * 2],
                (double)mp.xy[i * 2 + 1]);
    if (o->verbose) {
        const double total = knn_map_total_variance(&mp);
        cli_warn("map: %zu words; the two axes show %.1f%% and %.1f%% of their variance", mp.n,
                 total > 0 ? 100 * mp.var[0] / total : 0.0,
                 total > 0 ? 100 * mp.var[1] / total : 0.0);
    }
    knn_map_words_free(w, nw);
    knn_map_free(&mp);
    return RV_OK;
}

/* ---- analogies ---- */
static void
print_section(FILE *out, const char *name, size_t correct, size_t seen, size_t skipped)
{
    fprintf(out, "%s\t%zu\t%zu\t%zu\t%.6f\n", name, correct, seen, skipped,
            seen ? (double)correct / (double)seen : 0.0);
}

int
knn_run_analogy_eval(const struct knn_args *o, const struct vecset *s, FILE *out)
{
    FILE *fp = cli_open_in(o->analogy_file);
    struct analogy_result res;
    struct w2vfmt_error err = {0};
    const int rc = analogy_eval(s, fp, &o->an, &res, &err);
    if (rc < 0) {
        if (err.line > 0)
            cli_die(RV_DATA, "%s: line %zu: %s", cli_name(o->analogy_file), err.line, err.msg);
        cli_die_status(rc, "%s", cli_name(o->analogy_file));
    }
    cli_close_in(fp);
    if (res.bad_lines > 0)
        cli_warn("%s: %zu line%s without 4 words skipped (first: line %zu)",
                 cli_name(o->analogy_file), res.bad_lines, res.bad_lines == 1 ? "" : "s",
                 res.first_bad_line);
    if (res.questions == 0) { /* not "no question has all 4 words": there is none */
        const size_t bad = res.bad_lines;
        analogy_result_free(&res);
        cli_die(RV_DATA, "%s: no question of 4 words in the file%s", cli_name(o->analogy_file),
                bad > 0 ? "" : " (empty, or only comments and section lines)");
    }
    struct analogy_section g[2];
    analogy_result_group(&res, 0, &g[0]);
    analogy_result_group(&res, 1, &g[1]);
    fprintf(out, "section\tcorrect\tseen\tskipped\taccuracy\n");
    for (size_t i = 0; i < res.nsec; i++)
        print_section(out, res.sec[i].name, res.sec[i].correct, res.sec[i].seen,
                      res.sec[i].skipped);
    print_section(out, "semantic", g[0].correct, g[0].seen, g[0].skipped);
    print_section(out, "syntactic", g[1].correct, g[1].seen, g[1].skipped);
    print_section(out, "total", res.correct, res.seen, res.skipped);
    const int none = res.seen == 0;
    if (none)
        cli_warn("%s: no question has all 4 words among the first %zu", cli_name(o->analogy_file),
                 o->an.restrict_n ? o->an.restrict_n : s->v);
    analogy_result_free(&res);
    return none ? RV_DATA : RV_OK;
}

/* "a b c" per stdin line -> top k for b - a + c (3CosAdd) or 3CosMul, inputs excluded. */
int
knn_run_analogies(const struct knn_args *o, const struct vecset *s, FILE *out)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, found = 0, missing = 0;
    const size_t n = knn_rows_searched(o, s);
    struct knn_hit *h = cli_mallocarray(o->k, sizeof *h);
    struct analogy_ask a;
    if (analogy_ask_init(&a, s, o->an.method, n, o->k, &o->an.knn) < 0)
        cli_die_nomem();
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        char *w[4];
        int in[3];
        const size_t bom = ++lineno == 1 ? utf8_bom_len(line, (size_t)len) : 0;
        const size_t nw = analogy_ask_split(line + bom, w);
        if (nw == 0)
            continue;
        if (nw != 3) {
            cli_warn("<stdin>: line %zu: expected 3 words \"a b c\"", lineno);
            missing++;
            continue;
        }
        if (analogy_ask_words(&a, (const char *const *)w, in) < 0)
            cli_die_nomem();
        for (int i = 0; i < 3; i++)
            if (in[i] < 0)
                cli_warn("'%s' not in vocabulary", cli_word(w[i], (char[CLI_WORD_BUF]){0}));
            else if (in[i] == 0 && !o->quiet)
                cli_warn("'%s' not in vocabulary: its character n-grams stand in",
                         cli_word(w[i], (char[CLI_WORD_BUF]){0}));
        if (in[0] < 0 || in[1] < 0 || in[2] < 0) {
            missing++;
            continue;
        }
        found++;
        const int rc = analogy_ask_search(&a, h);
        if (rc < 0)
            cli_die_status(rc, "search");
        for (size_t r = 0; r < o->k && h[r].id != KNN_NONE; r++)
            fprintf(out, "%s %s %s\t%zu\t%s\t%.6f\n", w[0], w[1], w[2], r + 1,
                    s->words[h[r].id], h[r].score);
        fflush(out);
    }
    free(line);
    free(h);
    analogy_ask_free(&a);
    return missing > 0 && found == 0 ? RV_DATA : RV_OK;
}

int
knn_run_similarity(const struct knn_args *o, const struct vecset *s, FILE *out)
{
    struct analogy_lookup lk;
    struct evalsim_result r;
    if (analogy_lookup_init(&lk, s, o->an.restrict_n, o->an.fold) < 0)
        cli_die_nomem();
    FILE *fp = cli_open_in(o->similarity_file);
    const int rc = evalsim_eval(&lk, fp, &r);
    if (rc < 0)
        cli_die_status(rc, "%s", cli_name(o->similarity_file));
    cli_close_in(fp);
    analogy_lookup_free(&lk);
    if (r.bad_lines > 0)
        cli_warn("%s: %zu line%s not \"word word score\" skipped (first: line %zu)",
                 cli_name(o->similarity_file), r.bad_lines, r.bad_lines == 1 ? "" : "s",
                 r.first_bad_line);
    if (r.undefined != NULL)
        cli_die(RV_DATA, "%s: %s over the %zu pairs with known words: no correlation",
                cli_name(o->similarity_file), r.undefined, r.found);
    if (r.found < 2) /* before the report: a failed run prints no table */
        cli_die(RV_DATA, "%s: fewer than 2 pairs with known words", cli_name(o->similarity_file));
    /* a malformed line is a pair of the file too, so coverage says what was dropped */
    const size_t pairs = r.pairs + r.bad_lines;
    fprintf(out, "spearman\t%.6f\npearson\t%.6f\npairs\t%zu\nfound\t%zu\noov\t%zu\n",
            r.spearman, r.pearson, pairs, r.found, r.oov);
    if (r.bad_lines > 0)
        fprintf(out, "malformed\t%zu\n", r.bad_lines);
    fprintf(out, "coverage\t%.6f\n", pairs ? (double)r.found / (double)pairs : 0.0);
    if (vecset_has_subwords(s))
        fprintf(out, "ngrams\t%zu\n", r.ngrams);
    return RV_OK;
}
