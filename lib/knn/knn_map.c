/* knn_map.c - words of a vector set projected on their top two principal components; see
 * knn_map.h. */
#include "knn_map.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bom.h"
#include "common/status.h"
#include "kernels/pca.h"
#include "knn.h"
#include "vecio/vecset.h"

int
knn_map_read_words(FILE *fp, char ***words, size_t *nw)
{
    char *line = NULL, **w = NULL;
    size_t cap = 0, n = 0, wcap = 0;
    int rc = WP_OK;
    ssize_t len;
    for (size_t lineno = 1; rc == WP_OK && (len = getline(&line, &cap, fp)) >= 0; lineno++) {
        char *save = NULL;
        char *const l = lineno == 1 ? line + utf8_bom_len(line, (size_t)len) : line;
        for (char *t = strtok_r(l, " \t\r\n", &save); t && rc == WP_OK;
             t = strtok_r(NULL, " \t\r\n", &save)) {
            if (n == wcap) {
                char **g = realloc(w, (wcap = wcap ? 2 * wcap : 64) * sizeof *w);
                if (g == NULL) {
                    rc = WP_ENOMEM;
                    break;
                }
                w = g;
            }
            if ((w[n] = strdup(t)) == NULL)
                rc = WP_ENOMEM;
            else
                n++;
        }
    }
    const int err = errno;
    if (rc == WP_OK && ferror(fp))
        rc = WP_EIO;
    free(line);
    if (rc < 0) {
        knn_map_words_free(w, n);
        w = NULL;
        n = 0;
    }
    errno = err;
    *words = w;
    *nw = n;
    return rc;
}

void
knn_map_words_free(char **words, size_t nw)
{
    for (size_t i = 0; i < nw; i++)
        free(words[i]);
    free(words);
}

int
knn_map_lookup(struct knn_map *mp, const struct vecset *s, int metric, char *const *words,
               size_t nw)
{
    const size_t d = s->d, m = nw ? nw : 1;
    const float *rows = metric == KNN_COS ? s->unit : s->m;
    memset(mp, 0, sizeof *mp);
    mp->d = d;
    mp->ids = malloc(m * sizeof *mp->ids);
    mp->x = malloc(m * d * sizeof *mp->x);
    mp->xy = malloc(m * 2 * sizeof *mp->xy);
    mp->missing = malloc(m * sizeof *mp->missing);
    if (mp->ids == NULL || mp->x == NULL || mp->xy == NULL || mp->missing == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < nw; i++) {
        const int64_t id = vecset_find(s, words[i], strlen(words[i]));
        size_t j = 0;
        if (id < 0) {
            mp->missing[mp->nmissing++] = i;
            continue;
        }
        while (j < mp->n && mp->ids[j] != (uint32_t)id)
            j++;
        if (j < mp->n) {
            mp->dups++;
            continue;
        }
        mp->ids[mp->n] = (uint32_t)id;
        memcpy(mp->x + mp->n++ * d, rows + (size_t)id * d, d * sizeof *mp->x);
    }
    return WP_OK;
}

int
knn_map_project(struct knn_map *mp)
{
    const int rc = pca_project(mp->x, mp->n, mp->d, 2, mp->xy, mp->var);
    for (size_t i = 0; rc >= 0 && i < mp->n * 2; i++)
        if (fabsf(mp->xy[i]) < 5e-7f)
            mp->xy[i] = 0.0f;
    return rc;
}

double
knn_map_total_variance(const struct knn_map *mp)
{
    const size_t n = mp->n, d = mp->d;
    const float *x = mp->x;
    double total = 0;
    for (size_t t = 0; t < d; t++) {
        double sum = 0, sq = 0;
        for (size_t i = 0; i < n; i++) {
            sum += x[i * d + t];
            sq += (double)x[i * d + t] * x[i * d + t];
        }
        total += sq - sum * sum / (double)n;
    }
    return total / (double)n;
}

void
knn_map_free(struct knn_map *mp)
{
    free(mp->ids);
    free(mp->x);
    free(mp->xy);
    free(mp->missing);
    memset(mp, 0, sizeof *mp);
}
