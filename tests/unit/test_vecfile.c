/* test_vecfile.c - the one vector writer: word2vec text and binary exactly as w2vfmt writes
 * them, a REC_VECTORS stream that reads back (words, rows, "dim" in the caller's order),
 * the errors, and a vector set written from vecset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "vecio/vecfile.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"

static const char *const words[] = {"the", "cat", "sat"};
static const float rows[] = {1, 2, -0.5f, 0.25f, 3, 4};

/* What f wrote into memory: a malloc'd buffer, its length in *len, and f's status in *rc. */
static char *
written(int format, const struct vecfile_rows *r, const struct rec_meta *meta, size_t *len,
        int *rc)
{
    char *p = NULL;
    FILE *fp = open_memstream(&p, len);
    *rc = vecfile_write(fp, format, r, meta, 1);
    fclose(fp);
    return p;
}

static int
test_word2vec_same_as_w2vfmt(void)
{
    const struct vecfile_rows r = {.words = words, .m = rows, .v = 3, .d = 2};
    for (int f = W2VFMT_TEXT; f <= W2VFMT_BIN; f++) {
        size_t n1, n2;
        int rc;
        char *a = written(f, &r, NULL, &n1, &rc), *b = NULL;
        CHECK_EQ(WP_OK, rc);
        FILE *fp = open_memstream(&b, &n2);
        CHECK_EQ(WP_OK, f == W2VFMT_TEXT ? w2vfmt_write_text(fp, words, rows, 3, 2)
                                         : w2vfmt_write_bin(fp, words, rows, 3, 2));
        fclose(fp);
        CHECK_EQ(n2, n1);
        CHECK(memcmp(a, b, n1) == 0);
        free(a);
        free(b);
    }
    return 0;
}

static int
test_stream_reads_back(void)
{
    const size_t lens[] = {3, 2, 3}; /* "ca": a length shorter than the string */
    const struct vecfile_rows r = {.words = words, .lens = lens, .m = rows, .v = 3, .d = 2};
    struct rec_meta *meta = rec_meta_new();
    CHECK(meta != NULL);
    CHECK_EQ(WP_OK, rec_meta_set_str(meta, "cache", "x"));
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "dim", 99)); /* replaced, in its place */
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "vocab_hash", 7));
    size_t len;
    int rc;
    char *p = written(VECSET_STREAM, &r, meta, &len, &rc);
    CHECK_EQ(WP_OK, rc);
    FILE *fp = fmemopen(p, len, "rb");
    struct rec_reader *rd;
    CHECK_EQ(WP_OK, rec_reader_open(&rd, fp));
    CHECK_EQ(REC_VECTORS, rec_reader_kind(rd));
    const struct rec_meta *m = rec_reader_meta(rd);
    const char *key;
    int type;
    uint64_t u;
    double f;
    const char *s;
    CHECK_EQ(3, rec_meta_count(m));
    rec_meta_entry(m, 1, &key, &type, &u, &f, &s);
    CHECK_STR("dim", key);
    CHECK_EQ(2, u);
    const unsigned char *rec, *w;
    size_t rl, wl, i = 0;
    float x[2];
    while (rec_reader_next(rd, &rec, &rl) == 1) {
        CHECK_EQ(WP_OK, rec_vector_decode(rec, rl, 2, &w, &wl, x));
        CHECK_EQ(lens[i], wl);
        CHECK(memcmp(w, words[i], wl) == 0);
        CHECK(x[0] == rows[2 * i] && x[1] == rows[2 * i + 1]);
        i++;
    }
    CHECK_EQ(3, i);
    rec_reader_free(rd);
    fclose(fp);
    free(p);
    rec_meta_free(meta);
    return 0;
}

static int
test_errors(void)
{
    static const char *const bad[] = {"the", "a b", "sat"};
    const struct vecfile_rows r = {.words = bad, .m = rows, .v = 3, .d = 2};
    size_t len;
    int rc;
    free(written(W2VFMT_TEXT, &r, NULL, &len, &rc));
    CHECK_EQ(WP_EFORMAT, rc);
    CHECK_EQ(0, len); /* checked before anything is written */
    free(written(VECSET_STREAM, &r, NULL, &len, &rc)); /* a stream holds any word */
    CHECK_EQ(WP_OK, rc);
    free(written(W2VFMT_NOHEADER, &r, NULL, &len, &rc));
    CHECK_EQ(WP_ERANGE, rc);
    return 0;
}

static int
test_set_round_trip(void)
{
    const struct vecfile_rows r = {.words = words, .m = rows, .v = 3, .d = 2};
    size_t len;
    int rc;
    char *p = written(W2VFMT_BIN, &r, NULL, &len, &rc);
    CHECK_EQ(WP_OK, rc);
    FILE *fp = fmemopen(p, len, "rb");
    struct vecset *s;
    CHECK_EQ(WP_OK, vecset_load(&s, fp, W2VFMT_AUTO, NULL));
    fclose(fp);
    for (int f = W2VFMT_TEXT; f <= VECSET_STREAM; f += f == W2VFMT_BIN ? 2 : 1) {
        char *a = NULL, *b;
        size_t na, nb;
        FILE *fa = open_memstream(&a, &na);
        CHECK_EQ(WP_OK, vecfile_write_set(fa, f, s, NULL, 1));
        fclose(fa);
        b = written(f, &r, NULL, &nb, &rc);
        CHECK_EQ(WP_OK, rc);
        CHECK_EQ(nb, na);
        CHECK(memcmp(a, b, na) == 0);
        free(a);
        free(b);
    }
    vecset_free(s);
    free(p);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_word2vec_same_as_w2vfmt), CHECK_CASE(test_stream_reads_back),
           CHECK_CASE(test_errors), CHECK_CASE(test_set_round_trip))
