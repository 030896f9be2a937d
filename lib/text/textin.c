/* textin.c - plain or gzip text through our own inflate loop (see textin.h): gzread would
 * silently drop data after the last gzip member. */
#include "textin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/status.h"

enum { TEXTIN_INBUF = 1 << 18 };
enum { MODE_UNKNOWN, MODE_PLAIN, MODE_GZIP, MODE_END };

struct textin {
    int fd, mode, eof, z_ready;
    z_stream z;
    unsigned char in[TEXTIN_INBUF];
    size_t in_pos, in_len;
    uint64_t fd_bytes; /* read from fd so far, buffered or not */
    uint64_t trailing;
    const char *detail;
};

int
textin_open(struct textin **out, int fd)
{
    struct textin *t = calloc(1, sizeof *t);
    *out = t;
    if (t == NULL) {
        close(fd);
        return WP_ENOMEM;
    }
    t->fd = fd;
    return WP_OK;
}

/* Refills the input buffer once unless it holds at least want bytes: WP_OK, WP_EIO. */
static int
fill(struct textin *t, size_t want)
{
    if (t->in_len - t->in_pos >= want || t->eof)
        return WP_OK;
    memmove(t->in, t->in + t->in_pos, t->in_len - t->in_pos);
    t->in_len -= t->in_pos;
    t->in_pos = 0;
    while (t->in_len < want && !t->eof) {
        const ssize_t got = read(t->fd, t->in + t->in_len, sizeof t->in - t->in_len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return WP_EIO;
        if (got == 0)
            t->eof = 1;
        t->in_len += (size_t)got;
        t->fd_bytes += (uint64_t)got;
    }
    return WP_OK;
}

static int
is_gzip(const struct textin *t)
{
    return t->in_len - t->in_pos >= 2 && t->in[t->in_pos] == 0x1f && t->in[t->in_pos + 1] == 0x8b;
}

/* Past a member's end: another member, the end, or trailing bytes (counted, not text). */
static int
next_member(struct textin *t)
{
    WP_TRY(fill(t, 2));
    if (t->in_pos == t->in_len) {
        t->mode = MODE_END;
        return WP_OK;
    }
    if (is_gzip(t))
        return inflateReset(&t->z) == Z_OK ? WP_OK : WP_ENOMEM;
    t->mode = MODE_END;
    for (;;) {
        t->trailing += t->in_len - t->in_pos;
        t->in_pos = t->in_len;
        if (t->eof)
            return WP_OK;
        WP_TRY(fill(t, 1));
    }
}

static int
read_gzip(struct textin *t, unsigned char *buf, size_t n)
{
    t->z.next_out = buf;
    t->z.avail_out = (uInt)n;
    while (t->z.avail_out > 0 && t->mode == MODE_GZIP) {
        WP_TRY(fill(t, 1));
        if (t->in_pos == t->in_len)
            return WP_ETRUNC;
        t->z.next_in = t->in + t->in_pos;
        t->z.avail_in = (uInt)(t->in_len - t->in_pos);
        const int zr = inflate(&t->z, Z_NO_FLUSH);
        t->in_pos = t->in_len - t->z.avail_in;
        if (zr == Z_STREAM_END) {
            WP_TRY(next_member(t));
        } else if (zr == Z_MEM_ERROR) {
            return WP_ENOMEM;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            t->detail = t->z.msg;
            return WP_ECORRUPT;
        } else if (zr == Z_BUF_ERROR && t->eof && t->in_pos == t->in_len) {
            return WP_ETRUNC;
        }
    }
    return (int)(n - t->z.avail_out);
}

int
textin_read(struct textin *t, void *buf, size_t n)
{
    if (t->mode == MODE_UNKNOWN) {
        WP_TRY(fill(t, 2));
        t->mode = MODE_PLAIN;
        if (is_gzip(t)) {
            if (inflateInit2(&t->z, 15 + 16) != Z_OK)
                return WP_ENOMEM;
            t->z_ready = 1;
            t->mode = MODE_GZIP;
        }
    }
    if (t->mode == MODE_GZIP)
        return read_gzip(t, buf, n);
    if (t->mode == MODE_END)
        return 0;
    size_t got = 0; /* plain: the buffered bytes first, then straight from fd */
    while (got < n) {
        if (t->in_pos < t->in_len) {
            const size_t k = t->in_len - t->in_pos < n - got ? t->in_len - t->in_pos : n - got;
            memcpy((unsigned char *)buf + got, t->in + t->in_pos, k);
            t->in_pos += k;
            got += k;
            continue;
        }
        if (t->eof)
            break;
        const ssize_t r = read(t->fd, (unsigned char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return WP_EIO;
        if (r == 0)
            t->eof = 1;
        got += (size_t)r;
        t->fd_bytes += (uint64_t)r;
    }
    return (int)got;
}

uint64_t
textin_offset(const struct textin *t)
{
    return t->fd_bytes - (t->in_len - t->in_pos);
}

uint64_t
textin_trailing(const struct textin *t)
{
    return t->trailing;
}

const char *
textin_detail(const struct textin *t)
{
    return t->detail;
}

void
textin_close(struct textin *t)
{
    if (t == NULL)
        return;
    if (t->z_ready)
        inflateEnd(&t->z);
    close(t->fd);
    free(t);
}
