/* test_lm.c - the whole language model: finite-difference gradient checks through every
 * layer together (token encoder, LSTMP layers with clipping, residual connections, dropout,
 * full and sampled softmax, both directions), the model file round trip, and what
 * lm_embed promises (layer 0 duplicated, causality of each direction, statelessness). */
#include <stdlib.h>

#include "check.h"
#include "common/status.h"
#include "lm/lm.h"
#include "lm/lm_train.h"
#include "stream/rec.h"
#include "text/vocab.h"

enum { NWORDS = 9, T = 3, B = 2, NSTREAM = 2 * T * B + 1 };

static struct lm *
make_model(int char_input, uint32_t directions)
{
    struct lm_cfg c = {0};
    c.vocab = NWORDS + LM_NSPECIAL;
    c.char_input = (uint32_t)char_input;
    c.layers = 2;
    c.hidden = 5;
    c.proj = 4;
    c.cell_clip = 1.5f;
    c.proj_clip = 1.5f;
    c.residual = 1;
    c.directions = directions;
    if (char_input) {
        c.ch.max_chars = 8;
        c.ch.char_dim = 3;
        c.ch.nwidths = 2;
        c.ch.widths[0] = 1;
        c.ch.widths[1] = 2;
        c.ch.filters[0] = 3;
        c.ch.filters[1] = 4;
        c.ch.highway = 1;
        c.ch.out_dim = 4;
    }
    struct lm *m;
    if (lm_new(&m, &c) < 0 || vocab_create(&m->vocab, 16) < 0)
        return NULL;
    static const char *const words[NWORDS] = {"the", "cat", "sat", "on", "a", "mat", "dog",
                                              "ran", "été"};
    for (int i = 0; i < NWORDS; i++)
        if (vocab_add(m->vocab, words[i], strlen(words[i]), 1) < 0)
            return NULL;
    /* training's gain-1 characters put max-pool and ReLU kinks within the finite
     * difference step; the check is about the gradient, so smaller weights */
    lm_init(m, 3, 0.5f, 1.0f, 0.5f);
    return m;
}

static void
make_stream(struct lm_stream *s, uint32_t *ids)
{
    struct rng r;
    rng_seed(&r, 11, 0);
    for (size_t i = 0; i < NSTREAM; i++)
        ids[i] = i % 4 == 0 ? LM_EOS : LM_NSPECIAL + rng_below(&r, NWORDS);
    s->ids = ids;
    s->n = NSTREAM;
}

/* Central differences of the window-0 loss (scaled by 1/B, as the gradient) against the
 * analytic gradient, for every weight. */
static int
grad_check(int char_input, uint32_t dirs, float dropout, uint32_t sampled)
{
    struct lm *m = make_model(char_input, dirs);
    CHECK(m != NULL);
    uint32_t ids[NSTREAM];
    struct lm_stream s;
    make_stream(&s, ids);
    struct lm_train_cfg t;
    lm_train_cfg_default(&t);
    t.unroll = T;
    t.batch = B;
    t.dropout = dropout;
    t.sampled = sampled;
    t.optim = LM_SGD;
    t.threads = 1;
    struct lm_trainer *tr;
    CHECK(lm_trainer_new(&tr, m, &t, &s) == WP_OK);
    double loss;
    const size_t np = m->nparams;
    float *g = malloc(np * sizeof *g);
    CHECK(g != NULL);
    memcpy(g, lm_trainer_grad(tr, 0, &loss), np * sizeof *g);
    CHECK(isfinite(loss) && loss > 0);
    const float eps = 1e-2f;
    size_t checked = 0, nonzero = 0;
    double worst = 0;
    /* the PAD character's embedding is frozen at zero by design: no gradient */
    const size_t pad0 = char_input ? (size_t)(m->enc.emb - m->w) + CHARENC_PAD * m->c.ch.char_dim
                                   : np,
                 pad1 = char_input ? pad0 + m->c.ch.char_dim : np;
    for (size_t i = 0; i < np; i++) {
        if (i >= pad0 && i < pad1) {
            CHECK(g[i] == 0);
            continue;
        }
        const float keep = m->w[i];
        double lp, lm_;
        m->w[i] = keep + eps;
        lm_trainer_grad(tr, 0, &lp);
        m->w[i] = keep - eps;
        lm_trainer_grad(tr, 0, &lm_);
        m->w[i] = keep;
        const double fd = (lp - lm_) / (2.0 * eps) / B, err = fabs(fd - g[i]);
        const double tol = 3e-3 + 3e-2 * fabs(fd);
        if (err > tol) {
            fprintf(stderr, "weight %zu: analytic %.6g numeric %.6g\n", i, g[i], fd);
            CHECK(err <= tol);
        }
        worst = err > worst ? err : worst;
        nonzero += g[i] != 0;
        checked++;
    }
    CHECK(checked == np - (pad1 - pad0));
    CHECK(nonzero > np / 3);   /* the check saw real gradients, not zeros */
    free(g);
    lm_trainer_free(tr);
    lm_free(m);
    return 0;
}

static int
test_grad_word_full(void)
{
    return grad_check(0, 2, 0, 0);
}

static int
test_grad_word_dropout_sampled(void)
{
    return grad_check(0, 2, 0.3f, 4);
}

static int
test_grad_char_forward(void)
{
    return grad_check(1, 1, 0, 0);
}

static int
test_grad_char_sampled(void)
{
    return grad_check(1, 2, 0.2f, 5);
}

/* The file keeps every weight and the vocabulary. */
static int
test_save_load(void)
{
    struct lm *m = make_model(1, 2), *back;
    CHECK(m != NULL);
    m->c.ch.act = m->enc.c.act = CHARENC_TANH; /* not the default: it must be kept */
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK(lm_save(fp, m, NULL, 1) == WP_OK);
    rewind(fp);
    struct rec_reader *r;
    CHECK(rec_reader_open(&r, fp) == WP_OK);
    CHECK(lm_load(r, &back) == WP_OK);
    CHECK(back->nparams == m->nparams);
    CHECK(memcmp(back->w, m->w, m->nparams * sizeof(float)) == 0);
    CHECK(back->c.ch.act == CHARENC_TANH && back->enc.c.act == CHARENC_TANH);
    CHECK_EQ(NWORDS, vocab_size(back->vocab));
    CHECK_EQ(LM_NSPECIAL + 8, lm_token(back, (const unsigned char *)"été", strlen("été"), NULL));
    CHECK_EQ(LM_UNK, lm_token(back, (const unsigned char *)"zebra", 5, NULL));
    CHECK_EQ(LM_EOS, lm_token(back, (const unsigned char *)"</S>", 4, NULL));
    rec_reader_free(r);
    /* a truncated file is refused */
    fflush(fp);
    const long size = ftell(fp);
    CHECK(size > 100);
    rewind(fp);
    char *bytes = malloc((size_t)size);
    CHECK(bytes != NULL && fread(bytes, 1, (size_t)size, fp) == (size_t)size);
    FILE *cut = fmemopen(bytes, (size_t)size / 2, "rb");
    CHECK(cut != NULL);
    struct lm *bad = NULL;
    int rc = rec_reader_open(&r, cut);
    if (rc == WP_OK) {
        rc = lm_load(r, &bad);
        rec_reader_free(r);
    }
    CHECK(rc < 0 && bad == NULL);
    fclose(cut);
    free(bytes);
    fclose(fp);
    lm_free(back);
    lm_free(m);
    return 0;
}

/* A NaN weight is refused on load, naming its tensor; so is a header declaring more weights
 * than the file holds (a regular file: tmpfile), before they are allocated. */
static int
test_load_refuses_nan_and_oversized(void)
{
    struct lm *m = make_model(1, 2), *back = NULL;
    CHECK(m != NULL);
    m->w[m->nparams - 1] = NAN;
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK(lm_save(fp, m, NULL, 0) == WP_OK);
    rewind(fp);
    struct rec_reader *r;
    struct lm_load_error err;
    CHECK(rec_reader_open(&r, fp) == WP_OK);
    CHECK_EQ(WP_ERANGE, lm_load_checked(r, &back, &err));
    CHECK(back == NULL && strstr(err.msg, "is not finite") != NULL);
    rec_reader_free(r);
    fclose(fp);
    m->w[m->nparams - 1] = 0;
    m->c.hidden = 65536; /* the header says so; the tensors saved are the small ones */
    fp = tmpfile();
    CHECK(fp != NULL);
    struct rec_meta *meta = rec_meta_new();
    CHECK(meta != NULL && lm_cfg_to_meta(meta, &m->c) == WP_OK);
    struct rec_writer *w;
    CHECK(rec_writer_open(&w, fp, REC_MODEL, meta, 0) == WP_OK);
    CHECK(rec_writer_close(w) == WP_OK);
    rec_meta_free(meta);
    rewind(fp);
    CHECK(rec_reader_open(&r, fp) == WP_OK);
    CHECK_EQ(WP_ECORRUPT, lm_load_checked(r, &back, &err));
    CHECK(back == NULL && strstr(err.msg, "header declares") != NULL);
    rec_reader_free(r);
    fclose(fp);
    lm_free(m);
    return 0;
}

static int
embed_sentence(const struct lm *m, const char *const *words, size_t n, float *out)
{
    uint32_t ids[8];
    uint16_t chars[8 * 8];
    struct lm_infer *w = lm_infer_new(m, 8);
    CHECK(w != NULL && n <= 8);
    for (size_t i = 0; i < n; i++)
        ids[i] = lm_token(m, (const unsigned char *)words[i], strlen(words[i]),
                          chars + i * m->c.ch.max_chars);
    CHECK(lm_embed(m, ids, chars, n, out, w, NULL) == WP_OK);
    lm_infer_free(w);
    return 0;
}

/* Layer 0 is the token alone; the forward half at position i sees only words 1..i, the
 * backward half only words i..n; the same sentence gives the same vectors. */
static int
test_embed_context(void)
{
    for (int ci = 0; ci <= 1; ci++) {
        struct lm *m = make_model(ci, 2);
        CHECK(m != NULL);
        const size_t W = lm_width(&m->c), L = m->c.layers, n = 3, row = 2 * W;
        const char *a[3] = {"the", "cat", "sat"}, *b[3] = {"the", "cat", "ran"};
        float ea[(2 + 1) * 3 * 8], eb[(2 + 1) * 3 * 8], again[(2 + 1) * 3 * 8];
        CHECK((L + 1) * n * row <= sizeof ea / sizeof ea[0]);
        CHECK(embed_sentence(m, a, n, ea) == 0);
        CHECK(embed_sentence(m, b, n, eb) == 0);
        CHECK(embed_sentence(m, a, n, again) == 0);
        CHECK(memcmp(ea, again, (L + 1) * n * row * sizeof(float)) == 0);
        for (size_t i = 0; i < n; i++)
            CHECK(memcmp(ea + i * row, ea + i * row + W, W * sizeof(float)) == 0);
        /* "cat" (position 1): layer 0 and the forward half equal, the backward half not */
        for (size_t l = 0; l <= L; l++) {
            const float *pa = ea + (l * n + 1) * row, *pb = eb + (l * n + 1) * row;
            CHECK(memcmp(pa, pb, W * sizeof(float)) == 0);
            if (l == 0)
                CHECK(memcmp(pa + W, pb + W, W * sizeof(float)) == 0);
            else
                CHECK(memcmp(pa + W, pb + W, W * sizeof(float)) != 0);
        }
        lm_free(m);
    }
    return 0;
}

/* One SGD step (no clipping) from the same weights, with the character encoder's gradient
 * scaled by gs: returns the weight change. */
static float *
sgd_delta(float gs, double *norm)
{
    struct lm *m = make_model(1, 2);
    uint32_t ids[NSTREAM];
    struct lm_stream s;
    struct lm_train_cfg t;
    struct lm_trainer *tr;
    make_stream(&s, ids);
    lm_train_cfg_default(&t);
    t.unroll = T;
    t.batch = B;
    t.dropout = 0;
    t.optim = LM_SGD;
    t.lr = 50;   /* steps far above the float rounding of the weights */
    t.clip = 0;
    t.threads = 1;
    t.char_grad_scale = gs;
    if (m == NULL || lm_trainer_new(&tr, m, &t, &s) != WP_OK)
        return NULL;
    float *d = malloc(m->nparams * sizeof *d);
    double loss = 0;
    uint64_t ntok = 0;
    if (d != NULL) {
        memcpy(d, m->w, m->nparams * sizeof *d);
        if (lm_trainer_step(tr, 0, &loss, &ntok, norm) != WP_OK) {
            free(d);
            d = NULL;
        }
    }
    for (size_t i = 0; d != NULL && i < m->nparams; i++)
        d[i] = m->w[i] - d[i];
    lm_trainer_free(tr);
    lm_free(m);
    return d;
}

/* char_grad_scale multiplies the encoder's step and no other; it is part of the clipped
 * norm; out of range is refused. */
static int
test_char_grad_scale(void)
{
    struct lm *m = make_model(1, 2);
    CHECK(m != NULL);
    const size_t np = m->nparams, ne = charenc_param_count(&m->c.ch);
    uint32_t ids[NSTREAM];
    struct lm_stream s;
    struct lm_train_cfg t;
    struct lm_trainer *tr;
    make_stream(&s, ids);
    lm_train_cfg_default(&t);
    t.char_grad_scale = 0;
    CHECK_EQ(WP_ERANGE, lm_trainer_new(&tr, m, &t, &s));
    t.char_grad_scale = NAN;
    CHECK_EQ(WP_ERANGE, lm_trainer_new(&tr, m, &t, &s));
    lm_free(m);
    double n1, n2;
    float *d1 = sgd_delta(1.0f, &n1), *d2 = sgd_delta(0.25f, &n2);
    CHECK(d1 != NULL && d2 != NULL);
    size_t moved = 0;
    for (size_t i = 0; i < np; i++) {
        const double want = i < ne ? 0.25 * d1[i] : d1[i];
        CHECK_NEAR(want, d2[i], 3e-7 + 1e-4 * fabs(want));
        moved += i < ne && d1[i] != 0;
    }
    CHECK(moved > 100);   /* of 967: most character embeddings are unused */
    CHECK(n2 < n1);   /* the norm that clipping sees is of the scaled gradient */
    free(d1);
    free(d2);
    return 0;
}

static int
no_reduce(float *g, size_t n)
{
    (void)g;
    (void)n;
    return WP_OK;
}

/* Trains 6 windows with the sampled softmax and Adagrad (or SGD), on 1 or 2 threads, the
 * sparse softmax update unless dense (a reduce hook, as for --mpi, turns it off). */
static struct lm *
train_some(int optim, uint32_t threads, int dense, float clip)
{
    struct lm *m = make_model(1, 2);
    static uint32_t ids[NSTREAM];
    struct lm_stream s;
    struct lm_train_cfg t;
    struct lm_trainer *tr;
    make_stream(&s, ids);
    lm_train_cfg_default(&t);
    t.unroll = T;
    t.batch = B;
    t.sampled = 3;   /* of 12 rows: a window of 6 targets leaves some rows untouched */
    t.optim = optim;
    t.lr = 0.5f;
    t.clip = clip;
    t.threads = threads;
    if (m == NULL || lm_trainer_new(&tr, m, &t, &s) != WP_OK)
        return NULL;
    if (dense)
        lm_trainer_set_reduce(tr, no_reduce);
    const size_t nw = lm_stream_windows(&s, &t);
    double loss = 0, norm;
    uint64_t ntok = 0;
    for (size_t k = 0; k < 6; k++)
        if (lm_trainer_step(tr, k % nw, &loss, &ntok, &norm) != WP_OK) {
            lm_free(m);
            m = NULL;
            break;
        }
    lm_trainer_free(tr);
    return m;
}

/* The sparse softmax update (only the rows a window touched) gives the weights of the
 * dense one: bit for bit without clipping (the same sums element by element), to rounding
 * with it (the norm's partial sums differ); on 1 or 2 threads alike. */
static int
test_sparse_update(void)
{
    static const int optims[2] = {LM_SGD, LM_ADAGRAD};
    for (int k = 0; k < 2; k++) {
        struct lm *a = train_some(optims[k], 2, 0, 0), *b = train_some(optims[k], 1, 1, 0);
        struct lm *c = train_some(optims[k], 1, 0, 0.05f), *d = train_some(optims[k], 1, 1, 0.05f);
        CHECK(a && b && c && d);
        CHECK(memcmp(a->w, b->w, a->nparams * sizeof(float)) == 0);
        struct lm *u = make_model(1, 2);
        CHECK(u != NULL);
        size_t moved = 0;
        for (size_t i = 0; i < a->nparams; i++) {
            CHECK_NEAR(d->w[i], c->w[i], 1e-6 + 1e-5 * fabs(d->w[i]));
            moved += a->w[i] != u->w[i];
        }
        CHECK(moved > a->nparams / 2);
        lm_free(a);
        lm_free(b);
        lm_free(c);
        lm_free(d);
        lm_free(u);
    }
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_grad_word_full),
        CHECK_CASE(test_grad_word_dropout_sampled),
        CHECK_CASE(test_grad_char_forward),
        CHECK_CASE(test_grad_char_sampled),
        CHECK_CASE(test_save_load),
        CHECK_CASE(test_load_refuses_nan_and_oversized),
        CHECK_CASE(test_embed_context),
        CHECK_CASE(test_char_grad_scale),
        CHECK_CASE(test_sparse_update),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
