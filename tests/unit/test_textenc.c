/* test_textenc.c - lib/text/textenc: a UTF-8 byte order mark's length; UTF-16 and UTF-32
 * told by their marks or by NUL bytes at the same places of their units, and stray NUL
 * bytes in UTF-8 not. */
#undef NDEBUG
#include <string.h>

#include "check.h"
#include "common/bom.h"
#include "text/textenc.h"

#define S(lit) (lit), sizeof(lit) - 1

static int
test_utf8_bom(void)
{
    CHECK_EQ(3, utf8_bom_len(S("\xEF\xBB\xBFthe 5\n")));
    CHECK_EQ(3, utf8_bom_len(S("\xEF\xBB\xBF")));
    CHECK_EQ(0, utf8_bom_len(S("\xEF\xBB")));
    CHECK_EQ(0, utf8_bom_len(S("the 5\n")));
    CHECK_EQ(0, utf8_bom_len("", 0));
    return 0;
}

/* textenc_wide's answer, "UTF-8" for none */
static const char *
enc(const char *p, size_t n)
{
    const char *e = textenc_wide(p, n);
    return e != NULL ? e : "UTF-8";
}
#define WIDE(lit) enc(S(lit))

static int
test_utf16(void)
{
    CHECK_STR("UTF-16", WIDE("\xFF\xFE"));
    CHECK_STR("UTF-16", WIDE("\xFE\xFF\0a"));
    CHECK_STR("UTF-16", WIDE("\xFF\xFEh\0"));                      /* LE mark, not UTF-32's */
    CHECK_STR("UTF-16", WIDE("h\0e\0l\0l\0o\0"));                  /* LE, no mark */
    CHECK_STR("UTF-16", WIDE("\0h\0e\0l\0l\0o\0 \0w\0\xE9"));      /* BE, Latin-1 */
    CHECK_STR("UTF-8", WIDE("h\0e\0l"));                                    /* too short to tell */
    CHECK_STR("UTF-8", WIDE("x\0y\0 hello world again\n"));                 /* stray NULs */
    CHECK_STR("UTF-8", WIDE("a\0b\1c\r\nd\re\r\n\r\n"));
    CHECK_STR("UTF-8", WIDE("plain text, no NUL at all\n"));
    return 0;
}

static int
test_utf32(void)
{
    CHECK_STR("UTF-32", WIDE("\xFF\xFE\0\0"));
    CHECK_STR("UTF-32", WIDE("\0\0\xFE\xFF"));
    CHECK_STR("UTF-32", WIDE("a\0\0\0b\0\0\0c\0\0\0d\0\0\0"));  /* LE, no mark */
    CHECK_STR("UTF-32", WIDE("\0\0\0a\0\0\0b\0\0\0c\0\0\0\xE9")); /* BE, Latin-1 */
    CHECK_STR("UTF-32", WIDE("\xB1\x03\0\0\xB2\x03\0\0\xB3\x03\0\0 \0\0\0")); /* Greek, LE */
    CHECK_STR("UTF-8", WIDE("a\0\0\0b\0\0\0c"));                           /* too short to tell */
    CHECK_STR("UTF-8", WIDE("a\0\0\0 hello world, a few NULs\n"));
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_utf8_bom),
        CHECK_CASE(test_utf16),
        CHECK_CASE(test_utf32),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
