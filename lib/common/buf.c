/* buf.c - growable byte buffer. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bytes.h"
#include "status.h"

int
buf_reserve(struct buf *b, size_t extra)
{
    size_t need;
    if (!size_add_ok(b->len, extra, &need))
        return WP_ENOMEM;
    if (need <= b->cap)
        return WP_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    unsigned char *p = realloc(b->p, cap);
    if (p == NULL)
        return WP_ENOMEM;
    b->p = p;
    b->cap = cap;
    return WP_OK;
}

int
buf_put(struct buf *b, const void *data, size_t n)
{
    WP_TRY(buf_reserve(b, n));
    if (n > 0)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    return WP_OK;
}

int
buf_put_varint(struct buf *b, uint64_t v)
{
    WP_TRY(buf_reserve(b, VARINT_MAX));
    b->len += varint_put(b->p + b->len, v);
    return WP_OK;
}

int
buf_put_u8(struct buf *b, unsigned v)
{
    WP_TRY(buf_reserve(b, 1));
    b->p[b->len++] = (unsigned char)v;
    return WP_OK;
}

int
buf_put_f32s(struct buf *b, const float *x, size_t n)
{
    size_t bytes;
    if (!size_mul_ok(n, 4, &bytes))
        return WP_ENOMEM;
    WP_TRY(buf_reserve(b, bytes));
    unsigned char *p = b->p + b->len;
    for (size_t i = 0; i < n; i++)
        f32_store(p + 4 * i, x[i]);
    b->len += bytes;
    return WP_OK;
}

void
buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
