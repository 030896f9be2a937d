/* test_embed_static.c - static vectors for a sentence (embed --vectors): each OOV policy,
 * the compaction of the kept tokens, pooling of kept tokens only, the counts; a whole token
 * stream (embed_static_run: each sentence or its pooled vector in order, the token not in the
 * vectors, a record that does not decode); and a sentence's selection and pooling
 * (embed_sel_sentence). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "tokens_stream.h"
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

/* The vectors of text: "the" (1, 2) and "cat" (3, 4). NULL on error. */
static struct vecset *
vectors(void)
{
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
    struct vecset *vs = NULL;
    if (fp != NULL && vecset_load(&vs, fp, W2VFMT_AUTO, NULL) < 0)
        vs = NULL;
    if (fp != NULL)
        fclose(fp);
    return vs;
}

static int
test_policies(void)
{
    struct vecset *vs = vectors();
    CHECK(vs != NULL);
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

/* What emit_sum received: sentences, their tokens (as labelled) and first two floats. */
struct seen {
    uint64_t n;
    size_t ntok[4];
    float x0[4], x1[4];
};

static int
emit_sum(void *ctx, uint64_t id, const struct embed_tokens *s, size_t n, const float *x)
{
    struct seen *g = ctx;
    if (id != g->n || id >= 4)
        return WP_ERANGE;
    g->ntok[id] = s->n;
    g->x0[id] = x[0];
    g->x1[id] = x[1];
    g->n++;
    return WP_OK;
}

/* "the dog cat", "cat" and, when bad, a record that does not decode (five tokens, none
 * there). */
static FILE *
stream(int bad)
{
    static const char *const sents[] = {"the dog cat", "cat"};
    return tokens_stream(sents, 2, bad ? "\x05" : NULL, 1);
}

/* embed_static_run over stream(bad) with this policy and pooling, into s, g and f: its
 * return, or WP_EIO when the stream could not be made. */
static int
run_on(const struct vecset *vs, int oov, int pool, int bad, struct embed_tokens *s,
       struct seen *g, struct embed_fail *f, struct embed_static *e)
{
    struct rec_reader *r;
    FILE *fp = stream(bad);
    int rc = fp != NULL ? rec_reader_open(&r, fp) : WP_EIO;
    memset(g, 0, sizeof *g);
    embed_static_init(e, vs, oov, -1, 0);
    if (rc == WP_OK)
        rc = embed_static_run(e, r, s, pool, 0, emit_sum, g, f);
    if (fp != NULL) {
        rec_reader_free(r);
        fclose(fp);
    }
    return rc;
}

static int
test_run(void)
{
    struct vecset *vs = vectors();
    CHECK(vs != NULL);
    struct embed_static e;
    struct embed_tokens s = {0};
    struct embed_fail f;
    struct seen g;
    /* pooled means: "the dog cat" over the two found, labelled with all three tokens */
    CHECK_EQ(WP_OK, run_on(vs, EMBED_OOV_SKIP, EMBED_POOL_MEAN, 0, &s, &g, &f, &e));
    CHECK(g.n == 2 && g.ntok[0] == 3 && g.ntok[1] == 1);
    CHECK(g.x0[0] == 2 && g.x1[0] == 3 && g.x0[1] == 3 && g.x1[1] == 4);
    CHECK(e.tokens == 4 && e.oov_tokens == 1);
    /* token vectors, the error policy: sentence 0, token 1 */
    CHECK_EQ(WP_ENOTFOUND, run_on(vs, EMBED_OOV_ERROR, EMBED_POOL_NONE, 0, &s, &g, &f, &e));
    CHECK(f.what == EMBED_FAIL_OOV && f.id == 0 && f.bad == 1 && g.n == 0);
    CHECK(memcmp(s.tok[f.bad], "dog", 3) == 0);
    /* a bad record after two good sentences */
    CHECK(run_on(vs, EMBED_OOV_ZERO, EMBED_POOL_NONE, 1, &s, &g, &f, &e) < 0);
    CHECK(f.what == EMBED_FAIL_RECORD && g.n == 2 && g.x0[0] == 1 && g.x1[0] == 2);
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
    struct vecset *vs = vectors();
    CHECK(vs != NULL);
    for (int i = 0; i < 4; i++) {
        struct rec_meta *meta = rec_meta_new();
        const char *s;
        CHECK(meta != NULL);
        uint64_t h;
        CHECK_EQ(WP_OK, embed_static_meta(meta, oovs[i], vs));
        CHECK(rec_meta_get_str(meta, "source", &s) == WP_OK);
        CHECK_STR("static", s);
        CHECK(rec_meta_get_str(meta, "oov", &s) == WP_OK);
        CHECK_STR(want[i], s);
        CHECK(rec_meta_get_u64(meta, REC_META_MODEL_HASH, &h) == WP_OK);
        CHECK(h == vecset_fingerprint(vs)); /* the vectors that made the output */
        rec_meta_free(meta);
    }
    vecset_free(vs);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_policies), CHECK_CASE(test_run), CHECK_CASE(test_sel_sentence),
           CHECK_CASE(test_meta))
