/* w2v_sync.c - merging word2vec replicas over MPI ranks (w2v_sync.h). */
#include "w2v_sync.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/dist.h"
#include "common/status.h"

struct w2v_sync {
    int ranks, mean;
    uint64_t merges;
    float *base[3];          /* sum: syn0, syn1neg, syn1 at the last merge, their rows
                              * w2v_row_pitch(D) apart (as the model's in w2v_run) */
    unsigned char *changed;  /* sum: rows changed on any rank since then */
    float *pack;             /* sum: their changes, packed */
    size_t pack_cap;
    uint64_t rows_sent, rows_all;
};

int
w2v_sync_new(struct w2v_sync **out, struct w2v_model *m, int mean)
{
    struct w2v_sync *s = calloc(1, sizeof *s);
    if ((*out = s) == NULL)
        return WP_ENOMEM;
    s->ranks = dist_size();
    s->mean = mean;
    if (mean)
        return WP_OK;
    float *mats[3];
    size_t rows[3], most = 0;
    const size_t d = m->p.dim, pitch = w2v_row_pitch(d);
    w2v_model_mats(m, mats, rows);
    for (int i = 0; i < 3; i++) {
        if (rows[i] == 0)
            continue;
        most = rows[i] > most ? rows[i] : most;
        if ((s->base[i] = calloc(rows[i], pitch * sizeof(float))) == NULL)
            goto nomem;
        for (size_t r = 0; r < rows[i]; r++)
            memcpy(s->base[i] + r * pitch, mats[i] + r * m->stride, d * sizeof(float));
    }
    if ((s->changed = malloc(most ? most : 1)) != NULL)
        return WP_OK;
nomem:
    w2v_sync_free(s);
    *out = NULL;
    return WP_ENOMEM;
}

void
w2v_sync_free(struct w2v_sync *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < 3; i++)
        free(s->base[i]);
    free(s->changed);
    free(s->pack);
    free(s);
}

/* sum: adds every rank's change to one matrix of rows x d (x, rows xs apart; the weights
 * at the last merge b, rows bs apart). */
static int
sum_changes(struct w2v_sync *s, float *x, size_t xs, float *b, size_t bs, size_t rows,
            size_t d)
{
    (void)w2v_rows_changed(x, xs, b, bs, rows, d, s->changed);
    if (dist_or_u8(s->changed, rows) < 0)
        return WP_EIO;
    size_t nu = 0;
    for (size_t r = 0; r < rows; r++)
        nu += s->changed[r];
    s->rows_sent += nu;
    s->rows_all += rows;
    if (nu * d > s->pack_cap) {
        free(s->pack);
        s->pack_cap = nu * d;
        if ((s->pack = malloc(s->pack_cap * sizeof(float))) == NULL) {
            s->pack_cap = 0;
            return WP_ENOMEM;
        }
    }
    float *p = s->pack;
    for (size_t r = 0; r < rows; r++)
        if (s->changed[r])
            for (size_t j = 0; j < d; j++)
                *p++ = x[r * xs + j] - b[r * bs + j];
    if (dist_sum_f32(s->pack, nu * d) < 0)
        return WP_EIO;
    p = s->pack;
    for (size_t r = 0; r < rows; r++)
        if (s->changed[r])
            for (size_t j = 0; j < d; j++, p++)
                b[r * bs + j] = x[r * xs + j] = b[r * bs + j] + *p;
    return WP_OK;
}

int
w2v_sync_round(struct w2v_sync *s, struct w2v_model *m, int done, uint64_t *records)
{
    const float inv = 1.0f / (float)s->ranks;
    const size_t d = m->p.dim, st = m->stride; /* padding: zeros on every rank */
    float *mats[3];
    size_t rows[3];
    uint64_t counts[2] = {!done, *records}; /* ranks still training, windows done */
    s->merges++;
    if (s->ranks == 1)
        return done; /* nothing to merge: one rank is the plain run, bit for bit */
    if (dist_sum_u64(counts, 2) < 0)
        return WP_EIO;
    *records = counts[1];
    w2v_model_mats(m, mats, rows);
    for (int i = 0; i < 3; i++) {
        float *x = mats[i];
        const size_t n = rows[i] * st;
        if (n == 0)
            continue;
        if (!s->mean) {
            WP_TRY(sum_changes(s, x, st, s->base[i], w2v_row_pitch(d), rows[i], d));
            continue;
        }
        if (dist_sum_f32(x, n) < 0)
            return WP_EIO;
        for (size_t j = 0; j < n; j++)
            x[j] *= inv;
    }
    return counts[0] == 0;
}

void
w2v_sync_stats(const struct w2v_sync *s, uint64_t *merges, uint64_t *rows_sent,
               uint64_t *rows_all)
{
    *merges = s->merges;
    *rows_sent = s->rows_sent;
    *rows_all = s->rows_all;
}

int
w2v_replicas_agree(const struct w2v_model *m)
{
    uint64_t sum = 0; /* each row's hash seeded with those before: rows may be padded */
    for (uint32_t r = 0; r < m->n; r++)
        sum = XXH3_64bits_withSeed(m->syn0 + (size_t)r * m->stride, m->p.dim * sizeof(float),
                                   sum);
    return dist_same_u64(sum);
}
