/* bom.h - the UTF-8 byte-order mark (EF BB BF) that some editors and exporters put at the
 * start of a text file. Every reader of text skips it there, so it never becomes part of the
 * first word (an invisible "not in vocabulary") or turns a header into a malformed row. */
#ifndef WP_BOM_H
#define WP_BOM_H

#include <stddef.h>
#include <string.h>

#define UTF8_BOM "\xEF\xBB\xBF"
enum { UTF8_BOM_LEN = 3 };

/* The length of the mark at the start of the n bytes at p: UTF8_BOM_LEN, or 0 without one.
 * Call it on a text input's first bytes (its first line) only. */
static inline size_t
utf8_bom_len(const void *p, size_t n)
{
    return n >= UTF8_BOM_LEN && memcmp(p, UTF8_BOM, UTF8_BOM_LEN) == 0 ? UTF8_BOM_LEN : 0;
}

#endif
