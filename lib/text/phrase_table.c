/* phrase_table.c - phrases per pass, joining them in sentences, the table's stream form.
 * Each pass is a struct vocab of spellings ("new_york") with the pair counts; applying looks
 * the joined spelling of an adjacent pair up in it, so a table read from disk needs no word
 * list of its own. Most pairs are no phrase: two bitmaps per pass, indexed by the hash of a
 * token, say which tokens can start and which can end a phrase of the pass, so a pair is
 * spelled out and looked up only when both bits are set. A table read from disk does not
 * know where its phrases were split, so every prefix before a '_' is marked as a possible
 * start and every suffix after one as a possible end: more lookups, never a missed one. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "phrase_table.h"
#include "vocab.h"
#include "common/status.h"
#include "stream/rec_payload.h"

enum { EDGE_BITS = 20 }; /* 2^20 bits (128 KiB) per bitmap */
#define EDGE_MASK ((UINT64_C(1) << EDGE_BITS) - 1)

struct phrase_table {
    unsigned passes;
    struct phrase_params p;
    struct vocab *pass[PHRASE_MAX_PASSES];
    uint64_t *first[PHRASE_MAX_PASSES], *last[PHRASE_MAX_PASSES]; /* bitmaps, see above */
    struct buf key; /* scratch for joined spellings while adding */
};

static inline uint64_t
edge_hash(const void *w, size_t len)
{
    return XXH3_64bits(w, len) & EDGE_MASK;
}

static inline void
edge_set(uint64_t *map, uint64_t h)
{
    map[h >> 6] |= UINT64_C(1) << (h & 63);
}

static inline int
edge_has(const uint64_t *map, uint64_t h)
{
    return (int)(map[h >> 6] >> (h & 63)) & 1;
}

/* Marks every way the spelling w could have been joined (see the top of the file). */
static void
mark_spelling(struct phrase_table *t, unsigned pass, const unsigned char *w, size_t len)
{
    for (size_t i = 1; i + 1 < len; i++) {
        if (w[i] != PHRASE_DELIMITER)
            continue;
        edge_set(t->first[pass], edge_hash(w, i));
        edge_set(t->last[pass], edge_hash(w + i + 1, len - i - 1));
    }
}

/* ------------------------------------------------------------ sentences */

static int
sent_reserve(struct phrase_sent *s, size_t n)
{
    if (n <= s->cap)
        return WP_OK;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < n)
        cap *= 2;
    const unsigned char **tok = realloc(s->tok, cap * sizeof *tok);
    if (tok == NULL)
        return WP_ENOMEM;
    s->tok = tok;
    size_t *len = realloc(s->len, cap * sizeof *len);
    if (len == NULL)
        return WP_ENOMEM;
    s->len = len;
    s->cap = cap;
    return WP_OK;
}

void
phrase_sent_free(struct phrase_sent *s)
{
    free(s->tok);
    free(s->len);
    buf_free(&s->bytes);
    memset(s, 0, sizeof *s);
}

int
phrase_sent_decode(struct phrase_sent *s, const unsigned char *rec, size_t len)
{
    struct rec_cursor c;
    uint64_t n;
    WP_TRY(rec_tokens_open(&c, rec, len, &n));
    WP_TRY(sent_reserve(s, (size_t)n));
    for (size_t i = 0; i < n; i++)
        WP_TRY(rec_cursor_bytes(&c, &s->tok[i], &s->len[i]));
    s->n = (size_t)n;
    return rec_cursor_done(&c);
}

/* ------------------------------------------------------------ tables */

int
phrase_table_create(struct phrase_table **out, unsigned passes, const struct phrase_params *p)
{
    *out = NULL;
    if (passes < 1 || passes > PHRASE_MAX_PASSES)
        return WP_ERANGE;
    struct phrase_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return WP_ENOMEM;
    t->passes = passes;
    t->p = *p;
    for (unsigned k = 0; k < passes; k++) {
        t->first[k] = calloc((EDGE_MASK + 1) / 64, sizeof(uint64_t));
        t->last[k] = calloc((EDGE_MASK + 1) / 64, sizeof(uint64_t));
        if (t->first[k] == NULL || t->last[k] == NULL || vocab_create(&t->pass[k], 1024) < 0) {
            phrase_table_free(t);
            return WP_ENOMEM;
        }
    }
    *out = t;
    return WP_OK;
}

void
phrase_table_free(struct phrase_table *t)
{
    if (t == NULL)
        return;
    for (unsigned k = 0; k < t->passes; k++) {
        vocab_free(t->pass[k]);
        free(t->first[k]);
        free(t->last[k]);
    }
    buf_free(&t->key);
    free(t);
}

unsigned
phrase_table_passes(const struct phrase_table *t)
{
    return t->passes;
}

const struct phrase_params *
phrase_table_params(const struct phrase_table *t)
{
    return &t->p;
}

int
phrase_table_add(struct phrase_table *t, unsigned pass, const void *a, size_t alen,
                 const void *b, size_t blen, uint64_t count)
{
    if (pass >= t->passes)
        return WP_ERANGE;
    buf_clear(&t->key);
    WP_TRY(buf_put(&t->key, a, alen));
    WP_TRY(buf_put_u8(&t->key, PHRASE_DELIMITER));
    WP_TRY(buf_put(&t->key, b, blen));
    WP_TRY(vocab_add(t->pass[pass], t->key.p, t->key.len, count));
    edge_set(t->first[pass], edge_hash(a, alen));
    edge_set(t->last[pass], edge_hash(b, blen));
    return WP_OK;
}

uint32_t
phrase_table_size(const struct phrase_table *t, unsigned pass)
{
    return pass < t->passes ? vocab_size(t->pass[pass]) : 0;
}

const char *
phrase_table_phrase(const struct phrase_table *t, unsigned pass, uint32_t i, size_t *len,
                    uint64_t *count)
{
    *count = vocab_count(t->pass[pass], i);
    return vocab_word(t->pass[pass], i, len);
}

int
phrase_table_sort(struct phrase_table *t)
{
    for (unsigned k = 0; k < t->passes; k++)
        WP_TRY(vocab_sort_prune(t->pass[k], 0, 0));
    return WP_OK;
}

int
phrase_table_apply(const struct phrase_table *t, unsigned pass, const struct phrase_sent *in,
                   struct phrase_sent *out)
{
    if (pass >= t->passes)
        return WP_ERANGE;
    const struct vocab *v = t->pass[pass];
    size_t bytes = 0;
    for (size_t i = 0; i < in->n; i++)
        bytes += in->len[i] + 1;
    WP_TRY(sent_reserve(out, in->n));
    buf_clear(&out->bytes);
    /* room for every joined token now, so out->bytes never moves under its tokens */
    WP_TRY(buf_reserve(&out->bytes, bytes));
    size_t o = 0, i = 0;
    const uint64_t *first = t->first[pass], *last = t->last[pass];
    const int empty = vocab_size(v) == 0;
    /* the hash of token i + 1, kept for its turn as the first of a pair */
    uint64_t h = in->n > 0 && !empty ? edge_hash(in->tok[0], in->len[0]) : 0;
    while (i < in->n) {
        if (!empty && i + 1 < in->n) {
            const uint64_t ha = h;
            h = edge_hash(in->tok[i + 1], in->len[i + 1]);
            if (!edge_has(first, ha) || !edge_has(last, h))
                goto single;

            unsigned char *j = out->bytes.p + out->bytes.len;
            const size_t la = in->len[i], lb = in->len[i + 1];
            memcpy(j, in->tok[i], la);
            j[la] = PHRASE_DELIMITER;
            memcpy(j + la + 1, in->tok[i + 1], lb);
            if (vocab_lookup(v, j, la + 1 + lb) >= 0) {
                out->tok[o] = j;
                out->len[o++] = la + 1 + lb;
                out->bytes.len += la + 1 + lb;
                i += 2;
                if (i < in->n)
                    h = edge_hash(in->tok[i], in->len[i]);
                continue;
            }
        }
    single:
        out->tok[o] = in->tok[i];
        out->len[o++] = in->len[i];
        i++;
    }
    out->n = o;
    return WP_OK;
}

/* ------------------------------------------------------------ stream form */

int
phrase_table_meta(const struct phrase_table *t, struct rec_meta *m)
{
    char sizes[PHRASE_MAX_PASSES * 12];
    size_t at = 0;
    uint64_t words = 0, tokens = 0;
    for (unsigned k = 0; k < t->passes; k++) {
        at += (size_t)snprintf(sizes + at, sizeof sizes - at, "%s%" PRIu32, k ? "," : "",
                               vocab_size(t->pass[k]));
        words += vocab_size(t->pass[k]);
        tokens += vocab_total(t->pass[k]);
    }
    const char delim[2] = {PHRASE_DELIMITER, '\0'};
    WP_TRY(rec_meta_set_u64(m, "words", words));
    WP_TRY(rec_meta_set_u64(m, "tokens", tokens));
    WP_TRY(rec_meta_set_u64(m, "phrase_passes", t->passes));
    WP_TRY(rec_meta_set_str(m, "phrase_pass_sizes", sizes));
    WP_TRY(rec_meta_set_str(m, "phrase_scoring", phrase_scoring_name(t->p.scoring)));
    WP_TRY(rec_meta_set_u64(m, "phrase_min_count", t->p.min_count));
    WP_TRY(rec_meta_set_f64(m, "phrase_threshold", t->p.threshold));
    WP_TRY(rec_meta_set_f64(m, "phrase_delta", t->p.delta));
    return rec_meta_set_str(m, "phrase_delimiter", delim);
}

int
phrase_table_write(const struct phrase_table *t, struct rec_writer *w)
{
    struct buf b = {0};
    int rc = WP_OK;
    for (unsigned k = 0; k < t->passes && rc == WP_OK; k++) {
        const struct vocab *v = t->pass[k];
        for (uint32_t i = 0; i < vocab_size(v) && rc == WP_OK; i++) {
            size_t len;
            const char *word = vocab_word(v, i, &len);
            buf_clear(&b);
            rc = rec_vocab_encode(&b, vocab_count(v, i), word, len);
            if (rc == WP_OK)
                rc = rec_writer_put(w, b.p, b.len);
        }
    }
    buf_free(&b);
    return rc;
}

int
phrase_table_is(const struct rec_meta *m)
{
    uint64_t n;
    return rec_meta_get_u64(m, "phrase_passes", &n) != WP_ENOTFOUND;
}

int
phrase_table_read_meta(const struct rec_meta *m, unsigned *passes, struct phrase_params *p)
{
    uint64_t n;
    const char *scoring, *delim;
    int rc = rec_meta_get_u64(m, "phrase_passes", &n);
    if (rc == WP_ENOTFOUND)
        return WP_ENOTFOUND;
    if (rc < 0 || n < 1 || n > PHRASE_MAX_PASSES ||
        rec_meta_get_str(m, "phrase_scoring", &scoring) < 0 ||
        rec_meta_get_u64(m, "phrase_min_count", &p->min_count) < 0 ||
        rec_meta_get_f64(m, "phrase_threshold", &p->threshold) < 0 ||
        rec_meta_get_f64(m, "phrase_delta", &p->delta) < 0 ||
        rec_meta_get_str(m, "phrase_delimiter", &delim) < 0 ||
        delim[0] != PHRASE_DELIMITER || delim[1] != '\0' || !isfinite(p->threshold) ||
        !isfinite(p->delta))
        return WP_ECORRUPT;
    p->scoring = -1;
    for (int i = 0; i < 2; i++)
        if (strcmp(scoring, phrase_scoring_name(i)) == 0)
            p->scoring = i;
    if (p->scoring < 0)
        return WP_ECORRUPT;
    *passes = (unsigned)n;
    return WP_OK;
}

/* "12,3" into sizes[passes]; WP_ECORRUPT unless exactly passes numbers. */
static int
parse_sizes(const char *s, unsigned passes, uint64_t *sizes)
{
    for (unsigned k = 0; k < passes; k++) {
        if (*s < '0' || *s > '9')
            return WP_ECORRUPT;
        char *end;
        sizes[k] = strtoull(s, &end, 10);
        if (*end != (k + 1 < passes ? ',' : '\0'))
            return WP_ECORRUPT;
        s = end + (k + 1 < passes);
    }
    return WP_OK;
}

int
phrase_table_read(struct phrase_table **out, struct rec_reader *r)
{
    const struct rec_meta *m = rec_reader_meta(r);
    struct phrase_params p;
    unsigned passes;
    uint64_t sizes[PHRASE_MAX_PASSES];
    const char *s;
    *out = NULL;
    WP_TRY(phrase_table_read_meta(m, &passes, &p));
    if (rec_meta_get_str(m, "phrase_pass_sizes", &s) < 0)
        return WP_ECORRUPT;
    WP_TRY(parse_sizes(s, passes, sizes));
    struct phrase_table *t;
    WP_TRY(phrase_table_create(&t, passes, &p));
    unsigned k = 0;
    uint64_t in_pass = 0;
    const unsigned char *rec, *word;
    size_t len, wl;
    uint64_t count;
    int rc;
    while ((rc = rec_reader_next(r, &rec, &len)) == 1) {
        while (k < passes && in_pass == sizes[k]) {
            k++;
            in_pass = 0;
        }
        if (k == passes) {
            rc = WP_ECORRUPT; /* more phrases than phrase_pass_sizes says */
            break;
        }
        if ((rc = rec_vocab_decode(rec, len, &count, &word, &wl)) < 0)
            break;
        if (vocab_lookup(t->pass[k], word, wl) >= 0) {
            rc = WP_ECORRUPT; /* listed twice */
            break;
        }
        if ((rc = vocab_add(t->pass[k], word, wl, count)) < 0)
            break;
        mark_spelling(t, k, word, wl);
        in_pass++;
    }
    if (rc == 0) {
        while (k < passes && in_pass == sizes[k]) {
            k++;
            in_pass = 0;
        }
        if (k < passes)
            rc = WP_ECORRUPT; /* fewer phrases than phrase_pass_sizes says */
    }
    if (rc < 0) {
        phrase_table_free(t);
        return rc;
    }
    *out = t;
    return WP_OK;
}
