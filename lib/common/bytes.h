/* bytes.h - little-endian loads and stores, LEB128 varints, overflow checks.
 * Every byte that enters or leaves a stream goes through these (never a struct fwrite). */
#ifndef WP_BYTES_H
#define WP_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void
le16_store(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void
le32_store(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline void
le64_store(unsigned char *p, uint64_t v)
{
    le32_store(p, (uint32_t)v);
    le32_store(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t
le16_load(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
le32_load(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
le64_load(const unsigned char *p)
{
    return (uint64_t)le32_load(p) | (uint64_t)le32_load(p + 4) << 32;
}

static inline void
f32_store(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    le32_store(p, u);
}

static inline float
f32_load(const unsigned char *p)
{
    const uint32_t u = le32_load(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline void
f64_store(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    le64_store(p, u);
}

static inline double
f64_load(const unsigned char *p)
{
    const uint64_t u = le64_load(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

enum { VARINT_MAX = 10 }; /* bytes of a 64-bit LEB128 value */

/* Writes v as unsigned LEB128 at p (room for VARINT_MAX bytes); returns bytes written. */
static inline size_t
varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Reads one LEB128 value from [*p, end); advances *p. Returns 0, or -1 when the bytes run
 * out, the value passes 64 bits, or it is not in its shortest form. */
static inline int
varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    const unsigned char *q = *p;
    uint64_t x = 0;
    for (unsigned shift = 0; q < end; shift += 7) {
        const unsigned char b = *q++;
        if (shift == 63 && b > 1)
            return -1;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0)
                return -1; /* overlong: a trailing zero group */
            *p = q;
            *v = x;
            return 0;
        }
        if (shift == 63)
            return -1;
    }
    return -1;
}

/* Overflow-checked size arithmetic: return 0 and leave *out alone on overflow. */
static inline int
size_mul_ok(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return 0;
    *out = a * b;
    return 1;
}

static inline int
size_add_ok(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return 0;
    *out = a + b;
    return 1;
}

#endif
