/* test_textin.c - plain and gzip text through lib/text/textin: members one after another,
 * trailing bytes counted (gzread drops them silently), corrupt and truncated members; the
 * same read one chunk ahead on a thread (text/textin_ahead.h), to the end and to a
 * failure; the offset of the bytes used, for progress. */
#undef NDEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "common/status.h"
#include "text/textin.h"
#include "text/textin_ahead.h"

/* gzip of s (one member) into out; its length */
static size_t
gz(const char *s, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    z.next_in = (unsigned char *)s;
    z.avail_in = (uInt)strlen(s);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    const size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

/* a textin over the n bytes of p (through a temporary file) */
static struct textin *
over(const unsigned char *p, size_t n)
{
    FILE *f = tmpfile();
    if (f == NULL || fwrite(p, 1, n, f) != n || fflush(f) != 0)
        return NULL;
    const int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    struct textin *t;
    return textin_open(&t, fd) == WP_OK ? t : NULL;
}

/* reads t to the end (in small pieces) into out; the last status */
static int
slurp(struct textin *t, char *out, size_t cap, size_t *len)
{
    *len = 0;
    for (;;) {
        const int got = textin_read(t, out + *len, cap - *len < 5 ? cap - *len : 5);
        if (got <= 0)
            return got;
        *len += (size_t)got;
    }
}

static int
test_plain_and_members(void)
{
    unsigned char b[512];
    char out[256];
    size_t len;
    struct textin *t = over((const unsigned char *)"plain text\n", 11);
    CHECK(t != NULL);
    CHECK_EQ(0, slurp(t, out, sizeof out, &len));
    CHECK_EQ(11, len);
    CHECK(memcmp(out, "plain text\n", 11) == 0);
    CHECK_EQ(0, textin_trailing(t));
    textin_close(t);
    size_t n = gz("the cat\n", b, sizeof b);
    n += gz("sat on\n", b + n, sizeof b - n);
    CHECK((t = over(b, n)) != NULL);
    CHECK_EQ(0, slurp(t, out, sizeof out, &len));
    CHECK_EQ(15, len);
    CHECK(memcmp(out, "the cat\nsat on\n", 15) == 0);
    CHECK_EQ(0, textin_trailing(t));
    textin_close(t);
    return 0;
}

static int
test_trailing_counted(void)
{
    unsigned char b[512];
    char out[256];
    size_t len;
    size_t n = gz("the cat\n", b, sizeof b);
    memcpy(b + n, "junk!", 5);
    struct textin *t = over(b, n + 5);
    CHECK(t != NULL);
    CHECK_EQ(0, slurp(t, out, sizeof out, &len));
    CHECK_EQ(8, len);
    CHECK_EQ(5, textin_trailing(t));
    textin_close(t);
    return 0;
}

static int
test_truncated_and_corrupt(void)
{
    unsigned char b[512];
    char out[256];
    size_t len;
    const size_t n = gz("the cat sat on the mat, and the dog sat on the log\n", b, sizeof b);
    struct textin *t = over(b, n - 6);
    CHECK(t != NULL);
    CHECK_EQ(WP_ETRUNC, slurp(t, out, sizeof out, &len));
    textin_close(t);
    b[12] ^= 0xff;
    b[13] ^= 0xff;
    CHECK((t = over(b, n)) != NULL);
    const int rc = slurp(t, out, sizeof out, &len);
    CHECK(rc == WP_ECORRUPT || rc == WP_ETRUNC);
    textin_close(t);
    return 0;
}

/* textin_offset counts the bytes used, not those buffered ahead: plain text by what was
 * returned, gzip by the compressed bytes inflated, trailing bytes once skipped. */
static int
test_offset(void)
{
    static const char text[] = "the cat sat on the mat, and the dog sat on the log\n";
    unsigned char b[512];
    char out[256];
    size_t len;
    struct textin *t = over((const unsigned char *)text, strlen(text));
    CHECK(t != NULL);
    CHECK_EQ(0, textin_offset(t));
    CHECK_EQ(5, textin_read(t, out, 5));
    CHECK_EQ(5, textin_offset(t));
    CHECK_EQ(0, slurp(t, out, sizeof out, &len));
    CHECK_EQ(strlen(text), textin_offset(t));
    textin_close(t);
    const size_t n = gz(text, b, sizeof b);
    memcpy(b + n, "junk!", 5);
    CHECK((t = over(b, n + 5)) != NULL);
    CHECK_EQ(5, textin_read(t, out, 5));
    CHECK(textin_offset(t) > 0 && textin_offset(t) < n);
    CHECK_EQ(0, slurp(t, out, sizeof out, &len));
    CHECK_EQ(n + 5, textin_offset(t));
    textin_close(t);
    return 0;
}

/* t read ahead in chunks of 7 bytes into out; the last status, *msg the failure's words */
static int
ahead(struct textin *t, char *out, size_t cap, size_t *len, const char **msg)
{
    unsigned char b0[7], b1[7], *const bufs[2] = {b0, b1};
    struct textin_ahead *a;
    const unsigned char *p;
    int got;
    *len = 0;
    CHECK_EQ(WP_OK, textin_ahead_start(&a, t, bufs, sizeof b0));
    uint64_t at = 0;
    CHECK_EQ(0, textin_ahead_offset(a));
    while ((got = textin_ahead_next(a, &p)) > 0) {
        CHECK(p == b0 || p == b1);
        CHECK(textin_ahead_offset(a) >= at); /* the caller's chunk's, never going back */
        at = textin_ahead_offset(a);
        CHECK(*len + (size_t)got <= cap);
        memcpy(out + *len, p, (size_t)got);
        *len += (size_t)got;
    }
    static char keep[256];
    snprintf(keep, sizeof keep, "%s", textin_ahead_error(a));
    *msg = keep;
    textin_ahead_stop(a);
    return got;
}

static int
test_read_ahead(void)
{
    static const char text[] = "the cat sat on the mat, and the dog sat on the log\n";
    unsigned char b[512];
    char out[256];
    size_t len;
    const char *msg;
    const size_t n = gz(text, b, sizeof b);
    struct textin *t = over(b, n);
    CHECK(t != NULL);
    CHECK_EQ(0, ahead(t, out, sizeof out, &len, &msg));
    CHECK_EQ(strlen(text), len);
    CHECK(memcmp(out, text, len) == 0);
    CHECK_STR("", msg);
    CHECK_EQ(n, textin_offset(t));
    textin_close(t);
    CHECK((t = over(b, n - 6)) != NULL);
    CHECK_EQ(WP_ETRUNC, ahead(t, out, sizeof out, &len, &msg));
    CHECK_STR("gzip: unexpected end of file", msg);
    textin_close(t);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_plain_and_members),
        CHECK_CASE(test_trailing_counted),
        CHECK_CASE(test_truncated_and_corrupt),
        CHECK_CASE(test_offset),
        CHECK_CASE(test_read_ahead),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
