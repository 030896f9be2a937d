/* textenc.h - what the first bytes of a text say about its encoding: UTF-16 or UTF-32 text
 * that would otherwise be read as one-letter words (a UTF-8 byte order mark to skip:
 * common/bom.h). */
#ifndef WP_TEXTENC_H
#define WP_TEXTENC_H

#include <stddef.h>

/* "UTF-32" or "UTF-16" when the n bytes of p, the start of a text, are in one of them: its
 * byte order mark, or, without one, NUL bytes in at least half of the first units at the
 * same places: two of a quad's (UTF-32 of the Basic Multilingual Plane), one of a pair's
 * (UTF-16 of ASCII or Latin-1). Else NULL: a few stray NUL bytes in UTF-8 text are not a
 * wide encoding. UTF-16 of other scripts without a mark has no such pattern: not told. */
const char *textenc_wide(const void *p, size_t n);

#endif
