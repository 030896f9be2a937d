/* test_w2v.c - one SGNS, CBOW and HS update against references computed here in double
 * precision from word2vec.c's formulas; a finite-difference check of the SGNS gradient (per
 * pair and shared-negative); batched CBOW with shared negatives against its reference;
 * the learning-rate schedule; a checkpoint round trip; the separate-context (word2vecf)
 * update, its refusals and its checkpoint. */
#undef NDEBUG
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/status.h"
#include "stream/rec.h"
#include "w2v/w2v.h"

enum { V = 40, D = 7, K = 3 }; /* D odd: exercises kernel tails */
#define UPD_TOL 1e-6          /* float update vs double reference */
#define FD_EPS 1e-3           /* finite-difference step */
#define FD_TOL 2e-4           /* central differences of a smooth loss, in float weights */

static uint64_t counts[V];

static void
setup(struct w2v_model *m, struct w2v_worker *w, int cbow, int hs, uint32_t neg)
{
    for (int i = 0; i < V; i++)
        counts[i] = (uint64_t)(1000 / (i + 1));
    struct w2v_params p;
    w2v_params_default(&p);
    p.dim = D;
    p.cbow = cbow;
    p.hs = hs;
    p.negative = neg;
    p.exact_sigmoid = 1;
    p.seed = 7;
    if (w2v_model_init(m, &p, counts, V) != WP_OK || w2v_worker_init(w, m, 0) != WP_OK)
        abort();
    /* non-zero outputs so every term of the update is exercised */
    struct rng r;
    rng_seed(&r, 99, 0);
    for (size_t i = 0; i < (size_t)V * D; i++) {
        m->syn0[i] = rng_unit(&r) - 0.5f;
        if (m->syn1neg)
            m->syn1neg[i] = rng_unit(&r) - 0.5f;
        if (m->syn1 && i < (size_t)(V - 1) * D)
            m->syn1[i] = rng_unit(&r) - 0.5f;
    }
}

static double
sig(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* The negatives the worker will draw (same generator, same table). */
static int
next_draws(const struct w2v_model *m, const struct w2v_worker *w, uint32_t *out, int k)
{
    struct rng r = w->nrng;
    for (int i = 0; i < k; i++)
        out[i] = samp_draw(&m->samp, &r);
    return 0;
}

/* Skip-gram, one context c for center t, K negatives, per word2vec.c:
 * for each target: g = (label - sigma(in.out)) lr; e += g out; out += g in; then in += e. */
static int
test_sgns_update_matches_reference(void)
{
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, 0, 0, K);
    const uint32_t center = 3, ctx = 11;
    const float lr = 0.05f;
    uint32_t neg[K];
    next_draws(&m, &w, neg, K);
    double in[D], e[D] = {0}, out[V][D];
    for (int i = 0; i < D; i++)
        in[i] = m.syn0[ctx * D + i];
    for (int v = 0; v < V; v++)
        for (int i = 0; i < D; i++)
            out[v][i] = m.syn1neg[v * D + i];
    for (int k = 0; k <= K; k++) {
        const uint32_t t = k == 0 ? center : neg[k - 1];
        if (k > 0 && t == center)
            continue;
        double f = 0;
        for (int i = 0; i < D; i++)
            f += in[i] * out[t][i];
        const double g = ((k == 0) - sig(f)) * lr;
        for (int i = 0; i < D; i++) {
            e[i] += g * out[t][i];
            out[t][i] += g * in[i];
        }
    }
    w2v_train_window(&m, &w, center, &ctx, 1, lr);
    for (int i = 0; i < D; i++)
        CHECK_NEAR(in[i] + e[i], m.syn0[ctx * D + i], UPD_TOL);
    for (int v = 0; v < V; v++)
        for (int i = 0; i < D; i++)
            CHECK_NEAR(out[v][i], m.syn1neg[v * D + i], UPD_TOL);
    CHECK(w.loss_n >= 1);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    return 0;
}

/* CBOW mean: h = mean of contexts; the same target loop on h; every context += e. */
static int
test_cbow_update_matches_reference(void)
{
    for (int sum = 0; sum <= 1; sum++) {
        struct w2v_model m;
        struct w2v_worker w;
        setup(&m, &w, 1, 0, K);
        m.p.cbow_sum = sum;
        const uint32_t center = 5, ctx[3] = {1, 8, 8}; /* a repeated context counts twice */
        const float lr = 0.1f;
        uint32_t neg[K];
        next_draws(&m, &w, neg, K);
        double h[D] = {0}, e[D] = {0}, out[V][D], in0[V][D];
        for (int v = 0; v < V; v++)
            for (int i = 0; i < D; i++) {
                out[v][i] = m.syn1neg[v * D + i];
                in0[v][i] = m.syn0[v * D + i];
            }
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < D; i++)
                h[i] += in0[ctx[c]][i] / (sum ? 1.0 : 3.0);
        for (int k = 0; k <= K; k++) {
            const uint32_t t = k == 0 ? center : neg[k - 1];
            if (k > 0 && t == center)
                continue;
            double f = 0;
            for (int i = 0; i < D; i++)
                f += h[i] * out[t][i];
            const double g = ((k == 0) - sig(f)) * lr;
            for (int i = 0; i < D; i++) {
                e[i] += g * out[t][i];
                out[t][i] += g * h[i];
            }
        }
        w2v_train_window(&m, &w, center, ctx, 3, lr);
        for (int i = 0; i < D; i++) {
            CHECK_NEAR(in0[1][i] + e[i], m.syn0[1 * D + i], UPD_TOL);
            CHECK_NEAR(in0[8][i] + 2 * e[i], m.syn0[8 * D + i], UPD_TOL);
        }
        for (int v = 0; v < V; v++)
            for (int i = 0; i < D; i++)
                CHECK_NEAR(out[v][i], m.syn1neg[v * D + i], UPD_TOL);
        w2v_worker_free(&w);
        w2v_model_free(&m);
    }
    return 0;
}

/* CBOW with shared negatives: windows queue until W2V_CBOW_BATCH of them (or a flush);
 * the batch draws K negatives once, every window's hidden vector h_b (at the old weights)
 * predicts its center against them (a negative equal to that center is skipped), the
 * gradients of all h_b are taken at the old output rows, and each context of window b then
 * gets dh_b. Three windows: a repeated context, a context shared by two windows, a center
 * that is another window's context, and the same center twice. */
static int
test_cbow_batch_matches_reference(void)
{
    for (int sum = 0; sum <= 1; sum++) {
        struct w2v_model m;
        struct w2v_worker w;
        setup(&m, &w, 1, 0, K);
        m.p.cbow_sum = sum;
        m.p.shared_neg = 1;
        enum { NB = 3 };
        uint32_t neg[K];
        next_draws(&m, &w, neg, K);
        const uint32_t center[NB] = {5, neg[0], 5}; /* window 1 masks its own center */
        const uint32_t ctx[] = {1, 8, 8, 8, 2, 5, 1, 3, 4, 6};
        const size_t off[NB + 1] = {0, 3, 6, 10};
        const float lr = 0.1f;
        static double out[V][D], in[V][D], h[NB][D], dh[NB][D], g[NB][K + 1];
        for (int v = 0; v < V; v++)
            for (int i = 0; i < D; i++) {
                out[v][i] = m.syn1neg[v * D + i];
                in[v][i] = m.syn0[v * D + i];
            }
        for (int b = 0; b < NB; b++) {
            const size_t n = off[b + 1] - off[b];
            for (int i = 0; i < D; i++) {
                h[b][i] = 0;
                for (size_t c = off[b]; c < off[b + 1]; c++)
                    h[b][i] += in[ctx[c]][i] / (sum ? 1.0 : (double)n);
            }
            for (int k = 0; k <= K; k++) {
                const uint32_t t = k == 0 ? center[b] : neg[k - 1];
                double f = 0;
                for (int i = 0; i < D; i++)
                    f += h[b][i] * out[t][i];
                g[b][k] = k > 0 && t == center[b] ? 0 : ((k == 0) - sig(f)) * lr;
            }
            for (int i = 0; i < D; i++) {
                dh[b][i] = 0;
                for (int k = 0; k <= K; k++)
                    dh[b][i] += g[b][k] * out[k == 0 ? center[b] : neg[k - 1]][i];
            }
        }
        for (int b = 0; b < NB; b++)
            for (int k = 0; k <= K; k++)
                for (int i = 0; i < D; i++)
                    out[k == 0 ? center[b] : neg[k - 1]][i] += g[b][k] * h[b][i];
        for (int b = 0; b < NB; b++)
            for (size_t c = off[b]; c < off[b + 1]; c++)
                for (int i = 0; i < D; i++)
                    in[ctx[c]][i] += dh[b][i];
        static float s0[V * D], s1[V * D];
        memcpy(s0, m.syn0, sizeof s0);
        memcpy(s1, m.syn1neg, sizeof s1);
        for (int b = 0; b < NB; b++)
            w2v_train_window(&m, &w, center[b], ctx + off[b], off[b + 1] - off[b], lr);
        CHECK_EQ(NB, w.nb); /* queued: nothing trained yet */
        CHECK(memcmp(s0, m.syn0, sizeof s0) == 0 && memcmp(s1, m.syn1neg, sizeof s1) == 0);
        w2v_train_flush(&m, &w);
        CHECK_EQ(0, w.nb);
        for (int v = 0; v < V; v++)
            for (int i = 0; i < D; i++) {
                CHECK_NEAR(in[v][i], m.syn0[v * D + i], UPD_TOL * 10);
                CHECK_NEAR(out[v][i], m.syn1neg[v * D + i], UPD_TOL * 10);
            }
        CHECK(w.loss_n >= NB);
        w2v_worker_free(&w);
        w2v_model_free(&m);
    }
    return 0;
}

/* A full queue trains by itself, drawing K negatives per batch; windows queue again after. */
static int
test_cbow_batch_full_trains(void)
{
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, 1, 0, K);
    m.p.shared_neg = 1;
    const uint32_t ctx[2] = {1, 2};
    float *s0 = malloc(sizeof(float) * V * D);
    memcpy(s0, m.syn0, sizeof(float) * V * D);
    struct rng want = w.nrng;
    for (int i = 0; i < W2V_CBOW_QUEUE / W2V_CBOW_BATCH * K; i++)
        (void)rng_u64(&want);
    for (int b = 0; b < W2V_CBOW_QUEUE - 1; b++)
        w2v_train_window(&m, &w, 3, ctx, 2, 0.1f);
    w2v_train_window(&m, &w, 3, ctx, 0, 0.1f); /* an empty window is not queued */
    CHECK_EQ(W2V_CBOW_QUEUE - 1, w.nb);
    CHECK(memcmp(s0, m.syn0, sizeof(float) * V * D) == 0);
    w2v_train_window(&m, &w, 3, ctx, 2, 0.1f);
    CHECK_EQ(0, w.nb);
    CHECK(memcmp(s0, m.syn0, sizeof(float) * V * D) != 0);
    CHECK(memcmp(&want, &w.nrng, sizeof want) == 0);
    w2v_train_window(&m, &w, 3, ctx, 2, 0.1f);
    CHECK_EQ(1, w.nb);
    free(s0);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    return 0;
}

/* Batches take queued windows far apart: 16 queued windows train as the batches {0, 2, ..,
 * 14} and {1, 3, .., 15}, exactly as if those had been queued and flushed in turn. */
static int
test_cbow_batch_interleaves(void)
{
    struct w2v_model m, m2;
    struct w2v_worker w, w2;
    setup(&m, &w, 1, 0, K);
    setup(&m2, &w2, 1, 0, K);
    m.p.shared_neg = m2.p.shared_neg = 1;
    uint32_t ctx[16][4];
    for (uint32_t i = 0; i < 16; i++)
        for (uint32_t c = 0; c < 4; c++)
            ctx[i][c] = (i + c) % V;
    for (uint32_t i = 0; i < 16; i++)
        w2v_train_window(&m, &w, (i * 7) % V, ctx[i], 1 + i % 4, 0.1f);
    w2v_train_flush(&m, &w);
    for (uint32_t odd = 0; odd <= 1; odd++) {
        for (uint32_t i = odd; i < 16; i += 2)
            w2v_train_window(&m2, &w2, (i * 7) % V, ctx[i], 1 + i % 4, 0.1f);
        w2v_train_flush(&m2, &w2);
    }
    CHECK(memcmp(m.syn0, m2.syn0, sizeof(float) * V * D) == 0);
    CHECK(memcmp(m.syn1neg, m2.syn1neg, sizeof(float) * V * D) == 0);
    w2v_worker_free(&w);
    w2v_worker_free(&w2);
    w2v_model_free(&m);
    w2v_model_free(&m2);
    return 0;
}

/* HS skip-gram: along the center's path, g = (1 - code - sigma(in.node)) lr. */
static int
test_hs_update_matches_reference(void)
{
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, 0, 1, 0);
    const uint32_t center = 17, ctx = 2;
    const float lr = 0.2f;
    double in[D], e[D] = {0}, node[V][D];
    for (int i = 0; i < D; i++)
        in[i] = m.syn0[ctx * D + i];
    for (int v = 0; v < V - 1; v++)
        for (int i = 0; i < D; i++)
            node[v][i] = m.syn1[v * D + i];
    const uint32_t len = huffman_len(&m.huff, center);
    CHECK(len >= 2);
    for (uint32_t j = 0; j < len; j++) {
        const uint32_t p = m.huff.point[m.huff.off[center] + j];
        const int code = m.huff.code[m.huff.off[center] + j];
        double f = 0;
        for (int i = 0; i < D; i++)
            f += in[i] * node[p][i];
        const double gg = (1 - code - sig(f)) * lr;
        for (int i = 0; i < D; i++) {
            e[i] += gg * node[p][i];
            node[p][i] += gg * in[i];
        }
    }
    w2v_train_window(&m, &w, center, &ctx, 1, lr);
    for (int i = 0; i < D; i++)
        CHECK_NEAR(in[i] + e[i], m.syn0[ctx * D + i], UPD_TOL);
    for (int v = 0; v < V - 1; v++)
        for (int i = 0; i < D; i++)
            CHECK_NEAR(node[v][i], m.syn1[v * D + i], UPD_TOL);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    return 0;
}

/* The SGNS loss of one window at the model's current weights, with given negatives:
 * L = sum over contexts c of -log sigma(in_c.out_t) - sum_k log sigma(-in_c.out_k). */
static double
sgns_loss(const struct w2v_model *m, uint32_t center, const uint32_t *ctx, size_t n,
          const uint32_t *neg, int k)
{
    double l = 0;
    for (size_t c = 0; c < n; c++)
        for (int j = 0; j <= k; j++) {
            const uint32_t t = j == 0 ? center : neg[j - 1];
            double f = 0;
            for (int i = 0; i < D; i++)
                f += (double)m->syn0[ctx[c] * D + i] * m->syn1neg[t * D + i];
            l -= log(sig(j == 0 ? f : -f));
        }
    return l;
}

/* The update is -lr times the gradient at the old weights: check it against central
 * differences of the loss, for the per-pair (one context) and shared-negative (three
 * contexts, negatives drawn once) schemes. */
static int
fd_check(int shared)
{
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, 0, 0, K);
    m.p.shared_neg = shared;
    const uint32_t center = 4, ctx[3] = {9, 21, 30};
    const size_t n = shared ? 3 : 1;
    const float lr = 1e-3f;
    uint32_t neg[K];
    next_draws(&m, &w, neg, K);
    for (int j = 0; j < K; j++) /* distinct draws keep the update a pure gradient step */
        for (int i = 0; i < j; i++)
            CHECK(neg[i] != neg[j] && neg[j] != center);
    float *s0 = malloc(sizeof(float) * V * D), *s1 = malloc(sizeof(float) * V * D);
    memcpy(s0, m.syn0, sizeof(float) * V * D);
    memcpy(s1, m.syn1neg, sizeof(float) * V * D);
    double grad0[V * D], grad1[V * D];
    for (int which = 0; which < 2; which++)
        for (int x = 0; x < V * D; x++) {
            float *p = (which ? m.syn1neg : m.syn0) + x;
            const float keep = *p;
            *p = keep + (float)FD_EPS;
            const double lp = sgns_loss(&m, center, ctx, n, neg, K);
            *p = keep - (float)FD_EPS;
            const double lm = sgns_loss(&m, center, ctx, n, neg, K);
            *p = keep;
            (which ? grad1 : grad0)[x] = (lp - lm) / (2 * FD_EPS);
        }
    w2v_train_window(&m, &w, center, ctx, n, lr);
    for (int x = 0; x < V * D; x++) {
        CHECK_NEAR(-grad0[x], (m.syn0[x] - s0[x]) / lr, FD_TOL * 10);
        CHECK_NEAR(-grad1[x], (m.syn1neg[x] - s1[x]) / lr, FD_TOL * 10);
    }
    free(s0);
    free(s1);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    return 0;
}

static int
test_sgns_gradient_finite_differences(void)
{
    CHECK(fd_check(0) == 0);
    CHECK(fd_check(1) == 0);
    return 0;
}

static int
test_learning_rate_schedule(void)
{
    CHECK_NEAR(0.025, w2v_lr(0.025f, 0, 1000), 1e-9);
    CHECK_NEAR(0.025 * (1 - 500.0 / 1001), w2v_lr(0.025f, 500, 1000), 1e-8);
    CHECK_NEAR(0.025 * (1 - 1000.0 / 1001), w2v_lr(0.025f, 1000, 1000), 1e-9);
    CHECK_NEAR(0.025 * 1e-4, w2v_lr(0.025f, 1001, 1000), 1e-10); /* floor */
    CHECK_NEAR(0.025 * 1e-4, w2v_lr(0.025f, 5000, 1000), 1e-10);
    return 0;
}

static int
test_table_sigmoid_is_word2vecs(void)
{
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, 0, 0, K);
    m.p.exact_sigmoid = 0;
    CHECK_NEAR(1.0, w2v_sigmoid(&m, 6.5f), 0);
    CHECK_NEAR(0.0, w2v_sigmoid(&m, -7.0f), 0);
    for (float x = -5.9f; x < 5.9f; x += 0.37f) {
        CHECK_NEAR(sig(x), w2v_sigmoid(&m, x), 0.0031); /* one step (0.012) times max slope 1/4 */
        CHECK_NEAR(log(sig(x)), w2v_logsig(&m, x), 0.013);
    }
    w2v_worker_free(&w);
    w2v_model_free(&m);
    return 0;
}

static int
test_checkpoint_round_trip(void)
{
    struct w2v_model m, m2;
    struct w2v_worker w, w2;
    setup(&m, &w, 0, 1, K);
    const uint32_t ctx[2] = {1, 2};
    w2v_train_window(&m, &w, 3, ctx, 2, 0.1f);
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    const struct w2v_pos pos = {.pass = 2, .units = 77, .records = 1234, .words = 5678};
    CHECK_EQ(WP_OK, w2v_ckpt_save(fp, &m, &w, 1, &pos, 0xabcdefull, 0, NULL, 1));
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    struct w2v_params p;
    uint32_t n, threads;
    struct w2v_pos pos2;
    uint64_t hash, chash;
    uint32_t nctx;
    CHECK_EQ(WP_OK, w2v_ckpt_params(rec_reader_meta(r), &p, &n, &threads, &pos2, &hash, &nctx,
                                    &chash));
    CHECK_EQ(V, n);
    CHECK_EQ(0, nctx); /* no separate contexts */
    CHECK_EQ(0, chash);
    CHECK_EQ(1, threads);
    CHECK_EQ(0xabcdefull, hash);
    CHECK_EQ(77, pos2.units);
    CHECK_EQ(1234, pos2.records);
    CHECK_EQ(2, pos2.pass);
    CHECK(memcmp(&p, &m.p, sizeof p) == 0);
    CHECK_EQ(WP_OK, w2v_model_init(&m2, &p, counts, n));
    CHECK_EQ(WP_OK, w2v_worker_init(&w2, &m2, 0));
    CHECK_EQ(WP_OK, w2v_ckpt_load(r, &m2, &w2, 1));
    CHECK(memcmp(m.syn0, m2.syn0, sizeof(float) * V * D) == 0);
    CHECK(memcmp(m.syn1neg, m2.syn1neg, sizeof(float) * V * D) == 0);
    CHECK(memcmp(m.syn1, m2.syn1, sizeof(float) * (V - 1) * D) == 0);
    CHECK(memcmp(&w.nrng, &w2.nrng, sizeof w.nrng) == 0);
    CHECK(memcmp(&w.wrng, &w2.wrng, sizeof w.wrng) == 0);
    rec_reader_free(r);
    fclose(fp);
    w2v_worker_free(&w);
    w2v_worker_free(&w2);
    w2v_model_free(&m);
    w2v_model_free(&m2);
    return 0;
}

enum { C = 9 }; /* context vocabulary, smaller than V */

static void
setup_ctx(struct w2v_model *m, struct w2v_worker *w, uint64_t *ccounts)
{
    struct w2v_params p;
    w2v_params_default(&p);
    p.dim = D;
    p.negative = K;
    p.exact_sigmoid = 1;
    p.seed = 11;
    for (int i = 0; i < V; i++)
        counts[i] = (uint64_t)(1000 / (i + 1));
    for (int i = 0; i < C; i++)
        ccounts[i] = (uint64_t)(90 - 10 * i);
    if (w2v_model_init_ctx(m, &p, counts, V, ccounts, C) != WP_OK
        || w2v_worker_init(w, m, 0) != WP_OK)
        abort();
    struct rng r;
    rng_seed(&r, 98, 0);
    for (size_t i = 0; i < (size_t)V * D; i++)
        m->syn0[i] = rng_unit(&r) - 0.5f;
    for (size_t i = 0; i < (size_t)C * D; i++)
        m->syn1neg[i] = rng_unit(&r) - 0.5f;
}

/* word2vecf: the word's row predicts each context (syn1neg has C rows), negatives from the
 * context counts^0.75, the word's row updated after each pair. */
static int
test_sep_ctx_update_matches_reference(void)
{
    struct w2v_model m;
    struct w2v_worker w;
    uint64_t cc[C];
    setup_ctx(&m, &w, cc);
    CHECK_EQ(C, m.nctx);
    CHECK_EQ(C, m.samp.n);
    double tot = 0;
    for (int i = 0; i < C; i++)
        tot += pow((double)cc[i], 0.75);
    for (uint32_t i = 0; i < C; i++)
        CHECK_NEAR(pow((double)cc[i], 0.75) / tot, samp_prob(&m.samp, i), 1e-6);
    const uint32_t center = 30, ctx[2] = {2, 7}; /* center id beyond C: rows are per vocab */
    const float lr = 0.05f;
    uint32_t neg[2 * K];
    next_draws(&m, &w, neg, 2 * K);
    for (int k = 0; k < 2 * K; k++)
        CHECK(neg[k] < C);
    double in[D], out[C][D];
    for (int i = 0; i < D; i++)
        in[i] = m.syn0[center * D + i];
    for (int v = 0; v < C; v++)
        for (int i = 0; i < D; i++)
            out[v][i] = m.syn1neg[v * D + i];
    for (int c = 0; c < 2; c++) {
        double e[D] = {0};
        for (int k = 0; k <= K; k++) {
            const uint32_t t = k == 0 ? ctx[c] : neg[c * K + k - 1];
            if (k > 0 && t == ctx[c])
                continue;
            double f = 0;
            for (int i = 0; i < D; i++)
                f += in[i] * out[t][i];
            const double g = ((k == 0) - sig(f)) * lr;
            for (int i = 0; i < D; i++) {
                e[i] += g * out[t][i];
                out[t][i] += g * in[i];
            }
        }
        for (int i = 0; i < D; i++)
            in[i] += e[i];
    }
    float other[D];
    memcpy(other, m.syn0 + 2 * D, sizeof other);
    w2v_train_window(&m, &w, center, ctx, 2, lr);
    for (int i = 0; i < D; i++)
        CHECK_NEAR(in[i], m.syn0[center * D + i], UPD_TOL);
    for (int v = 0; v < C; v++)
        for (int i = 0; i < D; i++)
            CHECK_NEAR(out[v][i], m.syn1neg[v * D + i], UPD_TOL);
    CHECK(memcmp(other, m.syn0 + 2 * D, sizeof other) == 0); /* word 2 is not context 2 */
    w2v_worker_free(&w);
    w2v_model_free(&m);
    return 0;
}

/* Separate contexts are skip-gram with negative sampling only. */
static int
test_sep_ctx_refusals(void)
{
    struct w2v_model m;
    uint64_t cc[C] = {5, 4, 3, 2, 1, 1, 1, 1, 1};
    struct w2v_params p;
    for (int i = 0; i < V; i++)
        counts[i] = 1;
    for (int bad = 0; bad < 4; bad++) {
        w2v_params_default(&p);
        p.cbow = bad == 0;
        p.hs = bad == 1;
        p.shared_neg = bad == 2;
        if (bad == 3) {
            p.hs = 1;
            p.negative = 0;
        }
        CHECK_EQ(WP_ERANGE, w2v_model_init_ctx(&m, &p, counts, V, cc, C));
    }
    w2v_params_default(&p);
    CHECK_EQ(WP_ERANGE, w2v_model_init_ctx(&m, &p, counts, V, cc, 0));
    CHECK_EQ(WP_OK, w2v_model_init_ctx(&m, &p, counts, V, cc, C));
    w2v_model_free(&m);
    return 0;
}

static int
test_sep_ctx_checkpoint_round_trip(void)
{
    struct w2v_model m, m2;
    struct w2v_worker w, w2;
    uint64_t cc[C];
    setup_ctx(&m, &w, cc);
    const uint32_t ctx[3] = {0, 8, 4};
    w2v_train_window(&m, &w, 5, ctx, 3, 0.1f);
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    const struct w2v_pos pos = {.pass = 0, .units = 3, .records = 3, .words = 3};
    CHECK_EQ(WP_OK, w2v_ckpt_save(fp, &m, &w, 1, &pos, 0x1234ull, 0x5678ull, NULL, 1));
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    struct w2v_params p;
    uint32_t n, threads, nctx;
    struct w2v_pos pos2;
    uint64_t hash, chash;
    CHECK_EQ(WP_OK, w2v_ckpt_params(rec_reader_meta(r), &p, &n, &threads, &pos2, &hash, &nctx,
                                    &chash));
    CHECK_EQ(V, n);
    CHECK_EQ(C, nctx);
    CHECK_EQ(0x1234ull, hash);
    CHECK_EQ(0x5678ull, chash);
    CHECK_EQ(WP_OK, w2v_model_init_ctx(&m2, &p, counts, n, cc, nctx));
    CHECK_EQ(WP_OK, w2v_worker_init(&w2, &m2, 0));
    CHECK_EQ(WP_OK, w2v_ckpt_load(r, &m2, &w2, 1));
    CHECK(memcmp(m.syn0, m2.syn0, sizeof(float) * V * D) == 0);
    CHECK(memcmp(m.syn1neg, m2.syn1neg, sizeof(float) * C * D) == 0);
    rec_reader_free(r);
    /* a model with syn1neg of V rows does not take these C-row slices */
    rewind(fp);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    struct w2v_model m3;
    struct w2v_worker w3;
    CHECK_EQ(WP_OK, w2v_model_init(&m3, &p, counts, n));
    CHECK_EQ(WP_OK, w2v_worker_init(&w3, &m3, 0));
    CHECK(w2v_ckpt_load(r, &m3, &w3, 1) < 0);
    rec_reader_free(r);
    fclose(fp);
    w2v_worker_free(&w);
    w2v_worker_free(&w2);
    w2v_worker_free(&w3);
    w2v_model_free(&m);
    w2v_model_free(&m2);
    w2v_model_free(&m3);
    return 0;
}

/* Every window-ops table against the reference: odd widths, several shapes, duplicate rows
 * (a context twice, a negative twice) as real windows have. */
static int
test_window_ops_match_ref(void)
{
    enum { R = 12, DM = 37 };
    static float base[R * DM], a[R * DM], b[R * DM];
    struct rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < R * DM; i++)
        base[i] = rng_unit(&r) - 0.5f;
    const struct w2v_window_ops *const *tabs = w2v_window_ops_all();
    for (size_t ti = 0; tabs[ti + 1] != NULL; ti++) /* the reference is the last */
        for (size_t d = 1; d <= DM; d += 6)
            for (size_t n = 1; n <= 6; n++)
                for (size_t t = 1; t <= 6; t++) {
                    float *ia[6], *ib[6], *oa[6], *ob[6], sa[36], sb[36], g[36], da[6 * DM],
                        db[6 * DM];
                    memcpy(a, base, sizeof a);
                    memcpy(b, base, sizeof b);
                    for (size_t c = 0; c < n; c++) { /* rows 0..5, row 1 twice if n > 2 */
                        const size_t row = c == 2 ? 1 : c;
                        ia[c] = a + row * d;
                        ib[c] = b + row * d;
                    }
                    for (size_t j = 0; j < t; j++) { /* rows 6..11, row 7 twice if t > 3 */
                        const size_t row = 6 + (j == 3 ? 1 : j);
                        oa[j] = a + row * d;
                        ob[j] = b + row * d;
                    }
                    w2v_window_ops_ref.scores(sa, ia, n, oa, t, d);
                    tabs[ti]->scores(sb, ib, n, ob, t, d);
                    for (size_t k = 0; k < n * t; k++) {
                        CHECK_NEAR(sa[k], sb[k], 1e-5);
                        g[k] = (rng_unit(&r) - 0.5f) * 0.1f;
                    }
                    w2v_window_ops_ref.apply(ia, n, oa, t, d, g, da);
                    tabs[ti]->apply(ib, n, ob, t, d, g, db);
                    for (int k = 0; k < R * DM; k++)
                        CHECK_NEAR(a[k], b[k], 1e-5);
                    /* combine: n rows into row 11 (overwrite, then add), coefficients
                     * strided through g, or one coefficient repeated (stride 0) */
                    for (int add = 0; add <= 1; add++)
                        for (size_t stride = 0; stride <= t; stride += t) {
                            w2v_window_ops_ref.combine(a + 11 * d, add, ia, n, g, stride, d);
                            tabs[ti]->combine(b + 11 * d, add, ib, n, g, stride, d);
                            for (int k = 0; k < R * DM; k++)
                                CHECK_NEAR(a[k], b[k], 1e-5);
                        }
                }
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_window_ops_match_ref), CHECK_CASE(test_sgns_update_matches_reference),
           CHECK_CASE(test_cbow_update_matches_reference),
           CHECK_CASE(test_cbow_batch_matches_reference), CHECK_CASE(test_cbow_batch_full_trains),
           CHECK_CASE(test_cbow_batch_interleaves),
           CHECK_CASE(test_hs_update_matches_reference),
           CHECK_CASE(test_sgns_gradient_finite_differences),
           CHECK_CASE(test_learning_rate_schedule), CHECK_CASE(test_table_sigmoid_is_word2vecs),
           CHECK_CASE(test_checkpoint_round_trip), CHECK_CASE(test_sep_ctx_update_matches_reference),
           CHECK_CASE(test_sep_ctx_refusals), CHECK_CASE(test_sep_ctx_checkpoint_round_trip))
