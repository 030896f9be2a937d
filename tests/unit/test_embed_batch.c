/* test_embed_batch.c - embed --model's batches (embed_batch.h): every sentence emitted once,
 * in input order, with the same vectors whatever the batch size and thread count; pooling
 * over the emitted token vectors; a whole token stream through them (embed_batch_run: the
 * same vectors, progress as sentences are emitted, a record that does not decode); and the
 * token cache (embed_cache.h) written, found and read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tokens_stream.h"
#include "tiny_lm.h"
#include "common/buf.h"
#include "common/status.h"
#include "embed/embed_batch.h"
#include "embed/embed_cache.h"
#include "embed/embed_ctx.h"
#include "lm/lm.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"

enum { NSENT = 6, MAXTOK = 4, MAXF = MAXTOK * 2 * 6 };
/* the first sentence empty: its pooled vector (zeros) is written before any token's */
static const char *const sents[NSENT][MAXTOK] = {
    {NULL}, {"a", "b", "c"}, {"d"}, {"b", "zebra"}, {"c", "c", "d", "a"}, {"a", "d"}};

/* What emit received: each sentence's id order, token count and floats. */
struct got {
    size_t n, floats;
    uint64_t ids[NSENT];
    size_t ntok[NSENT];
    float x[NSENT][MAXF];
};

static int
emit(void *ctx, uint64_t id, const struct embed_tokens *s, size_t n, const float *x)
{
    struct got *g = ctx;
    if (g->n == NSENT || n != s->n)
        return WP_ERANGE;
    g->ids[g->n] = id;
    g->ntok[g->n] = n;
    const size_t floats = g->floats ? g->floats : n * 2 * 6;
    if (floats > 0)
        memcpy(g->x[g->n], x, floats * sizeof(float));
    g->n++;
    return WP_OK;
}

static int
sentence(struct embed_tokens *s, size_t i)
{
    const unsigned char *tok[MAXTOK];
    size_t len[MAXTOK], n = 0;
    while (n < MAXTOK && sents[i][n] != NULL) {
        tok[n] = (const unsigned char *)sents[i][n];
        len[n] = strlen(sents[i][n]);
        n++;
    }
    struct buf b = {0};
    CHECK_EQ(WP_OK, rec_tokens_encode(&b, tok, len, n));
    CHECK_EQ(WP_OK, embed_tokens_decode(s, b.p, b.len, 0));
    buf_free(&b);
    return 0;
}

/* Every sentence through a batch of this size on so many threads. */
static int
run(const struct lm *m, size_t batch, int threads, int pool, struct got *g)
{
    const struct embed_batch_cfg cfg = {.m = m, .sel = {.mode = EMBED_SEL_ALL},
                                        .batch = batch, .threads = threads, .pool = pool,
                                        .emit = emit, .ctx = g};
    struct embed_batch *b;
    CHECK_EQ(WP_OK, embed_batch_new(&b, &cfg));
    size_t layers, dim;
    embed_batch_shape(b, &layers, &dim);
    CHECK(layers == 2 && dim == 6);
    CHECK_EQ(WP_OK, embed_batch_flush(b));   /* nothing gathered: nothing emitted */
    for (size_t i = 0; i < NSENT; i++) {
        CHECK_EQ(0, sentence(embed_batch_slot(b), i));
        CHECK_EQ(WP_OK, embed_batch_add(b));
        CHECK_EQ((i + 1) / batch * batch, embed_batch_done(b));
    }
    CHECK_EQ(WP_OK, embed_batch_flush(b));
    CHECK_EQ(NSENT, embed_batch_done(b));
    CHECK_EQ(0, embed_batch_cut(b));   /* word input: nothing cut */
    embed_batch_free(b);
    CHECK_EQ(NSENT, g->n);
    for (size_t i = 0; i < NSENT; i++)
        CHECK_EQ(i, g->ids[i]);
    return 0;
}

static int
test_batches(void)
{
    struct lm *m = tiny_lm(1);
    CHECK(m != NULL);
    struct got *one = calloc(1, sizeof *one), *g = calloc(1, sizeof *g);
    CHECK(one != NULL && g != NULL);
    CHECK_EQ(0, run(m, 1, 1, EMBED_POOL_NONE, one));
    CHECK_EQ(0, one->ntok[0]);
    CHECK_EQ(3, one->ntok[1]);
    CHECK_EQ(2, one->ntok[3]);   /* an unknown word is <UNK>, not dropped */
    const size_t cases[][2] = {{2, 1}, {3, 2}, {NSENT, 2}, {64, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memset(g, 0, sizeof *g);
        CHECK_EQ(0, run(m, cases[c][0], (int)cases[c][1], EMBED_POOL_NONE, g));
        for (size_t i = 0; i < NSENT; i++) {
            CHECK_EQ(one->ntok[i], g->ntok[i]);
            CHECK(memcmp(one->x[i], g->x[i], one->ntok[i] * 12 * sizeof(float)) == 0);
        }
    }
    /* mean pooling: one vector per sentence, the mean of its token vectors */
    memset(g, 0, sizeof *g);
    g->floats = 12;
    CHECK_EQ(0, run(m, 2, 1, EMBED_POOL_MEAN, g));
    for (size_t i = 0; i < NSENT; i++)
        for (size_t k = 0; k < 12; k++) {
            double sum = 0;
            for (size_t t = 0; t < one->ntok[i]; t++)
                sum += one->x[i][t * 12 + k];
            CHECK_NEAR(one->ntok[i] ? sum / (double)one->ntok[i] : 0.0, g->x[i][k], 1e-6);
        }
    free(one);
    free(g);
    lm_free(m);
    return 0;
}

/* The sentences as a tokens stream, then a record that does not decode when bad (three
 * tokens, one byte). */
static FILE *
stream(int bad)
{
    static const char *const lines[NSENT] = {"", "a b c", "d", "b zebra", "c c d a", "a d"};
    return tokens_stream(lines, NSENT, bad ? "\x03a" : NULL, 2);
}

static void
count_progress(void *ctx, uint64_t done)
{
    uint64_t *last = ctx;
    *last = done > *last ? done : 0;   /* 0: not increasing */
}

/* embed_batch_run over a stream gives what the sentences added one by one give. */
static int
test_run(void)
{
    struct lm *m = tiny_lm(1);
    struct got *one = calloc(1, sizeof *one), *g = calloc(1, sizeof *g);
    CHECK(m != NULL && one != NULL && g != NULL);
    CHECK_EQ(0, run(m, 1, 1, EMBED_POOL_NONE, one));
    for (int bad = 0; bad < 2; bad++) {
        const struct embed_batch_cfg cfg = {.m = m, .sel = {.mode = EMBED_SEL_ALL},
                                            .batch = 4, .threads = 2, .emit = emit, .ctx = g};
        struct embed_batch *b;
        struct rec_reader *r;
        struct embed_fail f;
        uint64_t last = 0;
        FILE *fp = stream(bad);
        memset(g, 0, sizeof *g);
        CHECK(fp != NULL);
        CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
        CHECK_EQ(WP_OK, embed_batch_new(&b, &cfg));
        const int rc = embed_batch_run(b, r, count_progress, &last, &f);
        CHECK(bad ? rc < 0 && f.what == EMBED_FAIL_RECORD : rc == WP_OK);
        CHECK_EQ(bad ? 4 : NSENT, g->n);   /* a bad record: the batch before it emitted */
        CHECK_EQ(g->n, last);
        for (size_t i = 0; i < g->n; i++)
            CHECK(memcmp(one->x[i], g->x[i], one->ntok[i] * 12 * sizeof(float)) == 0);
        embed_batch_free(b);
        rec_reader_free(r);
        fclose(fp);
    }
    free(one);
    free(g);
    lm_free(m);
    return 0;
}

/* The cache: written for a model, found beside it as that model's and not another's, read
 * back as the rows embed_cache_rows gives. */
static int
test_cache(void)
{
    struct lm *m = tiny_lm(1), *other = tiny_lm(2);
    CHECK(m != NULL && other != NULL);
    char path[] = "/tmp/test_embed_batch.XXXXXX";
    const int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *fp = fdopen(fd, "w+b");
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, embed_cache_write(fp, m, 1));
    CHECK_EQ(0, fflush(fp));
    CHECK_EQ(WP_OK, embed_cache_probe(path, m));
    CHECK_EQ(WP_EVOCAB, embed_cache_probe(path, other));
    CHECK_EQ(WP_ENOTFOUND, embed_cache_probe("/nonexistent/x.cache", m));
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_OK, embed_cache_check(rec_reader_meta(r), m));
    const size_t n = 4, w = lm_width(&m->c);
    float rows[4 * 8], want[4 * 8];
    size_t nread;
    int bad;
    CHECK(w <= 8);
    CHECK_EQ(WP_OK, embed_cache_read(r, m, rows, &nread, &bad));
    CHECK_EQ(n, nread);
    CHECK_EQ(WP_OK, embed_cache_rows(m, LM_NSPECIAL, n, want));
    CHECK(memcmp(rows, want, n * w * sizeof(float)) == 0);
    rec_reader_free(r);
    fclose(fp);
    unlink(path);
    lm_free(m);
    lm_free(other);
    return 0;
}

/* MODEL.cache found beside a model (embed_cache_beside), and a model's output header. */
static int
test_cache_beside(void)
{
    struct lm *m = tiny_lm(1), *other = tiny_lm(2);
    CHECK(m != NULL && other != NULL);
    char dir[] = "/tmp/test_embed_beside.XXXXXX", model[64], cache[64], path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(model, sizeof model, "%s/m.lm", dir);
    snprintf(cache, sizeof cache, "%s/m.lm.cache", dir);
    CHECK_EQ(WP_ENOTFOUND, embed_cache_beside(model, m, path, sizeof path));
    CHECK_EQ(WP_ENOTFOUND, embed_cache_beside("-", m, path, sizeof path));
    CHECK_EQ(WP_ENOTFOUND, embed_cache_beside(NULL, m, path, sizeof path));
    FILE *fp = fopen(cache, "wb");
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, embed_cache_write(fp, m, 1));
    CHECK_EQ(0, fclose(fp));
    CHECK_EQ(WP_OK, embed_cache_beside(model, m, path, sizeof path));
    CHECK_STR(cache, path);
    CHECK_EQ(WP_EVOCAB, embed_cache_beside(model, other, path, sizeof path));
    CHECK_EQ(WP_ENOTFOUND, embed_cache_beside(model, m, path, strlen(cache))); /* too long */

    struct rec_meta *meta = rec_meta_new();
    const char *src;
    uint64_t h;
    CHECK(meta != NULL);
    CHECK_EQ(WP_OK, embed_model_meta(meta, m));
    CHECK(rec_meta_get_str(meta, "source", &src) == WP_OK && strcmp(src, "elmo") == 0);
    CHECK(rec_meta_get_u64(meta, "model_hash", &h) == WP_OK && h == embed_model_hash(m));
    rec_meta_free(meta);
    unlink(cache);
    rmdir(dir);
    lm_free(m);
    lm_free(other);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_batches), CHECK_CASE(test_run), CHECK_CASE(test_cache),
           CHECK_CASE(test_cache_beside))
