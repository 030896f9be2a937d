/* test_embed.c - the .npy writer (exact header bytes, alignment, little-endian data) and the
 * layer arithmetic embed(1) builds on (embed_layers.h: selection, scalar mix, pooling),
 * each against values worked out by hand. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/buf.h"
#include "common/status.h"
#include "embed/embed_layers.h"
#include "embed/embed_sent.h"
#include "stream/rec_payload.h"
#include "vecio/npy.h"

/* The dict of a header, without magic/length/padding, and checks of the frame around it. */
static int
header_dict(const uint64_t *shape, size_t nd, char *dict, size_t cap)
{
    struct buf b = {0};
    CHECK_EQ(WP_OK, npy_header(&b, shape, nd));
    CHECK_EQ(0, b.len % NPY_ALIGN);
    CHECK(memcmp(b.p, "\x93NUMPY\x01\x00", 8) == 0);
    CHECK_EQ(b.len - 10, b.p[8] | b.p[9] << 8);
    CHECK_EQ('\n', b.p[b.len - 1]);
    size_t end = b.len - 1;
    while (end > 10 && b.p[end - 1] == ' ')
        end--;
    CHECK(end - 10 < cap);
    memcpy(dict, b.p + 10, end - 10);
    dict[end - 10] = '\0';
    buf_free(&b);
    return 0;
}

static int
test_header_shapes(void)
{
    char d[256];
    const uint64_t s3[] = {2, 3, 4}, s1[] = {5}, s4[] = {7, 0, 3, 1024};
    CHECK_EQ(0, header_dict(s3, 3, d, sizeof d));
    CHECK_STR("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", d);
    CHECK_EQ(0, header_dict(s1, 1, d, sizeof d));
    CHECK_STR("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", d);
    CHECK_EQ(0, header_dict(NULL, 0, d, sizeof d));
    CHECK_STR("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", d);
    CHECK_EQ(0, header_dict(s4, 4, d, sizeof d));
    CHECK_STR("{'descr': '<f4', 'fortran_order': False, 'shape': (7, 0, 3, 1024), }", d);
    return 0;
}

static int
test_header_limits(void)
{
    struct buf b = {0};
    const uint64_t big[] = {UINT64_MAX / 2, 4}, many[NPY_MAX_DIMS + 1] = {1};
    CHECK_EQ(WP_ERANGE, npy_header(&b, big, 2));
    CHECK_EQ(WP_ERANGE, npy_header(&b, many, NPY_MAX_DIMS + 1));
    buf_free(&b);
    return 0;
}

static int
test_write_f32_le(void)
{
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    const float x[] = {1.0f, -2.5f};
    CHECK_EQ(WP_OK, npy_write_f32(fp, x, 2));
    CHECK_EQ(WP_OK, npy_write_zeros(fp, 1));
    fclose(fp);
    CHECK_EQ(12, n);
    /* 1.0f = 0x3F800000, -2.5f = 0xC0200000, little-endian */
    CHECK(memcmp(p, "\x00\x00\x80\x3f\x00\x00\x20\xc0\x00\x00\x00\x00", 12) == 0);
    free(p);
    return 0;
}

/* Many floats cross the writer's internal chunk: all must arrive, in order. */
static int
test_write_f32_long(void)
{
    enum { N = 3000 };
    float *x = malloc(N * sizeof *x);
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    CHECK(x != NULL && fp != NULL);
    for (int i = 0; i < N; i++)
        x[i] = (float)i;
    CHECK_EQ(WP_OK, npy_write_f32(fp, x, N));
    fclose(fp);
    CHECK_EQ(4 * N, n);
    float y;
    memcpy(&y, p + 4 * 2999, 4); /* the test host is little-endian (x86) */
    CHECK_NEAR(2999.0, y, 0);
    free(p);
    free(x);
    return 0;
}

/* x [3 layers][2 tokens][2 dims]: layer l token t dim i = 100 l + 10 t + i */
static void
fill_layers(float *x)
{
    for (int l = 0; l < 3; l++)
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < 2; i++)
                x[(l * 2 + t) * 2 + i] = (float)(100 * l + 10 * t + i);
}

static int
test_sel_all_one_average(void)
{
    float x[12], out[6];
    struct embed_sel s = {.mode = EMBED_SEL_ALL};
    fill_layers(x);
    CHECK_EQ(3, embed_sel_count(&s, 3));
    embed_sel_token(&s, x, 3, 2, 2, 1, out);
    const float want[] = {10, 11, 110, 111, 210, 211};
    for (int i = 0; i < 6; i++)
        CHECK_NEAR(want[i], out[i], 0);
    s = (struct embed_sel){.mode = EMBED_SEL_ONE, .layer = 2};
    CHECK_EQ(1, embed_sel_count(&s, 3));
    CHECK_EQ(WP_OK, embed_sel_check(&s, 3));
    embed_sel_token(&s, x, 3, 2, 2, 0, out);
    CHECK_NEAR(200, out[0], 0);
    CHECK_NEAR(201, out[1], 0);
    s.layer = 3;
    CHECK_EQ(WP_ERANGE, embed_sel_check(&s, 3));
    s = (struct embed_sel){.mode = EMBED_SEL_AVERAGE};
    embed_sel_token(&s, x, 3, 2, 2, 1, out);
    CHECK_NEAR(110, out[0], 1e-5); /* (10 + 110 + 210) / 3 */
    CHECK_NEAR(111, out[1], 1e-5);
    return 0;
}

static int
test_sel_mix(void)
{
    float x[12], out[2];
    struct embed_sel s;
    const double w[] = {0, 0, log(2.0)}; /* softmax: 1/4, 1/4, 1/2 */
    fill_layers(x);
    CHECK_EQ(WP_OK, embed_sel_mix(&s, w, 3, 2.0));
    CHECK_NEAR(0.25, s.s[0], 1e-7);
    CHECK_NEAR(0.5, s.s[2], 1e-7);
    CHECK_EQ(WP_OK, embed_sel_check(&s, 3));
    CHECK_EQ(WP_ERANGE, embed_sel_check(&s, 4));
    embed_sel_token(&s, x, 3, 2, 2, 1, out);
    /* 2 * (10/4 + 110/4 + 210/2) = 270 */
    CHECK_NEAR(270, out[0], 1e-4);
    CHECK_NEAR(272, out[1], 1e-4);
    /* large weights do not overflow: softmax(1000, 1000) = (1/2, 1/2) */
    const double big[] = {1000, 1000};
    CHECK_EQ(WP_OK, embed_sel_mix(&s, big, 2, 1.0));
    CHECK_NEAR(0.5, s.s[1], 1e-7);
    const double bad[] = {NAN};
    CHECK_EQ(WP_ERANGE, embed_sel_mix(&s, bad, 1, 1.0));
    CHECK_EQ(WP_ERANGE, embed_sel_mix(&s, w, 0, 1.0));
    return 0;
}

static int
test_pool(void)
{
    struct embed_pool p;
    const float a[] = {3, 4}, b[] = {0, 0}, c[] = {-1, 2};
    float out[2];
    CHECK_EQ(WP_OK, embed_pool_init(&p, EMBED_POOL_MEAN, 0, 2));
    embed_pool_result(&p, out); /* nothing added: zeros */
    CHECK_NEAR(0, out[0], 0);
    embed_pool_add(&p, a);
    embed_pool_add(&p, b);
    embed_pool_add(&p, c);
    embed_pool_result(&p, out);
    CHECK_NEAR(2.0 / 3, out[0], 1e-6);
    CHECK_NEAR(2, out[1], 1e-6);
    embed_pool_free(&p);
    /* fastText: unit vectors averaged, zero vectors left out of the count */
    CHECK_EQ(WP_OK, embed_pool_init(&p, EMBED_POOL_MEAN, 1, 2));
    embed_pool_add(&p, a);
    embed_pool_add(&p, b);
    embed_pool_add(&p, c);
    embed_pool_result(&p, out);
    CHECK_NEAR((0.6 - 1 / sqrt(5)) / 2, out[0], 1e-6);
    CHECK_NEAR((0.8 + 2 / sqrt(5)) / 2, out[1], 1e-6);
    embed_pool_reset(&p);
    embed_pool_add(&p, b);
    embed_pool_result(&p, out);
    CHECK_NEAR(0, out[1], 0);
    embed_pool_free(&p);
    CHECK_EQ(WP_OK, embed_pool_init(&p, EMBED_POOL_MAX, 0, 2));
    embed_pool_add(&p, c);
    embed_pool_add(&p, b);
    embed_pool_result(&p, out);
    CHECK_NEAR(0, out[0], 0); /* max(-1, 0) */
    CHECK_NEAR(2, out[1], 0);
    embed_pool_reset(&p);
    embed_pool_add(&p, c); /* negative values: the first vector starts the max */
    embed_pool_result(&p, out);
    CHECK_NEAR(-1, out[0], 0);
    embed_pool_free(&p);
    return 0;
}

/* A sentence copied out of its record, compacted (as --oov skip does) and reset. */
static int
test_tokens_decode(void)
{
    const unsigned char *tok[] = {(const unsigned char *)"ab", (const unsigned char *)"",
                                  (const unsigned char *)"cde"};
    const size_t len[] = {2, 0, 3};
    struct buf b = {0};
    struct embed_tokens s = {0};
    CHECK_EQ(WP_OK, rec_tokens_encode(&b, tok, len, 3));
    CHECK_EQ(WP_OK, embed_tokens_decode(&s, b.p, b.len, 4));
    CHECK_EQ(3, s.n);
    CHECK(s.chars != NULL);
    CHECK_EQ(3, s.len[2]);
    CHECK(memcmp(s.tok[2], "cde", 3) == 0);
    CHECK_EQ(0, s.len[1]);
    s.tok[0] = s.tok[2];
    s.len[0] = s.len[2];
    s.pos[0] = s.pos[2];
    embed_tokens_reset(&s);
    CHECK(memcmp(s.tok[0], "ab", 2) == 0);
    CHECK_EQ(2, s.len[0]);
    CHECK_EQ(2, s.pos[2]);
    CHECK(embed_tokens_out(&s, 10) != NULL);
    /* a record one byte short, and one with a byte too many */
    CHECK_EQ(WP_ECORRUPT, embed_tokens_decode(&s, b.p, b.len - 1, 4));
    CHECK(buf_put_u8(&b, 0) == WP_OK);
    CHECK_EQ(WP_ECORRUPT, embed_tokens_decode(&s, b.p, b.len, 4));
    embed_tokens_free(&s);
    buf_free(&b);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_tokens_decode), CHECK_CASE(test_header_shapes), CHECK_CASE(test_header_limits),
           CHECK_CASE(test_write_f32_le), CHECK_CASE(test_write_f32_long),
           CHECK_CASE(test_sel_all_one_average), CHECK_CASE(test_sel_mix), CHECK_CASE(test_pool))
