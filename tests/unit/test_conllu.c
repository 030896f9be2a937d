/* test_conllu.c - the CoNLL-U reader: columns, multiword-token ranges and empty nodes
 * skipped, every malformed line reported with its number, at several chunk sizes; the
 * words lowercased and the sentences cut into pieces (conllu_set_output). */
#undef NDEBUG
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "text/conllu.h"

enum { OUT_MAX = 1 << 12 };

/* Sentences joined by '|', values by ' '. */
static char out[OUT_MAX];
static size_t out_len;
static uint64_t err_line;
static char err_msg[200];
static struct conllu_stats stats;
static size_t out_max_sentence; /* conllu_set_output's, for run() */
static int out_lower;

static int
collect(void *ctx, const unsigned char *const *f, const size_t *len, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (out_len + len[i] + 2 >= OUT_MAX)
            return WP_ERANGE;
        if (out_len > 0)
            out[out_len++] = i == 0 ? '|' : ' ';
        memcpy(out + out_len, f[i], len[i]);
        out_len += len[i];
    }
    out[out_len] = '\0';
    return WP_OK;
}

/* Reads in fed chunk bytes at a time, column col; the status, with out and err_*. */
static int
run(const char *in, int col, size_t chunk)
{
    struct conllu *p;
    out_len = 0;
    out[0] = '\0';
    if (conllu_new(&p, col, 16, collect, NULL) < 0)
        return -100;
    conllu_set_output(p, out_max_sentence, out_lower);
    const size_t n = strlen(in);
    int rc = WP_OK;
    for (size_t i = 0; i < n && rc == WP_OK; i += chunk)
        rc = conllu_feed(p, in + i, n - i < chunk ? n - i : chunk);
    if (rc == WP_OK)
        rc = conllu_flush(p);
    err_line = conllu_error_line(p);
    snprintf(err_msg, sizeof err_msg, "%s", conllu_error(p));
    stats = *conllu_stats(p);
    conllu_free(p);
    return rc;
}

/* in read at every chunk size gives want (or the error line and a message part). */
static int
expect(const char *in, int col, int want_rc, const char *want, uint64_t line, int src)
{
    static const size_t chunks[] = {1, 2, 3, 7, 4096};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        const int rc = run(in, col, chunks[i]);
        const int ok = want_rc == WP_OK ? rc == WP_OK && strcmp(out, want) == 0
                                        : rc == want_rc && err_line == line &&
                                              strstr(err_msg, want) != NULL;
        if (!ok) {
            fprintf(stderr, "line %d, chunk %zu: rc %d, out \"%s\", line %llu: %s\n", src,
                    chunks[i], rc, out, (unsigned long long)err_line, err_msg);
            return 1;
        }
    }
    return 0;
}

#define OK(in, col, want) CHECK(expect((in), (col), WP_OK, (want), 0, __LINE__) == 0)
#define BAD(in, line, what)                                                            \
    CHECK(expect((in), CONLLU_FORM, WP_EFORMAT, (what), (line), __LINE__) == 0)

#define W(id, form, upos) id "\t" form "\t" form "\t" upos "\tX\t_\t0\troot\t_\t_\n"

static const char doc[] = "# newdoc id = d\n"
                          "# text = I don't.\n" W("1", "I", "PRON")
                          "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n" W("2", "do", "AUX")
                          W("3", "n't", "PART") W("3.1", "go", "VERB") W("4", ".", "PUNCT")
                          "\n" W("1", "Hi", "INTJ");

static int
test_columns(void)
{
    OK(doc, CONLLU_FORM, "I do n't .|Hi");
    CHECK_EQ(2, stats.sentences);
    CHECK_EQ(5, stats.words);
    CHECK_EQ(1, stats.ranges);
    CHECK_EQ(1, stats.empty_nodes);
    CHECK_EQ(2, stats.comments);
    OK(doc, CONLLU_UPOS, "PRON AUX PART PUNCT|INTJ");
    OK(doc, CONLLU_ID, "1 2 3 4|1");
    OK(doc, CONLLU_MISC, "_ _ _ _|_");
    OK("", CONLLU_FORM, "");
    OK("\n\n" W("1", "a", "X") "\n\n\n" W("1", "b", "X") "\n", CONLLU_FORM, "a|b");
    OK(W("0.1", "e", "X") W("1", "a", "X") W("1.1", "e", "X") W("1.2", "f", "X"), CONLLU_FORM,
       "a");
    OK(W("1", "a b", "X"), CONLLU_FORM, "a b"); /* a space inside a FORM is allowed */
    return 0;
}

static int
test_column_names(void)
{
    CHECK_EQ(CONLLU_FORM, conllu_column("form"));
    CHECK_EQ(CONLLU_UPOS, conllu_column("UPOS"));
    CHECK_EQ(CONLLU_XPOS, conllu_column("5"));
    CHECK_EQ(CONLLU_MISC, conllu_column("10"));
    CHECK_EQ(CONLLU_ID, conllu_column("1"));
    CHECK_EQ(-1, conllu_column("0"));
    CHECK_EQ(-1, conllu_column("11"));
    CHECK_EQ(-1, conllu_column("pos"));
    CHECK_EQ(-1, conllu_column(""));
    CHECK_STR("deprel", conllu_column_name(CONLLU_DEPREL));
    CHECK(conllu_column_name(10) == NULL);
    return 0;
}

static int
test_malformed(void)
{
    BAD(W("1", "a", "X") "2\tb\n", 2, "2 TAB-separated fields, expected 10");
    BAD("1\ta\ta\tX\tX\t_\t0\troot\t_\t_\textra\n", 1, "more than 10");
    BAD("1\ta\t\tX\tX\t_\t0\troot\t_\t_\n", 1, "field 3 (lemma) is empty");
    BAD(W("1", "a", "X") W("3", "c", "X"), 2, "word ID 3, expected 2");
    BAD(W("2", "a", "X"), 1, "word ID 2, expected 1");
    BAD(W("01", "a", "X"), 1, "the ID is not");
    BAD(W("x", "a", "X"), 1, "the ID is not");
    BAD(W("1", "a", "X") W("2-2", "b", "X"), 2, "range 2-2");
    BAD(W("1", "a", "X") W("3-4", "b", "X"), 2, "must come right before word 3");
    BAD(W("1-3", "ab", "X") W("1", "a", "X") W("2-3", "b", "X"), 3, "overlaps");
    BAD(W("1-3", "ab", "X") W("1", "a", "X") W("2", "b", "X") "\n", 4,
        "ends at word 3, after the last word 2");
    BAD(W("1-2", "ab", "X") W("1", "a", "X"), 2, "ends at word 2");
    BAD(W("1", "a", "X") W("2.1", "e", "X"), 2, "empty node of word 2 after word 1");
    BAD(W("1", "a", "X") W("1.2", "e", "X"), 2, "empty node 1.2, expected 1.1");
    BAD(W("1.1-2", "a", "X"), 1, "the ID is not");
    BAD(W("1", "a", "X") "# late\n", 2, "comment inside a sentence");
    BAD("# only a comment\n\n", 2, "comment lines without a sentence");
    BAD("# only a comment\n", 1, "comment lines without a sentence");
    BAD(W("0.1", "e", "X") "\n", 2, "without words");
    BAD("1\ta\ta\tX\tX\t_\t0\troot\t_\t_\r\n", 1, "carriage return");
    BAD(W("1", "a\xC3", "X"), 1, "invalid UTF-8 at byte 4");
    BAD(W("1", "a\xED\xA0\x80", "X"), 1, "invalid UTF-8");
    BAD(W("1", "abcdefghijklmnopq", "X"), 1, "form of 17 bytes, longer than the maximum 16");
    return 0;
}

static int
test_long_line_and_errors(void)
{
    char *in = malloc(CONLLU_LINE_MAX + 16);
    CHECK(in != NULL);
    memset(in, 'a', CONLLU_LINE_MAX + 8);
    in[CONLLU_LINE_MAX + 8] = '\0';
    struct conllu *p;
    CHECK_EQ(WP_OK, conllu_new(&p, CONLLU_FORM, 16, collect, NULL));
    CHECK_EQ(WP_OK, conllu_feed(p, in, CONLLU_LINE_MAX + 8));
    CHECK_EQ(WP_EFORMAT, conllu_feed(p, "\n", 1));
    CHECK(strstr(conllu_error(p), "line longer than") != NULL);
    CHECK_EQ(1, conllu_error_line(p));
    conllu_free(p);
    free(in);
    CHECK_EQ(WP_ERANGE, conllu_new(&p, 10, 16, collect, NULL));
    CHECK(p == NULL);
    CHECK_EQ(WP_ERANGE, conllu_new(&p, -1, 16, collect, NULL));
    CHECK_EQ(WP_ERANGE, conllu_new(&p, CONLLU_FORM, 0, collect, NULL));
    CHECK_EQ(WP_ERANGE, conllu_new(&p, CONLLU_FORM, 16, NULL, NULL));
    conllu_free(NULL);
    return 0;
}

static int
fail_cb(void *ctx, const unsigned char *const *f, const size_t *len, size_t n)
{
    (void)ctx, (void)f, (void)len, (void)n;
    return WP_EIO;
}

static int
test_callback_error_and_reuse(void)
{
    struct conllu *p;
    CHECK_EQ(WP_OK, conllu_new(&p, CONLLU_FORM, 16, fail_cb, NULL));
    CHECK_EQ(WP_EIO, conllu_feed(p, W("1", "a", "X") "\n", sizeof(W("1", "a", "X"))));
    conllu_free(p);
    /* line numbers start again at 1 after a flush */
    CHECK_EQ(WP_OK, conllu_new(&p, CONLLU_FORM, 16, collect, NULL));
    CHECK_EQ(WP_OK, conllu_feed(p, W("1", "a", "X") "\n" W("1", "b", "X"),
                                strlen(W("1", "a", "X") "\n" W("1", "b", "X"))));
    CHECK_EQ(WP_OK, conllu_flush(p));
    CHECK_EQ(WP_EFORMAT, conllu_feed(p, "x\n", 2));
    CHECK_EQ(1, conllu_error_line(p));
    conllu_free(p);
    return 0;
}

static int
test_output_lower_and_cut(void)
{
    out_lower = 1;
    OK(doc, CONLLU_UPOS, "pron aux part punct|intj");
    out_max_sentence = 3;
    OK(doc, CONLLU_FORM, "i do n't|.|hi"); /* pieces of at most 3 words */
    CHECK_EQ(2, stats.sentences);          /* still counted as sentences */
    out_lower = 0;
    out_max_sentence = 1;
    OK(doc, CONLLU_ID, "1|2|3|4|1");
    out_max_sentence = 0;
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_columns), CHECK_CASE(test_column_names),
           CHECK_CASE(test_malformed), CHECK_CASE(test_long_line_and_errors),
           CHECK_CASE(test_callback_error_and_reuse), CHECK_CASE(test_output_lower_and_cut))
