/* test_tokenize.c - every rule of tok(1), each checked at several chunk sizes so that a
 * token, a UTF-8 sequence or a joiner split across two tok_feed calls gives the same
 * result as the whole input at once; and the header tok writes (text/tok_meta.h). */
#undef NDEBUG
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "stream/rec.h"
#include "text/conllu.h"
#include "text/tok_meta.h"
#include "text/tokenize.h"

enum { OUT_MAX = 1 << 16 };

/* Sentences joined by '|', tokens by ' ' (tokens never contain a space or '|' here). */
struct collect {
    char out[OUT_MAX];
    size_t len;
    int fail_with; /* a status for the callback to return, 0 = none */
};

static int
collect_cb(void *ctx, const unsigned char *const *tok, const size_t *len, size_t n)
{
    struct collect *c = ctx;
    if (c->fail_with)
        return c->fail_with;
    for (size_t i = 0; i < n; i++) {
        if (c->len + len[i] + 2 >= OUT_MAX)
            return WP_ERANGE;
        if (c->len > 0)
            c->out[c->len++] = i == 0 ? '|' : ' ';
        memcpy(c->out + c->len, tok[i], len[i]);
        c->len += len[i];
    }
    c->out[c->len] = '\0';
    return WP_OK;
}

static struct collect col;
static struct tok_stats last_stats;

/* Tokenizes in[0..n) fed in pieces of chunk bytes into col; keeps the stats. */
static int
run(const struct tok_opts *o, const char *in, size_t n, size_t chunk)
{
    struct tok_state *t;
    memset(&col, 0, sizeof col);
    if (tok_new(&t, o, collect_cb, &col) < 0)
        return -1;
    int rc = WP_OK;
    for (size_t i = 0; i < n && rc == WP_OK; i += chunk)
        rc = tok_feed(t, in + i, n - i < chunk ? n - i : chunk);
    if (rc == WP_OK)
        rc = tok_flush(t);
    last_stats = *tok_stats(t);
    tok_free(t);
    return rc;
}

static int
expect_n(const struct tok_opts *o, const char *in, size_t n, const char *want, int line)
{
    static const size_t chunks[] = {1, 2, 3, 5, 7, 64, 0};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        const size_t chunk = chunks[i] ? chunks[i] : (n ? n : 1);
        if (run(o, in, n, chunk) != WP_OK || strcmp(col.out, want) != 0) {
            fprintf(stderr, "line %d, chunk %zu: want \"%s\" got \"%s\"\n", line, chunk, want,
                    col.out);
            return 1;
        }
    }
    return 0;
}

#define EXPECT(o, lit, want) CHECK(expect_n((o), (lit), sizeof(lit) - 1, (want), __LINE__) == 0)

static struct tok_opts
opts(void)
{
    struct tok_opts o;
    tok_opts_default(&o);
    return o;
}

static int
test_text8_words(void)
{
    const struct tok_opts o = opts();
    EXPECT(&o, " anarchism originated as a term of abuse", "anarchism originated as a term of abuse");
    CHECK_EQ(7, last_stats.tokens);
    CHECK_EQ(1, last_stats.sentences);
    EXPECT(&o, "", "");
    EXPECT(&o, "   \t  ", "");
    CHECK_EQ(0, last_stats.sentences);
    return 0;
}

static int
test_ascii_punctuation(void)
{
    const struct tok_opts o = opts();
    EXPECT(&o, "Hello, World!", "Hello , World !");
    EXPECT(&o, "(a)[b]{c}<d>", "( a ) [ b ] { c } < d >");
    EXPECT(&o, "x\"#$%&*+/:;=?@\\^_`|~y", "x \" # $ % & * + / : ; = ? @ \\ ^ _ ` | ~ y");
    EXPECT(&o, "wait...", "wait . . .");
    return 0;
}

static int
test_joiners(void)
{
    const struct tok_opts o = opts();
    EXPECT(&o, "don't e-mail state-of-the-art pre-1990 90's", "don't e-mail state-of-the-art pre-1990 90's");
    EXPECT(&o, "don\xE2\x80\x99t co\xE2\x80\x90op", "don\xE2\x80\x99t co\xE2\x80\x90op");
    EXPECT(&o, "3.14 1,000,000 2-3 v1.2", "3.14 1,000,000 2-3 v1.2");
    EXPECT(&o, "3.x a.b U.S. 3. .5 a,1", "3 . x a . b U . S . 3 . . 5 a , 1");
    EXPECT(&o, "'quoted' dogs' -x x- a--b", "' quoted ' dogs ' - x x - a - - b");
    EXPECT(&o, "rock-'n'-roll", "rock - ' n ' - roll");
    EXPECT(&o, "caf\xC3\xA9-bar l'\xC3\xA9t\xC3\xA9", "caf\xC3\xA9-bar l'\xC3\xA9t\xC3\xA9");
    EXPECT(&o, "end-\nx", "end -|x");
    EXPECT(&o, "end-", "end -");
    return 0;
}

static int
test_split_all_and_no_punct(void)
{
    struct tok_opts o = opts();
    o.split_all_punct = 1;
    EXPECT(&o, "don't 3.14 e-mail", "don ' t 3 . 14 e - mail");
    o.split_all_punct = 0;
    o.drop_punct = 1;
    EXPECT(&o, "Hello, world! e-mail \xC2\xABx\xC2\xBB ...", "Hello world e-mail x");
    EXPECT(&o, "!!!\n?", "");
    CHECK_EQ(0, last_stats.sentences);
    o.split_all_punct = 1;
    EXPECT(&o, "e-mail 3.14", "e mail 3 14");
    return 0;
}

static int
test_unicode_whitespace(void)
{
    static const char *const seps[] = {
        "\t", "\v", "\f", " ", "\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\x80",
        "\xE2\x80\x85", "\xE2\x80\x8A", "\xE2\x80\x8B", "\xE2\x80\xA8", "\xE2\x80\xA9",
        "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80", "\xEF\xBB\xBF",
    };
    const struct tok_opts o = opts();
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
        char in[32];
        snprintf(in, sizeof in, "a%sb", seps[i]);
        CHECK(expect_n(&o, in, strlen(in), "a b", __LINE__) == 0);
    }
    /* U+200C/U+200D (joiners for scripts and emoji) are not separators */
    EXPECT(&o, "a\xE2\x80\x8D" "b", "a\xE2\x80\x8D" "b");
    return 0;
}

static int
test_unicode_punctuation(void)
{
    const struct tok_opts o = opts();
    EXPECT(&o, "\xC2\xAB\xD0\x9F\xD1\x80\xD0\xB8\xC2\xBB", "\xC2\xAB \xD0\x9F\xD1\x80\xD0\xB8 \xC2\xBB");
    EXPECT(&o, "\xC2\xBFQu\xC3\xA9?\xC2\xA1" "Ay!", "\xC2\xBF Qu\xC3\xA9 ? \xC2\xA1 Ay !");
    /* 你好，世界。 「引用」 */
    EXPECT(&o, "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C\xE3\x80\x82",
           "\xE4\xBD\xA0\xE5\xA5\xBD \xEF\xBC\x8C \xE4\xB8\x96\xE7\x95\x8C \xE3\x80\x82");
    EXPECT(&o, "\xE3\x80\x8C\xE5\xBC\x95\xE3\x80\x8D", "\xE3\x80\x8C \xE5\xBC\x95 \xE3\x80\x8D");
    /* em dash, ellipsis, left and right double quotes, per mille */
    EXPECT(&o, "a\xE2\x80\x94" "b\xE2\x80\xA6\xE2\x80\x9C" "c\xE2\x80\x9D" "5\xE2\x80\xB0",
           "a \xE2\x80\x94 b \xE2\x80\xA6 \xE2\x80\x9C c \xE2\x80\x9D 5 \xE2\x80\xB0");
    /* Arabic comma and question mark, fullwidth ! */
    EXPECT(&o, "\xD9\x84\xD8\x8C\xD9\x84\xD8\x9F", "\xD9\x84 \xD8\x8C \xD9\x84 \xD8\x9F");
    EXPECT(&o, "\xEF\xBC\xA1\xEF\xBC\x81", "\xEF\xBC\xA1 \xEF\xBC\x81");
    /* symbols are word characters: degree, euro, copyright */
    EXPECT(&o, "25\xC2\xB0" "C 5\xE2\x82\xAC \xC2\xA9", "25\xC2\xB0" "C 5\xE2\x82\xAC \xC2\xA9");
    return 0;
}

static int
test_classes(void)
{
    CHECK_EQ(TOK_WORD, tok_class_cp('a'));
    CHECK_EQ(TOK_WORD, tok_class_cp('7'));
    CHECK_EQ(TOK_SPACE, tok_class_cp(' '));
    CHECK_EQ(TOK_SPACE, tok_class_cp('\n'));
    CHECK_EQ(TOK_SPACE, tok_class_cp(0));
    CHECK_EQ(TOK_SPACE, tok_class_cp(0x7F));
    CHECK_EQ(TOK_SPACE, tok_class_cp(0x9F));
    CHECK_EQ(TOK_PUNCT, tok_class_cp('!'));
    CHECK_EQ(TOK_PUNCT, tok_class_cp('_'));
    CHECK_EQ(TOK_JOIN, tok_class_cp('\''));
    CHECK_EQ(TOK_JOIN, tok_class_cp('-'));
    CHECK_EQ(TOK_JOIN, tok_class_cp(0x2019));
    CHECK_EQ(TOK_JOIN_NUM, tok_class_cp('.'));
    CHECK_EQ(TOK_JOIN_NUM, tok_class_cp(','));
    CHECK_EQ(TOK_PUNCT, tok_class_cp(0x2027));
    CHECK_EQ(TOK_SPACE, tok_class_cp(0x2028));
    CHECK_EQ(TOK_WORD, tok_class_cp(0x202A)); /* bidi embedding: format, not punctuation */
    CHECK_EQ(TOK_PUNCT, tok_class_cp(0x2030));
    CHECK_EQ(TOK_PUNCT, tok_class_cp(0x205E));
    CHECK_EQ(TOK_SPACE, tok_class_cp(0x205F));
    CHECK_EQ(TOK_PUNCT, tok_class_cp(0x3001));
    CHECK_EQ(TOK_WORD, tok_class_cp(0x3004));
    CHECK_EQ(TOK_PUNCT, tok_class_cp(0xFF01));
    CHECK_EQ(TOK_WORD, tok_class_cp(0xFF10)); /* fullwidth 0 */
    CHECK_EQ(TOK_PUNCT, tok_class_cp(0xFF65));
    CHECK_EQ(TOK_WORD, tok_class_cp(0xFF66));
    CHECK_EQ(TOK_WORD, tok_class_cp(0x4E2D));
    CHECK_EQ(TOK_WORD, tok_class_cp(0x1F600));
    CHECK_EQ(TOK_WORD, tok_class_cp(0xFFFD));
    return 0;
}

static int
test_scripts_kept(void)
{
    const struct tok_opts o = opts();
    /* Arabic, Cyrillic, a CJK run (not segmented), emoji with skin tone and a ZWJ family */
    EXPECT(&o, "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD0\xBC\xD0\xB8\xD1\x80",
           "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD0\xBC\xD0\xB8\xD1\x80");
    EXPECT(&o, "\xE6\x88\x91\xE6\x98\xAF\xE5\xAD\xA6\xE7\x94\x9F",
           "\xE6\x88\x91\xE6\x98\xAF\xE5\xAD\xA6\xE7\x94\x9F");
    EXPECT(&o, "ok\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
           "ok\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9");
    CHECK_EQ(0, last_stats.invalid);
    return 0;
}

static int
test_lines(void)
{
    const struct tok_opts o = opts();
    EXPECT(&o, "a b\nc\r\nd\re\n\n\n\r\r\nf", "a b|c|d|e|f");
    CHECK_EQ(5, last_stats.lines);
    CHECK_EQ(5, last_stats.sentences);
    EXPECT(&o, "x\n", "x");
    CHECK_EQ(1, last_stats.lines);
    EXPECT(&o, "\n \n, \n", ",");
    return 0;
}

static int
test_max_sentence(void)
{
    struct tok_opts o = opts();
    o.max_sentence = 2;
    EXPECT(&o, "a b c d e\nf g\nh", "a b|c d|e|f g|h");
    CHECK_EQ(1, last_stats.lines_split);
    EXPECT(&o, "a b c d\n", "a b|c d");
    CHECK_EQ(1, last_stats.lines_split);
    EXPECT(&o, "a b\nc d\n", "a b|c d");
    CHECK_EQ(0, last_stats.lines_split);
    o.max_sentence = 1;
    EXPECT(&o, "a, b", "a|,|b");
    return 0;
}

/* A line far longer than any chunk: sentences of max_sentence, every token counted. */
static int
test_unbounded_line(void)
{
    enum { WORDS = 300000 };
    struct tok_opts o = opts();
    char *in = malloc(WORDS * 3);
    CHECK(in != NULL);
    for (size_t i = 0; i < WORDS; i++)
        memcpy(in + 3 * i, "ab ", 3);
    struct tok_state *t;
    memset(&col, 0, sizeof col);
    CHECK_EQ(WP_OK, tok_new(&t, &o, collect_cb, &col));
    col.len = 0;
    for (size_t i = 0; i < WORDS * 3; i += 4093) {
        col.len = 0; /* keep only the latest sentences: bounded output for the test */
        CHECK_EQ(WP_OK, tok_feed(t, in + i, WORDS * 3 - i < 4093 ? WORDS * 3 - i : 4093));
    }
    CHECK_EQ(WP_OK, tok_flush(t));
    CHECK_EQ(WORDS, tok_stats(t)->tokens);
    CHECK_EQ(WORDS / 1000, tok_stats(t)->sentences);
    CHECK_EQ(1, tok_stats(t)->lines_split);
    tok_free(t);
    free(in);
    return 0;
}

static int
test_nul_and_controls(void)
{
    const struct tok_opts o = opts();
    EXPECT(&o, "a\0b\0\0c", "a b c");
    CHECK_EQ(3, last_stats.nuls);
    EXPECT(&o, "a\x01" "b\x1B" "c\x7F" "d\xC2\x92" "e", "a b c d e");
    CHECK_EQ(4, last_stats.controls);
    CHECK_EQ(0, last_stats.nuls);
    return 0;
}

/* input, expected output, replacements: every class of invalid UTF-8 */
static int
test_invalid_utf8(void)
{
    static const struct {
        const char *in, *want;
        int n;
    } cases[] = {
        {"x\x80y", "x\xEF\xBF\xBDy", 1},                              /* stray continuation */
        {"\x80\xBF", "\xEF\xBF\xBD\xEF\xBF\xBD", 2},                  /* two of them */
        {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD", 2},                  /* overlong 2-byte */
        {"\xC1\xBF", "\xEF\xBF\xBD\xEF\xBF\xBD", 2},
        {"\xE0\x80\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 3},  /* overlong 3-byte */
        {"\xF0\x80\x80\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 4},
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 3},  /* surrogate D800 */
        {"\xED\xBF\xBF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 3},  /* surrogate DFFF */
        {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 4}, /* >10FFFF */
        {"\xF5\x80", "\xEF\xBF\xBD\xEF\xBF\xBD", 2},
        {"\xFE\xFF", "\xEF\xBF\xBD\xEF\xBF\xBD", 2},
        {"a\xE2\x82 b", "a\xEF\xBF\xBD b", 1},                        /* truncated, maximal */
        {"a\xE2\x82" "b", "a\xEF\xBF\xBD" "b", 1},
        {"\xF0\x9F\x98", "\xEF\xBF\xBD", 1},                          /* truncated at the end */
        {"\xF0\x9F\x98\n\xF0\x9F\x98\x80", "\xEF\xBF\xBD|\xF0\x9F\x98\x80", 1},
        {"\xC3\xA9\xC3", "\xC3\xA9\xEF\xBF\xBD", 1},
        {"\xE2\x82\xAC\xF4\x8F\xBF\xBF", "\xE2\x82\xAC\xF4\x8F\xBF\xBF", 0}, /* valid limits */
    };
    const struct tok_opts o = opts();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(expect_n(&o, cases[i].in, strlen(cases[i].in), cases[i].want, (int)i) == 0);
        CHECK_EQ(cases[i].n, last_stats.invalid);
    }
    return 0;
}

static int
test_long_tokens(void)
{
    struct tok_opts o = opts();
    o.max_token = 5;
    EXPECT(&o, "abcdefgh ab", "abcde ab");
    CHECK_EQ(1, last_stats.long_truncated);
    EXPECT(&o, "abcde", "abcde");
    CHECK_EQ(0, last_stats.long_truncated);
    /* never inside a code point: 3 x 2-byte e-acute is 6 bytes, 4 are kept */
    EXPECT(&o, "\xC3\xA9\xC3\xA9\xC3\xA9", "\xC3\xA9\xC3\xA9");
    /* a short code point after one that did not fit is not appended either */
    EXPECT(&o, "abc\xE2\x82\xAC" "d", "abc");
    EXPECT(&o, "abcdef-ghi x", "abcde x");
    o.skip_long = 1;
    EXPECT(&o, "abcdefgh ab abcdef, x", "ab , x");
    CHECK_EQ(2, last_stats.long_skipped);
    CHECK_EQ(0, last_stats.long_truncated);
    return 0;
}

static int
test_lower(void)
{
    static const uint32_t pairs[][2] = {
        {'A', 'a'},       {'z', 'z'},       {'@', '@'},       {0xC0, 0xE0},
        {0xDE, 0xFE},     {0xD7, 0xD7},     {0xDF, 0xDF},     {0x0100, 0x0101},
        {0x0101, 0x0101}, {0x0130, 0x0069}, {0x0131, 0x0131}, {0x0139, 0x013A},
        {0x0141, 0x0142}, {0x0152, 0x0153}, {0x0178, 0x00FF}, {0x017D, 0x017E},
        {0x017F, 0x017F}, {0x1E9E, 0x00DF}, {0x1EA0, 0x1EA1}, {0x0386, 0x03AC},
        {0x0388, 0x03AD}, {0x038C, 0x03CC}, {0x038F, 0x03CE}, {0x0391, 0x03B1},
        {0x03A3, 0x03C3}, {0x03C2, 0x03C2}, {0x03A9, 0x03C9}, {0x0400, 0x0450},
        {0x0401, 0x0451}, {0x0410, 0x0430}, {0x042F, 0x044F}, {0x0462, 0x0463},
        {0x04C1, 0x04C2}, {0x04D0, 0x04D1}, {0x0531, 0x0561}, {0xFF21, 0xFF41},
        {0x4E2D, 0x4E2D}, {0x1F600, 0x1F600},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        CHECK_EQ(pairs[i][1], tok_lower_cp(pairs[i][0]));
    struct tok_opts o = opts();
    o.lower = 1;
    /* İSTANBUL ΣΟΦΙΑ Ёлка ÀÉ: shorter and longer re-encodings */
    EXPECT(&o, "\xC4\xB0STANBUL \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91 \xD0\x81\xD0\xBB \xC3\x80\xC3\x89 \xE1\xBA\x9E",
           "istanbul \xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1 \xD1\x91\xD0\xbb \xC3\xA0\xC3\xA9 \xC3\x9F");
    EXPECT(&o, "Don't E-Mail", "don't e-mail");
    o.max_token = 4;
    EXPECT(&o, "AB\xC4\xB0" "CDE", "abic"); /* the limit applies to the lowercased bytes */
    return 0;
}

static int
test_callback_error_and_ranges(void)
{
    struct tok_opts o = opts();
    struct tok_state *t;
    memset(&col, 0, sizeof col);
    col.fail_with = WP_EIO;
    CHECK_EQ(WP_OK, tok_new(&t, &o, collect_cb, &col));
    CHECK_EQ(WP_OK, tok_feed(t, "a b", 3));
    CHECK_EQ(WP_EIO, tok_feed(t, "\nc", 2));
    CHECK_EQ(WP_EIO, tok_feed(t, "d", 1)); /* sticky */
    CHECK_EQ(WP_EIO, tok_flush(t));
    tok_free(t);
    o.max_sentence = 0;
    CHECK_EQ(WP_ERANGE, tok_new(&t, &o, collect_cb, &col));
    CHECK(t == NULL);
    o = opts();
    o.max_token = TOK_MAX_TOKEN_MIN - 1;
    CHECK_EQ(WP_ERANGE, tok_new(&t, &o, collect_cb, &col));
    tok_free(NULL);
    return 0;
}

static int
test_penn(void)
{
    struct tok_opts o = opts();
    o.penn = 1;
    EXPECT(&o, "I don't think we can't; John's cat", "I do n't think we ca n't ; John 's cat");
    EXPECT(&o, "they're we've I'll he'd I'm", "they 're we 've I 'll he 'd I 'm");
    EXPECT(&o, "don\xE2\x80\x99t it\xE2\x80\x99s", "do n\xE2\x80\x99t it \xE2\x80\x99s");
    EXPECT(&o, "O'Neil's rock'n'roll parents' 1960's", "O'Neil 's rock'n'roll parents ' 1960's");
    EXPECT(&o, "cannot dont gonna 7:30pm", "can not do nt gon na 7:30 pm");
    EXPECT(&o, "Al-Zaman e-mail non-stop well-known", "Al - Zaman e-mail non-stop well - known");
    EXPECT(&o, "call 713-853-3989 in 1999-2000", "call 713-853-3989 in 1999 - 2000");
    EXPECT(&o, "3.5 1,000 10:30 9/11 AT&T", "3.5 1,000 10:30 9/11 AT&T");
    EXPECT(&o, "Mr. Smith of the U.S. e.g. J. Edgar", "Mr. Smith of the U.S. e.g. J. Edgar");
    EXPECT(&o, "in the U.S.", "in the U.S .");  /* the line's last period is its own */
    EXPECT(&o, "etc. etc.\nMr.", "etc. etc .|Mr .");
    EXPECT(&o, "(see www.example.com/a, or a@b.org).", "( see www.example.com/a , or a@b.org ) .");
    EXPECT(&o, "Get-A-Free-House.com ENRON.XLS", "Get-A-Free-House.com ENRON.XLS");
    EXPECT(&o, "Wow!!! What?! wait... -- ok :)", "Wow !!! What ?! wait ... -- ok :)");
    EXPECT(&o, "\"Hi,\" she said.", "\" Hi , \" she said .");
    EXPECT(&o, "that 's in '72 and the '90s, not 'quoted' Analysis_0712",
           "that 's in '72 and the '90s , not ' quoted ' Analysis_0712");
    o.lower = 1;
    EXPECT(&o, "Don't", "do n't");
    o.lower = 0;
    o.drop_punct = 1;
    EXPECT(&o, "Yes, it's \"fine\"...", "Yes it 's fine");
    o = opts();
    o.penn = 1;
    o.max_token = 4;
    EXPECT(&o, "abcdefg's", "abcd 's");
    CHECK_EQ(1, last_stats.long_truncated);
    o = opts();
    o.penn = 1;
    o.whitespace = 1;
    struct tok_state *t;
    CHECK_EQ(WP_ERANGE, tok_new(&t, &o, collect_cb, &col));
    o.whitespace = 0;
    o.split_all_punct = 1;
    CHECK_EQ(WP_ERANGE, tok_new(&t, &o, collect_cb, &col));
    return 0;
}

static int
test_penn_long_chunk(void)
{
    struct tok_opts o = opts();
    o.penn = 1;
    o.max_token = 1 << 14;
    static char in[TOK_CHUNK_MAX + 16];
    memset(in, 'a', sizeof in);
    memcpy(in + TOK_CHUNK_MAX + 8, "'s!", 3);
    CHECK_EQ(WP_OK, run(&o, in, sizeof in, 100));
    /* cut at the chunk limit: a{4096} | a{8} 's ! a{5} */
    CHECK_EQ(5, last_stats.tokens);
    return 0;
}

static int
test_sentences(void)
{
    struct tok_opts o = opts();
    o.sentences = 1;
    EXPECT(&o, "It rained. Then it stopped! \"Why?\" (Nobody knew.) 3 left.",
           "It rained .|Then it stopped !|\" Why ? \"|( Nobody knew . )|3 left .");
    EXPECT(&o, "Mr. Smith met Dr. Jones in the U.S. Army. J. Edgar e.g. This.",
           "Mr . Smith met Dr . Jones in the U . S . Army .|J . Edgar e . g . This .");
    EXPECT(&o, "It costs 3.5 dollars. it goes on. 1. The list", "It costs 3.5 dollars . it goes on .|1 . The list");
    EXPECT(&o, "One.  Two.\nThree. Four", "One .|Two .|Three .|Four");
    EXPECT(&o, "Wait... What", "Wait . . .|What");
    o.penn = 1;
    EXPECT(&o, "He left the U.S. Then he didn't. Mr. X stayed.",
           "He left the U.S. Then he did n't .|Mr. X stayed .");
    o.penn = 0;
    o.max_sentence = 2;
    EXPECT(&o, "a b c. D", "a b|c .|D");
    return 0;
}

static int
test_lower_utf8(void)
{
    unsigned char out[32];
    const char *in = "A\xC4\xB0\xC3\x80\xE1\xBA\x9E" "z";
    const size_t n = tok_lower_utf8(out, (const unsigned char *)in, strlen(in));
    CHECK_EQ(7, n);
    CHECK(memcmp(out, "ai\xC3\xA0\xC3\x9Fz", 7) == 0);
    return 0;
}

/* the keys in their order, as "key=value ..." */
static const char *
keys_of(const struct rec_meta *m, char *out, size_t n)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rec_meta_count(m); i++) {
        const char *key, *str;
        int type;
        uint64_t u;
        double f;
        rec_meta_entry(m, i, &key, &type, &u, &f, &str);
        if (type == REC_META_STR)
            at += (size_t)snprintf(out + at, n - at, "%s%s=%s", i ? " " : "", key, str);
        else
            at += (size_t)snprintf(out + at, n - at, "%s%s=%llu", i ? " " : "", key,
                                   (unsigned long long)u);
    }
    return out;
}

static int
test_meta(void)
{
    struct tok_opts o;
    struct rec_meta *m = rec_meta_new();
    char buf[512];
    tok_opts_default(&o);
    o.max_sentence = 9;
    o.max_token = 100;
    CHECK(m != NULL);
    CHECK_EQ(WP_OK, tok_meta_put(m, &o, "c.txt", -1));
    CHECK_STR("lower=0 max_sentence=9 max_token=100 no_punct=0 split_all_punct=0 whitespace=0 "
              "source=c.txt", keys_of(m, buf, sizeof buf));
    rec_meta_free(m);
    CHECK((m = rec_meta_new()) != NULL);
    o.penn = o.lower = 1;
    CHECK_EQ(WP_OK, tok_meta_put(m, &o, "-", CONLLU_UPOS));
    CHECK_STR("lower=1 max_sentence=9 max_token=100 no_punct=0 split_all_punct=0 whitespace=0 "
              "source=- penn=1 conllu=1 conllu_column=upos", keys_of(m, buf, sizeof buf));
    rec_meta_free(m);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_text8_words), CHECK_CASE(test_ascii_punctuation),
           CHECK_CASE(test_joiners), CHECK_CASE(test_split_all_and_no_punct),
           CHECK_CASE(test_unicode_whitespace), CHECK_CASE(test_unicode_punctuation),
           CHECK_CASE(test_classes), CHECK_CASE(test_scripts_kept), CHECK_CASE(test_lines),
           CHECK_CASE(test_max_sentence), CHECK_CASE(test_unbounded_line),
           CHECK_CASE(test_nul_and_controls), CHECK_CASE(test_invalid_utf8),
           CHECK_CASE(test_long_tokens), CHECK_CASE(test_lower), CHECK_CASE(test_meta),
           CHECK_CASE(test_callback_error_and_ranges), CHECK_CASE(test_penn),
           CHECK_CASE(test_penn_long_chunk), CHECK_CASE(test_sentences),
           CHECK_CASE(test_lower_utf8))
