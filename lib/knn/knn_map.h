/* knn_map.h - knn --map: chosen words of a vector set on the plane of their top two principal
 * components. The words are looked up exactly (no n-grams), each row once (a second point on
 * top of the first would only weigh it twice), as the metric sees it: unit length for cos,
 * raw for dot and l2. Nothing here prints. */
#ifndef WP_KNN_MAP_H
#define WP_KNN_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vecset;

struct knn_map {
    size_t d;
    uint32_t *ids;     /* n rows of the set, in the order of their words' first mention */
    float *x;          /* n x d: those rows */
    float *xy;         /* n x 2: their coordinates, after knn_map_project */
    double var[2];     /* the variance along each axis, after knn_map_project */
    size_t n, dups;    /* rows mapped; words that repeated a row, skipped */
    size_t *missing;   /* indices (into the words) of the words not in the set, in order */
    size_t nmissing;
};

/* Every whitespace-separated word of fp, in order, into *words (*nw of them, each and the
 * array malloc'd: knn_map_words_free). WP_OK (*nw may be 0), WP_EIO (errno set) or
 * WP_ENOMEM; *words is NULL after an error. */
int knn_map_read_words(FILE *fp, char ***words, size_t *nw);
void knn_map_words_free(char **words, size_t nw);

/* Looks up words[0..nw). WP_OK (mp->n may be 0) or WP_ENOMEM; free mp in both cases. */
int knn_map_lookup(struct knn_map *mp, const struct vecset *s, int metric,
                   char *const *words, size_t nw);
/* Projects the n >= 1 rows: what pca_project returns. A coordinate that would print as zero
 * (|x| < 5e-7) is set to +0: the eigensolver leaves residues of 1e-17 of either sign where
 * the answer is exactly 0, and -0.000000 would make the output differ for no reason. */
int knn_map_project(struct knn_map *mp);
/* Mean squared distance of the rows from their mean: the whole of which var[] are shares. */
double knn_map_total_variance(const struct knn_map *mp);
void knn_map_free(struct knn_map *mp);

#endif
