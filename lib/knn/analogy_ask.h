/* analogy_ask.h - one analogy question "a b c" at a time, as knn --analogies asks them: the
 * words' unit vectors (their rows, or for words outside a fastText model's vocabulary their
 * character n-gram vectors), the query of 3CosAdd (b - a + c) or the three rows of 3CosMul,
 * and its top k over the first n rows of the set, the three words' own rows excluded. Nothing
 * here prints. */
#ifndef WP_ANALOGY_ASK_H
#define WP_ANALOGY_ASK_H

#include <stddef.h>
#include <stdint.h>

#include "knn.h"

struct vecset;

struct analogy_ask {
    const struct vecset *s;
    struct knn_db db;          /* s's unit rows, the first n of them */
    int method;                /* ANALOGY_ADD or ANALOGY_MUL */
    size_t k;
    const struct knn_opts *knn;
    float *q, *u, *scratch;    /* the query rows; the words' unit vectors; s->v floats */
    uint16_t *m16;             /* the half-precision copy of db, or NULL */
    uint32_t id[3];            /* the words' rows (KNN_NONE for an n-gram vector) */
};

/* n: rows searched (0 < n <= s->v). WP_OK or WP_ENOMEM (free a in both cases). */
int analogy_ask_init(struct analogy_ask *a, const struct vecset *s, int method, size_t n,
                     size_t k, const struct knn_opts *knn);
void analogy_ask_free(struct analogy_ask *a);
/* A question line's words: the first up to 4 whitespace-separated words of line (cut in
 * place) into w; returns how many (a question has 3). */
size_t analogy_ask_split(char *line, char *w[4]);
/* The three words' vectors; found[i] is 1 for a row of the set, 0 for n-grams standing in,
 * -1 for a word with neither. WP_OK or WP_ENOMEM. */
int analogy_ask_words(struct analogy_ask *a, const char *const w[3], int found[3]);
/* The top k for the words of the last analogy_ask_words (all found) into h (k hits, best
 * first, KNN_NONE after the last). WP_OK or the search's error. */
int analogy_ask_search(struct analogy_ask *a, struct knn_hit *h);

#endif
