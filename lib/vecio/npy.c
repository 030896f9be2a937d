/* npy.c - the .npy version 1.0 writer; see npy.h. */
#include "npy.h"

#include <inttypes.h>
#include <string.h>

#include "common/bytes.h"
#include "common/status.h"

int
npy_header(struct buf *b, const uint64_t *shape, size_t ndim)
{
    char dict[64 + NPY_MAX_DIMS * 24];
    size_t len, total = 1;
    if (ndim > NPY_MAX_DIMS)
        return WP_ERANGE;
    for (size_t i = 0; i < ndim; i++)
        if (shape[i] > SIZE_MAX || !size_mul_ok(total, (size_t)shape[i], &total))
            return WP_ERANGE;
    len = (size_t)snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (size_t i = 0; i < ndim; i++)
        len += (size_t)snprintf(dict + len, sizeof dict - len, "%s%" PRIu64, i ? ", " : "",
                                shape[i]);
    /* a 1-tuple needs its comma: (3,) */
    len += (size_t)snprintf(dict + len, sizeof dict - len, "%s), }", ndim == 1 ? "," : "");
    /* magic 6 + version 2 + length 2 + dict + padding + '\n' = a multiple of NPY_ALIGN */
    const size_t pre = 10, hlen = (pre + len + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN - pre;
    unsigned char head[10];
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    le16_store(head + 8, (uint16_t)hlen);
    WP_TRY(buf_reserve(b, pre + hlen));
    WP_TRY(buf_put(b, head, pre));
    WP_TRY(buf_put(b, dict, len));
    for (size_t i = len; i + 1 < hlen; i++)
        WP_TRY(buf_put_u8(b, ' '));
    return buf_put_u8(b, '\n');
}

int
npy_write_header(FILE *fp, const uint64_t *shape, size_t ndim)
{
    struct buf b = {0};
    int rc = npy_header(&b, shape, ndim);
    if (rc == WP_OK && fwrite(b.p, 1, b.len, fp) != b.len)
        rc = WP_EIO;
    buf_free(&b);
    return rc;
}

int
npy_write_f32(FILE *fp, const float *x, size_t n)
{
    unsigned char tmp[4096];
    while (n > 0) {
        const size_t k = n < sizeof tmp / 4 ? n : sizeof tmp / 4;
        for (size_t i = 0; i < k; i++)
            f32_store(tmp + 4 * i, x[i]);
        if (fwrite(tmp, 4, k, fp) != k)
            return WP_EIO;
        x += k;
        n -= k;
    }
    return WP_OK;
}

int
npy_write_zeros(FILE *fp, size_t n)
{
    static const unsigned char zero[4096];
    while (n > 0) {
        const size_t k = n < sizeof zero / 4 ? n : sizeof zero / 4;
        if (fwrite(zero, 4, k, fp) != k)
            return WP_EIO;
        n -= k;
    }
    return WP_OK;
}
