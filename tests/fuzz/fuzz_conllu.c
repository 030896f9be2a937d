/* fuzz_conllu.c - the CoNLL-U reader (lib/text/conllu.c) on arbitrary bytes. Byte 0 picks the
 * column, byte 1 the longest value and byte 2 a chunk size; the rest is the input, read
 * twice: fed whole and fed in chunks of that size (lines straddle chunks). The harness
 * aborts unless both give the same sentences, status, error line and message, and every
 * value emitted is non-empty, at most the longest value, valid UTF-8, without TAB, LF or
 * CR; every sentence has at least one word. */
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "fuzz.h"
#include "text/conllu.h"

struct sink {
    size_t max_field;
    uint64_t hash, words, sentences;
};

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    size_t k;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        k = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        k = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        k = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

static int
emit(void *ctx, const unsigned char *const *f, const size_t *len, size_t n)
{
    struct sink *s = ctx;
    if (n == 0)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (len[i] == 0 || len[i] > s->max_field)
            abort();
        for (size_t j = 0; j < len[i];) {
            const size_t k = utf8_seq(f[i] + j, len[i] - j);
            if (k == 0 || (k == 1 && (f[i][j] == '\t' || f[i][j] == '\n' || f[i][j] == '\r')))
                abort();
            j += k;
        }
        for (size_t j = 0; j < len[i]; j++)
            s->hash = (s->hash ^ f[i][j]) * 0x100000001b3ULL;
        s->hash = (s->hash ^ 0x100) * 0x100000001b3ULL;
    }
    s->hash = (s->hash ^ 0x200) * 0x100000001b3ULL;
    s->words += n;
    s->sentences++;
    return WP_OK;
}

/* Reads text in chunks of chunk bytes (0: all at once); the status, err gets the error. */
static int
run(int col, size_t max_field, const uint8_t *text, size_t n, size_t chunk, struct sink *s,
    uint64_t *err_line, char *err, size_t err_size)
{
    struct conllu *p;
    memset(s, 0, sizeof *s);
    s->max_field = max_field;
    s->hash = 0xcbf29ce484222325ULL;
    if (conllu_new(&p, col, max_field, emit, s) < 0)
        abort();
    int rc = WP_OK;
    for (size_t off = 0; rc == WP_OK && off < n;) {
        const size_t k = chunk == 0 || chunk > n - off ? n - off : chunk;
        rc = conllu_feed(p, text + off, k);
        off += k;
    }
    if (rc == WP_OK)
        rc = conllu_flush(p);
    *err_line = rc == WP_EFORMAT ? conllu_error_line(p) : 0;
    snprintf(err, err_size, "%s", rc == WP_EFORMAT ? conllu_error(p) : "");
    if (rc == WP_OK && (conllu_stats(p)->words != s->words ||
                        conllu_stats(p)->sentences != s->sentences))
        abort();
    conllu_free(p);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sink a, b;
    uint64_t la, lb;
    char ea[200], eb[200];
    if (size < 3)
        return 0;
    const int col = data[0] % CONLLU_FIELDS;
    const size_t max_field = data[1] == 0 ? 1000 : (size_t)data[1] % 32 + 1;
    const size_t chunk = data[2] % 16 + 1;
    const int ra = run(col, max_field, data + 3, size - 3, 0, &a, &la, ea, sizeof ea);
    const int rb = run(col, max_field, data + 3, size - 3, chunk, &b, &lb, eb, sizeof eb);
    if (ra != rb || la != lb || strcmp(ea, eb) != 0 || a.hash != b.hash || a.words != b.words)
        abort();
    if (ra != WP_OK && ra != WP_EFORMAT)
        abort();
    return 0;
}
