/* embed_sent.c - a token-stream sentence held for embedding; see embed_sent.h. */
#include "embed_sent.h"

#include <stdlib.h>

#include "common/status.h"
#include "lm/lm.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

/* Each array is regrown on its own so that a failure leaves s consistent (cap unchanged,
 * every pointer still valid). */
static int
reserve(struct embed_tokens *s, size_t n, size_t max_chars)
{
    if (n <= s->cap)
        return WP_OK;
    const size_t cap = n > 2 * s->cap ? n : 2 * s->cap;
    size_t *off = realloc(s->off, cap * sizeof *off);
    if (off == NULL)
        return WP_ENOMEM;
    s->off = off;
    size_t *len = realloc(s->len, cap * sizeof *len);
    if (len == NULL)
        return WP_ENOMEM;
    s->len = len;
    const unsigned char **tok = realloc(s->tok, cap * sizeof *tok);
    if (tok == NULL)
        return WP_ENOMEM;
    s->tok = tok;
    uint64_t *pos = realloc(s->pos, cap * sizeof *pos);
    if (pos == NULL)
        return WP_ENOMEM;
    s->pos = pos;
    uint32_t *ids = realloc(s->ids, cap * sizeof *ids);
    if (ids == NULL)
        return WP_ENOMEM;
    s->ids = ids;
    if (max_chars > 0) {
        uint16_t *chars = realloc(s->chars, cap * max_chars * sizeof *chars);
        if (chars == NULL)
            return WP_ENOMEM;
        s->chars = chars;
    }
    s->cap = cap;
    return WP_OK;
}

int
embed_tokens_decode(struct embed_tokens *s, const unsigned char *rec, size_t len,
                    size_t max_chars)
{
    struct rec_cursor c;
    const unsigned char *t;
    size_t tl;
    uint64_t n;
    WP_TRY(rec_tokens_open(&c, rec, len, &n));
    /* a new character width (another model) needs the chars array regrown */
    if (max_chars > 0 && s->chars == NULL)
        s->cap = 0;
    WP_TRY(reserve(s, (size_t)n, max_chars));
    buf_clear(&s->text);
    for (size_t i = 0; i < n; i++) {
        WP_TRY(rec_cursor_bytes(&c, &t, &tl));
        s->off[i] = s->text.len;
        s->len[i] = tl;
        WP_TRY(buf_put(&s->text, t, tl));
    }
    WP_TRY(rec_cursor_done(&c));
    s->n = (size_t)n;
    embed_tokens_reset(s);
    return WP_OK;
}

void
embed_tokens_reset(struct embed_tokens *s)
{
    for (size_t i = 0; i < s->n; i++) {
        s->tok[i] = s->text.p + s->off[i];
        s->len[i] = (i + 1 < s->n ? s->off[i + 1] : s->text.len) - s->off[i];
        s->pos[i] = i;
    }
}

float *
embed_tokens_out(struct embed_tokens *s, size_t floats)
{
    if (floats > s->outcap) {
        free(s->out);
        s->outcap = 0;
        if ((s->out = malloc(floats * sizeof *s->out)) == NULL)
            return NULL;
        s->outcap = floats;
    }
    return s->out;
}

void
embed_tokens_free(struct embed_tokens *s)
{
    buf_free(&s->text);
    free(s->off);
    free(s->len);
    free(s->tok);
    free(s->pos);
    free(s->ids);
    free(s->chars);
    free(s->out);
}

uint64_t
embed_tokens_ids(const struct lm *m, struct embed_tokens *s)
{
    const size_t mc = m->c.char_input ? m->c.ch.max_chars : 0;
    uint64_t cut = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->ids[i] = lm_token(m, s->tok[i], s->len[i], mc ? s->chars + i * mc : NULL);
        cut += mc > 0 && s->len[i] > mc - 2;
    }
    return cut;
}

int
embed_tokens_next(struct rec_reader *r, struct embed_tokens *s, size_t max_chars,
                  struct embed_fail *f)
{
    const unsigned char *rec;
    size_t len;
    int rc = rec_reader_next(r, &rec, &len);
    if (rc <= 0) {
        f->what = EMBED_FAIL_READ;
        return rc;
    }
    rc = embed_tokens_decode(s, rec, len, max_chars);
    if (rc < 0) {
        f->what = EMBED_FAIL_RECORD;
        return rc;
    }
    return 1;
}
