/* test_textenc.c - lib/text/textenc: a UTF-8 byte order mark's length; UTF-16 told by its
 * mark or by NUL bytes at one place of the pairs, and stray NUL bytes in UTF-8 not. */
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

static int
test_utf16(void)
{
    CHECK_EQ(1, textenc_is_utf16(S("\xFF\xFE")));
    CHECK_EQ(1, textenc_is_utf16(S("\xFE\xFF\0a")));
    CHECK_EQ(1, textenc_is_utf16(S("h\0e\0l\0l\0o\0")));             /* LE, no mark */
    CHECK_EQ(1, textenc_is_utf16(S("\0h\0e\0l\0l\0o\0 \0w\0\xE9"))); /* BE, Latin-1 */
    CHECK_EQ(0, textenc_is_utf16(S("h\0e\0l")));                      /* too short to tell */
    CHECK_EQ(0, textenc_is_utf16(S("x\0y\0 hello world again\n"))); /* stray NULs */
    CHECK_EQ(0, textenc_is_utf16(S("a\0b\1c\r\nd\re\r\n\r\n")));
    CHECK_EQ(0, textenc_is_utf16(S("a\0\0\0b\0\0\0c\0\0\0d\0\0\0"))); /* UTF-32: both places */
    CHECK_EQ(0, textenc_is_utf16(S("plain text, no NUL at all\n")));
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_utf8_bom),
        CHECK_CASE(test_utf16),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
