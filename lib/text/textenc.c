/* textenc.c - byte order marks, UTF-16 and UTF-32 told from the first bytes (textenc.h). */
#include "textenc.h"

#include <string.h>

enum {
    SNIFF_BYTES = 4096, /* the first block: enough units to see a pattern, cheap to scan */
    SNIFF_MIN_UNITS = 4 /* fewer units than this are too few to call a pattern */
};

/* UTF-32 of any script of the Basic Multilingual Plane: two NUL bytes in at least half of
 * the first quads, at the same two places (2-3 little-endian, 0-1 big-endian), the other
 * two not both NUL. */
static int
nul_quads(const unsigned char *b, size_t n)
{
    const size_t quads = (n < SNIFF_BYTES ? n : SNIFF_BYTES) / 4;
    size_t le = 0, be = 0;
    if (quads < SNIFF_MIN_UNITS)
        return 0;
    for (size_t i = 0; i < quads; i++) {
        const unsigned char *q = b + 4 * i;
        le += q[2] == 0 && q[3] == 0 && (q[0] | q[1]) != 0;
        be += q[0] == 0 && q[1] == 0 && (q[2] | q[3]) != 0;
    }
    return 2 * le >= quads || 2 * be >= quads;
}

/* UTF-16 of ASCII or Latin-1: a NUL in nearly every pair, always at the same place (UTF-32
 * has them at both places, binary data anywhere). */
static int
nul_pairs(const unsigned char *b, size_t n)
{
    const size_t pairs = (n < SNIFF_BYTES ? n : SNIFF_BYTES) / 2;
    size_t nul[2] = {0, 0}; /* NUL bytes at the even and at the odd place of a pair */
    if (pairs < SNIFF_MIN_UNITS)
        return 0;
    for (size_t i = 0; i < pairs; i++) {
        nul[0] += b[2 * i] == 0;
        nul[1] += b[2 * i + 1] == 0;
    }
    const size_t most = nul[0] > nul[1] ? nul[0] : nul[1];
    const size_t least = nul[0] > nul[1] ? nul[1] : nul[0];
    return 2 * most >= pairs && 16 * least <= most;
}

const char *
textenc_wide(const void *p, size_t n)
{
    const unsigned char *b = p;
    /* FF FE 00 00 is UTF-32's little-endian mark before it is UTF-16's */
    if (n >= 4 && (memcmp(b, "\xFF\xFE\0\0", 4) == 0 || memcmp(b, "\0\0\xFE\xFF", 4) == 0))
        return "UTF-32";
    if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return "UTF-16";
    if (nul_quads(b, n))
        return "UTF-32";
    return nul_pairs(b, n) ? "UTF-16" : NULL;
}
