/* buf.h - a growable byte buffer for building records. */
#ifndef WP_BUF_H
#define WP_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    unsigned char *p;
    size_t len, cap;
};

int buf_reserve(struct buf *b, size_t extra); /* room for extra more bytes; WP_ENOMEM */
int buf_put(struct buf *b, const void *data, size_t n);
int buf_put_varint(struct buf *b, uint64_t v);
int buf_put_u8(struct buf *b, unsigned v);
int buf_put_f32s(struct buf *b, const float *x, size_t n); /* little-endian binary32 */
static inline void
buf_clear(struct buf *b)
{
    b->len = 0;
}
void buf_free(struct buf *b);

#endif
