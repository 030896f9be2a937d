/* test_embed_static.c - static vectors for a sentence (embed --vectors): each OOV policy,
 * the compaction of the kept tokens, pooling of kept tokens only, the counts; and a
 * sentence's selection and pooling (embed_sel_sentence). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "common/buf.h"
#include "common/status.h"
#include "embed/embed_layers.h"
#include "embed/embed_sent.h"
#include "embed/embed_static.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "vecio/vecset.h"

static const char text[] = "2 2\nthe 1 2\ncat 3 4\n";

/* "the dog cat" as a decoded sentence. */
static int
sentence(struct embed_tokens *s)
{
    const unsigned char *tok[] = {(const unsigned char *)"the", (const unsigned char *)"dog",
                                  (const unsigned char *)"cat"};
    const size_t len[] = {3, 3, 3};
    struct buf b = {0};
    CHECK_EQ(WP_OK, rec_tokens_encode(&b, tok, len, 3));
    CHECK_EQ(WP_OK, embed_tokens_decode(s, b.p, b.len, 0));
    buf_free(&b);
    return 0;
}

static int
test_policies(void)
{
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
    struct vecset *vs;
    CHECK_EQ(WP_OK, vecset_load(&vs, fp, W2VFMT_AUTO, NULL));
    fclose(fp);
    /* policy, npy_slots: rows written, x[2] (the second row's first value), pooled mean[0] */
    const struct { int oov, slots; size_t n; float x2, mean0; } cases[] = {
        {EMBED_OOV_SKIP, 0, 2, 3, 2},       /* dog left out */
        {EMBED_OOV_SKIP, 1, 3, 0, 2},       /* dog a zero row, not pooled */
        {EMBED_OOV_ZERO, 0, 3, 0, 4.0f / 3}, /* dog a zero vector, pooled */
        {EMBED_OOV_UNK, 0, 3, 1, 5.0f / 3},  /* dog as "the" */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct embed_tokens s = {0};
        struct embed_static e;
        struct embed_pool pool;
        float x[6], mean[2];
        size_t n, bad;
        CHECK_EQ(0, sentence(&s));
        CHECK_EQ(WP_OK, embed_pool_init(&pool, EMBED_POOL_MEAN, 0, 2));
        embed_pool_reset(&pool);
        embed_static_init(&e, vs, cases[c].oov, 0, cases[c].slots);
        CHECK_EQ(WP_OK, embed_static_sentence(&e, &s, x, &pool, &n, &bad));
        CHECK_EQ(cases[c].n, n);
        CHECK_NEAR(cases[c].x2, x[2], 0);
        embed_pool_result(&pool, mean);
        CHECK_NEAR(cases[c].mean0, mean[0], 1e-6);
        CHECK_EQ(3, e.tokens);
        CHECK_EQ(1, e.oov_tokens);
        CHECK_EQ(n == 2 ? 2 : 1, s.pos[1]); /* skipped: "cat" (position 2) moved up */
        embed_pool_free(&pool);
        embed_tokens_free(&s);
    }
    struct embed_tokens s = {0};
    struct embed_static e;
    struct embed_pool pool;
    float x[6];
    size_t n, bad = 99;
    CHECK_EQ(0, sentence(&s));
    CHECK_EQ(WP_OK, embed_pool_init(&pool, EMBED_POOL_NONE, 0, 2));
    embed_static_init(&e, vs, EMBED_OOV_ERROR, -1, 0);
    CHECK_EQ(WP_ENOTFOUND, embed_static_sentence(&e, &s, x, &pool, &n, &bad));
    CHECK_EQ(1, bad);
    CHECK(memcmp(s.tok[bad], "dog", 3) == 0);
    embed_pool_free(&pool);
    embed_tokens_free(&s);
    vecset_free(vs);
    return 0;
}

static int
test_sel_sentence(void)
{
    /* 2 layers x 2 tokens x d 1: layer 0 = {1, 2}, layer 1 = {3, 4}; all layers, max pooled */
    const float x[] = {1, 2, 3, 4};
    const struct embed_sel sel = {.mode = EMBED_SEL_ALL};
    struct embed_pool pool;
    float out[4];
    CHECK_EQ(WP_OK, embed_pool_init(&pool, EMBED_POOL_NONE, 0, 2));
    embed_sel_sentence(&sel, x, 2, 2, 1, &pool, out);
    CHECK(out[0] == 1 && out[1] == 3 && out[2] == 2 && out[3] == 4);
    embed_pool_free(&pool);
    CHECK_EQ(WP_OK, embed_pool_init(&pool, EMBED_POOL_MAX, 0, 2));
    embed_sel_sentence(&sel, x, 2, 2, 1, &pool, out);
    CHECK(out[0] == 2 && out[1] == 4);
    embed_pool_free(&pool);
    return 0;
}

/* The header of static vectors' output names the policy. */
static int
test_meta(void)
{
    static const char *const want[] = {"skip", "zero", "error", "unk"};
    const int oovs[] = {EMBED_OOV_SKIP, EMBED_OOV_ZERO, EMBED_OOV_ERROR, EMBED_OOV_UNK};
    for (int i = 0; i < 4; i++) {
        struct rec_meta *meta = rec_meta_new();
        const char *s;
        CHECK(meta != NULL);
        CHECK_EQ(WP_OK, embed_static_meta(meta, oovs[i]));
        CHECK(rec_meta_get_str(meta, "source", &s) == WP_OK);
        CHECK_STR("static", s);
        CHECK(rec_meta_get_str(meta, "oov", &s) == WP_OK);
        CHECK_STR(want[i], s);
        rec_meta_free(meta);
    }
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_policies), CHECK_CASE(test_sel_sentence), CHECK_CASE(test_meta))
