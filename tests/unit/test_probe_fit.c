/* test_probe_fit.c - a probe's run around its training loop (probe/probe_fit.h): the
 * selection from the training set's shape, the model built from that set (standardised,
 * owning its labels, refusing an impossible size), the layers a stream must give for
 * evaluating a trained probe, a set made what the probe was trained on and scored, and the
 * shape a model's header declares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "probe/probe_fit.h"
#include "probe/probe_labels.h"
#include "probe/probe_train.h"
#include "stream/rec.h"

static int
test_select(void)
{
    const struct probe_shape one = {.src_layers = 1, .dim = 4}, three = {.src_layers = 3,
                                                                        .dim = 4};
    int sel, keep;
    probe_fit_select(-1, -1, &one, &sel, &keep);
    CHECK_EQ(PROBE_SEL_LAYER, sel);
    CHECK_EQ(0, keep);
    probe_fit_select(-1, -1, &three, &sel, &keep);
    CHECK_EQ(PROBE_SEL_MIX, sel);
    CHECK_EQ(-1, keep);
    probe_fit_select(PROBE_SEL_LAYER, 2, &three, &sel, &keep);
    CHECK_EQ(PROBE_SEL_LAYER, sel);
    CHECK_EQ(2, keep);
    probe_fit_select(PROBE_SEL_CONCAT, -1, &three, &sel, &keep);
    CHECK_EQ(PROBE_SEL_CONCAT, sel);
    CHECK_EQ(-1, keep);
    struct probe_shape s = three;
    CHECK(probe_shape_same(&s, &three));
    s.sentences = 1;
    CHECK(!probe_shape_same(&s, &three));
    s = three;
    s.dim = 5;
    CHECK(!probe_shape_same(&s, &three));
    return 0;
}

/* n examples of layers x dim floats, feature j of example i = i * (j + 1) + j, labels i % 2 */
static void
data(struct probe_data *d, size_t n, size_t layers, size_t dim)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->layers = layers;
    d->dim = dim;
    d->x = malloc(n * layers * dim * sizeof *d->x);
    d->y = malloc(n * sizeof *d->y);
    d->word = malloc(n * sizeof *d->word);
    for (size_t i = 0; i < n; i++) {
        d->y[i] = (uint32_t)(i % 2);
        d->word[i] = 100 + i % 3;
        for (size_t j = 0; j < layers * dim; j++)
            d->x[i * layers * dim + j] = (float)(i * (j + 1) + j);
    }
}

/* a mixing probe of hidden units fitted to a training set of 6 examples (2 x 3 floats,
 * labels A and B), its dev set of 4 standardised with it */
static int
fit_mix(struct probe **m, struct probe_cfg *c, uint32_t hidden, struct probe_data *tr,
        struct probe_data *dv)
{
    struct probe_labels *labels;
    uint32_t id;
    CHECK(probe_labels_new(&labels) == WP_OK);
    CHECK(probe_labels_intern(labels, "A", 1, &id) == WP_OK);
    CHECK(probe_labels_intern(labels, "B", 1, &id) == WP_OK);
    probe_labels_freeze(labels);
    data(tr, 6, 2, 3);
    data(dv, 4, 2, 3);
    const struct probe_shape sh = {.src_layers = 2, .dim = 3};
    CHECK_EQ(WP_OK, probe_fit_new(m, tr, dv, &sh, PROBE_SEL_MIX, -1, hidden, labels, 7, c));
    CHECK((*m)->labels == labels);
    return 0;
}

static int
test_fit_new(void)
{
    struct probe_data tr, dv;
    struct probe *m;
    struct probe_cfg c;
    CHECK(fit_mix(&m, &c, 5, &tr, &dv) == 0);
    CHECK_EQ(2, c.layers);
    CHECK_EQ(3, c.dim);
    CHECK_EQ(5, c.hidden);
    CHECK_EQ(2, c.classes);
    CHECK(c.mix);
    CHECK_EQ(2, m->src_layers);
    CHECK_EQ(PROBE_SEL_MIX, m->select);
    CHECK_EQ(3, m->nwords); /* the distinct training words */
    /* the training set standardised: each feature's mean 0 */
    for (size_t j = 0; j < 6; j++) {
        double s = 0;
        for (size_t i = 0; i < tr.n; i++)
            s += tr.x[i * 6 + j];
        CHECK_NEAR(0, s / (double)tr.n, 1e-5);
    }
    /* the dev set with the training set's statistics: its first example as the training
     * set's first */
    CHECK_NEAR(tr.x[0], dv.x[0], 1e-6);
    probe_free(m);
    probe_data_free(&tr);
    probe_data_free(&dv);
    return 0;
}

static int
test_fit_too_large(void)
{
    struct probe_labels *labels;
    uint32_t id;
    CHECK(probe_labels_new(&labels) == WP_OK);
    CHECK(probe_labels_intern(labels, "A", 1, &id) == WP_OK);
    probe_labels_freeze(labels);
    struct probe_data tr;
    data(&tr, 2, 1, 3);
    const struct probe_shape sh = {.src_layers = 1, .dim = 3};
    struct probe *m = NULL;
    struct probe_cfg c;
    /* more hidden units than a probe may have: refused, the labels still the caller's */
    CHECK_EQ(WP_ERANGE, probe_fit_new(&m, &tr, NULL, &sh, PROBE_SEL_LAYER, 0, (1u << 24) + 1,
                                      labels, 1, &c));
    CHECK(m == NULL);
    CHECK_EQ((1u << 24) + 1, c.hidden);
    CHECK_EQ(1, c.classes);
    probe_labels_free(labels);
    probe_data_free(&tr);
    return 0;
}

static int
test_eval_keep(void)
{
    struct probe m = {.c = {.layers = 1, .dim = 4}, .select = PROBE_SEL_LAYER,
                      .src_layers = 3, .layer = 2};
    struct probe_shape s = {.src_layers = 3, .dim = 4};
    int keep = 99;
    uint32_t want;
    CHECK_EQ(WP_OK, probe_eval_keep(&m, &s, &keep, &want));
    CHECK_EQ(2, keep);
    CHECK_EQ(4, want);
    s.src_layers = 1; /* embed --layer 2 already */
    CHECK_EQ(WP_OK, probe_eval_keep(&m, &s, &keep, &want));
    CHECK_EQ(0, keep);
    s.sentences = 1;
    CHECK_EQ(WP_EFORMAT, probe_eval_keep(&m, &s, &keep, &want));
    /* concatenated: the model's dim is layers x the stream's */
    m.select = PROBE_SEL_CONCAT;
    m.c.dim = 12;
    s = (struct probe_shape){.src_layers = 3, .dim = 4};
    CHECK_EQ(WP_OK, probe_eval_keep(&m, &s, &keep, &want));
    CHECK_EQ(-1, keep);
    CHECK_EQ(4, want);
    s.src_layers = 1; /* one layer cannot be a concatenation */
    CHECK_EQ(WP_EFORMAT, probe_eval_keep(&m, &s, &keep, &want));
    return 0;
}

/* a set read for evaluation made as the training sets were (probe_fit_new standardised
 * them), scored, and the shape a header declares */
static int
test_eval_set(void)
{
    struct probe_data tr, dv, ev;
    struct probe *m;
    struct probe_cfg c;
    CHECK(fit_mix(&m, &c, 0, &tr, &dv) == 0);
    data(&ev, 4, 2, 3);
    probe_fit_eval_set(m, &ev);
    for (size_t i = 0; i < 4 * 6; i++)
        CHECK_NEAR(dv.x[i], ev.x[i], 0);
    struct probe_metrics mt;
    CHECK_EQ(WP_OK, probe_fit_metrics(&mt, m, &ev));
    CHECK_EQ(4, mt.n);
    CHECK_EQ(2, mt.known);
    probe_metrics_free(&mt);
    struct rec_meta *meta = rec_meta_new();
    char text[96];
    CHECK(meta != NULL);
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "dim", 256));
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "classes", 17));
    probe_meta_shape(meta, text, sizeof text);
    CHECK_STR("dim 256, hidden 0, 17 classes", text);
    rec_meta_free(meta);
    probe_free(m);
    probe_data_free(&tr);
    probe_data_free(&dv);
    probe_data_free(&ev);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_select), CHECK_CASE(test_fit_new), CHECK_CASE(test_fit_too_large),
           CHECK_CASE(test_eval_keep), CHECK_CASE(test_eval_set))
