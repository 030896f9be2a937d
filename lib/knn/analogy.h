/* analogy.h - word analogies a:b :: c:? (answer near b - a + c) and their evaluation on
 * questions-words.txt-style files, in two conventions:
 *
 *   ANALOGY_W2V (word2vec compute-accuracy): questions and the first N words are upper-cased
 *   (ASCII), a question word resolves to its first (most frequent) match among the first N
 *   rows, a question with any word outside them is skipped; the candidates are the first N
 *   rows minus the three question rows; the best candidate must score > 0; it is correct if
 *   its upper-cased word equals the upper-cased expected word.
 *
 *   ANALOGY_GENSIM (KeyedVectors.evaluate_word_analogies): the same lookup and skipping,
 *   but the answer is the first of the top 5 candidates (question rows excluded) whose
 *   upper-cased word is none of the three upper-cased question words.
 *
 * Case folding is ASCII only (bytes >= 0x80 untouched); with fold = 0 words match exactly.
 * Sections whose name starts with "gram" are syntactic, the others semantic. */
#ifndef WP_ANALOGY_H
#define WP_ANALOGY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "knn.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"

enum analogy_method { ANALOGY_ADD = 0, ANALOGY_MUL = 1 };
enum analogy_convention { ANALOGY_W2V = 0, ANALOGY_GENSIM = 1 };
enum { ANALOGY_GENSIM_TOPN = 5 };

/* Word lookup restricted to the first n rows, optionally case-folded. */
struct analogy_lookup {
    const struct vecset *s;
    size_t n;
    int fold;
    struct wordmap *map; /* folded words -> row (first wins); NULL when fold = 0 */
    char **keys;           /* the folded copies the map points into */
};
int analogy_lookup_init(struct analogy_lookup *lk, const struct vecset *s, size_t n, int fold);
int64_t analogy_lookup_find(const struct analogy_lookup *lk, const char *word, size_t len);
void analogy_lookup_free(struct analogy_lookup *lk);
void analogy_fold(char *w); /* ASCII upper-case in place */

struct analogy_opts {
    size_t restrict_n;     /* 0 = every row */
    int convention, method, fold;
    struct knn_opts knn;
};
void analogy_opts_default(struct analogy_opts *o); /* 30000, W2V, ADD, fold */

struct analogy_section {
    char *name;
    size_t correct, seen, skipped;
    int syntactic;
};

struct analogy_result {
    struct analogy_section *sec;
    size_t nsec;
    size_t questions, seen, correct, skipped, bad_lines;
    size_t first_bad_line;
};

/* Evaluates every question of fp. Errors (WP_EFORMAT: a question before any section, with
 * err->line) leave res empty. Lines without exactly 4 words are skipped: counted in bad_lines
 * and in the skipped of their section and of the total (not in questions). */
int analogy_eval(const struct vecset *s, FILE *fp, const struct analogy_opts *o,
                 struct analogy_result *res, struct w2vfmt_error *err);
void analogy_result_free(struct analogy_result *res);
/* The sums of correct, seen and skipped over the semantic (syntactic 0) or the syntactic
 * (1) sections of res, in *sum (its name NULL). */
void analogy_result_group(const struct analogy_result *res, int syntactic,
                          struct analogy_section *sum);

/* Query vectors for rows a, b, c into q (3 rows for MUL: unit a, b, c; 1 row for ADD:
 * unit b - unit a + unit c). */
void analogy_query(const struct vecset *s, int method, uint32_t a, uint32_t b, uint32_t c,
                   float *q);
/* The same from the unit vectors themselves (d floats each), e.g. the n-gram vectors of
 * words outside a fastText model's vocabulary. */
void analogy_query_rows(int method, const float *ua, const float *ub, const float *uc, size_t d,
                        float *q);

#endif
