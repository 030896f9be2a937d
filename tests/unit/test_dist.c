/* test_dist.c - data parallelism without MPI: dist.h's single-process fallbacks, and the
 * sharded layout of lm_train (shard, nshards) that elmo-train --mpi relies on: the summed
 * gradients and evaluation losses of N shards with batch B are those of one trainer with
 * batch N * B, up to the order of the float sums. */
#include <stdlib.h>

#include "check.h"
#include "common/dist.h"
#include "common/status.h"
#include "lm/lm.h"
#include "lm/lm_train.h"
#include "text/vocab.h"

enum { NWORDS = 7, T = 3, B = 2, NS = 2, NSTREAM = 2 * T * B * NS + 3 };

static int
test_single_process(void)
{
    float f[3] = {1, 2, 3};
    double d[1] = {4};
    uint64_t u[1] = {5};
    CHECK_EQ(0, dist_rank());
    CHECK_EQ(1, dist_size());
    CHECK_EQ(WP_OK, dist_sum_f32(f, 3));
    CHECK_EQ(WP_OK, dist_sum_f64(d, 1));
    CHECK_EQ(WP_OK, dist_sum_u64(u, 1));
    CHECK_EQ(WP_OK, dist_bcast_f32(f, 3));
    CHECK(f[0] == 1 && f[2] == 3 && d[0] == 4 && u[0] == 5);   /* the identity */
    CHECK_EQ(1, dist_same_u64(42));
    CHECK_EQ(WP_OK, dist_barrier());
    if (!dist_available())
        CHECK_EQ(WP_ERANGE, dist_init());   /* elmo-train: "built without MPI" */
    return 0;
}

static struct lm *
make_model(void)
{
    struct lm_cfg c = {0};
    c.vocab = NWORDS + LM_NSPECIAL;
    c.layers = 2;
    c.hidden = 5;
    c.proj = 4;
    c.residual = 1;
    c.directions = 2;
    struct lm *m;
    if (lm_new(&m, &c) < 0 || vocab_create(&m->vocab, 16) < 0)
        return NULL;
    static const char *const words[NWORDS] = {"the", "cat", "sat", "on", "a", "mat", "dog"};
    for (int i = 0; i < NWORDS; i++)
        if (vocab_add(m->vocab, words[i], strlen(words[i]), 1) < 0)
            return NULL;
    lm_init(m, 3, 0.5f, 1.0f, 1.0f);
    return m;
}

static void
make_cfg(struct lm_train_cfg *t, uint32_t batch, uint32_t shard, uint32_t nshards)
{
    lm_train_cfg_default(t);
    t->unroll = T;
    t->batch = batch;
    t->dropout = 0;
    t->optim = LM_SGD;
    t->threads = 1;
    t->shard = shard;
    t->nshards = nshards;
}

static int
test_shards_sum_to_one_batch(void)
{
    struct lm *m = make_model();
    CHECK(m != NULL);
    uint32_t ids[NSTREAM];
    struct rng r;
    rng_seed(&r, 5, 0);
    for (size_t i = 0; i < NSTREAM; i++)
        ids[i] = i % 5 == 0 ? LM_EOS : LM_NSPECIAL + rng_below(&r, NWORDS);
    const struct lm_stream s = {ids, NSTREAM};
    struct lm_train_cfg one, sh[NS];
    struct lm_trainer *t1, *ts[NS];
    make_cfg(&one, B * NS, 0, 1);
    CHECK_EQ(WP_OK, lm_trainer_new(&t1, m, &one, &s));
    for (uint32_t k = 0; k < NS; k++) {
        make_cfg(&sh[k], B, k, NS);
        CHECK_EQ(WP_OK, lm_trainer_new(&ts[k], m, &sh[k], &s));
        /* every shard sees as many windows as the big batch */
        CHECK_EQ(lm_stream_windows(&s, &one), lm_stream_windows(&s, &sh[k]));
    }
    CHECK(lm_stream_windows(&s, &one) == 2);
    const size_t np = m->nparams;
    float *want = malloc(np * sizeof *want), *got = calloc(np, sizeof *got);
    CHECK(want != NULL && got != NULL);
    for (size_t w = 0; w < 2; w++) {
        double l1, lk, lsum = 0;
        memcpy(want, lm_trainer_grad(t1, w, &l1), np * sizeof *want);
        memset(got, 0, np * sizeof *got);
        for (uint32_t k = 0; k < NS; k++) {
            const float *g = lm_trainer_grad(ts[k], w, &lk);
            for (size_t i = 0; i < np; i++)
                got[i] += g[i];
            lsum += lk;
        }
        CHECK_NEAR(l1, lsum, 1e-9 * l1);
        size_t nonzero = 0;
        for (size_t i = 0; i < np; i++) {
            CHECK_NEAR(want[i], got[i], 1e-6 + 1e-5 * fabs(want[i]));
            nonzero += want[i] != 0;
        }
        CHECK(nonzero > np / 3);
    }
    /* evaluation: the shards' losses and token counts add up to the big batch's */
    double e1[2], ek[2], esum[2] = {0, 0};
    uint64_t n1[2], nk[2], nsum[2] = {0, 0};
    CHECK_EQ(WP_OK, lm_trainer_eval(t1, &s, e1, n1));
    for (uint32_t k = 0; k < NS; k++) {
        CHECK_EQ(WP_OK, lm_trainer_eval(ts[k], &s, ek, nk));
        for (int d = 0; d < 2; d++)
            esum[d] += ek[d], nsum[d] += nk[d];
    }
    for (int d = 0; d < 2; d++) {
        CHECK_EQ(n1[d], nsum[d]);
        CHECK_NEAR(e1[d], esum[d], 1e-9 * e1[d]);
    }
    /* a shard out of range */
    struct lm_trainer *bad;
    make_cfg(&sh[0], B, NS, NS);
    CHECK_EQ(WP_ERANGE, lm_trainer_new(&bad, m, &sh[0], &s));
    free(want);
    free(got);
    lm_trainer_free(t1);
    for (uint32_t k = 0; k < NS; k++)
        lm_trainer_free(ts[k]);
    lm_free(m);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_single_process),
        CHECK_CASE(test_shards_sum_to_one_batch),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
