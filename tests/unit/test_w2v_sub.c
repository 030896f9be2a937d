/* test_w2v_sub.c - subwords (w2v_sub.c): the gather and scatter kernels of every table
 * against the scalar reference (bit for bit) and the step kernel against it (its fused
 * step_scores against step then scores, bit for bit), each word's
 * rows as fastText lists them, a finite-difference check of one context's update and a
 * whole window against fastText's own loop, in both negative schemes. */
#undef NDEBUG
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "vecio/fasttext.h"
#include "w2v/w2v.h"

enum { D = 7, K = 3, BUCKETS = 53 }; /* D odd: kernel tails */
#define FD_EPS 1e-3
#define FD_TOL 2e-3

static const char *const words[] = {"the", "of", "apple", "banana", "</s>", "café", "an",
                                    "a", "xyzzy", "bananas"};
enum { V = sizeof words / sizeof words[0] };

static struct vocab *
make_vocab(void)
{
    struct vocab *v;
    if (vocab_create(&v, V) != WP_OK)
        abort();
    for (int i = 0; i < V; i++)
        if (vocab_add(v, words[i], strlen(words[i]), (uint64_t)(1000 - 10 * i)) != WP_OK)
            abort();
    if (vocab_sort_prune(v, 1, 0) != WP_OK)
        abort();
    return v;
}

/* The subword settings of these tests: 2- and 3-grams into BUCKETS rows. */
static void
sub_params(struct w2v_params *p, int shared)
{
    w2v_params_default(p);
    p->dim = D;
    p->negative = K;
    p->exact_sigmoid = 1;
    p->shared_neg = shared;
    p->minn = 2;
    p->maxn = 3;
    p->buckets = BUCKETS;
}

static void
setup(struct w2v_model *m, struct w2v_worker *w, const struct vocab *v, int shared)
{
    struct w2v_params p;
    sub_params(&p, shared);
    if (w2v_model_init_vocab(m, &p, v, NULL) != WP_OK || w2v_worker_init(w, m, 0) != WP_OK)
        abort();
    struct rng r;
    rng_seed(&r, 99, 0);
    for (size_t i = 0; i < (size_t)m->nrows * D; i++)
        m->syn0[i] = rng_unit(&r) - 0.5f;
    for (size_t i = 0; i < (size_t)V * D; i++)
        m->syn1neg[i] = rng_unit(&r) - 0.5f;
}

static int
test_gather_scatter_match_ref(void)
{
    enum { ROWS = 40, DM = 131 };
    static float x0[ROWS * DM], xa[ROWS * DM], xb[ROWS * DM];
    float ga[DM], gb[DM], v[DM];
    uint32_t idx[24];
    struct rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < ROWS * DM; i++)
        x0[i] = rng_unit(&r) - 0.5f;
    for (int i = 0; i < DM; i++)
        v[i] = rng_unit(&r) - 0.5f;
    const struct w2v_window_ops *const *tabs = w2v_window_ops_all();
    for (size_t ti = 0; tabs[ti + 1] != NULL; ti++) /* the reference is checked below */
        for (size_t d = 1; d <= DM; d += d < 40 ? 1 : 13)
            for (size_t nr = 1; nr <= 24; nr += 5)
                for (int padded = 0; padded < 2; padded++) { /* rows d or a pitch apart */
                    const size_t st = padded ? w2v_row_pitch(d) : d;
                    const size_t rows = ROWS * DM / st < 40 ? ROWS * DM / st : 40;
                    for (size_t k = 0; k < nr; k++) /* duplicates on purpose, as "banana" */
                        idx[k] = (uint32_t)((k * 7 + d) % (rows / 2 + 1));
                    w2v_window_ops_ref.gather(ga, x0, st, idx, nr, 1.0f / (float)nr, d);
                    tabs[ti]->gather(gb, x0, st, idx, nr, 1.0f / (float)nr, d);
                    CHECK(memcmp(ga, gb, d * sizeof *ga) == 0);
                    memcpy(xa, x0, sizeof xa);
                    memcpy(xb, x0, sizeof xb);
                    w2v_window_ops_ref.scatter(xa, st, idx, nr, v, d);
                    tabs[ti]->scatter(xb, st, idx, nr, v, d);
                    CHECK(memcmp(xa, xb, sizeof xa) == 0);
                }
    /* the reference itself: the mean, and v added once per listing */
    const uint32_t two[3] = {3, 5, 3};
    w2v_window_ops_ref.gather(ga, x0, 4, two, 3, 1.0f / 3.0f, 4);
    for (int i = 0; i < 4; i++)
        CHECK_NEAR((2.0 * x0[3 * 4 + i] + x0[5 * 4 + i]) / 3.0, ga[i], 1e-6);
    w2v_window_ops_ref.gather(ga, x0, 16, two, 3, 1.0f / 3.0f, 4); /* rows 16 apart */
    for (int i = 0; i < 4; i++)
        CHECK_NEAR((2.0 * x0[3 * 16 + i] + x0[5 * 16 + i]) / 3.0, ga[i], 1e-6);
    memcpy(xa, x0, sizeof xa);
    w2v_window_ops_ref.scatter(xa, 4, two, 3, v, 4);
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(x0[3 * 4 + i] + 2.0 * v[i], xa[3 * 4 + i], 1e-6);
        CHECK_NEAR(x0[5 * 4 + i] + v[i], xa[5 * 4 + i], 1e-6);
    }
    return 0;
}

struct list {
    uint32_t row[64];
    size_t n;
};

static void
add_row(void *arg, const char *ngram, size_t len)
{
    struct list *l = arg;
    l->row[l->n++] = V + fasttext_hash(ngram, len) % BUCKETS;
}

/* Word i's rows: itself, then its n-grams in fastText's order; none for "</s>". */
static int
test_rows_are_fasttexts(void)
{
    struct vocab *v = make_vocab();
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, v, 0);
    /* only the buckets in use have rows, each once, numbered in order of first use */
    CHECK(m.sub_nbuckets > 0 && m.sub_nbuckets <= BUCKETS && m.nrows == V + m.sub_nbuckets);
    uint32_t seen = 0;
    for (uint32_t k = 0; k < m.sub_off[V]; k++) {
        const uint32_t r = m.sub_row[k];
        CHECK(r < m.nrows);
        if (r >= V && r - V == seen)
            seen++;
        else
            CHECK(r < V || r - V < seen);
    }
    CHECK(seen == m.sub_nbuckets);
    for (uint32_t a = 0; a < m.sub_nbuckets; a++)
        for (uint32_t b = a + 1; b < m.sub_nbuckets; b++)
            CHECK(m.sub_bucket[a] != m.sub_bucket[b]);
    for (uint32_t i = 0; i < V; i++) {
        size_t len, count;
        const char *word = vocab_word(v, i, &len);
        struct list l = {.n = 1};
        l.row[0] = i;
        if (strcmp(word, "</s>") != 0)
            CHECK(fasttext_ngrams(word, len, 2, 3, add_row, &l, &count) == WP_OK);
        CHECK(m.sub_off[i + 1] - m.sub_off[i] == l.n);
        for (size_t k = 0; k < l.n; k++) { /* the same rows, through sub_bucket */
            const uint32_t r = m.sub_row[m.sub_off[i] + k];
            CHECK(r < V ? r == l.row[k] : V + m.sub_bucket[r - V] == l.row[k]);
        }
    }
    /* "café": <c ca af fé é> (2-grams), <ca caf afé fé> (3-grams): 9 n-grams */
    const int64_t cafe = vocab_lookup(v, "café", strlen("café"));
    CHECK(cafe >= 0 && m.sub_off[cafe + 1] - m.sub_off[cafe] == 10);
    /* refusals: no words, CBOW, hs, MIN > MAX */
    struct w2v_params p = m.p;
    struct w2v_model bad;
    uint64_t c[V];
    for (int i = 0; i < V; i++)
        c[i] = 1;
    CHECK(w2v_model_init(&bad, &p, c, V) == WP_ERANGE);
    p.cbow = 1;
    CHECK(w2v_model_init_vocab(&bad, &p, v, NULL) == WP_ERANGE);
    p.cbow = 0;
    p.hs = 1;
    CHECK(w2v_model_init_vocab(&bad, &p, v, NULL) == WP_ERANGE);
    p.hs = 0;
    p.minn = 4;
    CHECK(w2v_model_init_vocab(&bad, &p, v, NULL) == WP_ERANGE);
    CHECK(w2v_ckpt_save(stdout, &m, &w, 1, &(struct w2v_pos){0}, 0, 0, NULL, 1) == WP_ERANGE);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    vocab_free(v);
    return 0;
}

/* One context's loss in double: h = mean of the center's rows predicts ctx against the
 * negatives neg[0..nneg). */
static double
context_loss(const struct w2v_model *m, uint32_t center, uint32_t ctx, const uint32_t *neg,
             size_t nneg)
{
    double h[D] = {0}, loss = 0;
    const uint32_t b = m->sub_off[center], e = m->sub_off[center + 1];
    for (uint32_t k = b; k < e; k++)
        for (int i = 0; i < D; i++)
            h[i] += m->syn0[(size_t)m->sub_row[k] * D + i] / (double)(e - b);
    for (size_t j = 0; j <= nneg; j++) {
        const uint32_t o = j == 0 ? ctx : neg[j - 1];
        double s = 0;
        for (int i = 0; i < D; i++)
            s += h[i] * m->syn1neg[(size_t)o * D + i];
        loss += log1p(exp(j == 0 ? -s : s));
    }
    return loss;
}

/* The negatives the window draws for one context (exact: drawn again while equal to it;
 * shared: the window's, less any equal to it). */
static size_t
draw_negatives(const struct w2v_model *m, struct rng *r, uint32_t ctx, const uint32_t *shared,
               uint32_t *neg)
{
    size_t nneg = 0;
    for (size_t j = 0; j < K; j++) {
        uint32_t s;
        if (shared != NULL)
            s = shared[j];
        else
            do
                s = samp_draw(&m->samp, r);
            while (s == ctx);
        if (s != ctx)
            neg[nneg++] = s;
    }
    return nneg;
}

/* One context: the update is -lr times the gradient for the output rows and -lr R times
 * it for each of the center's R rows (fastText adds the gradient of h, not h's share, to
 * every row). */
static int
fd_check(int shared)
{
    struct vocab *v = make_vocab();
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, v, shared);
    const uint32_t center = (uint32_t)vocab_lookup(v, "banana", 6), ctx = 2;
    const float lr = 1e-3f;
    uint32_t neg[K], sh[K];
    struct rng r = w.nrng;
    for (size_t j = 0; shared && j < K; j++)
        sh[j] = samp_draw(&m.samp, &r);
    const size_t nneg = draw_negatives(&m, &r, ctx, shared ? sh : NULL, neg);
    const size_t rows0 = (size_t)m.nrows * D, rows1 = (size_t)V * D;
    float *s0 = malloc(rows0 * sizeof *s0), *s1 = malloc(rows1 * sizeof *s1);
    double *g0 = malloc(rows0 * sizeof *g0), *g1 = malloc(rows1 * sizeof *g1);
    memcpy(s0, m.syn0, rows0 * sizeof *s0);
    memcpy(s1, m.syn1neg, rows1 * sizeof *s1);
    for (int which = 0; which < 2; which++)
        for (size_t x = 0; x < (which ? rows1 : rows0); x++) {
            float *p = (which ? m.syn1neg : m.syn0) + x;
            const float keep = *p;
            *p = keep + (float)FD_EPS;
            const double lp = context_loss(&m, center, ctx, neg, nneg);
            *p = keep - (float)FD_EPS;
            const double lm = context_loss(&m, center, ctx, neg, nneg);
            *p = keep;
            (which ? g1 : g0)[x] = (lp - lm) / (2 * FD_EPS);
        }
    const double rr = m.sub_off[center + 1] - m.sub_off[center];
    w2v_train_window(&m, &w, center, &ctx, 1, lr);
    for (size_t x = 0; x < rows0; x++)
        CHECK_NEAR(-g0[x] * rr, (m.syn0[x] - s0[x]) / lr, FD_TOL);
    for (size_t x = 0; x < rows1; x++)
        CHECK_NEAR(-g1[x], (m.syn1neg[x] - s1[x]) / lr, FD_TOL);
    CHECK(memcmp(&r, &w.nrng, sizeof r) == 0); /* it drew exactly those negatives */
    free(s0);
    free(s1);
    free(g0);
    free(g1);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    vocab_free(v);
    return 0;
}

static int
test_context_gradient_finite_differences(void)
{
    CHECK(fd_check(0) == 0);
    CHECK(fd_check(1) == 0);
    return 0;
}

/* A whole window against fastText's own loop, in double (fasttext.cc skipgram, model.cc
 * update, loss.cc binaryLogistic): for each context, h recomputed as the mean of the
 * center's rows, each target scored and its row updated in turn with the gradient of h
 * taken at the old row, then the gradient added to every row listed (twice for a row
 * listed twice). "banana" lists the rows of "an" and "na" twice: the gain. One
 * difference: a context's targets are all scored before any is updated (fastText scores
 * each after the one before was updated: they differ only for a row drawn twice for one
 * context, as happens here). */
static int
window_matches_fasttext(int shared)
{
    struct vocab *v = make_vocab();
    struct w2v_model m;
    struct w2v_worker w;
    setup(&m, &w, v, shared);
    const uint32_t center = (uint32_t)vocab_lookup(v, "banana", 6);
    const uint32_t ctx[5] = {0, 2, 8, 2, 1};
    const size_t n = 5, rows0 = (size_t)m.nrows * D, rows1 = (size_t)V * D;
    const float lr = 0.2f;
    double *x0 = malloc(rows0 * sizeof *x0), *x1 = malloc(rows1 * sizeof *x1);
    for (size_t i = 0; i < rows0; i++)
        x0[i] = m.syn0[i];
    for (size_t i = 0; i < rows1; i++)
        x1[i] = m.syn1neg[i];
    const uint32_t b = m.sub_off[center], e = m.sub_off[center + 1];
    CHECK(m.sub_gain[center] > 1.0f); /* the test means to cover duplicates */
    struct rng r = w.nrng;
    uint32_t sh[K];
    for (size_t j = 0; shared && j < K; j++)
        sh[j] = samp_draw(&m.samp, &r);
    for (size_t c = 0; c < n; c++) {
        uint32_t neg[K];
        const size_t nneg = draw_negatives(&m, &r, ctx[c], shared ? sh : NULL, neg);
        double h[D] = {0}, grad[D] = {0};
        for (uint32_t k = b; k < e; k++)
            for (int i = 0; i < D; i++)
                h[i] += x0[(size_t)m.sub_row[k] * D + i] / (double)(e - b);
        double sc[K + 1] = {0};
        for (size_t j = 0; j <= nneg; j++)
            for (int i = 0; i < D; i++)
                sc[j] += h[i] * x1[(size_t)(j == 0 ? ctx[c] : neg[j - 1]) * D + i];
        for (size_t j = 0; j <= nneg; j++) {
            double *o = x1 + (size_t)(j == 0 ? ctx[c] : neg[j - 1]) * D;
            const double alpha = lr * ((j == 0) - 1.0 / (1.0 + exp(-sc[j])));
            for (int i = 0; i < D; i++) {
                grad[i] += alpha * o[i];
                o[i] += alpha * h[i];
            }
        }
        for (uint32_t k = b; k < e; k++)
            for (int i = 0; i < D; i++)
                x0[(size_t)m.sub_row[k] * D + i] += grad[i];
    }
    w2v_train_window(&m, &w, center, ctx, n, lr);
    for (size_t i = 0; i < rows0; i++)
        CHECK_NEAR(x0[i], m.syn0[i], 1e-5);
    for (size_t i = 0; i < rows1; i++)
        CHECK_NEAR(x1[i], m.syn1neg[i], 1e-5);
    CHECK(memcmp(&r, &w.nrng, sizeof r) == 0);
    free(x0);
    free(x1);
    w2v_worker_free(&w);
    w2v_model_free(&m);
    vocab_free(v);
    return 0;
}

static int
test_window_matches_fasttexts_loop(void)
{
    CHECK(window_matches_fasttext(0) == 0);
    CHECK(window_matches_fasttext(1) == 0);
    return 0;
}

/* step: every table against the reference, and the reference against its definition. */
static int
test_step_matches_ref(void)
{
    enum { T = 9, DM = 131 };
    static float oa[T * DM], ob[T * DM], o0[T * DM];
    float ha[DM], hb[DM], h0[DM], aa[DM], ab[DM], a0[DM], g[T];
    float *pa[T], *pb[T];
    struct rng r;
    rng_seed(&r, 6, 0);
    for (int i = 0; i < T * DM; i++)
        o0[i] = rng_unit(&r) - 0.5f;
    for (int i = 0; i < DM; i++) {
        h0[i] = rng_unit(&r) - 0.5f;
        a0[i] = rng_unit(&r) - 0.5f;
    }
    for (int j = 0; j < T; j++)
        g[j] = rng_unit(&r) - 0.5f;
    const struct w2v_window_ops *const *tabs = w2v_window_ops_all();
    for (size_t ti = 0; tabs[ti] != NULL; ti++) {
        for (size_t d = 1; d <= DM; d += d < 40 ? 1 : 13)
            for (size_t t = 1; t <= T; t += 2) {
                const float gain = t == 3 ? 1.5f : 1.0f;
                memcpy(oa, o0, sizeof oa);
                memcpy(ob, o0, sizeof ob);
                memcpy(ha, h0, sizeof ha);
                memcpy(hb, h0, sizeof hb);
                memcpy(aa, a0, sizeof aa);
                memcpy(ab, a0, sizeof ab);
                for (size_t j = 0; j < t; j++) {
                    pa[j] = oa + j * d;
                    pb[j] = ob + j * d;
                }
                w2v_window_ops_ref.step(ha, aa, pa, t, g, gain, d);
                tabs[ti]->step(hb, ab, pb, t, g, gain, d);
                for (size_t i = 0; i < d; i++) {
                    double dh = 0;
                    for (size_t j = 0; j < t; j++) {
                        dh += (double)g[j] * o0[j * d + i];
                        CHECK_NEAR(o0[j * d + i] + (double)g[j] * h0[i], oa[j * d + i], 1e-6);
                        CHECK_NEAR(oa[j * d + i], ob[j * d + i], 1e-6);
                    }
                    CHECK_NEAR(a0[i] + dh, aa[i], 1e-5);
                    CHECK_NEAR(h0[i] + gain * dh, ha[i], 1e-5);
                    CHECK_NEAR(aa[i], ab[i], 1e-5);
                    CHECK_NEAR(ha[i], hb[i], 1e-5);
                }
                /* past the last 8 floats the kernels multiply and add apart, as the
                 * reference: the same bits there */
                for (size_t i = d / 8 * 8; i < d; i++) {
                    CHECK(memcmp(&ha[i], &hb[i], sizeof ha[i]) == 0);
                    CHECK(memcmp(&aa[i], &ab[i], sizeof aa[i]) == 0);
                    for (size_t j = 0; j < t; j++)
                        CHECK(memcmp(&oa[j * d + i], &ob[j * d + i], sizeof oa[0]) == 0);
                }
            }
    }
    return 0;
}

/* step_scores: in every table, bit for bit its own step then its scores, also when the
 * next context's rows include some of this one's (a word drawn for both). */
static int
test_step_scores_is_step_then_scores(void)
{
    enum { T = 9, DM = 131 };
    static float oa[2 * T * DM], ob[2 * T * DM], o0[2 * T * DM];
    float ha[DM], hb[DM], h0[DM], aa[DM], ab[DM], a0[DM], g[T], sa[T], sb[T];
    float *pa[T], *pb[T], *na[T], *nb[T];
    struct rng r;
    rng_seed(&r, 8, 0);
    for (int i = 0; i < 2 * T * DM; i++)
        o0[i] = rng_unit(&r) - 0.5f;
    for (int i = 0; i < DM; i++) {
        h0[i] = rng_unit(&r) - 0.5f;
        a0[i] = rng_unit(&r) - 0.5f;
    }
    for (int j = 0; j < T; j++)
        g[j] = rng_unit(&r) - 0.5f;
    const struct w2v_window_ops *const *tabs = w2v_window_ops_all();
    for (size_t ti = 0; tabs[ti] != NULL; ti++) {
        const struct w2v_window_ops *o = tabs[ti];
        for (size_t d = 1; d <= DM; d += d < 40 ? 1 : 13)
            for (size_t t = 1; t <= T; t += 2)
                for (size_t tn = 1; tn <= T; tn++) {
                    memcpy(oa, o0, sizeof oa);
                    memcpy(ob, o0, sizeof ob);
                    memcpy(ha, h0, sizeof ha);
                    memcpy(hb, h0, sizeof hb);
                    memcpy(aa, a0, sizeof aa);
                    memcpy(ab, a0, sizeof ab);
                    for (size_t j = 0; j < T; j++) {
                        pa[j] = oa + j * d;
                        pb[j] = ob + j * d;
                        /* every third next row is one of this context's rows */
                        const size_t q = j % 3 == 1 ? j % t : T + j;
                        na[j] = oa + q * d;
                        nb[j] = ob + q * d;
                    }
                    o->step(ha, aa, pa, t, g, 1.25f, d);
                    o->scores(sa, (float *[]){ha}, 1, na, tn, d);
                    o->step_scores(hb, ab, pb, t, g, 1.25f, nb, tn, sb, d);
                    CHECK(memcmp(ha, hb, d * sizeof *ha) == 0);
                    CHECK(memcmp(aa, ab, d * sizeof *aa) == 0);
                    CHECK(memcmp(oa, ob, sizeof oa) == 0);
                    CHECK(memcmp(sa, sb, tn * sizeof *sa) == 0);
                }
    }
    return 0;
}

/* A row's initial values are those of its bucket in the full table (V + buckets rows, one
 * stream), whichever buckets are in use: the model fastText's .bin holds is the same. */
static int
test_compact_rows_keep_full_init(void)
{
    struct vocab *v = make_vocab();
    struct w2v_params p;
    struct w2v_model m;
    sub_params(&p, 0);
    CHECK(w2v_model_init_vocab(&m, &p, v, NULL) == WP_OK);
    float *full = malloc((size_t)(V + BUCKETS) * D * sizeof *full);
    CHECK(full != NULL && w2v_init_input(&m, full, 1) == WP_OK);
    CHECK(memcmp(full, m.syn0, (size_t)V * D * sizeof *full) == 0);
    for (uint32_t k = 0; k < m.sub_nbuckets; k++)
        CHECK(memcmp(full + (size_t)(V + m.sub_bucket[k]) * D, m.syn0 + (size_t)(V + k) * D,
                     D * sizeof *full) == 0);
    /* and the rows differ from bucket to bucket (the stream is not restarted per row) */
    CHECK(m.sub_nbuckets < 2 || memcmp(m.syn0 + (size_t)V * D, m.syn0 + (size_t)(V + 1) * D,
                                       D * sizeof *full) != 0);
    free(full);
    w2v_model_free(&m);
    vocab_free(v);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_gather_scatter_match_ref), CHECK_CASE(test_rows_are_fasttexts),
           CHECK_CASE(test_compact_rows_keep_full_init),
           CHECK_CASE(test_context_gradient_finite_differences),
           CHECK_CASE(test_window_matches_fasttexts_loop), CHECK_CASE(test_step_matches_ref),
           CHECK_CASE(test_step_scores_is_step_then_scores))
