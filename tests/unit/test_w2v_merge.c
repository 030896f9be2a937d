/* test_w2v_merge.c - merging word2vec replicas (w2v_merge.c): the result is the base plus
 * every replica's change, summed in replica order, bit for bit; untouched rows are skipped
 * and counted out; the replicas end equal to the merged model. */
#include <stdlib.h>

#include "check.h"
#include "common/rng.h"
#include "common/status.h"
#include "w2v/w2v.h"

enum { NV = 40, ND = 12, NREP = 3 };

static uint64_t counts[NV];

static int
make_model(struct w2v_model *m, int hs)
{
    for (int i = 0; i < NV; i++)
        counts[i] = (uint64_t)(500 / (i + 1)) + 1;
    struct w2v_params p;
    w2v_params_default(&p);
    p.dim = ND;
    p.hs = hs;
    return w2v_model_init(m, &p, counts, NV);
}

/* Row r of matrix i changed by replica k: a fixed, sparse pattern (some rows by none). */
static int
touches(int i, size_t r, int k)
{
    return (r * 7 + (size_t)i * 3 + (size_t)k * 5) % 4 == 0;
}

/* Matrix i (syn0, syn1neg, syn1) of a replica. */
static float *
mat(struct w2v_model *m, int i)
{
    float *mats[3];
    size_t rows[3];
    w2v_model_mats(m, mats, rows);
    return mats[i];
}

static int
test_merge_is_base_plus_changes_in_order(void)
{
    for (int hs = 0; hs <= 1; hs++) {
        struct w2v_model m, reps[NREP];
        CHECK_EQ(WP_OK, make_model(&m, hs));
        float *mats[3], *want[3];
        size_t rows[3];
        struct rng g;
        rng_seed(&g, 5, 0);
        w2v_model_mats(&m, mats, rows);
        for (int i = 0; i < 3; i++)
            for (size_t j = 0; j < rows[i] * ND; j++)
                mats[i][j] = rng_unit(&g) - 0.5f;
        for (int k = 0; k < NREP; k++)
            CHECK_EQ(WP_OK, w2v_replica_init(&reps[k], &m));
        CHECK(reps[0].syn0 != m.syn0 && reps[0].samp.n == m.samp.n);
        CHECK(memcmp(reps[1].syn0, m.syn0, (size_t)NV * ND * sizeof(float)) == 0);
        size_t touched = 0;
        for (int i = 0; i < 3; i++) {
            for (size_t r = 0; r < rows[i]; r++) {
                int any = 0;
                for (int k = 0; k < NREP; k++) {
                    if (!touches(i, r, k))
                        continue;
                    any = 1;
                    for (size_t j = 0; j < ND; j++)
                        mat(&reps[k], i)[r * ND + j] += 0.01f * (rng_unit(&g) - 0.5f);
                }
                touched += (size_t)any;
            }
            /* the expected sums: the changes in replica order, then the base, in float */
            want[i] = malloc((rows[i] ? rows[i] : 1) * ND * sizeof(float));
            CHECK(want[i] != NULL);
            for (size_t j = 0; j < rows[i] * ND; j++) {
                const size_t r = j / ND;
                float acc = 0.0f;
                int first = 1;
                for (int k = 0; k < NREP; k++) {
                    if (!touches(i, r, k))
                        continue;
                    const float change = mat(&reps[k], i)[j] - mats[i][j];
                    acc = first ? change : acc + change;
                    first = 0;
                }
                want[i][j] = first ? mats[i][j] : acc + mats[i][j];
            }
        }
        /* rows_changed sees replica 0's rows */
        unsigned char changed[NV];
        size_t n0 = 0;
        for (size_t r = 0; r < NV; r++)
            n0 += (size_t)touches(0, r, 0);
        CHECK_EQ(n0, w2v_rows_changed(reps[0].syn0, ND, m.syn0, ND, NV, ND, changed));
        for (size_t r = 0; r < NV; r++)
            CHECK_EQ(touches(0, r, 0), changed[r]);

        size_t got;
        CHECK_EQ(WP_OK, w2v_replicas_merge(&m, reps, NREP, &got));
        CHECK_EQ(touched, got);
        CHECK(touched > 0 && touched < rows[0] + rows[1] + rows[2]);
        for (int i = 0; i < 3; i++) {
            if (rows[i] == 0) { /* syn1 without hs */
                free(want[i]);
                continue;
            }
            CHECK(memcmp(want[i], mats[i], rows[i] * ND * sizeof(float)) == 0);
            for (int k = 0; k < NREP; k++)
                CHECK(memcmp(mat(&reps[k], i), mats[i], rows[i] * ND * sizeof(float)) == 0);
            free(want[i]);
        }
        /* nothing changed since: nothing to merge */
        CHECK_EQ(WP_OK, w2v_replicas_merge(&m, reps, NREP, &got));
        CHECK_EQ(0, got);
        /* reset copies the model over whatever the replicas hold */
        reps[2].syn0[3] += 1.0f;
        w2v_replicas_reset(&m, reps, NREP);
        CHECK(memcmp(reps[2].syn0, m.syn0, (size_t)NV * ND * sizeof(float)) == 0);
        for (int k = 0; k < NREP; k++)
            w2v_replica_free(&reps[k]);
        w2v_model_free(&m);
    }
    return 0;
}

static int
test_merge_order_is_fixed(void)
{
    /* three changes whose float sum depends on the order: the merge always adds them in
     * replica order, so swapping two replicas' changes gives other bits */
    struct w2v_model m, reps[NREP], swapped[NREP];
    CHECK_EQ(WP_OK, make_model(&m, 0));
    float *base = m.syn0;
    base[0] = 1.0f;
    for (int k = 0; k < NREP; k++) {
        CHECK_EQ(WP_OK, w2v_replica_init(&reps[k], &m));
        CHECK_EQ(WP_OK, w2v_replica_init(&swapped[k], &m));
    }
    const float d[NREP] = {1e8f, -1e8f, 1.0f};
    for (int k = 0; k < NREP; k++) {
        reps[k].syn0[0] = 1.0f + d[k];
        swapped[NREP - 1 - k].syn0[0] = 1.0f + d[k];
    }
    size_t got;
    struct w2v_model m2;
    CHECK_EQ(WP_OK, make_model(&m2, 0));
    memcpy(m2.syn0, m.syn0, (size_t)NV * ND * sizeof(float));
    CHECK_EQ(WP_OK, w2v_replicas_merge(&m, reps, NREP, &got));
    CHECK_EQ(WP_OK, w2v_replicas_merge(&m2, swapped, NREP, &got));
    const float a = (((1.0f + 1e8f - 1.0f) + (1.0f - 1e8f - 1.0f)) + (1.0f + 1.0f - 1.0f)) + 1.0f;
    CHECK(m.syn0[0] == a);
    CHECK(m.syn0[0] != m2.syn0[0]);
    for (int k = 0; k < NREP; k++) {
        w2v_replica_free(&reps[k]);
        w2v_replica_free(&swapped[k]);
    }
    w2v_model_free(&m);
    w2v_model_free(&m2);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_merge_is_base_plus_changes_in_order),
           CHECK_CASE(test_merge_order_is_fixed))
