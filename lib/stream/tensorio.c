/* tensorio.c - REC_MODEL tensor records (see tensorio.h). */
#include "tensorio.h"

#include <string.h>

#include "common/status.h"

enum { SLICE_FLOATS = 1 << 14 };

int
tensor_put_header(struct buf *b, const char *name, int dtype, uint32_t ndim, const uint64_t *dim,
           uint64_t off, uint64_t count)
{
    buf_clear(b);
    WP_TRY(buf_put_varint(b, strlen(name)));
    WP_TRY(buf_put(b, name, strlen(name)));
    WP_TRY(buf_put_u8(b, (unsigned)dtype));
    WP_TRY(buf_put_varint(b, ndim));
    for (uint32_t i = 0; i < ndim; i++)
        WP_TRY(buf_put_varint(b, dim[i]));
    WP_TRY(buf_put_varint(b, off));
    return buf_put_varint(b, count);
}

int
tensor_put_f32(struct rec_writer *w, struct buf *b, const char *name, const float *x,
               uint64_t rows, uint64_t cols)
{
    return tensor_put_f32_rows(w, b, name, x, rows, cols, cols);
}

int
tensor_put_f32_rows(struct rec_writer *w, struct buf *b, const char *name, const float *x,
                    uint64_t rows, uint64_t cols, uint64_t stride)
{
    const uint64_t dim[2] = {rows, cols};
    const uint32_t ndim = cols ? 2 : 1;
    const uint64_t total = cols ? rows * cols : rows;
    uint64_t off = 0;
    do {
        const uint64_t n = total - off < SLICE_FLOATS ? total - off : SLICE_FLOATS;
        WP_TRY(tensor_put_header(b, name, TENSOR_F32, ndim, dim, off, n));
        if (!cols || stride == cols) {
            WP_TRY(buf_put_f32s(b, x + off, (size_t)n));
        } else { /* element e is row e / cols, column e % cols */
            for (uint64_t e = off; e < off + n;) {
                const uint64_t r = e / cols, c = e % cols;
                const uint64_t k = cols - c < off + n - e ? cols - c : off + n - e;
                WP_TRY(buf_put_f32s(b, x + r * stride + c, (size_t)k));
                e += k;
            }
        }
        WP_TRY(rec_writer_put(w, b->p, b->len));
        off += n;
    } while (off < total);
    return WP_OK;
}

int
tensor_put_bytes(struct rec_writer *w, struct buf *b, const char *name, const void *p,
                 uint64_t n)
{
    WP_TRY(tensor_put_header(b, name, TENSOR_BYTES, 1, &n, 0, n));
    WP_TRY(buf_put(b, p, (size_t)n));
    return rec_writer_put(w, b->p, b->len);
}

int
tensor_put_u64s(struct rec_writer *w, struct buf *b, const char *name, const uint64_t *v,
                uint64_t n)
{
    WP_TRY(tensor_put_header(b, name, TENSOR_VARINT, 1, &n, 0, n));
    for (uint64_t i = 0; i < n; i++)
        WP_TRY(buf_put_varint(b, v[i]));
    return rec_writer_put(w, b->p, b->len);
}

uint64_t
tensor_slice_size(const struct tensor_slice *s)
{
    uint64_t n = 1;
    for (uint32_t i = 0; i < s->ndim; i++) {
        if (s->dim[i] != 0 && n > UINT64_MAX / s->dim[i])
            return UINT64_MAX;
        n *= s->dim[i];
    }
    return n;
}

int
tensor_slice_parse(const unsigned char *rec, size_t len, struct tensor_slice *s)
{
    struct rec_cursor *c = &s->data;
    uint64_t v;
    rec_cursor_init(c, rec, len);
    WP_TRY(rec_cursor_bytes(c, &s->name, &s->name_len));
    if (c->p >= c->end)
        return WP_ECORRUPT;
    s->dtype = *c->p++;
    if (s->dtype > TENSOR_VARINT)
        return WP_ECORRUPT;
    WP_TRY(rec_cursor_varint(c, &v));
    if (v == 0 || v > TENSOR_MAX_DIMS)
        return WP_ECORRUPT;
    s->ndim = (uint32_t)v;
    for (uint32_t i = 0; i < s->ndim; i++)
        WP_TRY(rec_cursor_varint(c, &s->dim[i]));
    WP_TRY(rec_cursor_varint(c, &s->offset));
    WP_TRY(rec_cursor_varint(c, &s->count));
    const uint64_t size = tensor_slice_size(s);
    if (size == UINT64_MAX || s->offset > size || s->count > size - s->offset)
        return WP_ECORRUPT;
    return WP_OK;
}

int
tensor_slice_is(const struct tensor_slice *s, const char *name)
{
    return s->name_len == strlen(name) && memcmp(s->name, name, s->name_len) == 0;
}
