/* fuzz_tok.c - tok's tokenizer (lib/text/tokenize.c, with --penn and --sentences also
 * lib/text/tokenize_en.c) on arbitrary bytes. Bytes 0..3 pick the
 * options and a chunk size; the rest is the text. The text is tokenized twice, fed whole
 * and fed in chunks of that size (so UTF-8 sequences, CRLFs and tokens straddle chunks),
 * and the harness aborts unless both give the same sentences and statistics and every
 * token is non-empty, at most max_token bytes, valid UTF-8 and free of ASCII separators,
 * and every sentence has 1..max_sentence tokens. With sentences but not penn, the tokens
 * must be those of the default rules. */
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "fuzz.h"
#include "text/tokenize.h"

struct sink {
    const struct tok_opts *o;
    uint64_t hash, tokens;
    uint64_t thash; /* of the tokens only, not where sentences end */
};

/* Length of the valid UTF-8 sequence at s (shortest form, no surrogates, <= U+10FFFF),
 * or 0. */
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

static void
check_token(const unsigned char *t, size_t len, const struct tok_opts *o)
{
    if (len == 0 || len > o->max_token)
        abort();
    for (size_t i = 0; i < len;) {
        const size_t k = utf8_seq(t + i, len - i);
        if (k == 0)
            abort();
        if (k == 1 && (t[i] <= ' ' || t[i] == 0x7F))
            abort();
        i += k;
    }
}

static int
emit(void *ctx, const unsigned char *const *tok, const size_t *len, size_t n)
{
    struct sink *s = ctx;

    if (n == 0 || n > s->o->max_sentence)
        abort();
    for (size_t i = 0; i < n; i++) {
        check_token(tok[i], len[i], s->o);
        /* FNV-1a over the token and a separator */
        for (size_t j = 0; j < len[i]; j++) {
            s->hash = (s->hash ^ tok[i][j]) * 0x100000001b3ULL;
            s->thash = (s->thash ^ tok[i][j]) * 0x100000001b3ULL;
        }
        s->hash = (s->hash ^ 0x100) * 0x100000001b3ULL;
        s->thash = (s->thash ^ 0x100) * 0x100000001b3ULL;
    }
    s->hash = (s->hash ^ 0x200) * 0x100000001b3ULL;
    s->tokens += n;
    return WP_OK;
}

/* Tokenizes text in chunks of chunk bytes (0: all at once); 0 on success. */
static int
run(const struct tok_opts *o, const uint8_t *text, size_t n, size_t chunk, struct sink *s,
    struct tok_stats *st)
{
    struct tok_state *t;

    s->o = o;
    s->hash = s->thash = 0xcbf29ce484222325ULL;
    s->tokens = 0;
    if (tok_new(&t, o, emit, s) < 0)
        return -1;
    int rc = WP_OK;
    for (size_t off = 0; rc == WP_OK && off < n;) {
        const size_t k = chunk == 0 || chunk > n - off ? n - off : chunk;
        rc = tok_feed(t, text + off, k);
        off += k;
    }
    if (rc == WP_OK)
        rc = tok_flush(t);
    *st = *tok_stats(t);
    tok_free(t);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tok_opts o;
    struct sink a, b;
    struct tok_stats sa, sb;

    if (size < 4)
        return 0;
    tok_opts_default(&o);
    o.lower = data[0] & 1;
    o.split_all_punct = data[0] >> 1 & 1;
    o.drop_punct = data[0] >> 2 & 1;
    o.skip_long = data[0] >> 3 & 1;
    o.whitespace = data[0] >> 4 & 1;
    o.penn = data[0] >> 5 & 1;
    o.sentences = data[0] >> 6 & 1;
    if (o.penn)
        o.whitespace = o.split_all_punct = 0; /* tok_new refuses them together */
    if (data[1] != 0)
        o.max_sentence = data[1] % 16 + 1;
    if (data[2] != 0)
        o.max_token = TOK_MAX_TOKEN_MIN + data[2] % 60;
    const size_t chunk = data[3] % 16 + 1;

    const int ra = run(&o, data + 4, size - 4, 0, &a, &sa);
    const int rb = run(&o, data + 4, size - 4, chunk, &b, &sb);
    if (ra != rb || a.hash != b.hash || a.tokens != b.tokens || memcmp(&sa, &sb, sizeof sa) != 0)
        abort();
    if (ra == WP_OK && (sa.tokens != a.tokens || sa.bytes != size - 4))
        abort();
    if (o.sentences && !o.penn) {
        /* --sentences moves sentence ends only: the same tokens as without it */
        o.sentences = 0;
        if (run(&o, data + 4, size - 4, chunk, &b, &sb) != ra || b.thash != a.thash)
            abort();
    }
    return 0;
}
