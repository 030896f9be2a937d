/* conllu.c - CoNLL-U read line by line: a line is gathered (it may span chunks), checked
 * and, for a word line, its chosen field appended to the sentence being built. */
#include "conllu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/status.h"
#include "tokenize.h"

static const char *const col_names[CONLLU_FIELDS] = {
    "id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc",
};

struct conllu {
    int col;
    size_t max_field;
    conllu_emit_fn emit;
    void *ctx;
    size_t max_sentence; /* words per emit, 0: the whole sentence */
    int lower;           /* words lowercased into low first */
    struct buf low;
    struct conllu_stats st;

    struct buf line; /* the line being gathered, without its LF */
    int line_long;   /* it went past CONLLU_LINE_MAX */
    uint64_t lineno; /* of the line being gathered, from 1 */

    /* the sentence: field values back to back, end offset of each */
    struct buf text;
    size_t *ends;
    const unsigned char **ptrs;
    size_t *lens;
    size_t nword, ncap;
    int has_lines;     /* a comment or token line since the last sentence end */
    int has_tokens;    /* a token line since the last sentence end */
    uint64_t last_id;  /* the last word ID, 0 before the first */
    uint64_t range_to; /* the end of the last range, 0 before the first */
    uint64_t empty_at, empty_n; /* the last empty node, empty_at.empty_n */

    uint64_t err_line;
    char err[160];
};

int
conllu_column(const char *name)
{
    for (int i = 0; i < CONLLU_FIELDS; i++) {
        const char *a = name, *b = col_names[i];
        while (*a != '\0' && (*a | 0x20) == *b)
            a++, b++;
        if (*a == '\0' && *b == '\0')
            return i;
    }
    if (name[0] >= '1' && name[0] <= '9' && name[1] == '\0')
        return name[0] - '1';
    if (strcmp(name, "10") == 0)
        return CONLLU_MISC;
    return -1;
}

const char *
conllu_column_name(int col)
{
    return col >= 0 && col < CONLLU_FIELDS ? col_names[col] : NULL;
}

static int fail(struct conllu *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records what is wrong with the current line; returns WP_EFORMAT. */
static int
fail(struct conllu *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->err_line = p->lineno;
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    return WP_EFORMAT;
}

/* The offset of the first byte of s[0..n) that is not valid UTF-8, or n. */
static size_t
utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const unsigned c = s[i];
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : lo;
            hi = c == 0xED ? 0x9F : hi;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            lo = c == 0xF0 ? 0x90 : lo;
            hi = c == 0xF4 ? 0x8F : hi;
        } else {
            return i;
        }
        if (n - i <= need)
            return i;
        for (size_t k = 1; k <= need; k++) {
            if (s[i + k] < lo || s[i + k] > hi)
                return i;
            lo = 0x80;
            hi = 0xBF;
        }
        i += need + 1;
    }
    return n;
}

/* A decimal number without sign or leading zero in s[0..n), 0 < n <= 9: 1, else 0. */
static int
parse_uint(const unsigned char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 9 || (s[0] == '0' && n > 1))
        return 0;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return 1;
}

static int
add_word(struct conllu *p, const unsigned char *f, size_t n)
{
    if (n > p->max_field)
        return fail(p, "%s of %zu bytes, longer than the maximum %zu", col_names[p->col], n,
                    p->max_field);
    if (p->nword == p->ncap) {
        const size_t cap = p->ncap ? p->ncap * 2 : 64;
        size_t *e = realloc(p->ends, cap * sizeof *e);
        if (e != NULL)
            p->ends = e;
        size_t *l = e ? realloc(p->lens, cap * sizeof *l) : NULL;
        if (l != NULL)
            p->lens = l;
        const unsigned char **q = l ? realloc(p->ptrs, cap * sizeof *q) : NULL;
        if (q == NULL)
            return WP_ENOMEM;
        p->ptrs = q;
        p->ncap = cap;
    }
    WP_TRY(buf_put(&p->text, f, n));
    p->ends[p->nword++] = p->text.len;
    return WP_OK;
}

/* The blank line (or the end of the input) after a sentence. */
/* The sentence in ptrs/lens to the callback as the caller asked (conllu_set_output):
 * lowercased, in pieces of at most max_sentence words. */
static int
emit_out(struct conllu *p)
{
    if (p->lower) {
        size_t total = 0, off = 0;
        for (size_t i = 0; i < p->nword; i++)
            total += p->lens[i];
        buf_clear(&p->low);
        WP_TRY(buf_reserve(&p->low, total));
        for (size_t i = 0; i < p->nword; i++) {
            const unsigned char *src = p->ptrs[i];
            p->ptrs[i] = p->low.p + off;
            p->lens[i] = tok_lower_utf8(p->low.p + off, src, p->lens[i]);
            off += p->lens[i];
        }
    }
    const size_t max = p->max_sentence ? p->max_sentence : p->nword;
    for (size_t i = 0; i < p->nword; i += max)
        WP_TRY(p->emit(p->ctx, p->ptrs + i, p->lens + i, p->nword - i < max ? p->nword - i : max));
    return WP_OK;
}

static int
end_sentence(struct conllu *p)
{
    if (!p->has_lines)
        return WP_OK;
    if (!p->has_tokens)
        return fail(p, "comment lines without a sentence after them");
    if (p->nword == 0)
        return fail(p, "a sentence without words (only ranges or empty nodes)");
    if (p->range_to > p->last_id)
        return fail(p, "a multiword token ends at word %llu, after the last word %llu",
                    (unsigned long long)p->range_to, (unsigned long long)p->last_id);
    size_t start = 0;
    for (size_t i = 0; i < p->nword; i++) {
        p->ptrs[i] = p->text.p + start;
        p->lens[i] = p->ends[i] - start;
        start = p->ends[i];
    }
    const int rc = emit_out(p);
    p->st.sentences++;
    p->nword = 0;
    buf_clear(&p->text);
    p->has_lines = p->has_tokens = 0;
    p->last_id = p->range_to = p->empty_at = p->empty_n = 0;
    return rc < 0 ? rc : WP_OK;
}

/* A token line's ID field s[0..n): a word, a range or an empty node. */
static int
check_id(struct conllu *p, const unsigned char *s, size_t n, int *is_word)
{
    const unsigned char *dash = memchr(s, '-', n), *dot = memchr(s, '.', n);
    uint64_t a, b;
    *is_word = 0;
    if (dash == NULL && dot == NULL) {
        if (!parse_uint(s, n, &a) || a == 0)
            return fail(p, "the ID is not a word number, a range a-b or an empty node a.b");
        if (a != p->last_id + 1)
            return fail(p, "word ID %llu, expected %llu", (unsigned long long)a,
                        (unsigned long long)(p->last_id + 1));
        p->last_id = a;
        p->empty_at = a;
        p->empty_n = 0;
        *is_word = 1;
        return WP_OK;
    }
    const unsigned char *sep = dash != NULL ? dash : dot;
    if ((dash != NULL && dot != NULL) || !parse_uint(s, (size_t)(sep - s), &a) ||
        !parse_uint(sep + 1, n - (size_t)(sep + 1 - s), &b))
        return fail(p, "the ID is not a word number, a range a-b or an empty node a.b");
    if (dash != NULL) {
        if (a == 0 || b <= a)
            return fail(p, "range %llu-%llu: its first word must be 1 or more and before "
                        "its last", (unsigned long long)a, (unsigned long long)b);
        if (a != p->last_id + 1)
            return fail(p, "range %llu-%llu must come right before word %llu",
                        (unsigned long long)a, (unsigned long long)b, (unsigned long long)a);
        if (a <= p->range_to)
            return fail(p, "range starting at %llu overlaps the range ending at %llu",
                        (unsigned long long)a, (unsigned long long)p->range_to);
        p->range_to = b;
        p->st.ranges++;
        return WP_OK;
    }
    if (a != p->last_id)
        return fail(p, "empty node of word %llu after word %llu", (unsigned long long)a,
                    (unsigned long long)p->last_id);
    if (b != p->empty_n + 1)
        return fail(p, "empty node %llu.%llu, expected %llu.%llu", (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)a,
                    (unsigned long long)(p->empty_n + 1));
    p->empty_n = b;
    p->st.empty_nodes++;
    return WP_OK;
}

static int
do_line(struct conllu *p, const unsigned char *s, size_t n)
{
    p->st.lines++;
    if (p->line_long)
        return fail(p, "line longer than %d bytes", CONLLU_LINE_MAX);
    if (memchr(s, '\r', n) != NULL)
        return fail(p, "carriage return in the line (CRLF line ends?)");
    const size_t bad = utf8_check(s, n);
    if (bad < n)
        return fail(p, "invalid UTF-8 at byte %zu", bad + 1);
    if (n == 0)
        return end_sentence(p);
    if (s[0] == '#') {
        if (p->has_tokens)
            return fail(p, "a comment inside a sentence, after its first token line");
        p->has_lines = 1;
        p->st.comments++;
        return WP_OK;
    }
    const unsigned char *f[CONLLU_FIELDS];
    size_t len[CONLLU_FIELDS], nf = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\t')
            continue;
        if (nf == CONLLU_FIELDS)
            return fail(p, "more than %d TAB-separated fields", CONLLU_FIELDS);
        f[nf] = s + start;
        len[nf++] = i - start;
        start = i + 1;
    }
    if (nf != CONLLU_FIELDS)
        return fail(p, "%zu TAB-separated field%s, expected %d", nf, nf == 1 ? "" : "s",
                    CONLLU_FIELDS);
    for (size_t i = 0; i < CONLLU_FIELDS; i++)
        if (len[i] == 0)
            return fail(p, "field %zu (%s) is empty", i + 1, col_names[i]);
    p->has_lines = p->has_tokens = 1;
    int is_word;
    WP_TRY(check_id(p, f[0], len[0], &is_word));
    if (!is_word)
        return WP_OK;
    p->st.words++;
    return add_word(p, f[p->col], len[p->col]);
}

int
conllu_feed(struct conllu *p, const void *buf, size_t n)
{
    const unsigned char *s = buf, *const end = s + n;
    while (s < end) {
        const unsigned char *nl = memchr(s, '\n', (size_t)(end - s));
        const unsigned char *stop = nl != NULL ? nl : end;
        const size_t k = (size_t)(stop - s);
        if (p->line.len + k > CONLLU_LINE_MAX)
            p->line_long = 1;
        else if (nl != NULL && p->line.len == 0)
            ; /* the whole line is in buf: no copy */
        else
            WP_TRY(buf_put(&p->line, s, k));
        if (nl == NULL)
            break;
        const int rc = p->line.len == 0 && !p->line_long ? do_line(p, s, k)
                                                         : do_line(p, p->line.p, p->line.len);
        if (rc < 0)
            return rc;
        buf_clear(&p->line);
        p->line_long = 0;
        p->lineno++;
        s = nl + 1;
    }
    return WP_OK;
}

int
conllu_flush(struct conllu *p)
{
    if (p->line.len > 0 || p->line_long) {
        WP_TRY(do_line(p, p->line.p, p->line.len));
        buf_clear(&p->line);
        p->line_long = 0;
        p->lineno++;
    }
    if (p->lineno > 1)
        p->lineno--; /* errors at the end of the input name its last line */
    WP_TRY(end_sentence(p));
    p->lineno = 1;
    return WP_OK;
}

int
conllu_new(struct conllu **out, int col, size_t max_field, conllu_emit_fn emit, void *ctx)
{
    *out = NULL;
    if (col < 0 || col >= CONLLU_FIELDS || max_field == 0 || emit == NULL)
        return WP_ERANGE;
    struct conllu *p = calloc(1, sizeof *p);
    if (p == NULL)
        return WP_ENOMEM;
    p->col = col;
    p->max_field = max_field;
    p->emit = emit;
    p->ctx = ctx;
    p->lineno = 1;
    *out = p;
    return WP_OK;
}

uint64_t
conllu_error_line(const struct conllu *p)
{
    return p->err_line;
}

const char *
conllu_error(const struct conllu *p)
{
    return p->err;
}

const struct conllu_stats *
conllu_stats(const struct conllu *p)
{
    return &p->st;
}

void
conllu_free(struct conllu *p)
{
    if (p == NULL)
        return;
    buf_free(&p->line);
    buf_free(&p->text);
    buf_free(&p->low);
    free(p->ends);
    free(p->lens);
    free(p->ptrs);
    free(p);
}

void
conllu_set_output(struct conllu *p, size_t max_sentence, int lower)
{
    p->max_sentence = max_sentence;
    p->lower = lower;
}
