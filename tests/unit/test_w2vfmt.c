/* test_w2vfmt.c - word2vec text/binary reader and writers: exact bytes of the writers,
 * every accepted variant, and every malformed input with its line. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/rng.h"
#include "common/status.h"
#include "vecio/w2vfmt.h"

static int
read_str(const char *s, size_t n, int format, struct w2vfmt_vectors *vs, struct w2vfmt_error *e)
{
    FILE *fp = fmemopen((void *)s, n, "r");
    if (fp == NULL)
        return -100;
    const int rc = w2vfmt_read(fp, format, vs, e);
    fclose(fp);
    return rc;
}

#define READ(s, fmt, vs, e) read_str((s), sizeof(s) - 1, (fmt), (vs), (e))

static const char *const words2[] = {"ab", "</s>"};
static const float m2[] = {1.0f, -0.5f, 0.25f, 3.0f, 0.0f, -2.0f};

static int
test_write_text_bytes(void)
{
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    CHECK_EQ(WP_OK, w2vfmt_write_text(fp, words2, m2, 2, 3));
    fclose(fp);
    CHECK_STR("2 3\nab 1.000000 -0.500000 0.250000 \n</s> 3.000000 0.000000 -2.000000 \n", p);
    free(p);
    return 0;
}

static int
test_write_bin_bytes(void)
{
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    CHECK_EQ(WP_OK, w2vfmt_write_bin(fp, words2, m2, 2, 3));
    fclose(fp);
    /* "2 3\n" "ab " 3 x LE floats "\n" "</s> " 3 floats "\n" */
    CHECK_EQ(4 + 3 + 12 + 1 + 5 + 12 + 1, n);
    CHECK(memcmp(p, "2 3\nab ", 7) == 0);
    const unsigned char one[4] = {0x00, 0x00, 0x80, 0x3f}; /* 1.0f little-endian */
    CHECK(memcmp(p + 7, one, 4) == 0);
    CHECK_EQ('\n', p[19]);
    CHECK(memcmp(p + 20, "</s> ", 5) == 0);
    CHECK_EQ('\n', p[n - 1]);
    struct w2vfmt_vectors vs;
    CHECK_EQ(WP_OK, read_str(p, n, W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(W2VFMT_BIN, vs.format);
    CHECK_EQ(2, vs.v);
    CHECK_EQ(3, vs.d);
    CHECK_STR("</s>", vs.words[1]);
    CHECK(memcmp(vs.m, m2, sizeof m2) == 0);
    w2vfmt_free(&vs);
    free(p);
    return 0;
}

static int
test_writer_rejects(void)
{
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    const char *const bad[] = {"a b"};
    const float nan1[] = {NAN};
    CHECK_EQ(WP_EFORMAT, w2vfmt_write_text(fp, bad, m2, 1, 1));
    CHECK_EQ(WP_ERANGE, w2vfmt_write_bin(fp, words2, nan1, 1, 1));
    fclose(fp);
    CHECK_EQ(0, n); /* nothing written */
    free(p);
    return 0;
}

static int
test_text_variants(void)
{
    struct w2vfmt_vectors vs;
    /* gensim: no trailing space; CRLF; tabs */
    CHECK_EQ(WP_OK, READ("2 2\nx 1 2\r\ny\t3.5\t-4e-1 \n", W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(W2VFMT_TEXT, vs.format);
    CHECK_EQ(2, vs.v);
    CHECK_STR("y", vs.words[1]);
    CHECK_NEAR(-0.4, vs.m[3], 1e-7);
    w2vfmt_free(&vs);
    /* a UTF-8 byte-order mark before the header or the first GloVe row is skipped */
    CHECK_EQ(WP_OK, READ("\xEF\xBB\xBF" "1 2\nx 1 2\n", W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(W2VFMT_TEXT, vs.format);
    w2vfmt_free(&vs);
    CHECK_EQ(WP_OK, READ("\xEF\xBB\xBF" "x 1 2\n", W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(W2VFMT_NOHEADER, vs.format);
    CHECK_STR("x", vs.words[0]);
    w2vfmt_free(&vs);
    /* blank lines after the rows */
    CHECK_EQ(WP_OK, READ("1 2\nx 1 2\n\n", W2VFMT_TEXT, &vs, NULL));
    w2vfmt_free(&vs);
    /* GloVe: no header, detected or asked for */
    CHECK_EQ(WP_OK, READ("the 0.1 0.2 0.3\nof 1 2 3\n", W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(W2VFMT_NOHEADER, vs.format);
    CHECK_EQ(2, vs.v);
    CHECK_EQ(3, vs.d);
    w2vfmt_free(&vs);
    CHECK_EQ(WP_OK, READ("the 0.1 0.2 0.3\n", W2VFMT_NOHEADER, &vs, NULL));
    CHECK_EQ(1, vs.v);
    w2vfmt_free(&vs);
    /* header with zero rows */
    CHECK_EQ(WP_OK, READ("0 5\n", W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(0, vs.v);
    w2vfmt_free(&vs);
    return 0;
}

static int
test_bin_without_newlines(void)
{
    unsigned char b[64];
    size_t n = 0;
    memcpy(b, "2 1\nab ", 7);
    n = 7;
    const float x = 0.5f, y = -1.0f;
    memcpy(b + n, &x, 4); /* x86: host order is little-endian */
    n += 4;
    memcpy(b + n, "c ", 2);
    n += 2;
    memcpy(b + n, &y, 4);
    n += 4;
    struct w2vfmt_vectors vs;
    CHECK_EQ(WP_OK, read_str((const char *)b, n, W2VFMT_BIN, &vs, NULL));
    CHECK_EQ(2, vs.v);
    CHECK_STR("c", vs.words[1]);
    CHECK(vs.m[1] == -1.0f);
    w2vfmt_free(&vs);
    CHECK_EQ(W2VFMT_BIN, w2vfmt_detect(b, n));
    return 0;
}

/* Each malformed text input fails with WP_EFORMAT (or the given status) at line. */
static int
expect_error(const char *s, int format, int status, size_t line, const char *phrase)
{
    struct w2vfmt_vectors vs;
    struct w2vfmt_error e;
    const int rc = read_str(s, strlen(s), format, &vs, &e);
    if (rc != status || e.line != line || strstr(e.msg, phrase) == NULL) {
        fprintf(stderr, "input %.30s...: rc %d line %zu msg \"%s\" (want %d, %zu, \"%s\")\n",
                s, rc, e.line, e.msg, status, line, phrase);
        return 1;
    }
    CHECK(vs.words == NULL && vs.m == NULL);
    return 0;
}

static int
test_text_errors(void)
{
    CHECK_EQ(0, expect_error("", W2VFMT_AUTO, WP_EEMPTY, 0, "empty"));
    CHECK_EQ(0, expect_error("2 3\na 1 2 3\nb 1 2\n", W2VFMT_AUTO, WP_EFORMAT, 3,
                             "short vector line: expected 3 values, got 2"));
    CHECK_EQ(0, expect_error("2 3\na 1 2 3\nb 1 2 3 4 5\n", W2VFMT_AUTO, WP_EFORMAT, 3,
                             "wrong dimension: expected 3 values, got 5"));
    CHECK_EQ(0, expect_error("2 3\na 1 2 3\nb 1 nan 3\n", W2VFMT_AUTO, WP_EFORMAT, 3,
                             "value 2 is not finite"));
    CHECK_EQ(0, expect_error("2 3\na 1 2 3\nb 1 2 -inf\n", W2VFMT_TEXT, WP_EFORMAT, 3,
                             "value 3 is not finite"));
    CHECK_EQ(0, expect_error("2 3\na 1 2 3\nb 1 2x 3\n", W2VFMT_TEXT, WP_EFORMAT, 3,
                             "value 2 is not a number"));
    CHECK_EQ(0, expect_error("3 3\na 1 2 3\nb 1 2 3\n", W2VFMT_AUTO, WP_EFORMAT, 3,
                             "header says 3 vectors, file has 2"));
    CHECK_EQ(0, expect_error("1 3\na 1 2 3\nb 1 2 3\n", W2VFMT_AUTO, WP_EFORMAT, 3,
                             "header says 1 vectors, but more lines follow"));
    CHECK_EQ(0, expect_error("2 3\na 1 2 3\n\nb 1 2 3\n", W2VFMT_AUTO, WP_EFORMAT, 3,
                             "empty line"));
    CHECK_EQ(0, expect_error("2 x\na 1 2 3\n", W2VFMT_TEXT, WP_EFORMAT, 1, "bad header"));
    CHECK_EQ(0, expect_error("1 0\n", W2VFMT_TEXT, WP_ERANGE, 1, "dimension 0"));
    CHECK_EQ(0, expect_error("hello world\n", W2VFMT_AUTO, WP_EFORMAT, 1, "not word2vec"));
    CHECK_EQ(0, expect_error("a 1 2\nb 1\n", W2VFMT_NOHEADER, WP_EFORMAT, 2, "short vector"));
    CHECK_EQ(0, expect_error("3 1\na 1 0\nb 0 1\nc 1 1\n", W2VFMT_AUTO, WP_EFORMAT, 2,
                             "wrong dimension: expected 1 values, got 2"));
    CHECK_EQ(0, expect_error("2 3\na 1,5 0 1\nb 1 2 3\n", W2VFMT_AUTO, WP_EFORMAT, 2,
                             "value 1 is not a number"));
    /* no final newline: the last value may be cut short (-0.0486 of -0.048696) */
    CHECK_EQ(0, expect_error("1 2\nx 1 -0.0486", W2VFMT_AUTO, WP_EFORMAT, 2,
                             "file ends inside a line"));
    CHECK_EQ(0, expect_error("a 1 2\nb 1 2", W2VFMT_NOHEADER, WP_EFORMAT, 2,
                             "file ends inside a line"));
    return 0;
}

static int
test_bin_errors(void)
{
    unsigned char b[64];
    const float nanf1 = NAN, one = 1.0f;
    struct w2vfmt_vectors vs;
    struct w2vfmt_error e;
    memcpy(b, "2 1\nab ", 7);
    memcpy(b + 7, &one, 4);
    /* truncated inside the second row's vector */
    memcpy(b + 11, "\ncd \x01", 5);
    CHECK_EQ(WP_EFORMAT, read_str((const char *)b, 16, W2VFMT_BIN, &vs, &e));
    CHECK_EQ(3, e.line);
    CHECK(strstr(e.msg, "file ends inside the vector of 'cd'") != NULL);
    /* ends after one row */
    CHECK_EQ(WP_EFORMAT, read_str((const char *)b, 12, W2VFMT_BIN, &vs, &e));
    CHECK(strstr(e.msg, "header says 2 vectors, file ends after 1") != NULL);
    /* NaN in a row */
    memcpy(b + 7, &nanf1, 4);
    CHECK_EQ(WP_EFORMAT, read_str((const char *)b, 11, W2VFMT_BIN, &vs, &e));
    CHECK_EQ(2, e.line);
    CHECK(strstr(e.msg, "'ab': value 1 is not finite") != NULL);
    /* extra data after the last row */
    memcpy(b, "1 1\nab ", 7);
    memcpy(b + 7, &one, 4);
    memcpy(b + 11, "\nzz", 3);
    CHECK_EQ(WP_EFORMAT, read_str((const char *)b, 14, W2VFMT_BIN, &vs, &e));
    CHECK(strstr(e.msg, "more data follows") != NULL);
    return 0;
}

static int
test_duplicates(void)
{
    struct w2vfmt_vectors vs;
    CHECK_EQ(WP_OK, READ("4 1\na 1\nb 2\na 3\na 4\n", W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(2, vs.v);
    CHECK_EQ(2, vs.dups);
    CHECK_EQ(4, vs.first_dup); /* line 4 holds the first repeat */
    CHECK(vs.m[0] == 1.0f && vs.m[1] == 2.0f);
    w2vfmt_free(&vs);
    return 0;
}

static int
test_detect(void)
{
    CHECK_EQ(W2VFMT_TEXT, w2vfmt_detect((const unsigned char *)"1 2\na 1 2\n", 10));
    CHECK_EQ(W2VFMT_NOHEADER, w2vfmt_detect((const unsigned char *)"a 1 2\n", 6));
    CHECK_EQ(WP_EFORMAT, w2vfmt_detect((const unsigned char *)"\x8bWPS", 4));
    CHECK_EQ(WP_EFORMAT, w2vfmt_detect((const unsigned char *)"just words\n", 11));
    /* headed text with the wrong count or a bad value stays text (it was taken for binary) */
    CHECK_EQ(W2VFMT_TEXT, w2vfmt_detect((const unsigned char *)"2 1\na 1 0\nb 0 1\n", 16));
    CHECK_EQ(W2VFMT_TEXT, w2vfmt_detect((const unsigned char *)"1 2\nnew york 1 2\n", 17));
    CHECK_EQ(W2VFMT_TEXT, w2vfmt_detect((const unsigned char *)"1 2\na 1,5 0\n", 12));
    /* binary whose first float holds '1' then '\n' (1.0003): "x 1" alone is not enough */
    static const unsigned char b[] = "2 1\nx 1\n\x80\x3f\ny \x00\x00\x80\x3f\n";
    CHECK_EQ(W2VFMT_BIN, w2vfmt_detect(b, sizeof b - 1));
    struct w2vfmt_vectors vs;
    CHECK_EQ(WP_OK, read_str((const char *)b, sizeof b - 1, W2VFMT_AUTO, &vs, NULL));
    CHECK_EQ(2, vs.v);
    CHECK(vs.m[1] == 1.0f);
    w2vfmt_free(&vs);
    return 0;
}

static int
test_roundtrip_random(void)
{
    enum { V = 300, D = 7 };
    static float m[V * D];
    static char wb[V][16];
    const char *w[V];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < V * D; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        m[i] = (float)((double)(x >> 11) / 9007199254740992.0 * 2.0 - 1.0) * 1e3f;
    }
    for (size_t i = 0; i < V; i++) {
        snprintf(wb[i], sizeof wb[i], "w%zu", i);
        w[i] = wb[i];
    }
    for (int bin = 0; bin < 2; bin++) {
        char *p = NULL;
        size_t n = 0;
        FILE *fp = open_memstream(&p, &n);
        CHECK_EQ(WP_OK, bin ? w2vfmt_write_bin(fp, w, m, V, D) : w2vfmt_write_text(fp, w, m, V, D));
        fclose(fp);
        struct w2vfmt_vectors vs;
        CHECK_EQ(WP_OK, read_str(p, n, W2VFMT_AUTO, &vs, NULL));
        CHECK_EQ(bin ? W2VFMT_BIN : W2VFMT_TEXT, vs.format);
        CHECK_EQ(V, vs.v);
        for (size_t i = 0; i < V * D; i++)
            CHECK_NEAR(m[i], vs.m[i], bin ? 0 : 5e-7 + 5e-7 * fabs(m[i]));
        CHECK_STR("w299", vs.words[299]);
        w2vfmt_free(&vs);
        free(p);
    }
    return 0;
}

/* Found fuzzing with tests/fuzz/fuzz_w2v (regress/w2v/huge-header): the header's counts
 * sized the matrix before any row was read, so "1048576 1048576" asked for 4 TiB (ASan
 * aborts; glibc gives "out of memory") instead of reporting the missing rows. */
static int
test_huge_header_is_not_reserved(void)
{
    struct w2vfmt_vectors vs;
    struct w2vfmt_error e;
    CHECK_EQ(WP_EFORMAT, READ("1048576 1048576\n", W2VFMT_BIN, &vs, &e));
    CHECK(strstr(e.msg, "header says 1048576 vectors") != NULL);
    CHECK_EQ(WP_EFORMAT, READ("1048576 1048576\n", W2VFMT_TEXT, &vs, &e));
    /* without a header the matrix grows from one row */
    CHECK_EQ(WP_OK, READ("a 1 2\nb 3 4\nc 5 6\n", W2VFMT_NOHEADER, &vs, &e));
    CHECK_EQ(3, vs.v);
    CHECK_EQ(6, (long long)vs.m[5]);
    w2vfmt_free(&vs);
    return 0;
}

/* w2vfmt_put_lf against snprintf "%lf": the edges (signed zeros, values that round to
 * zero, exact halves that round to even, the 2^53 switch to printf, infinities, NaN,
 * subnormals, the extremes) and millions of random floats, near zero and of any bits. */
static int
lf_same(float x)
{
    char want[W2VFMT_LF_MAX + 1], got[W2VFMT_LF_MAX + 1];
    const int n = snprintf(want, sizeof want, "%lf", (double)x);
    const size_t m = w2vfmt_put_lf(got, W2VFMT_LF_MAX, x);
    got[m < W2VFMT_LF_MAX ? m : W2VFMT_LF_MAX] = 0;
    if (n < 0 || (size_t)n != m || strcmp(want, got) != 0) {
        fprintf(stderr, "put_lf(%a): \"%s\", printf \"%s\"\n", (double)x, got, want);
        return 0;
    }
    return 1;
}

static int
test_put_lf(void)
{
    const float edge[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 1.0f / 128, -1.0f / 128, 3.0f / 128,
                          5e-7f, -5e-7f, 4.9999997e-7f, 1e-7f, -1e-7f, 0.0000015f, 0.9999995f,
                          -0.9999995f, 123456.789f, 9007199254.0f, 9007200000.0f, 1e10f,
                          -1e10f, 0x1p-149f, -0x1p-149f, 0x1p-126f, 3.4028235e38f, -3.4028235e38f,
                          INFINITY, -INFINITY, NAN, -NAN};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        CHECK(lf_same(edge[i]));
    for (int32_t k = -2000; k <= 2000; k++) /* every half near zero: (2k + 1) / 2^7 */
        CHECK(lf_same((float)(2 * k + 1) / 128.0f));
    struct rng r;
    rng_seed(&r, 7, 0);
    for (int i = 0; i < 2000000; i++) {
        const uint64_t b = rng_u64(&r);
        uint32_t bits = (uint32_t)b;
        float any, near;
        memcpy(&any, &bits, sizeof any);
        near = ((float)(b >> 40) / 16777216.0f - 0.5f) * (float)(1 << (b >> 32 & 15));
        CHECK(lf_same(any));
        CHECK(lf_same(near));
    }
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_write_text_bytes), CHECK_CASE(test_put_lf),
           CHECK_CASE(test_write_bin_bytes),
           CHECK_CASE(test_writer_rejects), CHECK_CASE(test_text_variants),
           CHECK_CASE(test_bin_without_newlines), CHECK_CASE(test_text_errors),
           CHECK_CASE(test_bin_errors), CHECK_CASE(test_duplicates), CHECK_CASE(test_detect),
           CHECK_CASE(test_roundtrip_random),
           CHECK_CASE(test_huge_header_is_not_reserved))
