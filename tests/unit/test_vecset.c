/* test_vecset.c - loading a vector set from a wordpipe stream and from word2vec text:
 * detection, duplicates, norms and unit rows, lookup, stream errors; the model fingerprint
 * (the same in every format, a vector table's from its header; any change changes it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "vecio/vecfile.h"
#include "vecio/vecfp.h"
#include "vecio/vecset.h"
#include "vecio/vectab.h"

/* A REC_VECTORS stream (dim 2) of the given words and rows, in memory. */
static char *
make_stream(const char *const *w, const float *m, size_t n, int kind, int with_dim, size_t *len)
{
    char *p = NULL;
    FILE *fp = open_memstream(&p, len);
    struct rec_meta *meta = rec_meta_new();
    if (with_dim)
        rec_meta_set_u64(meta, "dim", 2);
    struct rec_writer *wr;
    struct buf b = {0};
    if (rec_writer_open(&wr, fp, kind, meta, 1) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        buf_clear(&b);
        rec_vector_encode(&b, w[i], strlen(w[i]), m + 2 * i, 2);
        rec_writer_put(wr, b.p, b.len);
    }
    rec_writer_close(wr);
    rec_meta_free(meta);
    buf_free(&b);
    fclose(fp);
    return p;
}

static int
load_mem(const char *p, size_t len, int format, struct vecset **s, struct w2vfmt_error *e)
{
    FILE *fp = fmemopen((void *)p, len, "r");
    const int rc = vecset_load(s, fp, format, e);
    fclose(fp);
    return rc;
}

static int
test_stream(void)
{
    const char *const w[] = {"one", "two", "one", "three"};
    const float m[] = {3, 4, 0, 1, 9, 9, 0, 0};
    size_t len;
    char *p = make_stream(w, m, 4, REC_VECTORS, 1, &len);
    CHECK(p != NULL);
    struct vecset *s;
    CHECK_EQ(WP_OK, load_mem(p, len, W2VFMT_AUTO, &s, NULL));
    CHECK_EQ(VECSET_STREAM, s->format);
    CHECK_EQ(3, s->v);
    CHECK_EQ(2, s->d);
    CHECK_EQ(1, s->dups);
    CHECK_EQ(3, s->first_dup); /* the third record repeats "one" */
    CHECK_STR("three", s->words[2]);
    CHECK_EQ(2, vecset_find(s, "three", 5));
    CHECK_EQ(-1, vecset_find(s, "four", 4));
    CHECK_NEAR(25.0, s->sqnorm[0], 0);
    CHECK_NEAR(0.6, s->unit[0], 1e-7);
    CHECK_NEAR(0.8, s->unit[1], 1e-7);
    CHECK_NEAR(0.0, s->unit[4], 0); /* a zero row stays zero */
    vecset_free(s);
    /* truncated stream: an error naming where */
    struct w2vfmt_error e;
    CHECK(load_mem(p, len - 5, W2VFMT_AUTO, &s, &e) < 0);
    CHECK(e.msg[0] != '\0');
    free(p);
    return 0;
}

static int
test_stream_errors(void)
{
    const char *const w[] = {"x"};
    const float m[] = {1, 2};
    size_t len;
    struct vecset *s;
    struct w2vfmt_error e;
    char *p = make_stream(w, m, 1, REC_VECTORS, 0, &len);
    CHECK_EQ(WP_ECORRUPT, load_mem(p, len, W2VFMT_AUTO, &s, &e));
    CHECK(strstr(e.msg, "\"dim\"") != NULL);
    free(p);
    p = make_stream(w, m, 0, REC_TOKENS, 1, &len);
    CHECK_EQ(WP_EKIND, load_mem(p, len, W2VFMT_AUTO, &s, &e));
    CHECK(strstr(e.msg, "expected a vectors stream") != NULL);
    free(p);
    const char text[] = "1 2\nx 1 2\n";
    CHECK(load_mem(text, sizeof text - 1, VECSET_STREAM, &s, &e) < 0); /* not a stream */
    CHECK_EQ(WP_EEMPTY, load_mem(text, 0, W2VFMT_AUTO, &s, &e));
    return 0;
}

static int
test_text(void)
{
    const char text[] = "2 2\nx 1 0\ny 0 2\n";
    struct vecset *s;
    CHECK_EQ(WP_OK, load_mem(text, sizeof text - 1, W2VFMT_AUTO, &s, NULL));
    CHECK_EQ(W2VFMT_TEXT, s->format);
    CHECK_EQ(1, vecset_find(s, "y", 1));
    CHECK_NEAR(1.0, s->unit[3], 0);
    CHECK_NEAR(4.0, s->sqnorm[1], 0);
    vecset_free(s);
    return 0;
}

/* A row whose |x|^2 overflows float (finite values of 1e20) is refused, naming its word. */
static int
test_stream_row_too_long(void)
{
    const char *const w[] = {"a", "big"};
    const float m[] = {1, 0, 1e20f, 1e20f};
    size_t len;
    char *p = make_stream(w, m, 2, REC_VECTORS, 1, &len);
    CHECK(p != NULL);
    struct vecset *s;
    struct w2vfmt_error e;
    CHECK_EQ(WP_EFORMAT, load_mem(p, len, W2VFMT_AUTO, &s, &e));
    CHECK(strstr(e.msg, "'big': vector too long") != NULL);
    free(p);
    return 0;
}

/* s written in format and read back (through a file: a table is mapped), or NULL. */
static struct vecset *
reload(const struct vecset *s, int format)
{
    FILE *fp = tmpfile();
    struct vecset *t = NULL;
    if (fp != NULL && vecfile_write_set(fp, format, s, NULL, 1) == WP_OK && fflush(fp) == 0) {
        rewind(fp);
        if (vecset_load(&t, fp, W2VFMT_AUTO, NULL) < 0)
            t = NULL;
    }
    if (fp != NULL)
        fclose(fp);
    return t;
}

static uint64_t
fingerprint_of_text(const char *text)
{
    struct vecset *s;
    if (load_mem(text, strlen(text), W2VFMT_AUTO, &s, NULL) < 0)
        return 0;
    const uint64_t fp = vecset_fingerprint(s);
    vecset_free(s);
    return fp;
}

/* wordpipe(5) "Model fingerprint" computed by hand: XXH3-64 of dim, rows, the words' hash and
 * the matrix's, 8 little-endian bytes each. */
static uint64_t
by_the_definition(void)
{
    static const char words[] = "the\0cat\0dog";
    const float m[] = {1, 2, 0.5f, -4, 3, 1e-3f};
    unsigned char b[32] = {2, [8] = 3};
    const uint64_t w = XXH3_64bits(words, sizeof words), x = XXH3_64bits(m, sizeof m);
    for (int i = 0; i < 8; i++) {
        b[16 + i] = (unsigned char)(w >> (8 * i));
        b[24 + i] = (unsigned char)(x >> (8 * i));
    }
    return XXH3_64bits(b, sizeof b);
}

static int
test_fingerprint(void)
{
    static const char text[] = "3 2\nthe 1 2\ncat 0.5 -4\ndog 3 1e-3\n";
    const int formats[] = {W2VFMT_BIN, VECSET_STREAM, VECSET_FASTTEXT,
                           VECFILE_TABLE | VECTAB_F32, VECFILE_TABLE | VECTAB_F32 | VECTAB_SQ8,
                           VECFILE_TABLE | VECTAB_SQ8};
    struct vecset *s;
    CHECK_EQ(WP_OK, load_mem(text, sizeof text - 1, W2VFMT_AUTO, &s, NULL));
    const uint64_t fp = vecset_fingerprint(s);
    CHECK(fp == by_the_definition());
    CHECK(fp == vecfp_model(3, 2, vecfp_words(s->words, 3), vecfp_matrix(s->m, 3, 2)));
    CHECK(vecset_made_by(s) == fp); /* no stream header names another model */
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        struct vecset *t = reload(s, formats[i]);
        CHECK(t != NULL);
        CHECK(vecset_fingerprint(t) == fp); /* a table's from its header, int8 only or not */
        vecset_free(t);
    }
    vecset_free(s);
    /* one float, one word, the row order, the shape: each gives another fingerprint */
    CHECK(fingerprint_of_text("3 2\nthe 1 2\ncat 0.50000006 -4\ndog 3 1e-3\n") != fp);
    CHECK(fingerprint_of_text("3 2\nthe 1 2\ncow 0.5 -4\ndog 3 1e-3\n") != fp);
    CHECK(fingerprint_of_text("3 2\ncat 0.5 -4\nthe 1 2\ndog 3 1e-3\n") != fp);
    CHECK(fingerprint_of_text("2 3\nthe 1 2 0.5\ncat -4 3 1e-3\n") !=
          fingerprint_of_text("3 2\nthe 1 2\ncat 0.5 -4\ndog 3 1e-3\n"));
    return 0;
}

/* A stream whose header names the model that made it (embed's output) is taken as made by
 * that model; without the key, by itself. */
static int
test_made_by(void)
{
    const char *const w[] = {"a", "b"};
    const float m[] = {1, 2, 3, 4};
    size_t len;
    char *p = make_stream(w, m, 2, REC_VECTORS, 1, &len);
    struct vecset *s;
    CHECK_EQ(WP_OK, load_mem(p, len, W2VFMT_AUTO, &s, NULL));
    CHECK(!s->made_known && vecset_made_by(s) == vecset_fingerprint(s));
    struct vecset *t = NULL;
    FILE *fp = tmpfile();
    struct rec_meta *meta = rec_meta_new();
    CHECK(fp != NULL && meta != NULL);
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, REC_META_MODEL_HASH, 0x0123456789abcdefULL));
    CHECK_EQ(WP_OK, vecfile_write_set(fp, VECSET_STREAM, s, meta, 1));
    rewind(fp);
    CHECK_EQ(WP_OK, vecset_load(&t, fp, W2VFMT_AUTO, NULL));
    CHECK(t->made_known && vecset_made_by(t) == 0x0123456789abcdefULL);
    CHECK(vecset_fingerprint(t) == vecset_fingerprint(s));
    fclose(fp);
    rec_meta_free(meta);
    vecset_free(t);
    vecset_free(s);
    free(p);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_stream), CHECK_CASE(test_stream_row_too_long),
           CHECK_CASE(test_stream_errors), CHECK_CASE(test_text), CHECK_CASE(test_fingerprint),
           CHECK_CASE(test_made_by))
