/* tokenize.c - the UTF-8 tokenizer: a byte-at-a-time state machine with a fast path for
 * runs of ASCII word bytes. The state (a partial UTF-8 sequence, an open token, a joiner
 * waiting for its right neighbour) survives between tok_feed calls, so chunk boundaries
 * never change the result. */
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "tokenize_en.h"

#define TOK_REPLACEMENT 0xFFFDu

/* ASCII byte classes for the fast path; C_HIGH sends the byte to the UTF-8 decoder. */
enum { C_WORD, C_SPACE, C_NL, C_NUL, C_CTRL, C_PUNCT, C_JOIN, C_JOIN_NUM, C_HIGH };

struct tok_state {
    struct tok_opts o;
    tok_emit_fn emit;
    void *ctx;
    struct tok_stats st;
    int err; /* sticky: a failed callback or allocation */

    /* the sentence being built: token bytes back to back, end offset of each */
    unsigned char *text;
    size_t tlen, tcap;
    size_t *ends;
    const unsigned char **ptrs;
    size_t *lens;
    size_t ntok, ncap;

    /* the open word token, if any, starts at text + tstart */
    size_t tstart;
    int in_word, too_long, last_digit;
    uint32_t joiner;     /* a joiner seen right after a word character, 0 if none */
    int joiner_num;      /* it joins digits only */
    int line_has_bytes;  /* something other than a line end since the last line end */
    int line_full;       /* a sentence of this line was emitted at max_sentence */
    int line_counted;    /* this line was counted in lines_split */

    /* a partial UTF-8 sequence: code point so far, bytes still needed, next byte range */
    uint32_t ucp;
    int uneed;
    unsigned char ulo, uhi;

    /* --penn, --sentences: the code points since the last separator (the chunk), cut
     * into tokens and checked for a sentence end when the next chunk or the line end
     * comes */
    int chunked;
    uint32_t *chunk;
    struct tok_span *spans;
    size_t clen;
    int chunk_closed; /* a separator followed the chunk */

    unsigned char ascii_class[256]; /* ascii_class_of, looked up */
    unsigned char ascii_lower[128];
};

/* The class of an ASCII byte; the same rules fill each state's lookup table. */
static unsigned char
ascii_class_of(unsigned c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return C_WORD;
    if (c == '\n' || c == '\r')
        return C_NL;
    if (c == '\t' || c == '\v' || c == '\f' || c == ' ')
        return C_SPACE;
    if (c == 0)
        return C_NUL;
    if (c < 0x20 || c == 0x7F)
        return C_CTRL;
    if (c == '\'' || c == '-')
        return C_JOIN;
    if (c == '.' || c == ',')
        return C_JOIN_NUM;
    return c < 0x80 ? C_PUNCT : C_HIGH;
}

/* ------------------------------------------------------------ character data */

/* Non-ASCII punctuation, as inclusive ranges sorted by start. */
static const uint32_t punct_ranges[][2] = {
    {0x00A1, 0x00A1}, {0x00A7, 0x00A7}, {0x00AB, 0x00AB}, {0x00B6, 0x00B7},
    {0x00BB, 0x00BB}, {0x00BF, 0x00BF}, {0x037E, 0x037E}, {0x0387, 0x0387},
    {0x055A, 0x055F}, {0x0589, 0x058A}, {0x05BE, 0x05BE}, {0x05C0, 0x05C0},
    {0x05C3, 0x05C3}, {0x05C6, 0x05C6}, {0x05F3, 0x05F4}, {0x060C, 0x060D},
    {0x061B, 0x061B}, {0x061D, 0x061F}, {0x066A, 0x066D}, {0x06D4, 0x06D4},
    {0x0964, 0x0965}, {0x0970, 0x0970}, {0x0E4F, 0x0E4F}, {0x0E5A, 0x0E5B},
    {0x2010, 0x2027}, {0x2030, 0x205E}, {0x2E00, 0x2E7F}, {0x3001, 0x3003},
    {0x3008, 0x3011}, {0x3014, 0x301F}, {0x3030, 0x3030}, {0x303D, 0x303D},
    {0x30FB, 0x30FB}, {0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE61},
    {0xFE63, 0xFE63}, {0xFE68, 0xFE68}, {0xFE6A, 0xFE6B}, {0xFF01, 0xFF0F},
    {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65},
};

static int
in_ranges(uint32_t cp, const uint32_t (*r)[2], size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (cp < r[mid][0])
            hi = mid;
        else if (cp > r[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

enum tok_class
tok_class_cp(uint32_t cp)
{
    if (cp < 0x80) {
        switch (ascii_class_of(cp)) {
        case C_WORD: return TOK_WORD;
        case C_PUNCT: return TOK_PUNCT;
        case C_JOIN: return TOK_JOIN;
        case C_JOIN_NUM: return TOK_JOIN_NUM;
        default: return TOK_SPACE;
        }
    }
    if (cp < 0xA1)
        return TOK_SPACE; /* C1 controls, U+0085 NEL, U+00A0 NBSP */
    if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF)
        return TOK_SPACE;
    if (cp == 0x2010 || cp == 0x2011 || cp == 0x2019)
        return TOK_JOIN;
    if (in_ranges(cp, punct_ranges, sizeof punct_ranges / sizeof punct_ranges[0]))
        return TOK_PUNCT;
    return TOK_WORD;
}

/* Case pairs laid out as upper at even (or odd) code points, lower right after. */
static uint32_t
lower_pair(uint32_t cp, uint32_t lo, uint32_t hi, unsigned parity)
{
    if (cp >= lo && cp <= hi && (cp & 1u) == parity)
        return cp + 1;
    return cp;
}

static uint32_t
lower_latin(uint32_t cp)
{
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7))
        return cp + 32;
    if (cp < 0x100)
        return cp;
    if (cp == 0x0130)
        return 0x0069; /* I WITH DOT ABOVE: the simple mapping, plain i */
    if (cp == 0x0178)
        return 0x00FF;
    if (cp <= 0x0137)
        return lower_pair(cp, 0x0100, 0x0137, 0);
    if (cp <= 0x0148)
        return lower_pair(cp, 0x0139, 0x0148, 1);
    if (cp <= 0x0177)
        return lower_pair(cp, 0x014A, 0x0177, 0);
    if (cp <= 0x017E)
        return lower_pair(cp, 0x0179, 0x017E, 1);
    if (cp == 0x1E9E)
        return 0x00DF; /* CAPITAL SHARP S */
    if (cp >= 0x1E00 && cp <= 0x1E95)
        return lower_pair(cp, 0x1E00, 0x1E95, 0);
    if (cp >= 0x1EA0 && cp <= 0x1EFF)
        return lower_pair(cp, 0x1EA0, 0x1EFF, 0);
    return cp;
}

static uint32_t
lower_greek_cyrillic(uint32_t cp)
{
    if (cp < 0x0400) {
        if (cp == 0x0386)
            return 0x03AC;
        if (cp >= 0x0388 && cp <= 0x038A)
            return cp + 37;
        if (cp == 0x038C)
            return 0x03CC;
        if (cp == 0x038E || cp == 0x038F)
            return cp + 63;
        if ((cp >= 0x0391 && cp <= 0x03A1) || (cp >= 0x03A3 && cp <= 0x03AB))
            return cp + 32;
        return lower_pair(cp, 0x03D8, 0x03EF, 0);
    }
    if (cp <= 0x040F)
        return cp + 80;
    if (cp <= 0x042F)
        return cp + 32;
    if (cp <= 0x0481)
        return lower_pair(cp, 0x0460, 0x0481, 0);
    if (cp >= 0x048A && cp <= 0x04BF)
        return lower_pair(cp, 0x048A, 0x04BF, 0);
    if (cp == 0x04C0)
        return 0x04CF;
    if (cp >= 0x04C1 && cp <= 0x04CE)
        return lower_pair(cp, 0x04C1, 0x04CE, 1);
    if (cp >= 0x04D0 && cp <= 0x052F)
        return lower_pair(cp, 0x04D0, 0x052F, 0);
    if (cp >= 0x0531 && cp <= 0x0556)
        return cp + 48; /* Armenian */
    return cp;
}

uint32_t
tok_lower_cp(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp < 0x0180 || (cp >= 0x1E00 && cp <= 0x1EFF))
        return lower_latin(cp);
    if (cp >= 0x0370 && cp <= 0x0556)
        return lower_greek_cyrillic(cp);
    if (cp >= 0xFF21 && cp <= 0xFF3A)
        return cp + 32; /* fullwidth A-Z */
    return cp;
}

static size_t
utf8_encode(unsigned char *s, uint32_t cp)
{
    if (cp < 0x80) {
        s[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        s[0] = (unsigned char)(0xC0 | (cp >> 6));
        s[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        s[0] = (unsigned char)(0xE0 | (cp >> 12));
        s[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    s[0] = (unsigned char)(0xF0 | (cp >> 18));
    s[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    s[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    s[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t
tok_lower_utf8(unsigned char *dst, const unsigned char *src, size_t n)
{
    size_t i = 0, o = 0;
    while (i < n) {
        const unsigned c = src[i];
        const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t k = 1; k < len && i + k < n; k++)
            cp = (cp << 6) | (src[i + k] & 0x3Fu);
        i += len;
        o += utf8_encode(dst + o, tok_lower_cp(cp));
    }
    return o;
}

/* ------------------------------------------------------------ sentence building */

static int
reserve_text(struct tok_state *t, size_t extra)
{
    if (t->tcap - t->tlen >= extra)
        return WP_OK;
    size_t cap = t->tcap ? t->tcap : 4096;
    while (cap - t->tlen < extra)
        cap *= 2;
    unsigned char *p = realloc(t->text, cap);
    if (p == NULL)
        return WP_ENOMEM;
    t->text = p;
    t->tcap = cap;
    return WP_OK;
}

static int
emit_sentence(struct tok_state *t)
{
    if (t->ntok == 0)
        return WP_OK;
    size_t start = 0;
    for (size_t i = 0; i < t->ntok; i++) {
        t->ptrs[i] = t->text + start;
        t->lens[i] = t->ends[i] - start;
        start = t->ends[i];
    }
    const int rc = t->emit(t->ctx, t->ptrs, t->lens, t->ntok);
    t->st.sentences++;
    t->st.tokens += t->ntok;
    t->ntok = 0;
    t->tlen = 0;
    return rc < 0 ? rc : WP_OK;
}

/* Closes the token that occupies text[tstart, tlen). */
static int
push_token(struct tok_state *t)
{
    if (t->ntok == t->ncap) {
        size_t cap = t->ncap ? t->ncap * 2 : 64;
        if (cap > t->o.max_sentence)
            cap = t->o.max_sentence;
        size_t *e = realloc(t->ends, cap * sizeof *e);
        if (e != NULL)
            t->ends = e;
        size_t *l = e ? realloc(t->lens, cap * sizeof *l) : NULL;
        if (l != NULL)
            t->lens = l;
        const unsigned char **p = l ? realloc(t->ptrs, cap * sizeof *p) : NULL;
        if (p == NULL)
            return WP_ENOMEM;
        t->ptrs = p;
        t->ncap = cap;
    }
    if (t->ntok == 0 && t->line_full && !t->line_counted) {
        t->st.lines_split++;
        t->line_counted = 1;
    }
    t->ends[t->ntok++] = t->tlen;
    if (t->ntok == t->o.max_sentence) {
        t->line_full = 1;
        return emit_sentence(t);
    }
    return WP_OK;
}

static int
end_word(struct tok_state *t)
{
    if (!t->in_word)
        return WP_OK;
    t->in_word = 0;
    if (t->too_long) {
        t->too_long = 0;
        if (t->o.skip_long) {
            t->st.long_skipped++;
            t->tlen = t->tstart;
            return WP_OK;
        }
        t->st.long_truncated++;
    }
    return push_token(t);
}

/* Appends one code point to the open word, starting one if needed. */
static int
word_put(struct tok_state *t, uint32_t cp)
{
    if (!t->in_word) {
        t->in_word = 1;
        t->tstart = t->tlen;
    }
    if (t->too_long)
        return WP_OK; /* cut at the last code point that fitted */
    if (t->o.lower)
        cp = tok_lower_cp(cp);
    unsigned char s[4];
    const size_t n = utf8_encode(s, cp);
    if (t->tlen - t->tstart + n > t->o.max_token) {
        t->too_long = 1;
        return WP_OK;
    }
    WP_TRY(reserve_text(t, n));
    memcpy(t->text + t->tlen, s, n);
    t->tlen += n;
    t->last_digit = cp >= '0' && cp <= '9';
    return WP_OK;
}

/* The fast path: a run of ASCII word bytes from p, copied (and lowercased) in one pass,
 * then the run of spaces after it. Returns where it stopped; errors go to t->err. */
static const unsigned char *
ascii_run(struct tok_state *t, const unsigned char *p, const unsigned char *const end)
{
    const unsigned char *const cls = t->ascii_class;
    if (!t->in_word) {
        t->in_word = 1;
        t->tstart = t->tlen;
    }
    const size_t room = t->too_long ? 0 : t->o.max_token - (t->tlen - t->tstart);
    if ((t->err = reserve_text(t, room)) < 0)
        return p;
    unsigned char *d = t->text + t->tlen, *const d0 = d;
    const unsigned char *const stop = (size_t)(end - p) > room ? p + room : end;
    if (t->o.lower) {
        while (p < stop && cls[*p] == C_WORD)
            *d++ = t->ascii_lower[*p++];
    } else {
        while (p < stop && cls[*p] == C_WORD)
            *d++ = *p++;
    }
    if (d > d0) {
        t->tlen += (size_t)(d - d0);
        t->last_digit = d[-1] >= '0' && d[-1] <= '9';
    }
    if (p < end && cls[*p] == C_WORD) { /* hit max_token: drop the rest of the run */
        t->too_long = 1;
        while (p < end && cls[*p] == C_WORD)
            p++;
    }
    if (p < end && cls[*p] == C_SPACE) {
        if ((t->err = end_word(t)) < 0)
            return p;
        while (p < end && cls[*p] == C_SPACE)
            p++;
    }
    return p;
}

static int
punct_token(struct tok_state *t, uint32_t cp)
{
    WP_TRY(end_word(t));
    if (t->o.drop_punct)
        return WP_OK;
    WP_TRY(word_put(t, cp));
    t->in_word = 0;
    return push_token(t);
}

static int chunk_end(struct tok_state *t, int line_end, uint32_t next);

static int
end_line(struct tok_state *t)
{
    if (t->clen > 0)
        WP_TRY(chunk_end(t, 1, 0));
    WP_TRY(end_word(t));
    if (t->line_has_bytes)
        t->st.lines++;
    t->line_has_bytes = 0;
    t->line_full = 0;
    t->line_counted = 0;
    return emit_sentence(t);
}

/* One decoded code point (ASCII included) of class k, by the default rules. */
static int
put_direct(struct tok_state *t, uint32_t cp, enum tok_class k)
{
    if (t->o.whitespace && k != TOK_SPACE)
        k = TOK_WORD;   /* pre-tokenized text: only separators split */
    if (t->joiner != 0) {
        const uint32_t j = t->joiner;
        t->joiner = 0;
        if (k == TOK_WORD &&
            (!t->joiner_num || (cp >= '0' && cp <= '9'))) {
            WP_TRY(word_put(t, j)); /* the joiner stays inside the word */
            return word_put(t, cp);
        }
        WP_TRY(punct_token(t, j));
    }
    switch (k) {
    case TOK_WORD: return word_put(t, cp);
    case TOK_SPACE: return end_word(t);
    case TOK_JOIN:
    case TOK_JOIN_NUM:
        if (t->in_word && !t->o.split_all_punct &&
            (k == TOK_JOIN || t->last_digit)) {
            t->joiner = cp;
            t->joiner_num = k == TOK_JOIN_NUM;
            return WP_OK;
        }
        return punct_token(t, cp);
    case TOK_PUNCT: return punct_token(t, cp);
    }
    return WP_OK;
}

/* Emits the chunk's tokens (by the English rules with penn, else by the default rules),
 * then ends the sentence there if it ends one and next (the next chunk's first code
 * point) agrees. line_end: the chunk is the last of its line. */
static int
chunk_end(struct tok_state *t, int line_end, uint32_t next)
{
    if (t->o.penn) {
        const size_t n = tok_en_split(t->chunk, t->clen, line_end, t->spans);
        for (size_t i = 0; i < n; i++) {
            if (t->spans[i].punct && t->o.drop_punct)
                continue;
            for (size_t j = t->spans[i].start; j < t->spans[i].end; j++)
                WP_TRY(word_put(t, t->chunk[j]));
            WP_TRY(end_word(t));
        }
    } else {
        for (size_t j = 0; j < t->clen; j++)
            WP_TRY(put_direct(t, t->chunk[j], tok_class_cp(t->chunk[j])));
        WP_TRY(put_direct(t, ' ', TOK_SPACE));
    }
    const int ends = t->o.sentences && !line_end && tok_en_sentence_end(t->chunk, t->clen, next);
    t->clen = 0;
    t->chunk_closed = 0;
    return ends ? emit_sentence(t) : WP_OK;
}

/* One decoded code point (ASCII included) of class k. */
static int
put_cp(struct tok_state *t, uint32_t cp, enum tok_class k)
{
    if (!t->chunked)
        return put_direct(t, cp, k);
    if (k == TOK_SPACE) {
        t->chunk_closed = t->clen > 0;
        return WP_OK;
    }
    if (t->chunk_closed) {
        WP_TRY(chunk_end(t, 0, cp));
    } else if (t->clen == TOK_CHUNK_MAX) {
        /* an over-long chunk: its tokens so far, and the word open at the cut goes on */
        if (t->o.penn) {
            WP_TRY(chunk_end(t, 0, cp));
        } else {
            for (size_t j = 0; j < t->clen; j++)
                WP_TRY(put_direct(t, t->chunk[j], tok_class_cp(t->chunk[j])));
            t->clen = 0;
        }
    }
    t->chunk[t->clen++] = cp;
    return WP_OK;
}

static int
put_invalid(struct tok_state *t)
{
    t->st.invalid++;
    return put_cp(t, TOK_REPLACEMENT, TOK_WORD);
}

/* A byte >= 0x80 while no sequence is open. */
static int
utf8_lead(struct tok_state *t, unsigned char c)
{
    t->ulo = 0x80;
    t->uhi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        t->ucp = c & 0x1Fu;
        t->uneed = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        t->ucp = c & 0x0Fu;
        t->uneed = 2;
        if (c == 0xE0)
            t->ulo = 0xA0; /* below is overlong */
        else if (c == 0xED)
            t->uhi = 0x9F; /* above are surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        t->ucp = c & 0x07u;
        t->uneed = 3;
        if (c == 0xF0)
            t->ulo = 0x90; /* below is overlong */
        else if (c == 0xF4)
            t->uhi = 0x8F; /* above is beyond U+10FFFF */
    } else {
        return put_invalid(t); /* stray continuation, C0, C1, F5-FF */
    }
    return WP_OK;
}

/* Bytes while a sequence is open; returns how many were consumed. */
static size_t
utf8_continue(struct tok_state *t, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && t->uneed > 0) {
        const unsigned char c = p[i];
        if (c < t->ulo || c > t->uhi) {
            t->uneed = 0; /* the maximal subpart so far is one U+FFFD; c starts afresh */
            t->err = put_invalid(t);
            return i;
        }
        t->ucp = (t->ucp << 6) | (c & 0x3Fu);
        t->ulo = 0x80;
        t->uhi = 0xBF;
        i++;
        if (--t->uneed == 0) {
            t->line_has_bytes = 1;
            if (t->ucp < 0xA0 && t->ucp != 0x85)
                t->st.controls++; /* C1 control */
            t->err = put_cp(t, t->ucp, tok_class_cp(t->ucp));
        }
    }
    return i;
}

/* One ASCII byte outside the fast path. */
static int
ascii_byte(struct tok_state *t, unsigned char c)
{
    switch (t->ascii_class[c]) {
    case C_NL:
        if (t->joiner != 0) {
            const uint32_t j = t->joiner;
            t->joiner = 0;
            WP_TRY(punct_token(t, j));
        }
        return end_line(t);
    case C_NUL: t->st.nuls++; return put_cp(t, c, TOK_SPACE);
    case C_CTRL: t->st.controls++; return put_cp(t, c, TOK_SPACE);
    case C_SPACE: return put_cp(t, c, TOK_SPACE);
    case C_PUNCT: return put_cp(t, c, TOK_PUNCT);
    case C_JOIN: return put_cp(t, c, TOK_JOIN);
    case C_JOIN_NUM: return put_cp(t, c, TOK_JOIN_NUM);
    default: return put_cp(t, c, TOK_WORD);
    }
}

int
tok_feed(struct tok_state *t, const void *buf, size_t n)
{
    const unsigned char *p = buf, *const end = p + n;
    if (t->err < 0)
        return t->err;
    t->st.bytes += n;
    while (p < end) {
        if (t->uneed > 0) {
            p += utf8_continue(t, p, (size_t)(end - p));
            if (t->err < 0)
                return t->err;
            continue;
        }
        const unsigned char c = *p;
        const unsigned k = t->ascii_class[c];
        if (k == C_WORD && t->joiner == 0 && !t->chunked) {
            t->line_has_bytes = 1;
            p = ascii_run(t, p, end);
        } else {
            if (k != C_NL)
                t->line_has_bytes = 1;
            p++;
            t->err = k == C_HIGH ? utf8_lead(t, c) : ascii_byte(t, c);
        }
        if (t->err < 0)
            return t->err;
    }
    return WP_OK;
}

int
tok_flush(struct tok_state *t)
{
    if (t->err < 0)
        return t->err;
    if (t->uneed > 0) {
        t->uneed = 0;
        if ((t->err = put_invalid(t)) < 0)
            return t->err;
    }
    t->err = ascii_byte(t, '\n');
    return t->err;
}

void
tok_opts_default(struct tok_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_sentence = TOK_MAX_SENTENCE_DEFAULT;
    o->max_token = TOK_MAX_TOKEN_DEFAULT;
}

int
tok_new(struct tok_state **out, const struct tok_opts *o, tok_emit_fn emit, void *ctx)
{
    *out = NULL;
    if (o->max_sentence < 1 || o->max_token < TOK_MAX_TOKEN_MIN || emit == NULL ||
        (o->penn && (o->whitespace || o->split_all_punct)))
        return WP_ERANGE;
    struct tok_state *t = calloc(1, sizeof *t);
    if (t == NULL)
        return WP_ENOMEM;
    t->chunked = o->penn || o->sentences;
    if (t->chunked) {
        t->chunk = malloc(TOK_CHUNK_MAX * sizeof *t->chunk);
        t->spans = malloc(TOK_CHUNK_MAX * sizeof *t->spans);
        if (t->chunk == NULL || t->spans == NULL) {
            tok_free(t);
            return WP_ENOMEM;
        }
    }
    for (unsigned c = 0; c < 256; c++) {
        t->ascii_class[c] = ascii_class_of(c);
        if (o->whitespace && (t->ascii_class[c] == C_PUNCT || t->ascii_class[c] == C_JOIN
                              || t->ascii_class[c] == C_JOIN_NUM))
            t->ascii_class[c] = C_WORD;
        if (c < 128)
            t->ascii_lower[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    t->o = *o;
    t->emit = emit;
    t->ctx = ctx;
    *out = t;
    return WP_OK;
}

const struct tok_stats *
tok_stats(const struct tok_state *t)
{
    return &t->st;
}

void
tok_free(struct tok_state *t)
{
    if (t == NULL)
        return;
    free(t->text);
    free(t->ends);
    free(t->lens);
    free(t->ptrs);
    free(t->chunk);
    free(t->spans);
    free(t);
}
