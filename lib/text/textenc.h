/* textenc.h - what the first bytes of a text say about its encoding: UTF-16 text that would
 * otherwise be read as one-letter words (a UTF-8 byte order mark to skip: common/bom.h). */
#ifndef WP_TEXTENC_H
#define WP_TEXTENC_H

#include <stddef.h>

/* 1 when the n bytes of p, the start of a text, are UTF-16: a UTF-16 byte order mark
 * (FF FE or FE FF), or, without one, NUL bytes in at least half of the first byte pairs,
 * all at the same place in the pair (ASCII as UTF-16). Else 0: a few stray NUL bytes in
 * UTF-8 text are not UTF-16. */
int textenc_is_utf16(const void *p, size_t n);

#endif
