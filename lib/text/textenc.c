/* textenc.c - byte order marks and UTF-16 told from the first bytes (textenc.h). */
#include "textenc.h"

enum {
    SNIFF_BYTES = 4096, /* the first block: enough pairs to see a pattern, cheap to scan */
    SNIFF_MIN_PAIRS = 4 /* fewer pairs than this are too few to call a pattern */
};

int
textenc_is_utf16(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return 1;
    const size_t pairs = (n < SNIFF_BYTES ? n : SNIFF_BYTES) / 2;
    if (pairs < SNIFF_MIN_PAIRS)
        return 0;
    size_t nul[2] = {0, 0}; /* NUL bytes at the even and at the odd place of a pair */
    for (size_t i = 0; i < pairs; i++) {
        nul[0] += b[2 * i] == 0;
        nul[1] += b[2 * i + 1] == 0;
    }
    /* UTF-16 of ASCII or Latin-1 has a NUL in nearly every pair, always at the same place;
     * UTF-32 would have them at both places, binary data anywhere */
    const size_t most = nul[0] > nul[1] ? nul[0] : nul[1];
    const size_t least = nul[0] > nul[1] ? nul[1] : nul[0];
    return 2 * most >= pairs && 16 * least <= most;
}
