/* test_probe.c - the probe: finite-difference gradient checks of the backward pass (softmax
 * regression, hidden layer, scalar mix, L2), the forward pass against a scalar reference,
 * the checked join of vectors and labels, the model file, training and metrics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/buf.h"
#include "common/rng.h"
#include "common/status.h"
#include "probe/probe.h"
#include "probe/probe_data.h"
#include "probe/probe_fit.h"
#include "probe/probe_labels.h"
#include "probe/probe_train.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

static void
fill(float *x, size_t n, uint64_t seed, float scale)
{
    struct rng r;
    rng_seed(&r, seed, 7);
    for (size_t i = 0; i < n; i++)
        x[i] = (2 * rng_unit(&r) - 1) * scale;
}

/* a probe with random parameters everywhere (biases and mix too) */
static struct probe *
random_probe(const struct probe_cfg *c, uint64_t seed)
{
    struct probe *m;
    if (probe_new(&m, c, seed) < 0)
        return NULL;
    fill(m->w, m->nparams, seed + 1, 0.5f);
    if (c->mix)
        *m->p.gamma = 1.3f;
    return m;
}

static double
loss_at(struct probe *m, const float *x, const uint32_t *y, size_t B, float l2,
        struct probe_work *w)
{
    probe_forward(m, x, B, w);
    return probe_loss(m, w, y, B, l2);
}

/* central differences in float parameters, compared with the analytic gradient */
static int
gradcheck(const struct probe_cfg *c, float l2)
{
    enum { B = 5 };
    struct probe *m = random_probe(c, 11);
    CHECK(m != NULL);
    struct probe_work w;
    CHECK(probe_work_init(&w, c, B) == WP_OK);
    const size_t k = (size_t)c->layers * c->dim;
    float *x = malloc(B * k * sizeof *x), *g = malloc(m->nparams * sizeof *g);
    CHECK(x != NULL && g != NULL);
    fill(x, B * k, 3, 1.5f);
    uint32_t y[B];
    for (size_t b = 0; b < B; b++)
        y[b] = (uint32_t)((b * 7 + 1) % c->classes);
    probe_forward(m, x, B, &w);
    probe_backward(m, x, y, B, l2, &w, g);
    double worst = 0;
    for (size_t i = 0; i < m->nparams; i++) {
        const float keep = m->w[i], h = 1e-2f;
        m->w[i] = keep + h;
        const double lp = loss_at(m, x, y, B, l2, &w);
        m->w[i] = keep - h;
        const double lm = loss_at(m, x, y, B, l2, &w);
        m->w[i] = keep;
        const double num = (lp - lm) / (2.0 * ((double)(keep + h) - (double)keep));
        const double err = fabs(num - g[i]) / (1e-3 + fabs(num) + fabs(g[i]));
        if (err > worst)
            worst = err;
        if (err > 2e-2) {
            fprintf(stderr, "param %zu: numeric %.6g analytic %.6g\n", i, num, (double)g[i]);
            return 1;
        }
    }
    free(x);
    free(g);
    probe_work_free(&w);
    probe_free(m);
    return 0;
}

static int
test_grad_softmax_regression(void)
{
    const struct probe_cfg c = {.layers = 1, .dim = 6, .classes = 4};
    return gradcheck(&c, 0) || gradcheck(&c, 0.3f);
}

static int
test_grad_hidden(void)
{
    const struct probe_cfg c = {.layers = 1, .dim = 5, .hidden = 7, .classes = 3};
    return gradcheck(&c, 0) || gradcheck(&c, 0.2f);
}

static int
test_grad_mix(void)
{
    const struct probe_cfg c = {.layers = 3, .dim = 4, .classes = 5, .mix = 1};
    return gradcheck(&c, 0.1f);
}

static int
test_grad_mix_hidden(void)
{
    const struct probe_cfg c = {.layers = 2, .dim = 4, .hidden = 6, .classes = 3, .mix = 1};
    return gradcheck(&c, 0.05f);
}

/* the forward pass written as plain loops, in double */
static void
forward_ref(const struct probe *m, const float *x, size_t B, double *p)
{
    const size_t L = m->c.layers, D = m->c.dim, H = m->c.hidden, C = m->c.classes;
    double a[PROBE_MAX_LAYERS], s = 0, mx = -1e300;
    for (size_t l = 0; l < L; l++)
        mx = m->c.mix && m->p.mix_s[l] > mx ? m->p.mix_s[l] : mx;
    for (size_t l = 0; l < L; l++)
        s += a[l] = m->c.mix ? exp(m->p.mix_s[l] - mx) : 1;
    for (size_t b = 0; b < B; b++) {
        double u[64], h[64], z[64];
        for (size_t d = 0; d < D; d++) {
            u[d] = 0;
            for (size_t l = 0; l < L; l++)
                u[d] += a[l] / s * x[(b * L + l) * D + d];
            if (m->c.mix)
                u[d] *= *m->p.gamma;
        }
        const double *in = u;
        size_t K = D;
        if (H) {
            for (size_t j = 0; j < H; j++) {
                h[j] = m->p.b1[j];
                for (size_t d = 0; d < D; d++)
                    h[j] += m->p.w1[j * D + d] * u[d];
                h[j] = h[j] > 0 ? h[j] : 0;
            }
            in = h;
            K = H;
        }
        double zs = 0, zm = -1e300;
        for (size_t j = 0; j < C; j++) {
            z[j] = m->p.b2[j];
            for (size_t d = 0; d < K; d++)
                z[j] += m->p.w2[j * K + d] * in[d];
            zm = z[j] > zm ? z[j] : zm;
        }
        for (size_t j = 0; j < C; j++)
            zs += exp(z[j] - zm);
        for (size_t j = 0; j < C; j++)
            p[b * C + j] = exp(z[j] - zm) / zs;
    }
}

static int
test_forward_matches_reference(void)
{
    const struct probe_cfg cs[] = {{.layers = 1, .dim = 33, .classes = 17},
                                   {.layers = 3, .dim = 19, .hidden = 23, .classes = 5, .mix = 1}};
    for (size_t t = 0; t < 2; t++) {
        enum { B = 13 };
        const struct probe_cfg *c = &cs[t];
        struct probe *m = random_probe(c, 5 + t);
        struct probe_work w;
        CHECK(m != NULL && probe_work_init(&w, c, B) == WP_OK);
        float x[B * 3 * 33];
        double p[B * 17];
        fill(x, B * c->layers * c->dim, 9, 2.0f);
        probe_forward(m, x, B, &w);
        forward_ref(m, x, B, p);
        for (size_t i = 0; i < B * c->classes; i++)
            CHECK_NEAR(p[i], w.p[i], 1e-5);
        probe_work_free(&w);
        probe_free(m);
    }
    return 0;
}

/* ---- the join of vectors and labels ---- */

struct feed {
    struct buf b;
    struct probe_labels *labels;
    struct probe_loader *ld;
    int rc;
};

static int
feed_open(struct feed *f, uint32_t layers, uint32_t dim, int sentences, int keep)
{
    memset(f, 0, sizeof *f);
    const struct probe_shape s = {.sentences = sentences, .src_layers = layers, .dim = dim};
    WP_TRY(probe_labels_new(&f->labels));
    return probe_loader_new(&f->ld, &s, keep, f->labels);
}

static void
feed_close(struct feed *f)
{
    probe_loader_free(f->ld);
    probe_labels_free(f->labels);
    buf_free(&f->b);
}

/* a label sentence as space-separated labels ("" for none) */
static int
feed_labels(struct feed *f, const char *s)
{
    const unsigned char *tok[16];
    size_t len[16], n = 0;
    for (const char *p = s; *p;) {
        const char *e = strchr(p, ' ');
        const size_t l = e ? (size_t)(e - p) : strlen(p);
        tok[n] = (const unsigned char *)p;
        len[n++] = l;
        p += l + (e != NULL);
    }
    buf_clear(&f->b);
    WP_TRY(rec_tokens_encode(&f->b, tok, len, n));
    return probe_loader_labels(f->ld, f->b.p, f->b.len);
}

static int
feed_vec(struct feed *f, uint64_t sent, uint64_t pos, const char *word, const float *x, size_t n)
{
    buf_clear(&f->b);
    WP_TRY(rec_cvector_encode(&f->b, sent, pos, word, strlen(word), x, n));
    return probe_loader_vector(f->ld, f->b.p, f->b.len);
}

/* a stream of vectors (sentence, position sp[i], word "w", {i, 2, 3, 4}) or of label
 * sentences (lab[i], space-separated) in fp, rewound */
static int
stream_of(FILE *fp, int kind, int vectors, const uint64_t (*sp)[2], size_t n,
          const char *const *lab)
{
    struct rec_meta *m = rec_meta_new();
    struct rec_writer *w;
    struct buf b = {0};
    float x[4] = {1, 2, 3, 4};
    if (m == NULL)
        return WP_ENOMEM;
    WP_TRY(rec_meta_set_u64(m, "dim", 2));
    WP_TRY(rec_meta_set_u64(m, "layers", 2));
    WP_TRY(rec_writer_open(&w, fp, kind, m, 1));
    for (size_t i = 0; i < n; i++) {
        buf_clear(&b);
        if (vectors) {
            x[0] = (float)i;
            WP_TRY(rec_cvector_encode(&b, sp[i][0], sp[i][1], "w", 1, x, 4));
        } else {
            const unsigned char *tok[8];
            size_t len[8], k = 0;
            for (const char *p = lab[i]; *p;) {
                const char *e = strchr(p, ' ');
                len[k] = e ? (size_t)(e - p) : strlen(p);
                tok[k] = (const unsigned char *)p;
                p += len[k++] + (e != NULL);
            }
            WP_TRY(rec_tokens_encode(&b, tok, len, k));
        }
        WP_TRY(rec_writer_put(w, b.p, b.len));
    }
    WP_TRY(rec_writer_close(w));
    buf_free(&b);
    rec_meta_free(m);
    rewind(fp);
    return WP_OK;
}

/* vectors (sentence, position) and the label sentences lab[] written as two streams and
 * joined by probe_loader_join, the tool's join, into f's loader; returns its status, *err
 * where it failed and *nvec the vector records read (NULL: not wanted) */
static int
feed_all(struct feed *f, const uint64_t (*sp)[2], size_t nv, const char *const *lab, size_t nl,
         struct probe_join_err *err, uint64_t *nvec)
{
    FILE *vf = tmpfile(), *lf = tmpfile();
    struct rec_reader *vr, *lr;
    struct probe_join_err e;
    uint64_t n;
    CHECK(vf != NULL && lf != NULL);
    CHECK_EQ(WP_OK, stream_of(vf, REC_CVECTORS, 1, sp, nv, NULL));
    CHECK_EQ(WP_OK, stream_of(lf, REC_TOKENS, 0, NULL, nl, lab));
    CHECK_EQ(WP_OK, rec_reader_open(&vr, vf));
    CHECK_EQ(WP_OK, rec_reader_open(&lr, lf));
    const int rc = probe_loader_join(f->ld, vr, lr, NULL, NULL, nvec ? nvec : &n,
                                     err ? err : &e);
    rec_reader_free(vr);
    rec_reader_free(lr);
    fclose(vf);
    fclose(lf);
    return rc;
}

static int
join_streams(const uint64_t (*sp)[2], size_t nv, const char *const *lab, size_t nl,
             struct probe_data *d, struct probe_join_err *err, uint64_t *nvec)
{
    struct feed f;
    CHECK(feed_open(&f, 2, 2, 0, 1) == WP_OK);
    const int rc = feed_all(&f, sp, nv, lab, nl, err, nvec);
    if (rc == WP_OK)
        probe_loader_take(f.ld, d);
    feed_close(&f);
    return rc;
}

static int
test_join_streams(void)
{
    const uint64_t sp[][2] = {{0, 0}, {0, 1}, {2, 0}, {3, 0}, {3, 1}, {3, 2}};
    const char *lab[] = {"A B", "", "C", "B A C", ""};
    struct probe_data d;
    struct probe_join_err err;
    uint64_t n;
    CHECK_EQ(WP_OK, join_streams(sp, 6, lab, 5, &d, &err, &n));
    CHECK_EQ(6, n);
    CHECK_EQ(6, d.n);
    CHECK_EQ(5, d.sentences);
    const uint32_t want[] = {0, 1, 2, 1, 0, 2};
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ(want[i], d.y[i]);
    probe_data_free(&d);
    /* a label sentence with labels after the vectors ended: the loader's refusal */
    const char *more[] = {"A B", "", "C", "B A C", "", "A"};
    CHECK_EQ(WP_EFORMAT, join_streams(sp, 6, more, 6, &d, &err, &n));
    CHECK_EQ(0, err.reader);
    /* a vector of a sentence with fewer labels: at the vectors */
    const char *fewer[] = {"A", "", "C", "B A C", ""};
    CHECK_EQ(WP_EFORMAT, join_streams(sp, 6, fewer, 5, &d, &err, &n));
    CHECK_EQ(0, err.labels);
    CHECK_EQ(0, err.reader);
    return 0;
}

/* probe_set_read: the join into a set, or the reason it refused a record */
static int
test_set_read(void)
{
    const uint64_t sp[][2] = {{0, 0}, {0, 1}, {2, 0}};
    const char *lab[] = {"A B", "", "C"}, *fewer[] = {"A", "", "C"};
    struct probe_labels *labels;
    struct probe_set_info info;
    struct probe_data d;
    const struct probe_shape s = {.src_layers = 2, .dim = 2};
    CHECK(probe_labels_new(&labels) == WP_OK);
    for (int bad = 0; bad < 2; bad++) {
        FILE *vf = tmpfile(), *lf = tmpfile();
        struct rec_reader *vr, *lr;
        CHECK(vf != NULL && lf != NULL);
        CHECK_EQ(WP_OK, stream_of(vf, REC_CVECTORS, 1, sp, 3, NULL));
        CHECK_EQ(WP_OK, stream_of(lf, REC_TOKENS, 0, NULL, 3, bad ? fewer : lab));
        CHECK(rec_reader_open(&vr, vf) == WP_OK && rec_reader_open(&lr, lf) == WP_OK);
        const int rc = probe_set_read(&d, vr, lr, &s, 0, labels, NULL, NULL, &info);
        if (bad) {
            CHECK_EQ(WP_EFORMAT, rc);
            CHECK_EQ(0, info.at.reader);
            CHECK(strstr(info.msg, "sentence 0") != NULL);
        } else {
            CHECK_EQ(WP_OK, rc);
            CHECK_EQ(3, info.nvec);
            CHECK_EQ(3, d.n);
            CHECK_EQ(3, d.sentences);
            CHECK_STR("", info.msg);
            probe_data_free(&d);
        }
        rec_reader_free(vr);
        rec_reader_free(lr);
        fclose(vf);
        fclose(lf);
    }
    probe_labels_free(labels);
    return 0;
}

static int
test_join_aligned(void)
{
    struct feed f;
    CHECK(feed_open(&f, 2, 2, 0, 1) == WP_OK);
    const uint64_t sp[][2] = {{0, 0}, {0, 1}, {2, 0}, {3, 0}, {3, 1}, {3, 2}};
    const char *lab[] = {"A B", "", "C", "B A C", ""};
    CHECK(feed_all(&f, sp, 6, lab, 5, NULL, NULL) == WP_OK);
    struct probe_data d;
    probe_loader_take(f.ld, &d);
    CHECK_EQ(6, d.n);
    CHECK_EQ(5, d.sentences);
    CHECK_EQ(1, d.layers);
    CHECK_EQ(3, f.labels->n);
    const uint32_t want[] = {0, 1, 2, 1, 0, 2};
    for (size_t i = 0; i < 6; i++) {
        CHECK_EQ(want[i], d.y[i]);
        CHECK_EQ(3, (long long)d.x[i * 2]); /* layer 1 of {i,2,3,4}: 3 */
    }
    probe_data_free(&d);
    feed_close(&f);
    return 0;
}

static int
expect_fail(const uint64_t (*sp)[2], size_t nv, const char *const *lab, size_t nl,
            const char *want)
{
    struct feed f;
    CHECK(feed_open(&f, 1, 4, 0, -1) == WP_OK);
    CHECK_EQ(WP_EFORMAT, feed_all(&f, sp, nv, lab, nl, NULL, NULL));
    const char *msg = probe_loader_error(f.ld, NULL);
    if (strstr(msg, want) == NULL) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, want);
        return 1;
    }
    feed_close(&f);
    return 0;
}

static int
test_join_misaligned(void)
{
    const char *lab[] = {"A B", "C", "A"};
    /* sentence 0 has a vector too few */
    const uint64_t a[][2] = {{0, 0}, {1, 0}, {2, 0}};
    CHECK(expect_fail(a, 3, lab, 3, "sentence 0: 1 vectors, 2 labels") == 0);
    /* a skipped position (embed --oov skip) */
    const uint64_t b[][2] = {{0, 1}};
    CHECK(expect_fail(b, 1, lab, 3, "position 1 where position 0") == 0);
    /* vectors end early: the last label sentence has no vectors */
    const uint64_t c[][2] = {{0, 0}, {0, 1}, {1, 0}};
    CHECK(expect_fail(c, 3, lab, 3, "vectors end in sentence 2: 0 vectors, 1 labels") == 0);
    /* labels end early */
    const uint64_t d[][2] = {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {3, 0}};
    CHECK(expect_fail(d, 5, lab, 3, "after the 3 sentences of labels") == 0);
    /* a sentence with a vector too many */
    const uint64_t e[][2] = {{0, 0}, {0, 1}, {0, 2}};
    CHECK(expect_fail(e, 3, lab, 3, "sentence 1: 0 vectors, 1 labels") == 0);
    return 0;
}

static int
test_join_nonfinite_and_zero(void)
{
    struct feed f;
    CHECK(feed_open(&f, 1, 3, 0, -1) == WP_OK);
    CHECK(feed_labels(&f, "A B C") == WP_OK);
    const float z[3] = {0, 0, 0}, bad[3] = {1, NAN, 0};
    CHECK(feed_vec(&f, 0, 0, "a", z, 3) == WP_OK);
    CHECK(feed_vec(&f, 0, 1, "b", z + 0, 3) == WP_OK);
    CHECK_EQ(WP_EFORMAT, feed_vec(&f, 0, 2, "c", bad, 3));
    CHECK(strstr(probe_loader_error(f.ld, NULL), "sentence 0, position 2: a non-finite") != NULL);
    struct probe_data d;
    probe_loader_take(f.ld, &d);
    CHECK_EQ(2, d.zero);
    probe_data_free(&d);
    feed_close(&f);
    return 0;
}

static int
test_join_sentence_vectors(void)
{
    struct feed f;
    CHECK(feed_open(&f, 2, 3, 1, -1) == WP_OK);
    const float x[6] = {1, 2, 3, 4, 5, 6};
    CHECK(feed_labels(&f, "pos") == WP_OK);
    buf_clear(&f.b);
    CHECK(rec_vector_encode(&f.b, "a b", 3, x, 6) == WP_OK);
    CHECK(probe_loader_vector(f.ld, f.b.p, f.b.len) == WP_OK);
    CHECK_EQ(WP_EFORMAT, feed_labels(&f, "pos neg"));
    CHECK(strstr(probe_loader_error(f.ld, NULL), "sentence 1: 2 labels") != NULL);
    feed_close(&f);
    /* the shape of a sentence-vector stream: dim is layers x layer dim */
    struct rec_meta *meta = rec_meta_new();
    struct probe_shape s;
    CHECK(meta != NULL && rec_meta_set_u64(meta, "dim", 6) == WP_OK
          && rec_meta_set_u64(meta, "layers", 2) == WP_OK);
    CHECK(probe_shape_of(REC_VECTORS, meta, &s) == WP_OK);
    CHECK(s.sentences == 1 && s.src_layers == 2 && s.dim == 3);
    CHECK(probe_shape_of(REC_CVECTORS, meta, &s) == WP_OK);
    CHECK(s.sentences == 0 && s.src_layers == 2 && s.dim == 6);
    CHECK_EQ(WP_EKIND, probe_shape_of(REC_TOKENS, meta, &s));
    rec_meta_free(meta);
    return 0;
}

/* ---- training, the file, metrics ---- */

/* three classes, each a noisy cluster in 8 dims, with 3 layers of which only layer 1
 * holds the signal */
static void
toy(struct probe_data *d, size_t n, uint64_t seed, struct probe_labels *labels)
{
    struct rng r;
    rng_seed(&r, seed, 1);
    memset(d, 0, sizeof *d);
    d->n = n;
    d->layers = 3;
    d->dim = 8;
    d->x = malloc(n * 24 * sizeof *d->x);
    d->y = malloc(n * sizeof *d->y);
    d->word = malloc(n * sizeof *d->word);
    for (size_t i = 0; i < n; i++) {
        const uint32_t c = rng_below(&r, 3);
        d->y[i] = c;
        d->word[i] = probe_word_hash(&c, sizeof c);
        for (size_t j = 0; j < 24; j++)
            d->x[i * 24 + j] = 2 * rng_unit(&r) - 1;
        d->x[i * 24 + 8 + c] += 3.0f;
    }
    uint32_t id;
    for (int c = 0; c < 3; c++)
        probe_labels_intern(labels, (const char *[]){"A", "B", "C"}[c], 1, &id);
    probe_labels_freeze(labels);
}

static struct probe *
train_toy(const struct probe_data *tr, const struct probe_data *dv, struct probe_labels *lab,
          struct probe_train_result *res)
{
    const struct probe_cfg c = {.layers = 3, .dim = 8, .classes = 3, .mix = 1};
    const struct probe_train_cfg tc = {.batch = 16, .epochs = 30, .patience = 5, .lr = 0.01f,
                                       .l2 = 1e-4f, .seed = 3};
    struct probe *m;
    if (probe_new(&m, &c, 3) < 0)
        return NULL;
    m->labels = lab;
    m->select = PROBE_SEL_MIX;
    m->src_layers = 3;
    if (probe_stats(tr, m->mean, m->istd) < 0 || probe_train(m, tr, dv, &tc, NULL, NULL, res) < 0)
        return NULL;
    return m;
}

static int
test_train_learns_and_is_deterministic(void)
{
    struct probe_labels *l1, *l2;
    struct probe_data tr, dv;
    CHECK(probe_labels_new(&l1) == WP_OK && probe_labels_new(&l2) == WP_OK);
    toy(&tr, 600, 1, l1);
    toy(&dv, 200, 2, l2);
    struct probe_train_result r1, r2;
    struct probe *a = train_toy(&tr, &dv, l1, &r1);
    CHECK(a != NULL);
    probe_data_free(&tr);
    CHECK(probe_labels_new(&l1) == WP_OK);
    toy(&tr, 600, 1, l1); /* fresh copies: same data again */
    struct probe *b = train_toy(&tr, &dv, l1, &r2);
    CHECK(b != NULL);
    CHECK(r1.best_dev_acc > 0.97);
    CHECK_EQ(r1.best_epoch, r2.best_epoch);
    CHECK(memcmp(a->w, b->w, a->nparams * sizeof *a->w) == 0);
    /* the mix learned to weight layer 1 most */
    CHECK(a->p.mix_s[1] > a->p.mix_s[0] && a->p.mix_s[1] > a->p.mix_s[2]);
    probe_free(a);
    probe_free(b);
    probe_labels_free(l2);
    probe_data_free(&dv);
    probe_data_free(&tr);
    return 0;
}

static int
test_file_round_trip(void)
{
    const struct probe_cfg c = {.layers = 2, .dim = 5, .hidden = 3, .classes = 3, .mix = 1};
    struct probe *m = random_probe(&c, 21), *back = NULL;
    CHECK(m != NULL && probe_labels_new(&m->labels) == WP_OK);
    uint32_t id;
    for (int i = 0; i < 3; i++)
        CHECK(probe_labels_intern(m->labels, (const char *[]){"NOUN", "VERB", "X"}[i],
                                  i == 2 ? 1 : 4, &id) == WP_OK);
    probe_labels_freeze(m->labels);
    m->select = PROBE_SEL_MIX;
    m->src_layers = 2;
    uint64_t words[] = {3, 17, 99};
    m->words = malloc(sizeof words);
    memcpy(m->words, words, sizeof words);
    m->nwords = 3;
    fill(m->mean, 10, 4, 1.0f);
    char *mem = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&mem, &size);
    CHECK(fp != NULL && probe_save(fp, m, NULL, 1) == WP_OK);
    fclose(fp);
    fp = fmemopen(mem, size, "rb");
    struct rec_reader *r;
    CHECK(rec_reader_open(&r, fp) == WP_OK);
    CHECK(probe_load(r, &back) == WP_OK);
    CHECK(memcmp(&back->c, &m->c, sizeof m->c) == 0);
    CHECK(memcmp(back->w, m->w, m->nparams * sizeof *m->w) == 0);
    CHECK(memcmp(back->mean, m->mean, 10 * sizeof *m->mean) == 0);
    CHECK_EQ(3, back->labels->known);
    CHECK_STR("VERB", back->labels->name[1]);
    CHECK(probe_seen(back, 17) && !probe_seen(back, 18) && probe_seen(back, 99));
    CHECK_EQ(PROBE_SEL_MIX, back->select);
    rec_reader_free(r);
    fclose(fp);
    free(mem);
    probe_free(back);
    probe_free(m);
    return 0;
}

static int
test_metrics_and_confusions(void)
{
    struct probe_metrics mt;
    CHECK(probe_metrics_init(&mt, 3, 4) == WP_OK);
    /* gold row, predicted column; label 3 was never seen in training */
    const uint64_t conf[4][3] = {{5, 2, 0}, {1, 7, 3}, {0, 0, 4}, {2, 0, 0}};
    for (int g = 0; g < 4; g++)
        for (int p = 0; p < 3; p++)
            mt.conf[g * 3 + p] = conf[g][p];
    CHECK_EQ(11, probe_metrics_gold(&mt, 1));
    CHECK_EQ(8, probe_metrics_predicted(&mt, 0));
    CHECK_EQ(2, probe_metrics_gold(&mt, 3));
    struct probe_confusion c[3];
    CHECK_EQ(3, probe_metrics_confusions(&mt, c, 3));
    CHECK(c[0].gold == 1 && c[0].pred == 2 && c[0].count == 3);
    CHECK(c[1].gold == 0 && c[1].pred == 1 && c[1].count == 2);
    CHECK(c[2].gold == 3 && c[2].pred == 0 && c[2].count == 2);
    /* class 0: 5 right of 8 predicted, of 7 gold; label 3 unseen: never right */
    double p, r, f1;
    probe_metrics_prf(&mt, 0, &p, &r, &f1);
    CHECK_NEAR(62.5, p, 1e-12);
    CHECK_NEAR(500.0 / 7, r, 1e-12);
    CHECK_NEAR(2 * p * r / (p + r), f1, 1e-12);
    probe_metrics_prf(&mt, 3, &p, &r, &f1);
    CHECK(p == 0 && r == 0 && f1 == 0);
    CHECK_EQ(2, probe_metrics_unknown(&mt));
    CHECK(probe_pct(1, 0) == 0);
    CHECK(probe_pct(1, 4) == 25);
    probe_metrics_free(&mt);
    return 0;
}

/* The training words kept as sorted unique hashes, the training facts for the model file,
 * and --concat's flattening. */
static int
test_words_meta_flatten(void)
{
    const struct probe_cfg c = {.layers = 1, .dim = 2, .classes = 2};
    struct probe *m;
    CHECK_EQ(WP_OK, probe_new(&m, &c, 1));
    uint64_t words[] = {5, 3, 5, 9, 3};
    struct probe_data d = {.n = 5, .layers = 3, .dim = 2, .word = words};
    CHECK_EQ(WP_OK, probe_set_words(m, &d));
    CHECK_EQ(3, m->nwords);
    CHECK(m->words[0] == 3 && m->words[1] == 5 && m->words[2] == 9);
    CHECK(probe_seen(m, 5) && probe_seen(m, 9) && !probe_seen(m, 4));
    probe_data_flatten(&d);
    CHECK(d.layers == 1 && d.dim == 6);
    const struct probe_train_cfg tc = {.batch = 32, .lr = 0.5f, .l2 = 0.25f, .seed = 7};
    struct probe_train_result res = {.epochs = 4, .best_epoch = 2, .best_dev_acc = -1};
    struct rec_meta *meta = rec_meta_new();
    CHECK(meta != NULL);
    CHECK_EQ(WP_OK, probe_train_meta(meta, 5, &res, 1.5, &tc));
    uint64_t u;
    double f;
    CHECK(rec_meta_get_u64(meta, "train_examples", &u) == WP_OK && u == 5);
    CHECK(rec_meta_get_u64(meta, "best_epoch", &u) == WP_OK && u == 2);
    CHECK(rec_meta_get_u64(meta, "seed", &u) == WP_OK && u == 7);
    CHECK(rec_meta_get_f64(meta, "train_seconds", &f) == WP_OK && f == 1.5);
    CHECK(rec_meta_get_f64(meta, "l2", &f) == WP_OK && f == 0.25);
    CHECK(rec_meta_get_f64(meta, "dev_accuracy", &f) == WP_ENOTFOUND);
    res.best_dev_acc = 0.75;
    CHECK_EQ(WP_OK, probe_train_meta(meta, 5, &res, 1.5, &tc));
    CHECK(rec_meta_get_f64(meta, "dev_accuracy", &f) == WP_OK && f == 0.75);
    rec_meta_free(meta);
    probe_free(m);
    return 0;
}

static int
test_adam_step(void)
{
    /* one step moves every weight by lr against the gradient's sign (bias-corrected) */
    struct probe_adam a;
    float w[3] = {1, 2, 3};
    const float g[3] = {0.5f, -2, 0};
    CHECK(probe_adam_init(&a, 3, 0.1f) == WP_OK);
    probe_adam_step(&a, w, g);
    CHECK_NEAR(0.9, w[0], 1e-5);
    CHECK_NEAR(2.1, w[1], 1e-5);
    CHECK_NEAR(3.0, w[2], 1e-7);
    probe_adam_free(&a);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_grad_softmax_regression), CHECK_CASE(test_grad_hidden),
           CHECK_CASE(test_grad_mix), CHECK_CASE(test_grad_mix_hidden),
           CHECK_CASE(test_forward_matches_reference), CHECK_CASE(test_join_aligned),
           CHECK_CASE(test_join_streams), CHECK_CASE(test_set_read),
           CHECK_CASE(test_join_misaligned), CHECK_CASE(test_join_nonfinite_and_zero),
           CHECK_CASE(test_join_sentence_vectors),
           CHECK_CASE(test_train_learns_and_is_deterministic), CHECK_CASE(test_file_round_trip),
           CHECK_CASE(test_metrics_and_confusions), CHECK_CASE(test_words_meta_flatten),
           CHECK_CASE(test_adam_step))
