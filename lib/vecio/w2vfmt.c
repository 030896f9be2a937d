/* w2vfmt.c - word2vec text and binary vectors: a buffered reader that checks every row, and
 * writers byte-compatible with word2vec.c. */
#include "w2vfmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bom.h"
#include "common/bytes.h"
#include "common/status.h"
#include "common/wordmap.h"

enum {
    RD_CHUNK = 1 << 20,         /* read size, and how much AUTO looks at to detect */
    RD_LINE_MAX = 1 << 28,      /* longest text line accepted */
    W2V_WORD_MAX = 1 << 16,     /* longest binary word accepted (catches text read as bin) */
    W2V_DIM_MAX = 1 << 20,      /* largest dimension accepted */
    W2V_RESERVE_MAX = 1 << 20,  /* rows reserved from the header before seeing them */
    W2V_RESERVE_BYTES = 1 << 26 /* and at most this much matrix: a header is only a claim */
};

/* ---- a buffered reader: the whole parser works on its bytes, never on stdio calls ---- */
struct rd {
    FILE *fp;
    unsigned char *buf;
    size_t pos, len, cap;
    int eof;
    int cut; /* the last line returned had no '\n': the input ended inside it */
};

/* Makes at least want bytes available from pos unless the input ends first. */
static int
rd_fill(struct rd *r, size_t want)
{
    while (r->len - r->pos < want && !r->eof) {
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->cap - r->len < RD_CHUNK / 2 || r->cap < want + 1) {
            size_t ncap = r->cap ? r->cap * 2 : RD_CHUNK;
            while (ncap < want + 1)
                ncap *= 2;
            unsigned char *nb = realloc(r->buf, ncap);
            if (nb == NULL)
                return WP_ENOMEM;
            r->buf = nb;
            r->cap = ncap;
        }
        const size_t got = fread(r->buf + r->len, 1, r->cap - r->len - 1, r->fp);
        r->len += got;
        if (got == 0) {
            if (ferror(r->fp))
                return WP_EIO;
            r->eof = 1;
        }
    }
    return WP_OK;
}

/* Next line, NUL-terminated in place without its '\n'. Returns 1, 0 at end of input, or an
 * error. The last line may lack its '\n' (r->cut says so). */
static int
rd_line(struct rd *r, char **line, size_t *len)
{
    size_t scanned = 0;
    for (;;) {
        unsigned char *nl = memchr(r->buf + r->pos + scanned, '\n', r->len - r->pos - scanned);
        if (nl != NULL) {
            *nl = '\0';
            *line = (char *)r->buf + r->pos;
            *len = (size_t)(nl - (r->buf + r->pos));
            r->pos += *len + 1;
            return 1;
        }
        scanned = r->len - r->pos;
        if (r->eof) {
            if (scanned == 0)
                return 0;
            r->buf[r->len] = '\0'; /* rd_fill always leaves one spare byte */
            *line = (char *)r->buf + r->pos;
            *len = scanned;
            r->pos = r->len;
            r->cut = 1;
            return 1;
        }
        if (scanned >= RD_LINE_MAX)
            return WP_ERANGE;
        WP_TRY(rd_fill(r, scanned + RD_CHUNK));
    }
}

/* ---- errors ---- */
static int
fail(struct w2vfmt_error *err, size_t line, int status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->line = line;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* ---- text parsing helpers ---- */
static int
is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static char *
skip_sep(char *p)
{
    while (is_sep(*p))
        p++;
    return p;
}

static size_t
count_fields(char *p)
{
    size_t n = 0;
    for (p = skip_sep(p); *p != '\0'; p = skip_sep(p)) {
        n++;
        while (*p != '\0' && !is_sep(*p))
            p++;
    }
    return n;
}

/* Parses "word v1 ... vd" in line (len bytes, NUL-terminated). On success *word points at
 * the word, NUL-terminated in place. */
static int
parse_row(char *line, size_t len, size_t d, char **word, float *x, size_t lineno,
          struct w2vfmt_error *err)
{
    if (memchr(line, '\0', len) != NULL)
        return fail(err, lineno, WP_EFORMAT, "NUL byte in line");
    char *p = skip_sep(line);
    if (*p == '\0')
        return fail(err, lineno, WP_EFORMAT, "empty line");
    if (p != line)
        return fail(err, lineno, WP_EFORMAT, "line starts with a space (no word)");
    while (*p != '\0' && !is_sep(*p))
        p++;
    char *const wend = p;
    for (size_t j = 0; j < d; j++) {
        p = skip_sep(p);
        if (*p == '\0')
            return fail(err, lineno, WP_EFORMAT,
                        "short vector line: expected %zu values, got %zu", d, j);
        char *end;
        errno = 0;
        const float f = strtof(p, &end);
        if (end == p || (*end != '\0' && !is_sep(*end))) {
            char *e = p;
            while (*e != '\0' && !is_sep(*e))
                e++;
            return fail(err, lineno, WP_EFORMAT, "value %zu is not a number: '%.*s'", j + 1,
                        (int)(e - p > 40 ? 40 : e - p), p);
        }
        if (!isfinite(f))
            return fail(err, lineno, WP_EFORMAT, "value %zu is not finite: '%.*s'", j + 1,
                        (int)(end - p > 40 ? 40 : end - p), p);
        x[j] = f;
        p = end;
    }
    p = skip_sep(p);
    if (*p != '\0')
        return fail(err, lineno, WP_EFORMAT,
                    "wrong dimension: expected %zu values, got %zu", d, d + count_fields(p));
    *wend = '\0';
    *word = line;
    return WP_OK;
}

/* "V D" with nothing else (trailing spaces, '\r' allowed). Returns 1 and sets v, d, or 0. */
static int
parse_header(const char *line, size_t len, size_t *v, size_t *d)
{
    unsigned long long a, b;
    int used = 0;
    if (len == 0 || line[0] < '0' || line[0] > '9')
        return 0;
    if (sscanf(line, "%llu %llu%n", &a, &b, &used) != 2)
        return 0;
    for (const char *p = line + used; *p != '\0'; p++)
        if (!is_sep(*p))
            return 0;
    if (a > SIZE_MAX || b > SIZE_MAX)
        return 0;
    *v = (size_t)a;
    *d = (size_t)b;
    return 1;
}

/* How many numbers follow the word on line (NUL-terminated); 0 if any field is not one. */
static size_t
text_row_values(const char *line)
{
    const char *p = line;
    if (*p == '\0' || is_sep(*p))
        return 0;
    while (*p != '\0' && !is_sep(*p))
        p++;
    size_t n = 0;
    for (;;) {
        while (is_sep(*p))
            p++;
        if (*p == '\0')
            return n;
        char *end;
        (void)strtof(p, &end); /* nan/inf count as numbers here; parse_row rejects them */
        if (end == p || (*end != '\0' && !is_sep(*end)))
            return 0;
        n++;
        p = end;
    }
}

/* Copies the first line of [s, s+n) (at most cap-1 bytes) NUL-terminated into out. */
static int
first_line(const unsigned char *s, size_t n, char *out, size_t cap, size_t *used)
{
    const unsigned char *nl = memchr(s, '\n', n);
    const size_t len = nl ? (size_t)(nl - s) : n;
    if (len >= cap || memchr(s, '\0', len) != NULL)
        return 0;
    memcpy(out, s, len);
    out[len] = '\0';
    *used = nl ? len + 1 : len;
    return 1;
}

/* Whether line (NUL-terminated, after a "V D" header) is a text row, right or wrong: a word,
 * then printable ASCII only, the last field a number. So a row with the wrong count or a bad
 * value is read as text and reported as such; a binary row's raw floats practically never
 * pass (their bytes are rarely all printable, and one holding a 0 byte never gets here). */
static int
text_row_like(const char *line)
{
    const char *p = line, *last = NULL;
    while (*p != '\0' && !is_sep(*p))
        p++;
    if (p == line)
        return 0;
    for (; *p != '\0'; p++) {
        const unsigned char c = (unsigned char)*p;
        if (is_sep(*p))
            continue;
        if (c < 0x20 || c > 0x7e)
            return 0;
        if (is_sep(p[-1]))
            last = p;
    }
    if (last == NULL)
        return 0;
    char *end;
    (void)strtof(last, &end);
    return end != last && (*end == '\0' || is_sep(*end));
}

/* Whether the bytes after a "V D" header start with text rows (text_row_like), looking at two
 * lines where there are two (a blank one passes): a binary row's floats hold a '\n' byte now
 * and then, and the few bytes before it can read as d numbers by chance ("x 1\n" for
 * d = 1, which was taken for text), but not twice. */
static int
rows_look_like_text(const unsigned char *s, size_t n, char *line, size_t cap)
{
    for (int i = 0; i < 2 && n > 0; i++) {
        size_t used;
        if (!first_line(s, n, line, cap, &used))
            return 0;
        if (line[skip_sep(line) - line] != '\0' && !text_row_like(line))
            return 0;
        s += used;
        n -= used;
    }
    return 1;
}

int
w2vfmt_detect(const unsigned char *head, size_t n)
{
    enum { LINE_CAP = 1 << 20 };
    char *line = malloc(LINE_CAP);
    size_t used, v, d;
    int fmt = WP_EFORMAT;
    if (line == NULL)
        return WP_ENOMEM;
    if (!first_line(head, n, line, LINE_CAP, &used))
        goto out;
    if (parse_header(line, used, &v, &d)) {
        fmt = W2VFMT_TEXT;
        if (v == 0 || used == n)
            goto out;
        if (!rows_look_like_text(head + used, n - used, line, LINE_CAP))
            fmt = W2VFMT_BIN;
    } else if (text_row_values(line) >= 1) {
        fmt = W2VFMT_NOHEADER;
    }
out:
    free(line);
    return fmt;
}

/* ---- the vector set being built ---- */
struct build {
    struct w2vfmt_vectors vs;
    size_t cap;
    struct wordmap *map;
};

static int
build_reserve(struct build *b, size_t rows)
{
    if (rows <= b->cap)
        return WP_OK;
    size_t ncap = b->cap ? b->cap : rows, bytes;
    while (ncap < rows)
        ncap *= 2;
    if (!size_mul_ok(ncap, b->vs.d, &bytes) || !size_mul_ok(bytes, sizeof(float), &bytes))
        return WP_ERANGE;
    float *nm = realloc(b->vs.m, bytes);
    if (nm == NULL)
        return WP_ENOMEM;
    b->vs.m = nm;
    char **nw = realloc(b->vs.words, ncap * sizeof *nw);
    if (nw == NULL)
        return WP_ENOMEM;
    b->vs.words = nw;
    b->cap = ncap;
    return WP_OK;
}

/* Row x was read into the next free matrix row; keeps it unless word is a duplicate. */
static int
build_add(struct build *b, const char *word, size_t wlen, size_t where)
{
    char *w = malloc(wlen + 1);
    if (w == NULL)
        return WP_ENOMEM;
    memcpy(w, word, wlen);
    w[wlen] = '\0';
    const int rc = wordmap_insert(b->map, w, wlen, (uint32_t)b->vs.v, NULL);
    if (rc < 0) {
        free(w);
        return rc;
    }
    if (rc == 0) {
        free(w);
        if (b->vs.dups++ == 0)
            b->vs.first_dup = where;
        return WP_OK;
    }
    b->vs.words[b->vs.v++] = w;
    return WP_OK;
}

static void
build_free(struct build *b)
{
    w2vfmt_free(&b->vs);
    wordmap_free(b->map);
}

/* ---- readers ---- */
static int
read_text_rows(struct rd *r, struct build *b, size_t expect, int has_expect, size_t lineno,
               struct w2vfmt_error *err)
{
    size_t rows = 0;
    char *line;
    size_t len;
    int rc;
    while ((rc = rd_line(r, &line, &len)) == 1) {
        lineno++;
        /* every writer ends the file with '\n': without it the last value may be cut short */
        if (r->cut)
            return fail(err, lineno, WP_EFORMAT, "file ends inside a line (no final newline)");
        if (has_expect && rows == expect) {
            if (line[skip_sep(line) - line] == '\0')
                continue; /* blank lines after the last row */
            return fail(err, lineno, WP_EFORMAT,
                        "header says %zu vectors, but more lines follow", expect);
        }
        if (!has_expect && line[skip_sep(line) - line] == '\0')
            continue;
        WP_TRY(build_reserve(b, b->vs.v + 1));
        char *word = NULL;
        WP_TRY(parse_row(line, len, b->vs.d, &word, b->vs.m + b->vs.v * b->vs.d, lineno, err));
        WP_TRY(build_add(b, word, strlen(word), lineno));
        rows++;
    }
    if (rc == WP_ERANGE)
        return fail(err, lineno + 1, WP_ERANGE, "line longer than %d bytes", RD_LINE_MAX);
    if (rc < 0)
        return rc;
    if (has_expect && rows < expect)
        return fail(err, lineno, WP_EFORMAT,
                    "header says %zu vectors, file has %zu", expect, rows);
    return WP_OK;
}

static int
read_bin_rows(struct rd *r, struct build *b, size_t expect, struct w2vfmt_error *err)
{
    const size_t d = b->vs.d, rowbytes = d * 4;
    for (size_t row = 0; row < expect; row++) {
        const size_t where = row + 2;
        WP_TRY(rd_fill(r, W2V_WORD_MAX + rowbytes + 2));
        while (r->pos < r->len && r->buf[r->pos] == '\n')
            r->pos++; /* word2vec.c ends each row with '\n'; gensim does not */
        const unsigned char *w = r->buf + r->pos;
        const size_t avail = r->len - r->pos;
        if (avail == 0)
            return fail(err, where, WP_EFORMAT,
                        "header says %zu vectors, file ends after %zu", expect, row);
        const unsigned char *sp = memchr(w, ' ', avail < W2V_WORD_MAX ? avail : W2V_WORD_MAX);
        if (sp == NULL)
            return fail(err, where, WP_EFORMAT, avail < W2V_WORD_MAX
                        ? "file ends inside a word (header says %zu vectors)"
                        : "no space after the word within %zu bytes (not a binary row?)",
                        avail < W2V_WORD_MAX ? expect : (size_t)W2V_WORD_MAX);
        const size_t wlen = (size_t)(sp - w);
        if (wlen == 0)
            return fail(err, where, WP_EFORMAT, "empty word");
        if (memchr(w, '\0', wlen) != NULL || memchr(w, '\n', wlen) != NULL)
            return fail(err, where, WP_EFORMAT, "word contains a NUL or newline byte");
        if (avail - wlen - 1 < rowbytes)
            return fail(err, where, WP_EFORMAT,
                        "file ends inside the vector of '%.*s' (row %zu of %zu)",
                        (int)(wlen > 40 ? 40 : wlen), (const char *)w, row + 1, expect);
        WP_TRY(build_reserve(b, b->vs.v + 1));
        float *x = b->vs.m + b->vs.v * d;
        const unsigned char *f = sp + 1;
        for (size_t j = 0; j < d; j++) {
            x[j] = f32_load(f + 4 * j);
            if (!isfinite(x[j]))
                return fail(err, where, WP_EFORMAT, "'%.*s': value %zu is not finite",
                            (int)(wlen > 40 ? 40 : wlen), (const char *)w, j + 1);
        }
        WP_TRY(build_add(b, (const char *)w, wlen, where));
        r->pos += wlen + 1 + rowbytes;
    }
    WP_TRY(rd_fill(r, 2));
    for (;;) {
        while (r->pos < r->len && (r->buf[r->pos] == '\n' || r->buf[r->pos] == ' '))
            r->pos++;
        if (r->pos < r->len)
            return fail(err, expect + 2, WP_EFORMAT,
                        "header says %zu vectors, but more data follows", expect);
        if (r->eof)
            return WP_OK;
        WP_TRY(rd_fill(r, 1));
    }
}

static int
start(struct build *b, size_t v, size_t d, struct w2vfmt_error *err, size_t line)
{
    if (d == 0 || d > W2V_DIM_MAX)
        return fail(err, line, WP_ERANGE, "dimension %zu out of range [1, %d]", d,
                    W2V_DIM_MAX);
    b->vs.d = d;
    WP_TRY(wordmap_create(&b->map, v < W2V_RESERVE_MAX ? v : W2V_RESERVE_MAX));
    /* found fuzzing (tests/fuzz/fuzz_w2v): the 16 bytes "1048576 1048576\n" reserved 4 TiB */
    size_t rows = v < W2V_RESERVE_MAX ? (v ? v : 1) : W2V_RESERVE_MAX;
    if (rows > W2V_RESERVE_BYTES / (d * sizeof(float)))
        rows = W2V_RESERVE_BYTES / (d * sizeof(float));
    return build_reserve(b, rows);
}

static int
read_all(struct rd *r, int format, struct build *b, struct w2vfmt_error *err)
{
    WP_TRY(rd_fill(r, RD_CHUNK));
    r->pos = utf8_bom_len(r->buf, r->len);
    if (r->len == r->pos)
        return fail(err, 0, WP_EEMPTY, "empty file");
    if (format == W2VFMT_AUTO) {
        format = w2vfmt_detect(r->buf + r->pos, r->len - r->pos);
        if (format < 0)
            return fail(err, 1, format, "not word2vec vectors (no \"V D\" header line and "
                        "no \"word value...\" first line)");
    }
    b->vs.format = format;
    char *line;
    size_t len, v, d;
    if (format == W2VFMT_NOHEADER) {
        /* peek the first row for d without consuming it */
        const unsigned char *row = r->buf + r->pos, *nl = memchr(row, '\n', r->len - r->pos);
        const size_t n = nl ? (size_t)(nl - row) : r->len - r->pos;
        char *tmp = malloc(n + 1);
        if (tmp == NULL)
            return WP_ENOMEM;
        memcpy(tmp, row, n);
        tmp[n] = '\0';
        d = text_row_values(tmp);
        free(tmp);
        if (d == 0)
            return fail(err, 1, WP_EFORMAT, "first line is not \"word value...\"");
        WP_TRY(start(b, 0, d, err, 1));
        return read_text_rows(r, b, 0, 0, 0, err);
    }
    const int rc = rd_line(r, &line, &len);
    if (rc < 0)
        return rc == WP_ERANGE ? fail(err, 1, WP_EFORMAT, "no header line") : rc;
    if (rc == 0 || !parse_header(line, len, &v, &d))
        return fail(err, 1, WP_EFORMAT, "bad header: expected \"<count> <dimension>\"");
    WP_TRY(start(b, v, d, err, 1));
    if (format == W2VFMT_BIN)
        return read_bin_rows(r, b, v, err);
    return read_text_rows(r, b, v, 1, 1, err);
}

int
w2vfmt_read(FILE *fp, int format, struct w2vfmt_vectors *out, struct w2vfmt_error *err)
{
    struct rd r = {.fp = fp};
    struct build b;
    memset(&b, 0, sizeof b);
    memset(out, 0, sizeof *out);
    if (err != NULL) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    if (format < W2VFMT_AUTO || format > W2VFMT_NOHEADER)
        return WP_ERANGE;
    const int rc = read_all(&r, format, &b, err);
    free(r.buf);
    wordmap_free(b.map);
    b.map = NULL;
    if (rc < 0) {
        if (err != NULL && err->msg[0] == '\0')
            snprintf(err->msg, sizeof err->msg, "%s", wp_strerror(rc));
        build_free(&b);
        return rc;
    }
    *out = b.vs;
    return WP_OK;
}

void
w2vfmt_free(struct w2vfmt_vectors *vs)
{
    if (vs->words != NULL)
        for (size_t i = 0; i < vs->v; i++)
            free(vs->words[i]);
    free(vs->words);
    free(vs->m);
    memset(vs, 0, sizeof *vs);
}

/* ---- writers ---- */
int
w2vfmt_word_ok(const char *w, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (w[i] == ' ' || w[i] == '\t' || w[i] == '\n' || w[i] == '\r' || w[i] == '\0')
            return 0;
    return len > 0;
}

static int
check_rows(const char *const *words, const float *m, size_t v, size_t d)
{
    for (size_t i = 0; i < v; i++) {
        if (!w2vfmt_word_ok(words[i], strlen(words[i])))
            return WP_EFORMAT;
        for (size_t j = 0; j < d; j++)
            if (!isfinite(m[i * d + j]))
                return WP_ERANGE;
    }
    return WP_OK;
}

/* Writes the "%lld %lld\n" header as word2vec.c does. */
static int
put_header(FILE *fp, size_t v, size_t d)
{
    char h[64];
    const int n = snprintf(h, sizeof h, "%lld %lld\n", (long long)v, (long long)d);
    return fwrite(h, 1, (size_t)n, fp) == (size_t)n ? WP_OK : WP_EIO;
}

/* "%lf" of a float, byte for byte, without snprintf's
 * cost (1 s of 7.1M values, a serial second at the end of training): x * 1e6 is exact in
 * double (a 24-bit significand times 15625 * 2^6), so rounding it to an integer half to
 * even (nearbyint in the default rounding mode) rounds as printf rounds x's exact decimal
 * value. printf itself takes what does not fit in 53 bits, infinities and NaN. */
size_t
w2vfmt_put_lf(char *p, size_t cap, float x)
{
    const double s = (double)x * 1e6;
    if (!(fabs(s) < 0x1p53))
        return (size_t)snprintf(p, cap, "%lf", (double)x);
    const uint64_t v = (uint64_t)nearbyint(fabs(s));
    uint64_t whole = v / 1000000, frac = v % 1000000;
    char digits[20];
    size_t n = 0, len = 0;
    do
        digits[n++] = (char)('0' + whole % 10);
    while ((whole /= 10) > 0);
    if (signbit(x))
        p[len++] = '-';
    while (n > 0)
        p[len++] = digits[--n];
    p[len++] = '.';
    for (size_t i = 6; i-- > 0; frac /= 10)
        p[len + i] = (char)('0' + frac % 10);
    return len + 6;
}

/* Rows are built in memory and written with fwrite (lib/ never calls the printing
 * functions; the bytes are those of word2vec.c's fprintf "%s ", "%lf " ..., "\n"). */
int
w2vfmt_write_text(FILE *fp, const char *const *words, const float *m, size_t v, size_t d)
{
    enum { VALUE_MAX = W2VFMT_LF_MAX + 1 }; /* and a space */
    WP_TRY(check_rows(words, m, v, d));
    size_t cap;
    if (!size_mul_ok(d, VALUE_MAX, &cap) || !size_add_ok(cap, 2, &cap))
        return WP_ERANGE;
    char *line = malloc(cap);
    if (line == NULL)
        return WP_ENOMEM;
    int rc = put_header(fp, v, d);
    for (size_t i = 0; i < v && rc == WP_OK; i++) {
        size_t n = 0;
        for (size_t j = 0; j < d; j++) {
            n += w2vfmt_put_lf(line + n, cap - n, m[i * d + j]);
            line[n++] = ' ';
        }
        line[n++] = '\n';
        const size_t wl = strlen(words[i]);
        if (fwrite(words[i], 1, wl, fp) != wl || putc(' ', fp) == EOF ||
            fwrite(line, 1, n, fp) != n)
            rc = WP_EIO;
    }
    free(line);
    return rc == WP_OK && ferror(fp) ? WP_EIO : rc;
}

int
w2vfmt_write_bin(FILE *fp, const char *const *words, const float *m, size_t v, size_t d)
{
    WP_TRY(check_rows(words, m, v, d));
    unsigned char *row;
    size_t bytes;
    if (!size_mul_ok(d, 4, &bytes) || (row = malloc(bytes + 1)) == NULL)
        return WP_ENOMEM;
    int rc = put_header(fp, v, d);
    for (size_t i = 0; i < v && rc == WP_OK; i++) {
        for (size_t j = 0; j < d; j++)
            f32_store(row + 4 * j, m[i * d + j]);
        row[bytes] = '\n';
        const size_t wl = strlen(words[i]);
        if (fwrite(words[i], 1, wl, fp) != wl || putc(' ', fp) == EOF ||
            fwrite(row, 1, bytes + 1, fp) != bytes + 1)
            rc = WP_EIO;
    }
    free(row);
    return rc == WP_OK && ferror(fp) ? WP_EIO : rc;
}
