/* textin_ahead.h - a text input (textin.h) read one chunk ahead on a thread of its own:
 * while the caller works on one buffer the thread fills the other, so that decompressing
 * the input overlaps with the rest (tokenizing and compressing the output, in tok). */
#ifndef WP_TEXTIN_AHEAD_H
#define WP_TEXTIN_AHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "textin.h"

struct textin_ahead;

/* Starts reading in (which stays the caller's: close it after textin_ahead_stop) in chunks
 * of at most chunk bytes (at most INT_MAX) into bufs[0] and bufs[1], the caller's buffers
 * of chunk bytes each. WP_OK, WP_ENOMEM, or WP_EIO when the thread cannot start. */
int textin_ahead_start(struct textin_ahead **out, struct textin *in,
                       unsigned char *const bufs[2], size_t chunk);
/* The next chunk in *p: its length (> 0), 0 at the end of the input, or textin_read's
 * failure (textin_ahead_error says it in words). The chunk returned before is handed back
 * to the thread; once the end or a failure is returned, the thread has stopped. */
int textin_ahead_next(struct textin_ahead *a, const unsigned char **p);
/* textin_offset of the input once the chunk last returned by textin_ahead_next was read
 * (0 before the first): how far along the input the caller is, for a progress percent. */
uint64_t textin_ahead_offset(const struct textin_ahead *a);
/* The failure's message: errno's text (taken on the reading thread), "gzip: unexpected end
 * of file", or "gzip: " and zlib's word or the status's. "" when none. */
const char *textin_ahead_error(const struct textin_ahead *a);
/* Waits for the thread (call after textin_ahead_next has returned 0 or a failure) and frees
 * a. NULL is ignored. */
void textin_ahead_stop(struct textin_ahead *a);

#endif
