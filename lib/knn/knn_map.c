/* knn_map.c - words of a vector set projected on their top two principal components; see
 * knn_map.h. */
#include "knn_map.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "kernels/pca.h"
#include "knn.h"
#include "vecio/vecset.h"

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
    return pca_project(mp->x, mp->n, mp->d, 2, mp->xy, mp->var);
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
