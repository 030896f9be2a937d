/* w2v_decode.c - input records to the training engine's units (w2v.h, w2v_run.c):
 * tokens "n, id x n" (the sentence's words of the vocabulary), windows
 * "center, n, ctx x n", spans "n, id x n, radius x n". Every value is checked against
 * the model (ids) and the stream (radii), so the workers index only rows that exist. */
#include "w2v.h"

#include <stdio.h>
#include <string.h>

#include "common/grow.h"
#include "common/status.h"
#include "stream/rec_payload.h"

/* Names the bad value of a record in bad (when not NULL); returns WP_ERANGE. */
static int
bad_value(struct w2v_bad_record *bad, const char *what, uint64_t v, size_t at, uint64_t hi)
{
    if (bad != NULL)
        snprintf(bad->msg, sizeof bad->msg, "%s %llu at position %zu is out of "
                 "range (%s %llu)", what, (unsigned long long)v, at,
                 strcmp(what, "radius") == 0 ? "1 to the stream's window," : "ids below",
                 (unsigned long long)hi);
    return WP_ERANGE;
}

/* Spans input: "n, id x n, radius x n"; a radius is 1 to the stream's window (cfg wcfg);
 * one beyond the sentence is cut to n, which lists the same contexts and bounds what a
 * worker needs. */
static int
decode_spans(const struct w2v_run_cfg *cfg, struct w2v_bad_record *bad, const unsigned char *rec,
             size_t len, uint32_t **u, size_t *cap, size_t *ulen, uint64_t *windows)
{
    size_t n, got;
    WP_TRY(rec_spans_count(rec, len, &n));
    WP_TRY(wp_grow(u, cap, *ulen + 1 + 2 * n, sizeof **u, 256));
    uint32_t *out = *u + *ulen;
    WP_TRY(rec_spans_decode(rec, len, out + 1, out + 1 + n, n, &got));
    for (size_t i = 0; i < n; i++) {
        if (out[1 + i] >= cfg->m->n)
            return bad_value(bad, "id", out[1 + i], i, cfg->m->n);
        if (out[1 + n + i] == 0 || out[1 + n + i] > cfg->wcfg.window)
            return bad_value(bad, "radius", out[1 + n + i], i, cfg->wcfg.window);
        if (out[1 + n + i] > n)
            out[1 + n + i] = (uint32_t)n;
    }
    out[0] = (uint32_t)n;
    *ulen += 1 + 2 * n;
    *windows = n;
    return WP_OK;
}

int
w2v_decode_unit(const struct w2v_run_cfg *cfg, struct w2v_bad_record *bad, const unsigned char *rec,
            size_t len, uint32_t **u, size_t *cap, size_t *ulen, uint64_t *amount)
{
    struct rec_cursor c;
    uint64_t n, v;
    const uint32_t vsize = cfg->m->n;
    if (cfg->input == W2V_IN_SPANS)
        return decode_spans(cfg, bad, rec, len, u, cap, ulen, amount);
    if (cfg->input == W2V_IN_TOKENS) {
        size_t m;
        WP_TRY(vocab_record_ids(cfg->vocab, rec, len, u, cap, *ulen + 1, &m, &n));
        (*u)[*ulen] = (uint32_t)m;
        *ulen += 1 + m;
        *amount = m;
        return WP_OK;
    }
    rec_cursor_init(&c, rec, len);
    WP_TRY(rec_cursor_varint(&c, &v));
    WP_TRY(rec_cursor_varint(&c, &n));
    if (v >= vsize)
        return bad_value(bad, "center id", v, 0, vsize);
    if (n > len)
        return WP_ECORRUPT;
    WP_TRY(wp_grow(u, cap, *ulen + 2 + (size_t)n, sizeof **u, 256));
    uint32_t *out = *u + *ulen;
    out[0] = (uint32_t)v;
    out[1] = (uint32_t)n;
    for (uint64_t i = 0; i < n; i++) {
        WP_TRY(rec_cursor_varint(&c, &v));
        if (v >= cfg->m->nctx) /* contexts index syn1neg's rows (separate contexts) */
            return bad_value(bad, "context id", v, (size_t)i + 1, cfg->m->nctx);
        out[2 + i] = (uint32_t)v;
    }
    WP_TRY(rec_cursor_done(&c));
    *ulen += 2 + (size_t)n;
    *amount = 1;
    return WP_OK;
}

void
w2v_unit_size(const struct w2v_run_cfg *cfg, const unsigned char *rec, size_t len, size_t *ulen,
              uint64_t *amount)
{
    struct rec_cursor c;
    uint64_t v, n = 0;
    if (cfg->input == W2V_IN_SPANS) {
        size_t ns = 0;
        if (rec_spans_count(rec, len, &ns) < 0)
            ns = 0;
        *ulen = 1 + 2 * ns;
        *amount = ns;
        return;
    }
    if (cfg->input == W2V_IN_TOKENS) {
        if (rec_tokens_open(&c, rec, len, &n) < 0)
            n = 0;
        *ulen = 1 + (size_t)n;
        *amount = n;
        return;
    }
    rec_cursor_init(&c, rec, len);
    if (rec_cursor_varint(&c, &v) < 0 || rec_cursor_varint(&c, &n) < 0 || n > len)
        n = 0;
    *ulen = 2 + (size_t)n;
    *amount = 1;
}
