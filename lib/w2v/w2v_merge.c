/* w2v_merge.c - merging replicas of a word2vec model (w2v.h): threads of
 * w2v-train --deterministic each train a replica, and the engine merges them at fixed
 * points in a fixed order; --mpi finds the rows a rank changed the same way. */
#include "w2v.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"

size_t
w2v_rows_changed(const float *x, size_t xs, const float *base, size_t bs, size_t rows,
                 size_t d, unsigned char *changed)
{
    size_t k = 0;
    for (size_t r = 0; r < rows; r++) {
        changed[r] = memcmp(x + r * xs, base + r * bs, d * sizeof(float)) != 0;
        k += changed[r];
    }
    return k;
}

/* One row: base + (the sum of the changes of the replicas that changed it, in replica
 * order). The changes are summed first, as an MPI sum over ranks is, so that 2 ranks and
 * 2 deterministic threads compute the same bits. */
static int
merge_row(float *b, float *const *reps, uint32_t n, size_t d, float *acc)
{
    int any = 0;
    for (uint32_t r = 0; r < n; r++) {
        if (memcmp(reps[r], b, d * sizeof(float)) == 0)
            continue;
        for (size_t j = 0; j < d; j++)
            acc[j] = any ? acc[j] + (reps[r][j] - b[j]) : reps[r][j] - b[j];
        any = 1;
    }
    if (!any)
        return 0;
    for (size_t j = 0; j < d; j++)
        acc[j] += b[j];
    memcpy(b, acc, d * sizeof(float));
    for (uint32_t r = 0; r < n; r++)
        memcpy(reps[r], acc, d * sizeof(float));
    return 1;
}

int
w2v_replicas_merge(struct w2v_model *m, struct w2v_model *reps, uint32_t n, size_t *changed)
{
    enum { MAX_REPLICAS = 256 };
    const size_t d = m->p.dim, st = m->stride; /* replicas are laid out as m */
    float *mats[3], *rmats[MAX_REPLICAS][3], *rows[MAX_REPLICAS];
    size_t nrows[3], rn[3];
    if (n > MAX_REPLICAS)
        return WP_ERANGE;
    float *acc = malloc((d > 0 ? d : 1) * sizeof *acc);
    if (acc == NULL)
        return WP_ENOMEM;
    *changed = 0;
    w2v_model_mats(m, mats, nrows);
    for (uint32_t r = 0; r < n; r++)
        w2v_model_mats(&reps[r], rmats[r], rn);
    for (int i = 0; i < 3; i++)
        for (size_t row = 0; row < nrows[i]; row++) {
            for (uint32_t r = 0; r < n; r++)
                rows[r] = rmats[r][i] + row * st;
            *changed += (size_t)merge_row(mats[i] + row * st, rows, n, d, acc);
        }
    free(acc);
    return WP_OK;
}

void
w2v_replicas_reset(struct w2v_model *m, struct w2v_model *reps, uint32_t n)
{
    float *mats[3], *rmats[3];
    size_t rows[3];
    w2v_model_mats(m, mats, rows);
    for (uint32_t r = 0; r < n; r++) {
        w2v_model_mats(&reps[r], rmats, rows);
        for (int i = 0; i < 3; i++)
            if (rows[i] > 0)
                memcpy(rmats[i], mats[i], rows[i] * m->stride * sizeof(float));
    }
}
