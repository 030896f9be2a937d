/* rec_payload.c - per-kind record encoders and decoders (layouts in wordpipe(5)). */
#include "rec_payload.h"

#include "common/bytes.h"
#include "common/status.h"

int
rec_cursor_varint(struct rec_cursor *c, uint64_t *v)
{
    return varint_get(&c->p, c->end, v) < 0 ? WP_ECORRUPT : WP_OK;
}

int
rec_cursor_bytes(struct rec_cursor *c, const unsigned char **s, size_t *len)
{
    uint64_t n;
    WP_TRY(rec_cursor_varint(c, &n));
    if (n > (uint64_t)(c->end - c->p))
        return WP_ECORRUPT;
    *s = c->p;
    *len = (size_t)n;
    c->p += n;
    return WP_OK;
}

int
rec_cursor_f32s(struct rec_cursor *c, float *x, size_t n)
{
    if (n > (size_t)(c->end - c->p) / 4)
        return WP_ECORRUPT;
    for (size_t i = 0; i < n; i++)
        x[i] = f32_load(c->p + 4 * i);
    c->p += 4 * n;
    return WP_OK;
}

int
rec_cursor_done(const struct rec_cursor *c)
{
    return c->p == c->end ? WP_OK : WP_ECORRUPT;
}

/* A varint that must fit an id (u32). */
static int
cursor_u32(struct rec_cursor *c, uint32_t *x)
{
    uint64_t v;
    WP_TRY(rec_cursor_varint(c, &v));
    if (v > UINT32_MAX)
        return WP_ECORRUPT;
    *x = (uint32_t)v;
    return WP_OK;
}

int
rec_tokens_encode(struct buf *b, const unsigned char *const *tok, const size_t *len, size_t n)
{
    WP_TRY(buf_put_varint(b, n));
    for (size_t i = 0; i < n; i++) {
        WP_TRY(buf_put_varint(b, len[i]));
        WP_TRY(buf_put(b, tok[i], len[i]));
    }
    return WP_OK;
}

int
rec_tokens_open(struct rec_cursor *c, const unsigned char *rec, size_t len, uint64_t *n)
{
    rec_cursor_init(c, rec, len);
    WP_TRY(rec_cursor_varint(c, n));
    /* each token takes at least its length byte */
    return *n > (uint64_t)(c->end - c->p) ? WP_ECORRUPT : WP_OK;
}

int
rec_vocab_encode(struct buf *b, uint64_t count, const void *word, size_t len)
{
    WP_TRY(buf_put_varint(b, count));
    WP_TRY(buf_put_varint(b, len));
    return buf_put(b, word, len);
}

int
rec_vocab_decode(const unsigned char *rec, size_t len, uint64_t *count,
                 const unsigned char **word, size_t *wlen)
{
    struct rec_cursor c;
    rec_cursor_init(&c, rec, len);
    WP_TRY(rec_cursor_varint(&c, count));
    WP_TRY(rec_cursor_bytes(&c, word, wlen));
    return rec_cursor_done(&c);
}

static int
put_ids(struct buf *b, const uint32_t *ids, size_t n)
{
    WP_TRY(buf_put_varint(b, n));
    for (size_t i = 0; i < n; i++)
        WP_TRY(buf_put_varint(b, ids[i]));
    return WP_OK;
}

static int
get_ids(struct rec_cursor *c, uint32_t *ids, size_t cap, size_t *n)
{
    uint64_t count;
    WP_TRY(rec_cursor_varint(c, &count));
    if (count > (uint64_t)(c->end - c->p))
        return WP_ECORRUPT;
    if (count > cap)
        return WP_ERANGE;
    for (size_t i = 0; i < count; i++)
        WP_TRY(cursor_u32(c, &ids[i]));
    *n = (size_t)count;
    return rec_cursor_done(c);
}

int
rec_ids_encode(struct buf *b, const uint32_t *ids, size_t n)
{
    return put_ids(b, ids, n);
}

int
rec_ids_decode(const unsigned char *rec, size_t len, uint32_t *ids, size_t cap, size_t *n)
{
    struct rec_cursor c;
    rec_cursor_init(&c, rec, len);
    return get_ids(&c, ids, cap, n);
}

int
rec_window_encode(struct buf *b, uint32_t center, const uint32_t *ctx, size_t n)
{
    WP_TRY(buf_put_varint(b, center));
    return put_ids(b, ctx, n);
}

int
rec_window_decode(const unsigned char *rec, size_t len, uint32_t *center, uint32_t *ctx,
                  size_t cap, size_t *n)
{
    struct rec_cursor c;
    rec_cursor_init(&c, rec, len);
    WP_TRY(cursor_u32(&c, center));
    return get_ids(&c, ctx, cap, n);
}

int
rec_spans_encode(struct buf *b, const uint32_t *ids, const uint32_t *radii, size_t n)
{
    size_t room; /* the longest record: room reserved once, not per varint */
    if (n > (SIZE_MAX / VARINT_MAX - 1) / 2)
        return WP_ENOMEM;
    room = VARINT_MAX * (1 + 2 * n);
    WP_TRY(buf_reserve(b, room));
    unsigned char *p = b->p + b->len, *const start = p;
    p += varint_put(p, n);
    for (size_t i = 0; i < n; i++) {
        p += varint_put(p, ids[i]);
        p += varint_put(p, radii[i]);
    }
    b->len += (size_t)(p - start);
    return WP_OK;
}

/* The count of a spans record, checked against its length: each pair takes two bytes. */
static int
spans_open(struct rec_cursor *c, const unsigned char *rec, size_t len, size_t *n)
{
    uint64_t count;
    rec_cursor_init(c, rec, len);
    WP_TRY(rec_cursor_varint(c, &count));
    if (count > (uint64_t)(c->end - c->p) / 2)
        return WP_ECORRUPT;
    *n = (size_t)count;
    return WP_OK;
}

int
rec_spans_count(const unsigned char *rec, size_t len, size_t *n)
{
    struct rec_cursor c;
    return spans_open(&c, rec, len, n);
}

int
rec_spans_decode(const unsigned char *rec, size_t len, uint32_t *ids, uint32_t *radii,
                 size_t cap, size_t *n)
{
    struct rec_cursor c;
    size_t count;
    WP_TRY(spans_open(&c, rec, len, &count));
    if (count > cap)
        return WP_ERANGE;
    for (size_t i = 0; i < count; i++) {
        WP_TRY(cursor_u32(&c, &ids[i]));
        WP_TRY(cursor_u32(&c, &radii[i]));
    }
    *n = count;
    return rec_cursor_done(&c);
}

int
rec_vector_encode(struct buf *b, const void *word, size_t len, const float *x, size_t dim)
{
    WP_TRY(buf_put_varint(b, len));
    WP_TRY(buf_put(b, word, len));
    return buf_put_f32s(b, x, dim);
}

int
rec_vector_decode(const unsigned char *rec, size_t len, size_t dim, const unsigned char **word,
                  size_t *wlen, float *x)
{
    struct rec_cursor c;
    rec_cursor_init(&c, rec, len);
    WP_TRY(rec_cursor_bytes(&c, word, wlen));
    WP_TRY(rec_cursor_f32s(&c, x, dim));
    return rec_cursor_done(&c);
}

int
rec_cvector_encode(struct buf *b, uint64_t sentence, uint64_t position, const void *word,
                   size_t len, const float *x, size_t n)
{
    WP_TRY(buf_put_varint(b, sentence));
    WP_TRY(buf_put_varint(b, position));
    WP_TRY(buf_put_varint(b, len));
    WP_TRY(buf_put(b, word, len));
    return buf_put_f32s(b, x, n);
}

int
rec_cvector_decode(const unsigned char *rec, size_t len, size_t n, uint64_t *sentence,
                   uint64_t *position, const unsigned char **word, size_t *wlen, float *x)
{
    struct rec_cursor c;
    rec_cursor_init(&c, rec, len);
    WP_TRY(rec_cursor_varint(&c, sentence));
    WP_TRY(rec_cursor_varint(&c, position));
    WP_TRY(rec_cursor_bytes(&c, word, wlen));
    WP_TRY(rec_cursor_f32s(&c, x, n));
    return rec_cursor_done(&c);
}
